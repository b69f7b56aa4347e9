"""Mutations of the buying flow, shaped as Saleor's: thin shells over ``market.checkout.services``.

Each takes the checkout's ``token`` (a String, so that a token which is no UUID is a typed
``INVALID_TOKEN`` rather than a request error), decodes the IDs of its input, calls one
service as the caller and answers the checkout. A refusal names the input at fault
(``lines.2``, ``lines.0.quantity``, ``deliveryMethods.1.shippingMethod``) and, where it is
about a line, variant or seller, carries its ID (``line``, ``variant``, ``seller``), with
``available`` for INSUFFICIENT_STOCK and ``oldPrice`` / ``newPrice`` for PRICE_CHANGED.
"""

import graphene
from graphql_relay import to_global_id

from market.checkout import services
from market.checkout.graphql.checkout_dataloaders import CheckoutStateLoader
from market.checkout.graphql.checkout_types import Checkout, CheckoutAddressInput
from market.core import throttle
from market.core.errors import DomainError, DomainErrors
from market.core.graphql.mutations import BaseMutation, decode_id, error_codes, error_type_for
from market.core.graphql.types import Money, vnd
from market.core.permissions import ANYONE, AUTHENTICATED
from payments.graphql.types import PaymentAction


def _order_type():
    from market.orders.graphql.types import Order

    return Order


CheckoutErrorCode = error_codes(
    "CheckoutErrorCode",
    "INVALID_TOKEN",
    "PRODUCT_UNAVAILABLE",
    "INSUFFICIENT_STOCK",
    "INVALID_QUANTITY",
    "QUANTITY_GREATER_THAN_LIMIT",
    "TOO_MANY_LINES",
    "DUPLICATED_INPUT_ITEM",
    "NO_LINES",
    "PRICE_CHANGED",
    "EMAIL_REQUIRED",
    "SHIPPING_ADDRESS_REQUIRED",
    "TOO_LONG",
    "INVALID_PHONE",
    "INVALID_PROVINCE",
    "DELIVERY_METHOD_REQUIRED",
    "DELIVERY_METHOD_NOT_APPLICABLE",
    "PAYMENT_METHOD_REQUIRED",
    "PAYMENT_METHOD_UNAVAILABLE",
    "TOO_MANY_ATTEMPTS",
)
CheckoutError = error_type_for(
    "CheckoutError",
    CheckoutErrorCode,
    line=graphene.ID(description="The checkout line at fault, if one is."),
    variant=graphene.ID(description="The variant at fault, if one is."),
    available=graphene.Int(description="INSUFFICIENT_STOCK: how many can be had now."),
    seller=graphene.ID(description="The seller whose group is at fault, if one is."),
    old_price=graphene.Field(Money, description="PRICE_CHANGED: the price when added."),
    new_price=graphene.Field(Money, description="PRICE_CHANGED: the price now."),
    retry_after=graphene.Int(description="TOO_MANY_ATTEMPTS: seconds to wait."),
)


class CheckoutMeta:
    error_type = CheckoutError
    error_code_enum = CheckoutErrorCode


# The services name rows by primary key; the API by global ID.
_DETAIL_IDS = {
    "line_id": ("line", "CheckoutLine"),
    "variant_id": ("variant", "ProductVariant"),
    "seller_id": ("seller", "Seller"),
}
_DETAIL_PRICES = ("old_price", "new_price")


def _api_details(details: dict) -> dict:
    """A refusal's ids as the API's global IDs, its prices as Money."""
    shown = {}
    for key, value in details.items():
        if key in _DETAIL_IDS:
            name, type_name = _DETAIL_IDS[key]
            shown[name] = to_global_id(type_name, value)
        elif key in _DETAIL_PRICES:
            shown[key] = vnd(value)
        else:
            shown[key] = value
    return shown


def _shown(error: DomainError) -> DomainError:
    refusals = error.errors if isinstance(error, DomainErrors) else [error]
    for refusal in refusals:
        refusal.details = _api_details(refusal.details)
    if isinstance(error, DomainErrors):
        error.details = refusals[0].details
    return error


def _lines_to_add(rows, field: str = "lines") -> list[dict]:
    return [
        {
            "variant_id": decode_id(row["variant"], "ProductVariant", field=f"{field}.{i}.variant"),
            "quantity": row["quantity"],
        }
        for i, row in enumerate(rows or [])
    ]


def _checkout_perform(service, unpack, *, counted_per_address: bool = False):
    """A ``perform`` calling ``service(by=…, **unpack(data))`` and answering its checkout,
    fresh: the request's loaders forget what they knew of it. ``counted_per_address``: the
    service also takes the caller's ``client_address`` (it throttles by network)."""

    def perform(cls, _root, info, **data):
        try:
            arguments = unpack(data)
            if counted_per_address:
                arguments["client_address"] = throttle.client_address(info.context)
            checkout = service(by=info.context.user, **arguments)
        except DomainError as error:
            raise _shown(error) from None
        CheckoutStateLoader(info.context).clear(checkout)
        return {"checkout": checkout}

    return classmethod(perform)


def _plain(**renames):
    """Arguments passed on as they are, some renamed to the service's keywords."""

    def unpack(data):
        return {renames.get(name, name): value for name, value in data.items()}

    return unpack


class CheckoutLineInput(graphene.InputObjectType):
    variant = graphene.ID(required=True)
    quantity = graphene.Int(required=True, description="1 to 1,000.")


class CheckoutLineUpdateInput(graphene.InputObjectType):
    line = graphene.ID(required=True, description="A line of this checkout.")
    quantity = graphene.Int(required=True, description="0 deletes the line; at most 1,000.")


class CheckoutCreateInput(graphene.InputObjectType):
    lines = graphene.List(graphene.NonNull(CheckoutLineInput), description="Variants and how many.")
    email = graphene.String(description="A signed-in buyer's defaults to their account's.")
    shipping_address = graphene.Field(CheckoutAddressInput)


class CheckoutDeliveryMethodInput(graphene.InputObjectType):
    seller = graphene.ID(required=True, description="The seller whose group this is.")
    shipping_method = graphene.ID(required=True, description="One of the seller's methods.")


CHECKOUT_KEY_HELP = "The checkout's token."


class CheckoutCreate(BaseMutation):
    checkout = graphene.Field(Checkout)

    class Arguments:
        input = CheckoutCreateInput(required=True)

    class Meta(CheckoutMeta):
        description = (
            "Start a checkout. A guest gets a new one, reached by its token; a signed-in "
            "buyer's open checkout (they have one at most) gets the lines added instead."
        )
        permissions = (ANYONE,)

    @staticmethod
    def _unpack(data):
        fields = dict(data["input"])
        fields["lines"] = _lines_to_add(fields.get("lines"))
        return fields

    perform = _checkout_perform(services.checkout_create, _unpack, counted_per_address=True)


class CheckoutLinesAdd(BaseMutation):
    checkout = graphene.Field(Checkout)

    class Arguments:
        token = graphene.String(required=True, description=CHECKOUT_KEY_HELP)
        lines = graphene.List(graphene.NonNull(CheckoutLineInput), required=True)

    class Meta(CheckoutMeta):
        description = (
            "Add variants; one already in the checkout adds up. Each holds its stock "
            "for the reservation time."
        )
        permissions = (ANYONE,)

    perform = _checkout_perform(
        services.checkout_lines_add,
        lambda data: {"token": data["token"], "lines": _lines_to_add(data["lines"])},
    )


class CheckoutLinesUpdate(BaseMutation):
    checkout = graphene.Field(Checkout)

    class Arguments:
        token = graphene.String(required=True, description=CHECKOUT_KEY_HELP)
        lines = graphene.List(graphene.NonNull(CheckoutLineUpdateInput), required=True)

    class Meta(CheckoutMeta):
        description = "Set the quantity of lines; 0 deletes a line."
        permissions = (ANYONE,)

    @staticmethod
    def _unpack(data):
        lines = [
            {
                "line_id": decode_id(row["line"], "CheckoutLine", field=f"lines.{i}.line"),
                "quantity": row["quantity"],
            }
            for i, row in enumerate(data["lines"])
        ]
        return {"token": data["token"], "lines": lines}

    perform = _checkout_perform(services.checkout_lines_update, _unpack)


class CheckoutLinesDelete(BaseMutation):
    checkout = graphene.Field(Checkout)

    class Arguments:
        token = graphene.String(required=True, description=CHECKOUT_KEY_HELP)
        lines = graphene.List(graphene.NonNull(graphene.ID), required=True)

    class Meta(CheckoutMeta):
        description = "Delete lines of the checkout."
        permissions = (ANYONE,)

    perform = _checkout_perform(
        services.checkout_lines_delete,
        lambda data: {
            "token": data["token"],
            "line_ids": [
                decode_id(line, "CheckoutLine", field=f"lines.{i}")
                for i, line in enumerate(data["lines"])
            ],
        },
    )


class CheckoutEmailUpdate(BaseMutation):
    checkout = graphene.Field(Checkout)

    class Arguments:
        token = graphene.String(required=True, description=CHECKOUT_KEY_HELP)
        email = graphene.String(required=True)

    class Meta(CheckoutMeta):
        description = "Set where the order's emails go."
        permissions = (ANYONE,)

    perform = _checkout_perform(services.checkout_email_update, _plain())


class CheckoutShippingAddressUpdate(BaseMutation):
    checkout = graphene.Field(Checkout)

    class Arguments:
        token = graphene.String(required=True, description=CHECKOUT_KEY_HELP)
        shipping_address = CheckoutAddressInput(required=True)

    class Meta(CheckoutMeta):
        description = (
            "Set the delivery address: ward or commune and one of the 34 provinces; the "
            "phone is stored as +84…."
        )
        permissions = (ANYONE,)

    perform = _checkout_perform(
        services.checkout_shipping_address_update,
        lambda data: {"token": data["token"], "shipping_address": dict(data["shipping_address"])},
    )


class CheckoutDeliveryMethodUpdate(BaseMutation):
    checkout = graphene.Field(Checkout)

    class Arguments:
        token = graphene.String(required=True, description=CHECKOUT_KEY_HELP)
        delivery_methods = graphene.List(
            graphene.NonNull(CheckoutDeliveryMethodInput),
            required=True,
            description="One shipping method per seller group; groups left out keep theirs.",
        )

    class Meta(CheckoutMeta):
        description = (
            "Choose each seller group's shipping method: one the seller offers, delivering "
            "to the address's province and carrying the group's weight."
        )
        permissions = (ANYONE,)

    @staticmethod
    def _unpack(data):
        field = "delivery_methods"
        rows = [
            {
                "seller_id": decode_id(row["seller"], "Seller", field=f"{field}.{i}.seller"),
                "shipping_method_id": decode_id(
                    row["shipping_method"], "ShippingMethod", field=f"{field}.{i}.shipping_method"
                ),
            }
            for i, row in enumerate(data["delivery_methods"])
        ]
        return {"token": data["token"], "delivery_methods": rows}

    perform = _checkout_perform(services.checkout_delivery_method_update, _unpack)


class CheckoutPaymentMethodUpdate(BaseMutation):
    checkout = graphene.Field(Checkout)

    class Arguments:
        token = graphene.String(required=True, description=CHECKOUT_KEY_HELP)
        payment_method = graphene.String(
            required=True, description="The code of one of `availablePaymentMethods`."
        )

    class Meta(CheckoutMeta):
        description = "Choose how to pay, among the methods the checkout offers."
        permissions = (ANYONE,)

    perform = _checkout_perform(services.checkout_payment_method_update, _plain())


class CheckoutCustomerAttach(BaseMutation):
    checkout = graphene.Field(
        Checkout, description="The buyer's checkout, with the guest's lines in it."
    )

    class Arguments:
        token = graphene.String(required=True, description="The guest checkout's token.")

    class Meta(CheckoutMeta):
        description = (
            "Take over a guest's checkout on signing in. Without a checkout of your own it "
            "becomes yours; otherwise its lines merge into yours (quantities of a variant in "
            "both add up) and it is deleted."
        )
        permissions = (AUTHENTICATED,)

    perform = _checkout_perform(services.checkout_customer_attach, _plain())


class CheckoutComplete(BaseMutation):
    order = graphene.Field(_order_type)
    order_token = graphene.UUID(
        description="A guest's order: the token that reads it (`orderByToken`)."
    )
    payment_action = graphene.Field(
        PaymentAction,
        description="What to do next to pay; null when an earlier call placed the order.",
    )

    class Arguments:
        token = graphene.String(required=True, description=CHECKOUT_KEY_HELP)

    class Meta(CheckoutMeta):
        description = (
            "Place the order: one order, one seller order per seller. Stock is checked again "
            "and allocated; a price changed since a line was added is reported "
            "(PRICE_CHANGED) instead of charged, and the next call charges it. Calling it "
            "again (a double click, a retry, a second tab) answers the same order."
        )
        permissions = (ANYONE,)

    @classmethod
    def perform(cls, _root, info, token):
        try:
            completion = services.checkout_complete(by=info.context.user, token=token)
        except DomainError as error:
            raise _shown(error) from None
        order = completion.order
        is_guests = order.user_id is None
        if is_guests:
            # Whoever completed a guest's checkout held its token: they read the whole order.
            order.seen_whole = True
        action = completion.payment_action
        return {
            "order": order,
            "order_token": order.token if is_guests else None,
            "payment_action": None
            if action is None
            else PaymentAction(kind=action.kind, data=action.data),
        }


class CheckoutFlowMutations(graphene.ObjectType):
    checkout_create = CheckoutCreate.Field()
    checkout_lines_add = CheckoutLinesAdd.Field()
    checkout_lines_update = CheckoutLinesUpdate.Field()
    checkout_lines_delete = CheckoutLinesDelete.Field()
    checkout_email_update = CheckoutEmailUpdate.Field()
    checkout_shipping_address_update = CheckoutShippingAddressUpdate.Field()
    checkout_delivery_method_update = CheckoutDeliveryMethodUpdate.Field()
    checkout_payment_method_update = CheckoutPaymentMethodUpdate.Field()
    checkout_customer_attach = CheckoutCustomerAttach.Field()
    checkout_complete = CheckoutComplete.Field()
