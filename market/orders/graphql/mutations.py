"""Orders mutations: thin shells that decode IDs and call ``market.orders.services``.

A seller's staff confirm, ship (naming lots), deliver and take back their own seller's
parts only (another seller's answers as a missing one would); the buyer, signed in or a
guest holding the order's token, cancels before shipping; operators do everything.
"""

import graphene
from django.core.exceptions import ValidationError

from market.core.errors import DomainError, DomainErrors
from market.core.graphql.mutations import (
    BaseMutation,
    decode_id,
    error_codes,
    error_type_for,
    service_perform,
)
from market.core.permissions import ANYONE, SELLER_STAFF_OR_OPERATOR
from market.orders.graphql.types import Order, SellerOrder
from market.orders.services import access, cancellation, fulfilment

OrderErrorCode = error_codes("OrderErrorCode", "INVALID_STATUS", "INVALID_LOT", "TOO_LONG")
OrderError = error_type_for("OrderError", OrderErrorCode)

OWN_SELLER_ONLY = "Staff act for their own seller only."
BUYER_OR_GUEST = (
    "The order's buyer (signed in, or a guest giving the order's `token`), staff of the "
    "seller and operators may call it."
)


class OrderMeta:
    error_type = OrderError
    error_code_enum = OrderErrorCode


_SELLER_ORDER_ID = {"id": ("seller_order_id", "SellerOrder")}


def _holds_token(order, token) -> bool:
    return token is not None and str(order.token) == str(access.as_token(token))


class SellerOrderConfirm(BaseMutation):
    seller_order = graphene.Field(SellerOrder)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta(OrderMeta):
        description = f"The seller accepts its part of an order. {OWN_SELLER_ONLY}"
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(
        fulfilment.seller_order_confirm, returns="seller_order", ids=_SELLER_ORDER_ID
    )


class SellerOrderFulfillLineInput(graphene.InputObjectType):
    line = graphene.ID(required=True, description="A line of this seller order.")
    lot = graphene.ID(required=True, description="The lot it came from: same seller, product.")


class SellerOrderFulfillInput(graphene.InputObjectType):
    carrier = graphene.String(description="Required unless the buyer picks the parcel up.")
    tracking_number = graphene.String()
    lines = graphene.List(
        graphene.NonNull(SellerOrderFulfillLineInput),
        description="The lot each line was packed from, for the buyer's trace link.",
    )


# The service names a line's fields by its keywords; the client sent ``line`` and ``lot``.
_SENT_AS = {"line_id": "line", "lot_id": "lot"}


def _renamed(error: DomainError) -> DomainError:
    head, _dot, last = (error.field or "").rpartition(".")
    if head.startswith("lines.") and last in _SENT_AS:
        error.field = f"{head}.{_SENT_AS[last]}"
    return error


class SellerOrderFulfill(BaseMutation):
    seller_order = graphene.Field(SellerOrder)

    class Arguments:
        id = graphene.ID(required=True)
        input = SellerOrderFulfillInput(required=True)

    class Meta(OrderMeta):
        description = (
            "Ship a seller's part: its carrier and tracking number, and the lot of each "
            f"line. The held stock leaves the shelf. {OWN_SELLER_ONLY}"
        )
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    @classmethod
    def perform(cls, _root, info, id, input):
        seller_order_id = decode_id(id, "SellerOrder", field="id")
        lines = [
            {
                "line_id": decode_id(row["line"], "OrderLine", field=f"lines.{index}.line"),
                "lot_id": decode_id(row["lot"], "Lot", field=f"lines.{index}.lot"),
            }
            for index, row in enumerate(input.get("lines") or [])
        ]
        try:
            part = fulfilment.seller_order_ship(
                seller_order_id=seller_order_id,
                by=info.context.user,
                carrier=input.get("carrier") or "",
                tracking_number=input.get("tracking_number") or "",
                lines=lines,
            )
        except DomainErrors as errors:
            raise DomainErrors([_renamed(error) for error in errors.errors]) from None
        except (DomainError, ValidationError) as error:
            raise (_renamed(error) if isinstance(error, DomainError) else error) from None
        return {"seller_order": part}


class SellerOrderDeliver(BaseMutation):
    seller_order = graphene.Field(SellerOrder)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta(OrderMeta):
        description = (
            "The buyer has the parcel (and, for cash on delivery, the seller the money). "
            f"{OWN_SELLER_ONLY}"
        )
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(
        fulfilment.seller_order_deliver, returns="seller_order", ids=_SELLER_ORDER_ID
    )


class SellerOrderCancel(BaseMutation):
    seller_order = graphene.Field(SellerOrder)

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(description="Required from the seller: the buyer reads it.")
        token = graphene.String(description="The order's token, for a guest.")

    class Meta(OrderMeta):
        description = (
            "Cancel a seller's part before it ships; its stock goes back. " + BUYER_OR_GUEST
        )
        permissions = (ANYONE,)

    @classmethod
    def perform(cls, _root, info, id, reason=None, token=None):
        part = cancellation.seller_order_cancel(
            seller_order_id=decode_id(id, "SellerOrder", field="id"),
            by=info.context.user,
            reason=reason or "",
            token=token,
        )
        # A guest reached it by the order's token: the payload shows them the whole order.
        if _holds_token(part.order, token):
            part.seen_whole = True
        return {"seller_order": part}


class SellerOrderReturn(BaseMutation):
    seller_order = graphene.Field(SellerOrder)

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String()
        restock = graphene.Boolean(
            default_value=False,
            description=(
                "Put the units back on sale. Off by default: food that left the seller "
                "is not sold again."
            ),
        )

    class Meta(OrderMeta):
        description = f"The buyer sent a delivered part back. {OWN_SELLER_ONLY}"
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(
        fulfilment.seller_order_return, returns="seller_order", ids=_SELLER_ORDER_ID
    )


class OrderCancel(BaseMutation):
    order = graphene.Field(Order)

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String()
        token = graphene.String(description="The order's token, for a guest.")

    class Meta(OrderMeta):
        description = (
            "Cancel every part of an order not shipped yet; their stock goes back. The "
            "order's buyer (signed in, or a guest giving its `token`) and operators may "
            "call it."
        )
        permissions = (ANYONE,)

    @classmethod
    def perform(cls, _root, info, id, reason=None, token=None):
        order = cancellation.order_cancel(
            order_id=decode_id(id, "Order", field="id"),
            by=info.context.user,
            reason=reason or "",
            token=token,
        )
        if _holds_token(order, token):
            order.seen_whole = True
        return {"order": order}


class OrderMutations(graphene.ObjectType):
    """Writes of orders and seller orders."""

    seller_order_confirm = SellerOrderConfirm.Field()
    seller_order_fulfill = SellerOrderFulfill.Field()
    seller_order_deliver = SellerOrderDeliver.Field()
    seller_order_cancel = SellerOrderCancel.Field()
    seller_order_return = SellerOrderReturn.Field()
    order_cancel = OrderCancel.Field()
