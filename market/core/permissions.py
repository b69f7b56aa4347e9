"""Who may do what: every check lives here and is called by mutations and resolvers.

Role rules are ``Requirement`` objects that a mutation declares in its
``Meta.permissions`` (checked once by ``BaseMutation`` before anything else);
object-level rules (staff of *this* seller) are the ``require_*`` functions the
services call.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from market.core.errors import NotFound, PermissionDenied


def is_operator(user) -> bool:
    return bool(user and user.is_authenticated and user.role == "operator")


def is_auditor(user) -> bool:
    return bool(user and user.is_authenticated and user.role == "auditor")


def seller_ids_of(user) -> set[int]:
    """Sellers the user is staff of (owner or staff), cached on the user object."""
    if not user or not user.is_authenticated:
        return set()
    cached = getattr(user, "_seller_ids", None)
    if cached is None:
        cached = set(user.seller_memberships.values_list("seller_id", flat=True))
        user._seller_ids = cached
    return cached


def is_seller_owner(user, seller_id: int) -> bool:
    if not user or not user.is_authenticated:
        return False
    return user.seller_memberships.filter(seller_id=seller_id, role="owner").exists()


def require_authenticated(user) -> None:
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        raise PermissionDenied(_("You need to be signed in."), code="AUTHENTICATION_REQUIRED")


NOT_SELLER_STAFF = gettext_lazy("You are not staff of this seller.")


@dataclass(frozen=True)
class Requirement:
    """A role rule: who may call a mutation, said in English for the schema's description."""

    who: str
    allows: Callable[[object], bool]
    refusal: str = ""
    signed_in: bool = True

    def check(self, user) -> None:
        """Raise ``PermissionDenied`` (``AUTHENTICATION_REQUIRED`` when signed out) unless met."""
        if self.signed_in:
            require_authenticated(user)
        if not self.allows(user):
            raise PermissionDenied(str(self.refusal))


ANYONE = Requirement(who="nothing, anyone may call it", allows=lambda user: True, signed_in=False)
AUTHENTICATED = Requirement(who="a signed-in user", allows=lambda user: True)
OPERATOR = Requirement(
    who="an operator",
    allows=is_operator,
    refusal=gettext_lazy("Only marketplace operators may do this."),
)
AUDITOR_OR_OPERATOR = Requirement(
    who="an auditor of the agriculture department, or an operator",
    allows=lambda user: is_auditor(user) or is_operator(user),
    refusal=gettext_lazy("Only auditors of the agriculture department or operators may do this."),
)
# Which seller is an object-level rule, checked by the service (``require_seller_staff``).
SELLER_STAFF_OR_OPERATOR = Requirement(
    who="staff of a seller, or an operator",
    allows=lambda user: is_operator(user) or bool(seller_ids_of(user)),
    refusal=NOT_SELLER_STAFF,
)
# Readers of a seller's records who check, not write (a lot's chain): which seller is the
# service's rule.
SELLER_STAFF_AUDITOR_OR_OPERATOR = Requirement(
    who="staff of a seller, an auditor of the agriculture department, or an operator",
    allows=lambda user: is_auditor(user) or is_operator(user) or bool(seller_ids_of(user)),
    refusal=gettext_lazy(
        "Only a seller's staff, auditors of the agriculture department or operators may do this."
    ),
)


def require_auditor_or_operator(user) -> None:
    AUDITOR_OR_OPERATOR.check(user)


def require_seller_staff(user, seller_id: int) -> None:
    """Object-level: staff act only for their own seller; operators for any."""
    require_authenticated(user)
    if is_operator(user) or seller_id in seller_ids_of(user):
        return
    raise PermissionDenied(str(NOT_SELLER_STAFF))


def require_seller_owner(user, seller_id: int) -> None:
    require_authenticated(user)
    if is_operator(user) or is_seller_owner(user, seller_id):
        return
    raise PermissionDenied(_("Only the seller's owners and operators may do this."))


def is_row_id(value) -> bool:
    """Whether ``value`` can be a primary key: an int (not a bool) in the bigint range."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def fetch_for_seller_staff(
    queryset,
    pk,
    *,
    by,
    not_found: NotFound,
    seller_field: str = "seller_id",
    platform: bool = False,
    sees_all: Callable[[object], bool] = is_operator,
    lock: bool = False,
):
    """The object of ``queryset`` with ``pk`` if ``by`` may act on it: staff of its seller,
    or anyone ``sees_all`` admits (operators; auditors too, for readers of chains), or the
    platform itself (``by=None``) where ``platform`` allows it. ``lock`` takes its row lock
    (``select_for_update``, of its own row only) for the caller's transaction.

    Permission before existence: whoever may not act on it gets the same refusal whether or
    not it exists, so nobody probes the IDs of other sellers' records; only those who may
    see everything are told ``not_found``.
    """
    if not (by is None and platform):
        require_authenticated(by)
    told = by is None or sees_all(by)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    found = None
    if is_row_id(pk):
        if not told:
            queryset = queryset.filter(**{f"{seller_field}__in": seller_ids_of(by)})
        found = queryset.filter(pk=pk).first()
    if found is not None:
        return found
    if told:
        raise not_found
    raise PermissionDenied(str(NOT_SELLER_STAFF))
