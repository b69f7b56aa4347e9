"""``Order.payments``: payments sit above orders, so they define the field that the orders'
``Order`` type mounts with ``market.core.graphql.fields.field_from``."""

import graphene

from market.core.graphql.execution import prime
from market.orders.graphql.dataloaders import OrderByIdLoader
from market.orders.graphql.types import sees_whole
from payments.graphql.dataloaders import PaymentsByOrderIdLoader
from payments.graphql.types import Payment


def _resolve_order_payments(root, info):
    # A seller's staff see their parts of an order, not how the whole of it was paid.
    if not sees_whole(root, info):
        return []
    # A payment's ``order`` is this one: no query to find it again.
    prime(OrderByIdLoader(info.context), root.pk, root)
    return PaymentsByOrderIdLoader(info.context).load(root.pk)


def order_payments_field() -> graphene.List:
    return graphene.List(
        graphene.NonNull(Payment),
        required=True,
        description=(
            "Every attempt to pay the order, newest first. Empty for a seller's staff: they "
            "see their parts, not how the whole order was paid."
        ),
        resolver=_resolve_order_payments,
    )
