"""Filter inputs of the order lists, turned into plain values for the selectors."""

import graphene

from market.core.graphql.connection import connection_arguments
from market.core.graphql.inputs import enum_value
from market.core.graphql.mutations import decode_id
from market.orders.graphql.types import (
    OrderPaymentStatusEnum,
    OrderStatusEnum,
    SellerOrderStatusEnum,
)


class SellerOrderFilterInput(graphene.InputObjectType):
    status = graphene.List(graphene.NonNull(SellerOrderStatusEnum), description="Any of these.")
    created_from = graphene.Date(description="Placed on this day (Vietnam time) or later.")
    created_to = graphene.Date(description="Placed on this day (Vietnam time) or earlier.")
    sellers = graphene.List(graphene.NonNull(graphene.ID), description="Of these sellers.")


class OrderFilterInput(graphene.InputObjectType):
    status = graphene.List(graphene.NonNull(OrderStatusEnum), description="Any of these.")
    payment_status = graphene.List(graphene.NonNull(OrderPaymentStatusEnum))
    created_from = graphene.Date(description="Placed on this day (Vietnam time) or later.")
    created_to = graphene.Date(description="Placed on this day (Vietnam time) or earlier.")
    email = graphene.String(description="The buyer's email, exactly (any case).")


def list_arguments(filter_input: type[graphene.InputObjectType]) -> dict:
    return {**connection_arguments(), "filter": graphene.Argument(filter_input)}


def seller_order_filters(data) -> dict:
    """The ``seller_orders_visible_to`` keywords of a ``SellerOrderFilterInput``."""
    data = data or {}
    sellers = data.get("sellers")
    return {
        "status": enum_value(data.get("status")) or None,
        "created_from": data.get("created_from"),
        "created_to": data.get("created_to"),
        "seller_ids": None
        if sellers is None
        else [
            decode_id(value, "Seller", field=f"filter.sellers.{index}")
            for index, value in enumerate(sellers)
        ],
    }


def order_filters(data) -> dict:
    """The ``orders_narrowed`` keywords of an ``OrderFilterInput``."""
    data = data or {}
    return {
        "status": enum_value(data.get("status")) or None,
        "payment_status": enum_value(data.get("payment_status")) or None,
        "created_from": data.get("created_from"),
        "created_to": data.get("created_to"),
        "email": (data.get("email") or "").strip() or None,
    }
