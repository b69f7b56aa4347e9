"""Reads of sellers' shipping methods: who sees which, and what a buyer is offered."""

from functools import lru_cache

from django.db import connections, router
from django.db.models import Q, QuerySet

from market.checkout.models import ShippingMethod
from market.core.permissions import is_operator, seller_ids_of
from market.core.sql import ModelColumns, instances_for_ids, sql_table
from market.sellers.models import Seller


def shipping_methods_offered() -> QuerySet[ShippingMethod]:
    """What buyers may choose: active methods of active sellers."""
    return ShippingMethod.objects.filter(is_active=True, seller__status=Seller.Status.ACTIVE)


def shipping_methods_offered_of_sellers(seller_ids) -> list[ShippingMethod]:
    """``shipping_methods_offered()`` of ``seller_ids``, cheapest first within a seller
    (``order_by("seller_id", "price", "pk")``), in SQL built once per database: every step
    of the buying flow reads them (``market.core.sql.ModelColumns``). The same rule as
    ``shipping_methods_offered``, which a test holds them to."""
    seller_ids = list(seller_ids)
    if not seller_ids:
        return []
    connection = connections[router.db_for_read(ShippingMethod)]
    head, tail, reads = _offered_sql(connection.alias)
    rows = instances_for_ids(
        connection, head, tail, seller_ids, reads, before=(True, Seller.Status.ACTIVE.value)
    )
    return [method for (method,) in rows]


@lru_cache(maxsize=8)
def _offered_sql(alias: str) -> tuple[str, str, tuple[ModelColumns, ...]]:
    connection = connections[alias]
    methods, method = sql_table(connection, ShippingMethod, "offered_m")
    sellers, seller = sql_table(connection, Seller, "offered_s")
    reads = ModelColumns.sequence(connection, (ShippingMethod, "offered_m"))
    head = (
        f"SELECT {reads[0].select(connection)} FROM {methods}"  # noqa: S608 - names from the models
        f" INNER JOIN {sellers} ON {method('seller')} = {seller('id')}"
        f" WHERE {method('is_active')} = %s AND {seller('status')} = %s"
        f" AND {method('seller')} IN ("
    )
    tail = f") ORDER BY {method('seller')}, {method('price')}, {method('id')}"
    return head, tail, reads


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
