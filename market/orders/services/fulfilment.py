"""A seller fulfils its part of an order: confirm, ship (with the lots), deliver, return.

Every move goes through ``status.seller_order_move`` (one table of allowed moves, an
event for each). Staff of the part's seller, or operators, act here; who may cancel is
in ``cancellation``.
"""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from market.core.errors import DomainError, DomainErrors
from market.core.permissions import is_row_id
from market.core.transactions import service_transaction
from market.orders import tasks
from market.orders.models import OrderLine, SellerOrder
from market.orders.services import access, allocation, status
from traceability.models import Lot

S = SellerOrder.Status
# The snapshot of a pick-up method (checkout's ``ShippingMethod.Kind.PICKUP``): the buyer
# fetches the parcel, no carrier carries it.
PICKUP = "pickup"


@service_transaction
def seller_order_confirm(*, seller_order_id: int, by) -> SellerOrder:
    """The seller accepts its part: it will prepare and ship it."""
    part = access.seller_order_for_staff(seller_order_id, by=by)
    status.seller_order_move(part, S.CONFIRMED, by=by)
    return part


@service_transaction
def seller_order_ship(
    *,
    seller_order_id: int,
    by,
    carrier: str = "",
    tracking_number: str = "",
    lines: list[dict] | None = None,
) -> SellerOrder:
    """The parcel leaves: the held units leave the stock (``allocations_consume``).

    ``carrier`` is required unless the buyer picks the parcel up; ``lines`` may name, per
    line (``{"line_id", "lot_id"}``), the traceability lot it came from, which must be a
    lot of the same seller and of the line's product: the buyer's order then links to
    that lot's trace.
    """
    part = access.seller_order_for_staff(seller_order_id, by=by)
    carrier = (carrier or "").strip()
    tracking_number = (tracking_number or "").strip()
    _check_shipping(part, carrier, tracking_number)
    if not status.may_move(part, S.SHIPPED):
        raise status.invalid_status(part, S.SHIPPED)
    order_lines = list(
        OrderLine.objects.filter(seller_order=part).select_related("variant").order_by("pk")
    )
    named = _lots_named(part, order_lines, lines or [])
    for line, lot in named:
        line.lot = lot
    if named:
        OrderLine.objects.bulk_update([line for line, _lot in named], ["lot"])
    part.carrier = carrier
    part.tracking_number = tracking_number
    status.seller_order_move(
        part,
        S.SHIPPED,
        by=by,
        fields=("carrier", "tracking_number"),
        data={
            "carrier": carrier,
            "tracking_number": tracking_number,
            "lots": {str(line.pk): lot.code for line, lot in named},
        },
    )
    allocation.allocations_consume(order_lines)
    transaction.on_commit(
        partial(tasks.send_seller_order_shipped_email.delay, part.pk), robust=True
    )
    return part


@service_transaction
def seller_order_deliver(*, seller_order_id: int, by) -> SellerOrder:
    """The buyer has the parcel (for cash on delivery: and the seller has the money)."""
    part = access.seller_order_for_staff(seller_order_id, by=by)
    status.seller_order_move(part, S.DELIVERED, by=by)
    return part


@service_transaction
def seller_order_return(
    *, seller_order_id: int, by, reason: str = "", restock: bool = False
) -> SellerOrder:
    """The buyer sent a delivered part back.

    The goods come back on sale only when ``restock`` says so: most of what the
    marketplace sells is food (fresh grapes, garlic, dried fruit, fish sauce) that may not
    be sold again once it has been out of the seller's hands, so by default the returned
    units are written off and the stock stays as it is. A seller taking back a sealed,
    shelf-stable item (a bottle, a boxed gift set) passes ``restock=True``.
    """
    part = access.seller_order_for_staff(seller_order_id, by=by)
    reason = status.reason_checked(reason, required=False)
    if not status.may_move(part, S.RETURNED):
        raise status.invalid_status(part, S.RETURNED)
    restocked = 0
    if restock:
        restocked = allocation.stock_restock(OrderLine.objects.filter(seller_order=part))
    status.seller_order_move(
        part,
        S.RETURNED,
        by=by,
        data={"reason": reason, "restocked": restocked},
    )
    return part


def _check_shipping(part: SellerOrder, carrier: str, tracking_number: str) -> None:
    errors = {}
    if not carrier and part.shipping_method_kind != PICKUP:
        errors["carrier"] = ValidationError(_("Name the carrier."), code="REQUIRED")
    elif len(carrier) > SellerOrder._meta.get_field("carrier").max_length:
        errors["carrier"] = ValidationError(_("The carrier's name is too long."), code="TOO_LONG")
    if len(tracking_number) > SellerOrder._meta.get_field("tracking_number").max_length:
        errors["tracking_number"] = ValidationError(
            _("The tracking number is too long."), code="TOO_LONG"
        )
    if errors:
        raise ValidationError(errors)


def _lots_named(part: SellerOrder, order_lines: list[OrderLine], named: list[dict]):
    """``(line, lot)`` pairs for the lines the seller named a lot for; every bad one at once.

    A lot of another seller is refused as one that does not exist, so staff cannot probe
    other sellers' lots.
    """
    by_id = {line.pk: line for line in order_lines}
    lot_ids = [item.get("lot_id") for item in named if is_row_id(item.get("lot_id"))]
    lots = Lot.objects.filter(seller_id=part.seller_id).in_bulk(lot_ids)
    pairs, refusals, seen = [], [], set()
    for index, item in enumerate(named):
        line = by_id.get(item.get("line_id")) if is_row_id(item.get("line_id")) else None
        if line is None or line.pk in seen:
            refusals.append(
                DomainError(
                    _("This is not a line of the seller order, or it is named twice."),
                    code="INVALID",
                    field=f"lines.{index}.line_id",
                )
            )
            continue
        seen.add(line.pk)
        lot = lots.get(item.get("lot_id")) if is_row_id(item.get("lot_id")) else None
        if lot is None:
            refusals.append(
                DomainError(
                    _("No lot of this seller has this ID."),
                    code="INVALID_LOT",
                    field=f"lines.{index}.lot_id",
                )
            )
        elif line.variant is None or line.variant.product_id != lot.product_id:
            refusals.append(
                DomainError(
                    _("Lot %(code)s is not of the product of line %(sku)s.")
                    % {"code": lot.code, "sku": line.sku},
                    code="INVALID_LOT",
                    field=f"lines.{index}.lot_id",
                )
            )
        else:
            pairs.append((line, lot))
    if refusals:
        raise DomainErrors(refusals)
    return pairs
