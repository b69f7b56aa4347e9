"""GraphQL types of payments: the methods offered, an attempt to pay and its events.

Shaped as Saleor's Transactions API: a ``Payment`` (its ``TransactionItem``) with its
amounts charged and refunded, summed from its append-only ``TransactionEvent`` list. A
payment is shown only to whoever sees its whole order (its buyer, a guest holding the
order's token, an operator); what an operator must look at (``needsReview``) is shown to
operators alone. No secret is ever part of a type here: a payment shows what the buyer
does next (``action``), never the gateway's keys, and an event shows what happened,
never the notification that told it.
"""

import graphene
from graphene_django import DjangoObjectType

from market.core.graphql.dataloaders import resolve_by_pk, then
from market.core.graphql.types import Money, money_of
from market.core.permissions import is_operator
from market.orders import selectors as order_selectors
from market.orders.graphql.dataloaders import OrderByIdLoader
from market.orders.graphql.types import Order
from payments import methods, models
from payments.graphql.dataloaders import EventsByPaymentIdLoader

PaymentStatusEnum = graphene.Enum.from_enum(
    models.Payment.Status,
    name="PaymentStatusEnum",
    description="Where an attempt to pay is: pending until the gateway confirms the money.",
)
TransactionEventKindEnum = graphene.Enum.from_enum(
    models.TransactionEvent.Kind,
    name="TransactionEventKindEnum",
    description="What a gateway (or a person, for cash and bank transfers) said happened.",
)


class PaymentMethod(graphene.ObjectType):
    code = graphene.String(
        required=True,
        description="What `checkoutPaymentMethodUpdate` and `orderPaymentStart` take.",
    )
    name = graphene.String(required=True)
    online = graphene.Boolean(
        required=True,
        description="Paid online (the order waits for the payment) or on delivery.",
    )

    class Meta:
        description = "A way to pay the marketplace offers."

    @staticmethod
    def resolve_name(root: methods.PaymentMethod, _info):
        return str(root.name)


class PaymentAction(graphene.ObjectType):
    kind = graphene.String(
        required=True,
        description=(
            "`none` for cash on delivery; `redirect` (open `data.url`), `qr` (show "
            "`data.image` or `data.payload`) or `client_secret` (confirm the card with "
            "`data.client_secret`)."
        ),
    )
    data = graphene.JSONString(required=True, description="What the kind needs: a URL, a QR.")

    class Meta:
        description = "What the buyer does next to pay for an order."


def payment_action_of(stored: dict) -> PaymentAction | None:
    """A payment's stored ``action`` (``{"kind": ..., **data}``) as a ``PaymentAction``."""
    if not stored or "kind" not in stored:
        return None
    data = {name: value for name, value in stored.items() if name != "kind"}
    return PaymentAction(kind=stored["kind"], data=data)


class TransactionEvent(DjangoObjectType):
    kind = graphene.Field(TransactionEventKindEnum, required=True)
    amount = graphene.Field(Money, required=True)
    message = graphene.String(
        required=True, description="The gateway's words, or the person's, about it; may be empty."
    )

    class Meta:
        model = models.TransactionEvent
        fields = ("created_at",)
        description = "One thing that happened to a payment; never changed once recorded."

    @staticmethod
    def resolve_kind(root: models.TransactionEvent, _info):
        return root.kind

    resolve_amount = money_of("amount")

    @staticmethod
    def resolve_message(root: models.TransactionEvent, _info):
        return root.message


def _operators_only(attribute: str):
    def resolve(root, info):
        return getattr(root, attribute) if is_operator(info.context.user) else None

    return resolve


class Payment(DjangoObjectType):
    gateway = graphene.String(
        required=True,
        description="The gateway's code: `vnpay`, `momo`, `vietqr`, `stripe`, or `cod` for cash.",
    )
    reference = graphene.String(
        required=True,
        description="What the gateway knows the attempt by (a bank transfer's content).",
    )
    status = graphene.Field(PaymentStatusEnum, required=True)
    amount = graphene.Field(Money, required=True, description="The order's total when started.")
    charged = graphene.Field(Money, required=True, description="Summed from the events.")
    refunded = graphene.Field(Money, required=True, description="Summed from the events.")
    action = graphene.Field(
        PaymentAction,
        description=(
            "What the buyer does next to pay; null once there is nothing left to do (paid, "
            "failed or replaced) and for cash."
        ),
    )
    events = graphene.List(
        graphene.NonNull(TransactionEvent), required=True, description="Oldest first."
    )
    order = graphene.Field(lambda: Order, required=True, description="The order it pays.")
    needs_review = graphene.Boolean(
        description=(
            "Something arrived that a person must look at (an under- or over-payment). "
            "Null except for operators."
        )
    )
    review_reason = graphene.String(description="Why. Null except for operators.")

    class Meta:
        model = models.Payment
        interfaces = (graphene.relay.Node,)
        fields = ("id", "created_at")
        description = (
            "One attempt to pay an order through one gateway, for the order's total as the "
            "server computed it."
        )

    @classmethod
    def get_node(cls, info, node_id):
        if not str(node_id).isdigit():
            return None
        payment = models.Payment.objects.filter(pk=int(node_id)).first()
        if payment is None:
            return None
        viewer = info.context.user
        order = order_selectors.orders_visible_to(viewer).filter(pk=payment.order_id).first()
        if order is None or not order_selectors.sees_whole_order(viewer, order):
            return None
        return payment

    @staticmethod
    def resolve_status(root: models.Payment, _info):
        return root.status

    resolve_amount = money_of("amount")
    resolve_charged = money_of("charged")
    resolve_refunded = money_of("refunded")
    resolve_events = resolve_by_pk(EventsByPaymentIdLoader)
    resolve_needs_review = _operators_only("needs_review")
    resolve_review_reason = _operators_only("review_reason")

    @staticmethod
    def resolve_action(root: models.Payment, _info):
        if root.status != models.Payment.Status.PENDING:
            return None
        return payment_action_of(root.action)

    @staticmethod
    def resolve_order(root: models.Payment, info):
        def whole(order):
            # Whoever reads a payment sees its whole order (see the module's note), a guest
            # by the token they gave included.
            order.seen_whole = True
            return order

        return then(OrderByIdLoader(info.context).load(root.order_id), whole)
