"""Writes for sellers: creating and editing a seller's profile; its staff and invitations.

Who may create a seller is the caller's check (the GraphQL mutation declares it).
Every other function takes the acting user (``by``) and checks the object-level
rules itself, under the seller's row lock, because who acts is part of the rule:
only a seller's owners (and operators) edit it or invite to it, only operators
verify or suspend it, only the invited person accepts, a member may leave, and
an owner removed a moment ago must not remove the last other owner. ``by=None``
is the platform itself (the admin site, whose own permissions guard it, and the
demo loader) where a function allows it.
"""

import datetime
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from market.accounts.models import Address, User
from market.accounts.services import normalize_email
from market.core import changes as outbox
from market.core.addresses import normalize_phone, ward_named
from market.core.errors import DomainError, NotFound, PermissionDenied, invalid
from market.core.permissions import is_operator, is_seller_owner, require_seller_owner
from market.core.slugs import save_with_free_slug, slug_base
from market.core.transactions import service_transaction
from market.sellers import selectors
from market.sellers import tasks as seller_tasks
from market.sellers.models import Seller, SellerInvitation, SellerMembership
from market.sellers.validators import normalize_tax_code

SLUG_MAX_LENGTH = 240  # leaves room for a "-<n>" suffix within the column's 255
FALLBACK_SLUG = "nguoi-ban"

ADDRESS_FIELDS = ("street", "ward", "province", "former_district")
PROFILE_FIELDS = ("name", "kind", "tax_code", "phone", "email", "description")
OPERATOR_FIELDS = ("is_verified", "status")


@service_transaction
def seller_create(
    *,
    name: str,
    kind: str,
    tax_code: str = "",
    phone: str = "",
    email: str = "",
    description: str = "",
    address: dict | None = None,
    is_verified: bool = False,
) -> Seller:
    seller = Seller(name=name.strip(), kind=kind, description=description, is_verified=is_verified)
    _apply_profile(
        seller, contact={"tax_code": tax_code, "phone": phone, "email": email}, address=address
    )
    _insert_with_free_slug(seller)
    return seller


@service_transaction
def seller_update(
    *, seller_id: int, by: User | None, address: dict | None = None, **changes
) -> Seller:
    """Change the given fields only; the slug stays, so the seller's links keep working.

    The seller's owners edit its profile; verification and status are for operators.
    ``by`` is the person asking (the API always names one); ``None`` is the platform.
    """
    unknown = set(changes) - set(PROFILE_FIELDS) - set(OPERATOR_FIELDS)
    if unknown:
        raise TypeError(f"seller_update() got unexpected fields {sorted(unknown)}")
    seller = _seller_for_owner(seller_id, by=by, field="id")
    if by is not None and not is_operator(by):
        for field in OPERATOR_FIELDS:
            if field in changes:
                raise PermissionDenied(_("Only operators verify or suspend sellers."), field=field)
    contact = {key: changes.pop(key) for key in ("tax_code", "phone", "email") if key in changes}
    for field, value in changes.items():
        setattr(seller, field, value.strip() if field == "name" else value)
    _apply_profile(seller, contact=contact, address=address)
    _save_checking_tax_code(seller)
    # The search index carries the seller's name, kind, place and status.
    outbox.change_record(topic=outbox.SELLER, object_ids=[seller.pk])
    return seller


@service_transaction
def seller_staff_invite(
    *, seller_id: int, email: str, role: str, by: User | None
) -> SellerInvitation:
    """Invite the person with ``email`` to the seller's staff; they join only if they accept.

    The seller's owners and operators invite (``by=None``: the platform). An email
    with no account yet gets one, without a usable password, and the invitation
    email then carries a set-password link (see ``market.accounts.emails``). Either
    way the person must sign in and accept: an account opened by an invitation is
    still not consent to join, and a mistyped address must not make a stranger staff
    by their using the link.
    """
    seller = _seller_for_owner(seller_id, by=by, field="seller_id")
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.error_list}) from None
    _check_role(role)
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email)
    _check_may_be_staff(user, field="email")
    if SellerMembership.objects.filter(seller=seller, user=user).exists():
        raise DomainError(
            _("%(email)s is already staff of %(seller)s.")
            % {"email": email, "seller": seller.name},
            code="ALREADY_MEMBER",
            field="email",
        )
    now = timezone.now()
    # A pending invitation past its expiry no longer counts: mark it, so a new one may be made.
    SellerInvitation.objects.filter(
        seller=seller, user=user, status=SellerInvitation.Status.PENDING, expires_at__lte=now
    ).update(status=SellerInvitation.Status.EXPIRED, decided_at=now)
    try:
        with transaction.atomic():
            invitation = SellerInvitation.objects.create(
                seller=seller,
                user=user,
                role=role,
                invited_by=by,
                created_at=now,
                expires_at=now + datetime.timedelta(days=settings.SELLER_INVITATION_TTL_DAYS),
            )
    except IntegrityError:
        raise DomainError(
            _("%(email)s already has an invitation to %(seller)s waiting for an answer.")
            % {"email": email, "seller": seller.name},
            code="ALREADY_INVITED",
            field="email",
        ) from None
    transaction.on_commit(
        partial(seller_tasks.send_invitation_email.delay, invitation.pk), robust=True
    )
    return invitation


@service_transaction
def seller_invitation_accept(
    *, invitation_id: int, by: User
) -> tuple[SellerInvitation, SellerMembership]:
    """The invited person, signed in as ``by``, joins the seller in the invitation's role."""
    invitation = _invitation_to_answer(invitation_id, by=by)
    _check_may_be_staff(by, field="id")
    if SellerMembership.objects.filter(seller_id=invitation.seller_id, user=by).exists():
        raise DomainError(
            _("You are already staff of this seller."), code="ALREADY_MEMBER", field="id"
        )
    membership = SellerMembership.objects.create(
        seller_id=invitation.seller_id, user=by, role=invitation.role
    )
    _decide(invitation, SellerInvitation.Status.ACCEPTED, by=by)
    return invitation, membership


@service_transaction
def seller_invitation_decline(*, invitation_id: int, by: User) -> SellerInvitation:
    """The invited person, signed in as ``by``, says no; nothing else changes."""
    invitation = _invitation_to_answer(invitation_id, by=by)
    _decide(invitation, SellerInvitation.Status.DECLINED, by=by)
    return invitation


@service_transaction
def seller_invitation_revoke(*, invitation_id: int, by: User) -> SellerInvitation:
    """The seller's owner or an operator withdraws an invitation that waits for an answer."""
    invitation = _locked_invitation(invitation_id, by=by)
    if not (is_operator(by) or is_seller_owner(by, invitation.seller_id)):
        raise PermissionDenied(_("Only the seller's owners and operators revoke invitations."))
    _check_pending(invitation)
    _decide(invitation, SellerInvitation.Status.REVOKED, by=by)
    return invitation


@service_transaction
def seller_staff_remove(*, membership_id: int, by: User) -> Seller:
    """Take a person off a seller's staff: by its owners or operators, or by the person (leaving).

    A seller that has an owner always keeps one: the last owner can neither be
    removed nor leave. The seller's row lock makes that hold when two owners
    remove each other at the same moment (see ``_locked_seller``).
    """
    membership = _locked_membership(membership_id, by=by)
    leaving = membership.user_id == by.pk
    if not (leaving or is_operator(by) or is_seller_owner(by, membership.seller_id)):
        raise PermissionDenied(_("Only the seller's owners and operators remove its staff."))
    if membership.role == SellerMembership.Role.OWNER:
        _check_another_owner(membership)
    seller = membership.seller
    membership.delete()
    return seller


@service_transaction
def seller_staff_role_update(*, membership_id: int, role: str, by: User) -> SellerMembership:
    """Make a member owner or staff: by the seller's owners or operators; never its last owner."""
    _check_role(role)
    membership = _locked_membership(membership_id, by=by)
    if not (is_operator(by) or is_seller_owner(by, membership.seller_id)):
        raise PermissionDenied(_("Only the seller's owners and operators change staff roles."))
    if membership.role == SellerMembership.Role.OWNER and role != SellerMembership.Role.OWNER:
        _check_another_owner(membership)
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def _check_role(role: str) -> None:
    if role not in SellerMembership.Role.values:
        raise invalid("role", _("Unknown role %(role)r.") % {"role": role})


def _check_may_be_staff(user: User, *, field: str) -> None:
    # Auditors inspect sellers and operators arbitrate between them: working
    # for one would mark their own homework.
    if user.role in (User.Role.AUDITOR, User.Role.OPERATOR):
        raise DomainError(
            _("Auditors of the agriculture department and operators cannot be seller staff."),
            code="CANNOT_BE_STAFF",
            field=field,
        )


def _check_pending(invitation: SellerInvitation) -> None:
    if invitation.is_expired():
        raise DomainError(_("This invitation has expired."), code="INVITATION_EXPIRED", field="id")
    if invitation.status != SellerInvitation.Status.PENDING:
        answered = {
            SellerInvitation.Status.ACCEPTED: _("This invitation was already accepted."),
            SellerInvitation.Status.DECLINED: _("This invitation was declined."),
            SellerInvitation.Status.REVOKED: _("This invitation was revoked."),
        }
        raise DomainError(answered[invitation.status], code="INVITATION_NOT_PENDING", field="id")


def _check_another_owner(membership: SellerMembership) -> None:
    """Refuse to take away the seller's last owner (called under the seller's row lock)."""
    others = SellerMembership.objects.filter(
        seller_id=membership.seller_id, role=SellerMembership.Role.OWNER
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise DomainError(
            _("A seller keeps at least one owner: make another member owner first."),
            code="LAST_OWNER",
            field="membership_id",
        )


def _decide(invitation: SellerInvitation, status: str, *, by: User) -> None:
    invitation.status = status
    invitation.decided_at = timezone.now()
    invitation.decided_by = by
    invitation.save(update_fields=["status", "decided_at", "decided_by"])


def _locked_seller(seller_id: int) -> Seller:
    """Every change to a seller's staff or invitations first locks the seller's row.

    Changes to one seller's staff then happen one after another, and each
    sees what the one before it committed (PostgreSQL's READ COMMITTED takes a
    fresh snapshot for each statement), so checks such as "another owner
    remains" cannot be passed by two transactions at once.
    """
    return Seller.objects.select_for_update(of=("self",)).get(pk=seller_id)


def _seller_for_owner(seller_id: int, *, by: User | None, field: str) -> Seller:
    """The seller, locked, for one of its owners, an operator or the platform (``by=None``).

    Permission is checked before existence: anyone else is refused alike for a missing ID
    and another seller's; only operators are told that it does not exist.
    """
    if by is not None:
        require_seller_owner(by, seller_id)
    seller = (
        Seller.objects.select_for_update(of=("self",))
        .select_related("address")
        .filter(pk=seller_id)
        .first()
    )
    if seller is None:
        raise NotFound(_("This seller does not exist."), field=field)
    return seller


def _locked_invitation(invitation_id: int, *, by: User) -> SellerInvitation:
    """The invitation, locked after its seller, if ``by`` may see it; NOT_FOUND otherwise
    (the same answer for an unknown ID and for someone else's invitation)."""
    not_found = NotFound(_("This invitation does not exist."), field="id")
    visible = selectors.invitation_visible_to(by, invitation_id)
    return _locked_under_seller(SellerInvitation, visible, not_found=not_found)


def _invitation_to_answer(invitation_id: int, *, by: User) -> SellerInvitation:
    """The invitation, locked, if ``by`` is the invited person and it still waits."""
    invitation = _locked_invitation(invitation_id, by=by)
    if invitation.user_id != by.pk:
        raise PermissionDenied(_("Only the invited person can answer this invitation."))
    _check_pending(invitation)
    return invitation


def _locked_membership(membership_id: int, *, by: User) -> SellerMembership:
    """The membership, locked after its seller, if ``by`` may see it; NOT_FOUND otherwise."""
    not_found = NotFound(_("This membership does not exist."), field="membership_id")
    visible = selectors.membership_visible_to(by, membership_id)
    return _locked_under_seller(SellerMembership, visible, not_found=not_found)


def _locked_under_seller(model, visible, *, not_found: NotFound):
    """``visible`` (an invitation or membership ``by`` may see, or None) locked after its
    seller's row, read again under the lock: another transaction may have removed or
    changed it meanwhile."""
    if visible is None:
        raise not_found
    seller = _locked_seller(visible.seller_id)
    row = (
        model.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=visible.pk)
        .first()
    )
    if row is None:
        raise not_found
    row.seller = seller
    return row


def _apply_profile(seller: Seller, *, contact: dict, address: dict | None) -> None:
    """Validate the seller with its new contacts and address; save the address if all is well."""
    errors = _apply_contact_fields(seller, **contact)
    new_address = None
    if address is not None:
        new_address = _with_address_values(seller.address or Address(), address)
    _raise_if_invalid(seller, new_address, errors)
    if new_address is not None:
        new_address.save()
        seller.address = new_address


def _apply_contact_fields(seller: Seller, **values: str) -> dict[str, list[ValidationError]]:
    """Normalise tax code, phone and email in place; the errors of the bad ones, by field."""
    normalizers = {"tax_code": normalize_tax_code, "phone": normalize_phone, "email": str.lower}
    errors = {}
    for field, value in values.items():
        value = (value or "").strip()
        try:
            setattr(seller, field, normalizers[field](value) if value else "")
        except ValidationError as exc:
            errors[field] = exc.error_list
    return errors


def _with_address_values(address: Address, values: dict) -> Address:
    for field in ADDRESS_FIELDS:
        if values.get(field) is not None:
            setattr(address, field, values[field].strip())
    address.ward = ward_named(address.ward, address.province)
    return address


def _raise_if_invalid(seller: Seller, address: Address | None, errors: dict) -> None:
    """Report every bad field at once: the contacts' errors and the models' own checks."""
    try:
        # Uniqueness and constraints are the database's to enforce (see _save_checking_tax_code).
        seller.full_clean(
            exclude=["slug", "address", "logo", *errors],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if address is not None:
        try:
            address.full_clean(exclude=["user", "phone", "full_name"])
        except ValidationError as exc:
            errors.update({f"address.{field}": items for field, items in exc.error_dict.items()})
    if errors:
        raise ValidationError(errors)


def _insert_with_free_slug(seller: Seller) -> None:
    base = slug_base(seller.name, max_length=SLUG_MAX_LENGTH, fallback=FALLBACK_SLUG)
    if not save_with_free_slug(seller, base, save=partial(_save_checking_tax_code, seller)):
        raise DomainError(_("Could not find a free slug for this name; try again."), field="name")


def _save_checking_tax_code(seller: Seller) -> None:
    """Save, turning a tax code held by another seller into a field error.

    Checked before the write for a clear message, and by the database's
    unique constraint for two sellers saved at the same moment.
    """
    if seller.tax_code and (
        Seller.objects.filter(tax_code=seller.tax_code).exclude(pk=seller.pk).exists()
    ):
        raise _tax_code_taken()
    try:
        with transaction.atomic():
            seller.save()
    except IntegrityError:
        if seller.tax_code and (
            Seller.objects.filter(tax_code=seller.tax_code).exclude(pk=seller.pk).exists()
        ):
            raise _tax_code_taken() from None
        raise


def _tax_code_taken() -> ValidationError:
    return invalid("tax_code", _("Another seller is registered with this tax code."), "UNIQUE")
