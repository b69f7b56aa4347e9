"""Writes for sellers: creating and editing a seller's profile, inviting its staff.

Permissions are the caller's business (the GraphQL mutations check them with
``market.core.permissions``); these functions check the data.
"""

import re
from functools import partial

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from market.accounts import tasks as account_tasks
from market.accounts.models import Address, User
from market.accounts.services import normalize_email
from market.core.errors import DomainError, invalid
from market.sellers.models import Seller, SellerMembership
from market.sellers.validators import normalize_phone, normalize_tax_code
from search import services as search_services
from search.analysis import fold

SLUG_MAX_LENGTH = 240  # leaves room for a "-<n>" suffix within the column's 255
SLUG_ATTEMPTS = 5
FALLBACK_SLUG = "nguoi-ban"

ADDRESS_FIELDS = ("street", "ward", "province", "former_district")
PROFILE_FIELDS = ("name", "kind", "tax_code", "phone", "email", "description")
OPERATOR_FIELDS = ("is_verified", "status")


class AlreadyMember(DomainError):
    code = "ALREADY_MEMBER"


@transaction.atomic
def create_seller(
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


@transaction.atomic
def update_seller(*, seller: Seller, address: dict | None = None, **changes) -> Seller:
    """Change the given fields only; the slug stays, so the seller's links keep working."""
    unknown = set(changes) - set(PROFILE_FIELDS) - set(OPERATOR_FIELDS)
    if unknown:
        raise TypeError(f"update_seller() got unexpected fields {sorted(unknown)}")
    seller = (
        Seller.objects.select_for_update(of=("self",)).select_related("address").get(pk=seller.pk)
    )
    contact = {key: changes.pop(key) for key in ("tax_code", "phone", "email") if key in changes}
    for field, value in changes.items():
        setattr(seller, field, value.strip() if field == "name" else value)
    _apply_profile(seller, contact=contact, address=address)
    _save_checking_tax_code(seller)
    # The search index carries the seller's name, kind, place and status.
    search_services.schedule_product_reindex(
        product_ids=search_services.product_ids_for_seller(seller.pk)
    )
    return seller


@transaction.atomic
def invite_staff(*, seller: Seller, email: str, role: str) -> SellerMembership:
    """Make the person with ``email`` staff of ``seller``, creating their account if needed.

    The person is told by email. A new account has no usable password: the
    email carries a set-password link (see ``market.accounts.emails``).
    """
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.error_list}) from None
    if role not in SellerMembership.Role.values:
        raise invalid("role", f"Unknown role {role!r}.")
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email)
    elif user.role == User.Role.AUDITOR:
        # Auditors inspect sellers; working for one would mark their own homework.
        raise invalid("email", "An auditor of the agriculture department cannot be seller staff.")
    try:
        with transaction.atomic():
            membership = SellerMembership.objects.create(seller=seller, user=user, role=role)
    except IntegrityError:
        raise AlreadyMember(f"{email} is already staff of {seller.name}.", field="email") from None
    transaction.on_commit(
        partial(account_tasks.send_staff_invitation_email.delay, membership.pk), robust=True
    )
    return membership


def slug_for(name: str, *, taken: set[str]) -> str:
    """A URL slug from a Vietnamese name ("Hợp tác xã Đông Hải" → "hop-tac-xa-dong-hai").

    ``slugify`` alone would drop "đ" (it has no ASCII decomposition), so the
    name is folded first; a suffix ``-2``, ``-3``... avoids the ``taken`` ones.
    """
    base = _slug_base(name)
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _slug_base(name: str) -> str:
    return slugify(fold(name))[:SLUG_MAX_LENGTH].strip("-") or FALLBACK_SLUG


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
    pattern = rf"^{re.escape(_slug_base(seller.name))}(-[0-9]+)?$"
    for _attempt in range(SLUG_ATTEMPTS):
        taken = set(Seller.objects.filter(slug__regex=pattern).values_list("slug", flat=True))
        seller.slug = slug_for(seller.name, taken=taken)
        try:
            _save_checking_tax_code(seller)
            return
        except IntegrityError:
            # Another seller of the same name took this slug since we looked: try the next.
            continue
    raise DomainError("Could not find a free slug for this name; try again.", field="name")


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
    return invalid("tax_code", "Another seller is registered with this tax code.", "UNIQUE")
