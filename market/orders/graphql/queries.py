"""Orders queries: an order for its buyer, by token for a guest, seller orders for staff,
every order for operators. Auditors see none (orders are no traceability record)."""

import graphene

from market.core.graphql.connection import SortKey, paginate
from market.core.permissions import OPERATOR, SELLER_STAFF_OR_OPERATOR
from market.orders import selectors
from market.orders.graphql.filters import (
    OrderFilterInput,
    SellerOrderFilterInput,
    list_arguments,
    order_filters,
    seller_order_filters,
)
from market.orders.graphql.types import (
    Order,
    OrderCountableConnection,
    SellerOrderCountableConnection,
)

NEWEST_FIRST = [SortKey("created_at", descending=True)]


def orders_page(rows, **pagination):
    return paginate(
        rows, connection_type=OrderCountableConnection, sort_keys=NEWEST_FIRST, **pagination
    )


class OrderQueries(graphene.ObjectType):
    order = graphene.Field(
        Order,
        number=graphene.String(required=True),
        description=(
            "An order by its number, for its buyer and operators (a seller's staff see "
            "their part of it); null for anyone else."
        ),
    )
    order_by_token = graphene.Field(
        Order,
        token=graphene.String(required=True),
        description="The order whose token this is: how a guest follows an order.",
    )
    seller_orders = graphene.Field(
        SellerOrderCountableConnection,
        required=True,
        description=(
            "Seller orders of your sellers (all for operators), newest first. For a "
            "seller's staff and operators."
        ),
        **list_arguments(SellerOrderFilterInput),
    )
    orders = graphene.Field(
        OrderCountableConnection,
        required=True,
        description="Every order, newest first. For operators.",
        **list_arguments(OrderFilterInput),
    )

    @staticmethod
    def resolve_order(_root, info, number):
        return selectors.order_of_buyer(info.context.user, number=number)

    @staticmethod
    def resolve_order_by_token(_root, _info, token):
        order = selectors.order_by_token(token)
        if order is not None:
            order.seen_whole = True
        return order

    @staticmethod
    def resolve_seller_orders(_root, info, filter=None, **pagination):
        SELLER_STAFF_OR_OPERATOR.check(info.context.user)
        rows = selectors.seller_orders_visible_to(info.context.user, **seller_order_filters(filter))
        return paginate(
            rows,
            connection_type=SellerOrderCountableConnection,
            sort_keys=NEWEST_FIRST,
            **pagination,
        )

    @staticmethod
    def resolve_orders(_root, info, filter=None, **pagination):
        OPERATOR.check(info.context.user)
        rows = selectors.orders_narrowed(
            selectors.orders_visible_to(info.context.user), **order_filters(filter)
        )
        return orders_page(rows, **pagination)
