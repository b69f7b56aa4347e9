"""Reads for sellers: who sees which seller, and search by name."""

from django.db.models import Q, QuerySet
from django.utils.text import slugify

from market.core.permissions import is_operator
from market.sellers.models import Seller, SellerMembership
from search.analysis import fold


def sellers_visible_to(user) -> QuerySet[Seller]:
    """Operators see every seller; everyone else sees only the active ones."""
    sellers = Seller.objects.select_related("address")
    if is_operator(user):
        return sellers
    return sellers.filter(status=Seller.Status.ACTIVE)


def search_sellers(sellers: QuerySet[Seller], text: str) -> QuerySet[Seller]:
    """Match the name as typed, or without diacritics ("phuoc hau" finds "Phước Hậu").

    The slug is the folded name, so it answers accent-free searches without a
    database extension; a tax code matches too, as operators look sellers up by it.
    """
    text = text.strip()
    if not text:
        return sellers
    condition = Q(name__icontains=text) | Q(tax_code__startswith=text)
    folded = slugify(fold(text))
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
