"""GraphQL types of orders: the order, each seller's part, its lines, the timeline.

Money is ``Money`` (whole VND), as in the catalog and the checkout. A seller's staff
reach an order only through their own seller orders: on the ``Order`` they see its number,
address and buyer's email, their parts alone under ``sellerOrders``, and no totals (those
sum other sellers' parts).
"""

import graphene
from graphene_django import DjangoObjectType

from catalog.graphql.types import ProductVariant
from market.core.graphql.connection import CountableConnection
from market.core.graphql.dataloaders import resolve_related, then
from market.core.graphql.fields import field_from
from market.core.graphql.types import DeliveryAddress, Money, delivery_address_of, money_of, vnd
from market.orders import models, selectors
from market.orders.graphql.dataloaders import (
    EventsByOrderLoader,
    LinesBySellerOrderIdLoader,
    OrderByIdLoader,
    SellerOrderByIdLoader,
    SellerOrdersByOrderLoader,
    VariantByIdLoader,
)
from market.sellers.graphql.dataloaders import SellerByIdLoader
from traceability.graphql.dataloaders import LotByIdLoader
from traceability.graphql.lot_types import Lot
from traceability.resolver_trace import lot_uri

OrderStatusEnum = graphene.Enum.from_enum(
    models.Order.Status, name="OrderStatusEnum", description="Where an order is as a whole."
)
OrderPaymentStatusEnum = graphene.Enum.from_enum(
    models.Order.PaymentStatus, name="OrderPaymentStatusEnum", description="Its payment."
)
SellerOrderStatusEnum = graphene.Enum.from_enum(
    models.SellerOrder.Status,
    name="SellerOrderStatusEnum",
    description="Where a seller's part is: unconfirmed → confirmed → shipped → delivered.",
)
OrderEventTypeEnum = graphene.Enum.from_enum(
    models.OrderEvent.Type, name="OrderEventTypeEnum", description="What happened."
)


class OrderEventActorEnum(graphene.Enum):
    BUYER = "buyer"
    SELLER = "seller"
    OPERATOR = "operator"
    PLATFORM = "platform"

    class Meta:
        description = "Who acted: the platform is a task or a payment gateway."


def _caller(info):
    return info.context.user


def _is_number(node_id) -> bool:
    return str(node_id).isdigit()


def sees_whole(order: models.Order, info) -> bool:
    """Whether the caller reads every part of ``order``: reached by its token, or its buyer
    or an operator."""
    return getattr(order, "seen_whole", False) or selectors.sees_whole_order(_caller(info), order)


def _choice(attribute: str):
    def resolve(root, _info):
        return getattr(root, attribute)

    return resolve


class OrderLine(DjangoObjectType):
    unit_price = graphene.Field(Money, required=True, description="As charged.")
    total = graphene.Field(Money, required=True, description="Unit price × quantity.")
    variant = graphene.Field(
        ProductVariant, description="The variant bought; null once it was deleted."
    )
    lot = graphene.Field(Lot, description="The lot the seller shipped it from, once named.")
    trace_url = graphene.String(
        description="The trace link of that lot (its QR code's URI); null without a lot."
    )

    class Meta:
        model = models.OrderLine
        interfaces = (graphene.relay.Node,)
        fields = ("id", "product_name", "variant_name", "sku", "quantity")
        description = "A line of a seller order, with what the buyer saw kept as text."

    @classmethod
    def get_node(cls, info, node_id):
        if not _is_number(node_id):
            return None
        line = models.OrderLine.objects.filter(pk=int(node_id)).first()
        if line is None or SellerOrder.get_node(info, line.seller_order_id) is None:
            return None
        return line

    resolve_variant = resolve_related("variant", VariantByIdLoader)
    resolve_lot = resolve_related("lot", LotByIdLoader)
    resolve_unit_price = money_of("unit_price")
    resolve_total = money_of("total")

    @staticmethod
    def resolve_trace_url(root: models.OrderLine, info):
        if root.lot_id is None:
            return None
        return then(LotByIdLoader(info.context).load(root.lot_id), lot_uri)


class SellerOrder(DjangoObjectType):
    status = graphene.Field(SellerOrderStatusEnum, required=True)
    seller = graphene.Field("market.sellers.graphql.types.Seller", required=True)
    order = graphene.Field(lambda: Order, required=True)
    shipping_price = graphene.Field(Money, required=True)
    subtotal = graphene.Field(Money, required=True, description="The lines.")
    total = graphene.Field(Money, required=True, description="The lines and shipping.")
    lines = graphene.List(graphene.NonNull(OrderLine), required=True)

    class Meta:
        model = models.SellerOrder
        interfaces = (graphene.relay.Node,)
        fields = (
            "id",
            "number",
            "shipping_method_name",
            "shipping_method_kind",
            "carrier",
            "tracking_number",
            "cancel_reason",
            "confirmed_at",
            "shipped_at",
            "delivered_at",
            "cancelled_at",
            "created_at",
            "updated_at",
        )
        description = "A seller's part of an order, which that seller alone fulfils."

    @classmethod
    def get_node(cls, info, node_id):
        if not _is_number(node_id):
            return None
        part = models.SellerOrder.objects.filter(pk=int(node_id)).first()
        if part is None:
            return None
        order = selectors.orders_visible_to(_caller(info)).filter(pk=part.order_id).first()
        if order is None:
            return None
        if selectors.sees_whole_order(_caller(info), order):
            part.seen_whole = True
            return part
        visible = selectors.seller_orders_visible_to(_caller(info)).filter(pk=part.pk)
        return part if visible.exists() else None

    resolve_status = _choice("status")
    resolve_seller = resolve_related("seller", SellerByIdLoader)
    resolve_shipping_price = money_of("shipping_price")
    resolve_subtotal = money_of("subtotal")
    resolve_total = money_of("total")

    @staticmethod
    def resolve_order(root: models.SellerOrder, info):
        def marked(order):
            if getattr(root, "seen_whole", False):
                order.seen_whole = True
            return order

        return then(OrderByIdLoader(info.context).load(root.order_id), marked)

    @staticmethod
    def resolve_lines(root: models.SellerOrder, info):
        return LinesBySellerOrderIdLoader(info.context).load(root.pk)


class OrderEvent(DjangoObjectType):
    type = graphene.Field(OrderEventTypeEnum, required=True)
    actor = graphene.Field(OrderEventActorEnum, required=True)
    seller_order = graphene.Field(SellerOrder, description="The part it concerns, if one.")
    reason = graphene.String(description="Why, for a cancellation or a return.")
    carrier = graphene.String(description="For a shipment.")
    tracking_number = graphene.String(description="For a shipment.")
    email = graphene.String(description="Which email was sent, for an email event.")

    class Meta:
        model = models.OrderEvent
        interfaces = (graphene.relay.Node,)
        fields = ("id", "created_at")
        description = "One entry of an order's timeline."

    @classmethod
    def get_node(cls, info, node_id):
        if not _is_number(node_id):
            return None
        event = models.OrderEvent.objects.filter(pk=int(node_id)).first()
        if event is None:
            return None
        order = selectors.orders_visible_to(_caller(info)).filter(pk=event.order_id).first()
        if order is None:
            return None
        whole = {order.pk} if selectors.sees_whole_order(_caller(info), order) else set()
        timeline = selectors.order_events_visible_to(_caller(info), [order.pk], whole=whole)
        return event if event in timeline[order.pk] else None

    resolve_type = _choice("type")

    @staticmethod
    def resolve_actor(root: models.OrderEvent, _info):
        return root.data.get("actor") or "platform"

    @staticmethod
    def resolve_seller_order(root: models.OrderEvent, info):
        if root.seller_order_id is None:
            return None
        return SellerOrderByIdLoader(info.context).load(root.seller_order_id)

    @staticmethod
    def resolve_reason(root: models.OrderEvent, _info):
        return root.data.get("reason") or None

    @staticmethod
    def resolve_carrier(root: models.OrderEvent, _info):
        return root.data.get("carrier") or None

    @staticmethod
    def resolve_tracking_number(root: models.OrderEvent, _info):
        return root.data.get("tracking_number") or None

    @staticmethod
    def resolve_email(root: models.OrderEvent, _info):
        return root.data.get("email") or None


class Order(DjangoObjectType):
    status = graphene.Field(OrderStatusEnum, required=True)
    payment_status = graphene.Field(OrderPaymentStatusEnum, required=True)
    shipping_address = graphene.Field(
        DeliveryAddress, required=True, description="As it was when the order was placed."
    )
    token = graphene.UUID(
        description="What a guest holds to read the order; null for a seller's staff."
    )
    subtotal = graphene.Field(Money, description="Every line. Null for a seller's staff.")
    shipping_total = graphene.Field(Money, description="Null for a seller's staff.")
    total = graphene.Field(Money, description="Lines and shipping. Null for a seller's staff.")
    seller_orders = graphene.List(
        graphene.NonNull(SellerOrder),
        required=True,
        description="One per seller; a seller's staff see only theirs.",
    )
    events = graphene.List(
        graphene.NonNull(OrderEvent),
        required=True,
        description="The timeline, oldest first; a seller's staff see the order's own "
        "entries and their parts'.",
    )
    payments = field_from("payments.graphql.order_fields.order_payments_field")

    class Meta:
        model = models.Order
        interfaces = (graphene.relay.Node,)
        fields = (
            "id",
            "number",
            "email",
            "payment_method",
            "expires_at",
            "language",
            "created_at",
            "updated_at",
        )
        description = "An order: one checkout's purchase, split into one seller order per seller."

    @classmethod
    def get_node(cls, info, node_id):
        if not _is_number(node_id):
            return None
        return selectors.orders_visible_to(_caller(info)).filter(pk=int(node_id)).first()

    resolve_status = _choice("status")
    resolve_payment_status = _choice("payment_status")

    @staticmethod
    def resolve_shipping_address(root: models.Order, _info):
        return delivery_address_of(root.shipping_address)

    @staticmethod
    def resolve_token(root: models.Order, info):
        return root.token if sees_whole(root, info) else None

    @staticmethod
    def resolve_subtotal(root: models.Order, info):
        return vnd(root.subtotal) if sees_whole(root, info) else None

    @staticmethod
    def resolve_shipping_total(root: models.Order, info):
        return vnd(root.shipping_total) if sees_whole(root, info) else None

    @staticmethod
    def resolve_total(root: models.Order, info):
        return vnd(root.total) if sees_whole(root, info) else None

    @staticmethod
    def resolve_seller_orders(root: models.Order, info):
        return SellerOrdersByOrderLoader(info.context).load((root.pk, sees_whole(root, info)))

    @staticmethod
    def resolve_events(root: models.Order, info):
        return EventsByOrderLoader(info.context).load((root.pk, sees_whole(root, info)))


class OrderCountableConnection(CountableConnection):
    class Meta:
        node = Order


class SellerOrderCountableConnection(CountableConnection):
    class Meta:
        node = SellerOrder
