"""Reads of sellers' shipping methods: who sees which, and what a buyer is offered."""

from django.db.models import Q, QuerySet

from market.checkout.models import ShippingMethod
from market.core.permissions import is_operator, seller_ids_of
from market.sellers.models import Seller


def shipping_methods_offered() -> QuerySet[ShippingMethod]:
    """What buyers may choose: active methods of active sellers."""
    return ShippingMethod.objects.filter(is_active=True, seller__status=Seller.Status.ACTIVE)


def shipping_methods_visible_to(user) -> QuerySet[ShippingMethod]:
    """Operators see every method; a seller's staff also see their own seller's inactive
    methods (and all of them while the seller is suspended); everyone else sees what is
    offered."""
    if is_operator(user):
        return ShippingMethod.objects.all()
    offered = Q(is_active=True, seller__status=Seller.Status.ACTIVE)
    own_seller_ids = seller_ids_of(user)
    if own_seller_ids:
        return ShippingMethod.objects.filter(offered | Q(seller_id__in=own_seller_ids))
    return ShippingMethod.objects.filter(offered)


def shipping_methods_of_sellers_visible_to(user, seller_ids: list[int]) -> QuerySet[ShippingMethod]:
    """The methods of ``seller_ids`` that ``user`` sees, cheapest first within a seller,
    each with its seller (the visibility rule joins it anyway)."""
    return (
        shipping_methods_visible_to(user)
        .filter(seller_id__in=seller_ids)
        .select_related("seller")
        .order_by("seller_id", "price", "pk")
    )
