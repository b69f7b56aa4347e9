"""Payments mutations: thin shells that decode IDs and call ``payments.services``.

The buyer (signed in, or a guest giving the order's token) or an operator starts paying
an order at a gateway; operators refund; a seller's staff record the cash of a delivered
part paid on delivery. Who may act on which order or part is the services' rule.
"""

import graphene

from market.core import throttle
from market.core.graphql.mutations import (
    BaseMutation,
    decode_id,
    error_codes,
    error_type_for,
    service_perform,
)
from market.core.permissions import ANYONE, OPERATOR, SELLER_STAFF_OR_OPERATOR
from market.orders.graphql.types import SellerOrder
from payments.graphql.types import Payment
from payments.services import cod, refunds, start

PaymentErrorCode = error_codes("PaymentErrorCode", "INVALID_STATUS", "GATEWAY_UNAVAILABLE")
PaymentError = error_type_for("PaymentError", PaymentErrorCode)


class PaymentMeta:
    error_type = PaymentError
    error_code_enum = PaymentErrorCode


class OrderPaymentStart(BaseMutation):
    payment = graphene.Field(
        Payment, description="The attempt, with its `action`: what the buyer does next."
    )

    class Arguments:
        id = graphene.ID(required=True, description="The order to pay.")
        gateway = graphene.String(
            required=True, description="The code of an online method of `paymentGateways`."
        )
        token = graphene.String(description="The order's token, for a guest.")

    class Meta(PaymentMeta):
        description = (
            "Start paying an unpaid order at a gateway, for the order's total: the payment "
            "answers a URL to open, a QR code to show or a card form's client secret. Asked "
            "again while that attempt is pending, it answers the same attempt. The order's "
            "buyer (signed in, or a guest giving its `token`) and operators may call it."
        )
        permissions = (ANYONE,)

    @classmethod
    def perform(cls, _root, info, id, gateway, token=None):
        payment = start.payment_start(
            order_id=decode_id(id, "Order", field="id"),
            gateway_code=gateway,
            by=info.context.user,
            token=token,
            # VNPay wants the buyer's address (vnp_IpAddr): REMOTE_ADDR, or what our own
            # proxies saw.
            client_ip=throttle.client_address(info.context),
        )
        return {"payment": payment}


class PaymentRefund(BaseMutation):
    payment = graphene.Field(Payment)

    class Arguments:
        id = graphene.ID(required=True, description="A paid payment.")
        amount = graphene.Int(
            description="Whole VND, at most what is left to refund; all of it when omitted."
        )
        reason = graphene.String(description="Told to the gateway, where it takes one.")

    class Meta(PaymentMeta):
        description = (
            "Give back some or all of a payment's money through its gateway (recorded as a "
            "manual refund for a bank transfer or cash, which a person pays back)."
        )
        permissions = (OPERATOR,)

    @classmethod
    def perform(cls, _root, info, id, amount=None, reason=None):
        payment = refunds.payment_refund(
            payment_id=decode_id(id, "Payment", field="id"),
            amount=amount,
            reason=reason or "",
            by=info.context.user,
        )
        return {"payment": payment}


class SellerOrderCashCollect(BaseMutation):
    seller_order = graphene.Field(SellerOrder)

    class Arguments:
        id = graphene.ID(required=True, description="A delivered part of an order paid in cash.")

    class Meta(PaymentMeta):
        description = (
            "The seller has the buyer's cash for its delivered part; the order is paid once "
            "every part's cash is in. Staff act for their own seller only."
        )
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(
        cod.seller_order_cash_collect,
        returns="seller_order",
        ids={"id": ("seller_order_id", "SellerOrder")},
    )


class PaymentMutations(graphene.ObjectType):
    """Writes of payments."""

    order_payment_start = OrderPaymentStart.Field()
    payment_refund = PaymentRefund.Field()
    seller_order_cash_collect = SellerOrderCashCollect.Field()
