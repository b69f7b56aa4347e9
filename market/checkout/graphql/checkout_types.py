"""GraphQL types of the buying flow: a checkout, its lines and its delivery groups.

Every field of a checkout is answered from its state (``CheckoutStateLoader``), loaded
once for all the request's checkouts, so a checkout of six lines from three sellers costs
the queries of one line.
"""

import graphene
from django.utils import timezone
from graphql_relay import to_global_id

from catalog.graphql.types import ProductVariant
from market.checkout import models
from market.checkout.delivery import line_total
from market.checkout.graphql.checkout_dataloaders import CheckoutStateLoader
from market.checkout.graphql.shipping_types import ShippingMethod, ShippingMethodKindEnum
from market.checkout.selectors import reservation_of
from market.core.graphql.dataloaders import load_key, then
from market.core.graphql.types import DeliveryAddress, Money, delivery_address_of, vnd
from market.sellers.graphql.dataloaders import SellerByIdLoader
from payments import methods as payment_methods
from payments.graphql.types import PaymentMethod


def _seller_type():
    from market.sellers.graphql.types import Seller

    return Seller


def _state(info, checkout: models.Checkout, pick):
    return then(CheckoutStateLoader(info.context).load(checkout), pick)


class CheckoutAddressInput(graphene.InputObjectType):
    full_name = graphene.String(required=True)
    phone = graphene.String(required=True, description="Any usual writing; stored as +84….")
    street = graphene.String(required=True, description="House number and street.")
    ward = graphene.String(required=True, description="Ward or commune.")
    province = graphene.String(
        required=True, description="One of the 34 provinces and cities; case and accents free."
    )


class CheckoutLine(graphene.ObjectType):
    id = graphene.ID(required=True, description="What `checkoutLinesUpdate` and `…Delete` take.")
    variant = graphene.Field(ProductVariant, required=True)
    quantity = graphene.Int(required=True)
    unit_price = graphene.Field(
        Money, required=True, description="The variant's current price: what is charged."
    )
    total_price = graphene.Field(Money, required=True, description="Unit price × quantity.")
    price_when_added = graphene.Field(
        Money,
        required=True,
        description=(
            "The price when the line was added. When it differs from `unitPrice`, "
            "`checkoutComplete` reports PRICE_CHANGED once, then charges the new price."
        ),
    )
    reserved_until = graphene.DateTime(
        description=(
            "Until when its stock is held for this checkout (every change to the checkout "
            "renews it); null when it is not held any more, and others may buy it."
        )
    )

    class Meta:
        description = "A variant in a checkout, and how many."

    @staticmethod
    def resolve_id(root: models.CheckoutLine, _info):
        return to_global_id("CheckoutLine", root.pk)

    @staticmethod
    def resolve_unit_price(root: models.CheckoutLine, _info):
        return vnd(root.variant.price)

    @staticmethod
    def resolve_total_price(root: models.CheckoutLine, _info):
        return vnd(line_total(root))

    @staticmethod
    def resolve_price_when_added(root: models.CheckoutLine, _info):
        return vnd(root.price_when_added)

    @staticmethod
    def resolve_reserved_until(root: models.CheckoutLine, _info):
        reservation = reservation_of(root)
        if reservation is None or reservation.reserved_until <= timezone.now():
            return None
        return reservation.reserved_until


class AvailableShippingMethod(graphene.ObjectType):
    id = graphene.ID(
        required=True,
        description="The shipping method's ID, as `checkoutDeliveryMethodUpdate` takes it.",
    )
    name = graphene.String(required=True)
    kind = graphene.Field(ShippingMethodKindEnum, required=True)
    price = graphene.Field(Money, required=True, description="For this group's parcel.")
    shipping_method = graphene.Field(ShippingMethod, required=True)

    class Meta:
        description = "A shipping method that can deliver a group, and its price for it."

    @staticmethod
    def resolve_id(root, _info):
        return to_global_id("ShippingMethod", root.method.pk)

    @staticmethod
    def resolve_name(root, _info):
        return root.method.name

    @staticmethod
    def resolve_kind(root, _info):
        return models.ShippingMethod.Kind(root.method.kind).value

    @staticmethod
    def resolve_price(root, _info):
        return vnd(root.price)

    @staticmethod
    def resolve_shipping_method(root, _info):
        return root.method


class DeliveryGroup(graphene.ObjectType):
    seller = graphene.Field(_seller_type, required=True)
    lines = graphene.List(graphene.NonNull(CheckoutLine), required=True)
    subtotal = graphene.Field(Money, required=True, description="The lines at current prices.")
    weight_grams = graphene.Int(
        required=True, description="Weight of the parcel; variants without a weight count 0."
    )
    weight_known = graphene.Boolean(
        required=True,
        description=(
            "False when a variant has no weight: methods priced by weight are then not offered."
        ),
    )
    available_shipping_methods = graphene.List(
        graphene.NonNull(AvailableShippingMethod),
        required=True,
        description=(
            "The seller's active methods that deliver to the address's province and carry "
            "this parcel, cheapest first. Without an address, pick-up and methods for all "
            "of Vietnam."
        ),
    )
    shipping_method = graphene.Field(
        ShippingMethod,
        description="The method chosen; null until chosen, or when it can no longer deliver.",
    )
    shipping_price = graphene.Field(Money, description="The chosen method's price for it.")

    class Meta:
        description = "The lines of one seller, shipped together with one method."

    @staticmethod
    def resolve_seller(root, info):
        return load_key(info, SellerByIdLoader, root.seller_id)

    @staticmethod
    def resolve_weight_grams(root, _info):
        return root.grams

    @staticmethod
    def resolve_subtotal(root, _info):
        return vnd(root.subtotal)

    @staticmethod
    def resolve_available_shipping_methods(root, _info):
        return root.options

    @staticmethod
    def resolve_shipping_method(root, _info):
        option = root.chosen_option
        return option.method if option is not None else None

    @staticmethod
    def resolve_shipping_price(root, _info):
        option = root.chosen_option
        return vnd(option.price) if option is not None else None


class Checkout(graphene.ObjectType):
    token = graphene.UUID(
        required=True, description="What reaches the checkout: keep it secret, as a key."
    )
    email = graphene.String(description="Where the order's emails go; null until given.")
    shipping_address = graphene.Field(DeliveryAddress, description="Where the parcels go.")
    lines = graphene.List(
        graphene.NonNull(CheckoutLine), required=True, description="In the order added."
    )
    delivery_groups = graphene.List(
        graphene.NonNull(DeliveryGroup),
        required=True,
        description="The lines by seller: each seller ships its own parcel.",
    )
    available_payment_methods = graphene.List(graphene.NonNull(PaymentMethod), required=True)
    payment_method = graphene.Field(PaymentMethod, description="Null until chosen.")
    subtotal = graphene.Field(Money, required=True, description="Every line at current prices.")
    shipping_total = graphene.Field(
        Money, required=True, description="Of the groups whose shipping method is chosen."
    )
    total = graphene.Field(Money, required=True)
    created_at = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)

    class Meta:
        description = (
            "A cart across sellers, owned by a signed-in buyer or by whoever holds its "
            "token (a guest)."
        )

    @staticmethod
    def resolve_email(root: models.Checkout, _info):
        return root.email or None

    @staticmethod
    def resolve_shipping_address(root: models.Checkout, _info):
        return delivery_address_of(root.shipping_address)

    @staticmethod
    def resolve_lines(root, info):
        return _state(info, root, lambda state: state.lines)

    @staticmethod
    def resolve_delivery_groups(root, info):
        return _state(info, root, lambda state: state.totals.groups)

    @staticmethod
    def resolve_available_payment_methods(_root, _info):
        return payment_methods.methods_available()

    @staticmethod
    def resolve_payment_method(root: models.Checkout, _info):
        return payment_methods.method_named(root.payment_method) if root.payment_method else None

    @staticmethod
    def resolve_subtotal(root, info):
        return _state(info, root, lambda state: vnd(state.totals.subtotal))

    @staticmethod
    def resolve_shipping_total(root, info):
        return _state(info, root, lambda state: vnd(state.totals.shipping_total))

    @staticmethod
    def resolve_total(root, info):
        return _state(info, root, lambda state: vnd(state.totals.total))
