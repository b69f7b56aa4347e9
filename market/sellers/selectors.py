"""Reads for sellers: who sees which seller, its staff and its invitations; search by name."""

from functools import lru_cache

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import Q, QuerySet
from django.utils import timezone

from market.core.permissions import is_operator, seller_ids_of
from market.core.slugs import slugify_name
from market.core.sql import ModelColumns, instances_for_ids, sql_table
from market.sellers.models import Seller, SellerInvitation, SellerMembership


def sellers_visible_to(user) -> QuerySet[Seller]:
    """Operators see every seller; everyone else sees only the active ones."""
    sellers = Seller.objects.select_related("address")
    if is_operator(user):
        return sellers
    return sellers.filter(status=Seller.Status.ACTIVE)


def sellers_matching(sellers: QuerySet[Seller], text: str) -> QuerySet[Seller]:
    """Match the name as typed, or without diacritics ("phuoc hau" finds "Phước Hậu").

    The slug is the folded name, so it answers accent-free searches without a
    database extension; a tax code matches too, as operators look sellers up by it.
    """
    text = text.strip()
    if not text:
        return sellers
    condition = Q(name__icontains=text) | Q(tax_code__startswith=text)
    folded = slugify_name(text)
    if folded:
        condition |= Q(slug__contains=folded)
    return sellers.filter(condition)


def seller_visible_to(user, *, pk: int | None = None, slug: str | None = None) -> Seller | None:
    lookup = {"pk": pk} if pk is not None else {"slug": slug}
    return sellers_visible_to(user).filter(**lookup).first()


def memberships_of_users(user_ids: list[int]) -> QuerySet[SellerMembership]:
    return (
        SellerMembership.objects.filter(user_id__in=user_ids)
        .select_related("seller__address", "user")
        .order_by("created_at", "pk")
    )


def memberships_of_sellers(seller_ids: list[int]) -> QuerySet[SellerMembership]:
    return (
        SellerMembership.objects.filter(seller_id__in=seller_ids)
        .select_related("seller__address", "user")
        .order_by("created_at", "pk")
    )


def seller_ids_owned_by(user) -> set[int]:
    """Sellers the user owns, cached on the user object for the rest of the request."""
    if not user or not user.is_authenticated:
        return set()
    cached = getattr(user, "_owned_seller_ids", None)
    if cached is None:
        cached = set(
            user.seller_memberships.filter(role=SellerMembership.Role.OWNER).values_list(
                "seller_id", flat=True
            )
        )
        user._owned_seller_ids = cached
    return cached


def membership_visible_to(user, pk: int) -> SellerMembership | None:
    """A membership, for the seller's own staff and operators; None for everyone else.

    "Not visible" and "does not exist" are one answer, so that a stranger
    cannot learn which IDs exist.
    """
    if not user or not user.is_authenticated:
        return None
    membership = SellerMembership.objects.select_related("seller", "user").filter(pk=pk).first()
    if membership is None:
        return None
    if is_operator(user) or membership.seller_id in seller_ids_of(user):
        return membership
    return None


def invitation_visible_to(user, pk: int) -> SellerInvitation | None:
    """An invitation, for the invited person, the seller's owners and operators; else None."""
    if not user or not user.is_authenticated:
        return None
    invitation = SellerInvitation.objects.select_related("seller", "user").filter(pk=pk).first()
    if invitation is None:
        return None
    if (
        invitation.user_id == user.pk
        or is_operator(user)
        or invitation.seller_id in seller_ids_owned_by(user)
    ):
        return invitation
    return None


def invitations_pending() -> QuerySet[SellerInvitation]:
    """Invitations still waiting for an answer: pending and not past their expiry."""
    return SellerInvitation.objects.filter(
        status=SellerInvitation.Status.PENDING, expires_at__gt=timezone.now()
    )


def invitations_pending_of_users(user_ids: list[int]) -> QuerySet[SellerInvitation]:
    return _invitations_pending_listed(user_id__in=user_ids)


def invitations_pending_of_sellers(seller_ids: list[int]) -> QuerySet[SellerInvitation]:
    return _invitations_pending_listed(seller_id__in=seller_ids)


def _invitations_pending_listed(**lookup) -> QuerySet[SellerInvitation]:
    """Pending invitations narrowed by ``lookup``, newest first, with what a list shows."""
    return (
        invitations_pending()
        .filter(**lookup)
        .select_related("seller__address", "user")
        .order_by("-created_at", "-pk")
    )


def active_memberships_with_users(seller_ids: list[int]) -> list[SellerMembership]:
    """The memberships of these sellers whose user is active, in the order they joined,
    each with its user: who gets a seller's emails. One query, written as SQL (the worker
    reads it for every order placed)."""
    if not seller_ids:
        return []
    connection = connections[router.db_for_read(SellerMembership)]
    head, tail, reads = _memberships_sql(connection.alias)
    memberships = []
    for membership, user in instances_for_ids(connection, head, tail, seller_ids, reads):
        SellerMembership.user.field.set_cached_value(membership, user)
        memberships.append(membership)
    return memberships


@lru_cache(maxsize=8)
def _memberships_sql(alias: str) -> tuple[str, str, tuple[ModelColumns, ...]]:
    connection = connections[alias]
    user_model = get_user_model()
    memberships, membership = sql_table(connection, SellerMembership, "mail_m")
    users, user = sql_table(connection, user_model, "mail_u")
    reads = ModelColumns.sequence(connection, (SellerMembership, "mail_m"), (user_model, "mail_u"))
    columns = ", ".join(read.select(connection) for read in reads)
    head = (
        f"SELECT {columns} FROM {memberships}"  # noqa: S608 - names from the models
        f" INNER JOIN {users} ON {membership('user')} = {user('id')}"
        f" WHERE {user('is_active')} AND {membership('seller')} IN ("
    )
    return head, f") ORDER BY {membership('id')}", reads
