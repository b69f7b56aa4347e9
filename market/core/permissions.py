"""Who may do what: every check lives here and is called by mutations and resolvers."""

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from market.core.errors import PermissionDenied


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


def require_operator(user) -> None:
    require_authenticated(user)
    if not is_operator(user):
        raise PermissionDenied(_("Only marketplace operators may do this."))


def require_auditor_or_operator(user) -> None:
    require_authenticated(user)
    if not (is_auditor(user) or is_operator(user)):
        raise PermissionDenied(
            _("Only auditors of the agriculture department or operators may do this.")
        )


def require_seller_staff(user, seller_id: int) -> None:
    """Object-level: staff act only for their own seller; operators for any."""
    require_authenticated(user)
    if is_operator(user) or seller_id in seller_ids_of(user):
        return
    raise PermissionDenied(_("You are not staff of this seller."))


def require_seller_owner(user, seller_id: int) -> None:
    require_authenticated(user)
    if is_operator(user) or is_seller_owner(user, seller_id):
        return
    raise PermissionDenied(_("Only the seller's owners and operators may do this."))
