"""Per-request batch loaders of orders' related and list fields: one query per field for a
whole page, so a page of orders or seller orders costs the same at any size
(tests/orders/test_query_counts.py).

The lists of an order are keyed by ``(order id, whole)``: ``whole`` when the caller sees
every part of it (its buyer, a guest by token, an operator), else only their sellers'
parts and the events that are theirs or the order's own.
"""

from django.db.models import F

from catalog.graphql.dataloaders import StockByVariantIdLoader
from catalog.models import ProductVariant
from market.core.graphql.dataloaders import ByKeyLoader, DataLoader, GroupedByKeyLoader
from market.core.graphql.execution import prime
from market.orders import selectors
from market.orders.models import Order, SellerOrder


class OrderByIdLoader(ByKeyLoader):
    """Orders by primary key, reached from a seller order or an event the caller sees."""

    def rows(self, keys):
        return Order.objects.in_bulk(keys).values()


class SellerOrderByIdLoader(ByKeyLoader):
    """Seller orders by primary key, reached from an event the caller sees."""

    def rows(self, keys):
        return SellerOrder.objects.in_bulk(keys).values()


class LinesBySellerOrderIdLoader(GroupedByKeyLoader):
    key_field = "seller_order_id"

    def rows(self, keys):
        return selectors.order_lines_of_seller_orders(keys)


class VariantByIdLoader(ByKeyLoader):
    """The variants of order lines, with their stock (and their seller, which decides who
    sees that stock) in the same query."""

    def rows(self, keys):
        variants = list(
            ProductVariant.objects.filter(pk__in=keys)
            .select_related("stock")
            .annotate(product_seller_id=F("product__seller_id"))
        )
        stocks = StockByVariantIdLoader(self.context)
        for variant in variants:
            prime(stocks, variant.pk, getattr(variant, "stock", None))
        return variants


class SellerOrdersByOrderLoader(DataLoader):
    """Keys ``(order id, whole)``: the seller orders of each the caller may read."""

    def batch_load(self, keys):
        order_ids = [order_id for order_id, _whole in keys]
        whole = {order_id for order_id, sees_all in keys if sees_all}
        grouped = selectors.seller_orders_of_orders_visible_to(
            self.context.user, order_ids, whole=whole
        )
        for order_id in whole:
            for part in grouped[order_id]:
                part.seen_whole = True
        return [grouped[order_id] for order_id, _whole in keys]


class EventsByOrderLoader(DataLoader):
    """Keys ``(order id, whole)``: each order's timeline as the caller may read it."""

    def batch_load(self, keys):
        order_ids = [order_id for order_id, _whole in keys]
        whole = {order_id for order_id, sees_all in keys if sees_all}
        grouped = selectors.order_events_visible_to(self.context.user, order_ids, whole=whole)
        return [grouped[order_id] for order_id, _whole in keys]
