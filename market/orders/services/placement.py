"""Placing an order: checkout's completion turns a cart into one order, split per seller.

Checkout (higher up) locks its checkout row, re-reads prices and delivery choices, then
calls ``order_place`` in its own transaction with plain values (``PlacedGroup`` /
``PlacedLine``): orders never import checkout. Here the stock is locked, re-checked under
the lock and allocated, and the order, its seller orders, lines, allocations and first
event are written together, or nothing is.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import ProductVariant
from market.core.errors import DomainError, DomainErrors
from market.core.sql import instances_insert
from market.core.transactions import service_transaction
from market.orders import tasks
from market.orders.models import Order, OrderEvent, OrderLine, OrderNumberCounter, SellerOrder
from market.orders.services import allocation


@dataclass(frozen=True)
class PlacedLine:
    variant_id: int
    quantity: int
    unit_price: int  # whole VND, the price charged (checkout re-reads it at completion)


@dataclass(frozen=True)
class PlacedGroup:
    seller_id: int
    shipping_method_name: str
    shipping_method_kind: str
    shipping_price: int
    lines: list[PlacedLine]


@service_transaction
def order_place(
    *,
    checkout_token,
    user,
    email: str,
    shipping_address: dict,
    groups: list[PlacedGroup],
    payment_method: str,
    online: bool,
    language: str,
    held_elsewhere: Callable[[list[int]], dict[int, int]],
    variants: dict[int, ProductVariant] | None = None,
) -> Order:
    """Allocate the stock of every line and write the order; ``DomainErrors`` of
    ``INSUFFICIENT_STOCK`` (one per short line, ``field`` ``lines.<i>`` over the lines of
    all groups in order) when any line is short, and then nothing is written.

    ``held_elsewhere(stock_ids)`` answers, per stock id, the units other checkouts'
    live reservations hold; it is called once the stock rows are locked. ``variants``: the
    lines' variants by id with their products, when the caller has just read them in this
    transaction (else they are read here).
    """
    flat = [line for group in groups for line in group.lines]
    _check_shape(groups, flat)
    wanted = {line.variant_id for line in flat}
    if variants is None or not wanted.issubset(variants):
        variants = ProductVariant.objects.select_related("product").in_bulk(wanted)
    else:
        variants = {pk: variants[pk] for pk in wanted}
    stocks = allocation.stocks_locked(variants)
    held = held_elsewhere(sorted(stock.pk for stock in stocks.values())) if stocks else {}
    _check_stock(groups, variants, stocks, held)

    now = timezone.now()
    subtotals = [sum(line.unit_price * line.quantity for line in group.lines) for group in groups]
    subtotal = sum(subtotals)
    shipping_total = sum(group.shipping_price for group in groups)
    number = _next_number(timezone.localdate().year)
    (order,) = instances_insert(
        [
            Order(
                number=number,
                checkout_token=checkout_token,
                user=user if user is not None and user.is_authenticated else None,
                email=email,
                shipping_address=shipping_address,
                status=Order.Status.UNPAID if online else Order.Status.PLACED,
                payment_method=payment_method,
                subtotal=subtotal,
                shipping_total=shipping_total,
                total=subtotal + shipping_total,
                expires_at=now + datetime.timedelta(minutes=settings.ORDER_PAYMENT_MINUTES)
                if online
                else None,
                language=language or settings.LANGUAGE_CODE,
            )
        ]
    )
    seller_orders = instances_insert(
        [
            SellerOrder(
                order=order,
                seller_id=group.seller_id,
                number=f"{number}-{index}",
                shipping_method_name=group.shipping_method_name,
                shipping_method_kind=group.shipping_method_kind,
                shipping_price=group.shipping_price,
                subtotal=group_subtotal,
                total=group_subtotal + group.shipping_price,
            )
            for index, (group, group_subtotal) in enumerate(zip(groups, subtotals, strict=True), 1)
        ]
    )
    lines = instances_insert(
        [
            _line(seller_order, line, variants[line.variant_id])
            for seller_order, group in zip(seller_orders, groups, strict=True)
            for line in group.lines
        ]
    )
    allocation.allocations_create(
        [
            allocation.Need(
                line=order_line, stock=stocks[placed.variant_id], quantity=placed.quantity
            )
            for order_line, placed in zip(lines, flat, strict=True)
        ]
    )
    _record_placed(order, user=order.user)
    # One task for the buyer's email and every seller's: one message to queue in the
    # request, the order read once by the worker.
    transaction.on_commit(partial(tasks.send_order_placed_emails.delay, order.pk), robust=True)
    return order


def _check_shape(groups: list[PlacedGroup], flat: list[PlacedLine]) -> None:
    """What checkout guarantees, refused plainly if it ever does not hold."""
    if not flat or any(not group.lines for group in groups):
        raise DomainError(_("An order needs at least one line in each group."), code="INVALID")
    if len({group.seller_id for group in groups}) != len(groups):
        raise DomainError(_("Each seller may have one group only."), code="INVALID")
    for index, line in enumerate(flat):
        if line.quantity <= 0 or line.unit_price < 0:
            raise DomainError(
                _("A line needs a positive quantity and a price of at least zero."),
                code="INVALID",
                field=f"lines.{index}",
            )
    if any(group.shipping_price < 0 for group in groups):
        raise DomainError(_("A shipping price cannot be negative."), code="INVALID")


def _check_stock(groups, variants, stocks, held) -> None:
    """Every short line at once, counted against what is left after the earlier lines."""
    wanted: dict[int, int] = defaultdict(int)
    refusals = []
    index = 0
    for group in groups:
        for line in group.lines:
            variant = variants.get(line.variant_id)
            stock = stocks.get(line.variant_id)
            if variant is not None and variant.product.seller_id != group.seller_id:
                raise DomainError(
                    _("A line is in the group of another seller."),
                    code="INVALID",
                    field=f"lines.{index}",
                )
            available = 0
            if stock is not None:
                available = (
                    stock.quantity
                    - stock.quantity_allocated
                    - held.get(stock.pk, 0)
                    - wanted[stock.pk]
                )
                available = max(available, 0)
                wanted[stock.pk] += line.quantity
            if available < line.quantity:
                refusals.append(_insufficient(index, line, variant, available))
            index += 1
    if refusals:
        raise DomainErrors(refusals)


def _insufficient(index: int, line: PlacedLine, variant, available: int) -> DomainError:
    name = str(variant) if variant is not None else line.variant_id
    return DomainError(
        _("Only %(available)d of %(name)s left; %(wanted)d asked for.")
        % {"available": available, "name": name, "wanted": line.quantity},
        code="INSUFFICIENT_STOCK",
        field=f"lines.{index}",
        details={"variant_id": line.variant_id, "available": available},
    )


def _next_number(year: int) -> str:
    """``OCOP-<year>-<6 digits>``: the year's counter, bumped in one statement whose row
    lock lasts to the commit, so two orders never share a number and a rollback gives
    its number back."""
    table = OrderNumberCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "  # noqa: S608 - the model's table
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (last,) = cursor.fetchone()
    return f"OCOP-{year}-{last:06d}"


def _line(seller_order: SellerOrder, placed: PlacedLine, variant: ProductVariant) -> OrderLine:
    return OrderLine(
        seller_order=seller_order,
        variant=variant,
        product_name=variant.product.name,
        variant_name=variant.name,
        sku=variant.sku,
        unit_price=placed.unit_price,
        quantity=placed.quantity,
        total=placed.unit_price * placed.quantity,
    )


def _record_placed(order: Order, *, user) -> OrderEvent:
    (event,) = instances_insert(
        [
            OrderEvent(
                order=order,
                type=OrderEvent.Type.PLACED,
                user=user,
                data={
                    "actor": "buyer",
                    "status": order.status,
                    "total": order.total,
                    "payment_method": order.payment_method,
                },
            )
        ]
    )
    return event
