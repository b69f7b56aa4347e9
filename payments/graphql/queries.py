"""Payments queries: the methods a checkout may offer. A payment itself is read on its
order (``Order.payments``) or by its ID (``node``)."""

import graphene

from payments import methods
from payments.graphql.types import PaymentMethod


class PaymentQueries(graphene.ObjectType):
    """Reads of payments."""

    payment_gateways = graphene.List(
        graphene.NonNull(PaymentMethod),
        required=True,
        description=(
            "The ways to pay a checkout may offer, in the marketplace's order: cash on "
            "delivery and the online gateways (`orderPaymentStart` takes an online one's code)."
        ),
    )

    @staticmethod
    def resolve_payment_gateways(_root, _info):
        return methods.methods_available()
