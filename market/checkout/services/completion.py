"""Completing a checkout: one order, split per seller, never oversold, placed once.

``checkout_complete`` locks the checkout's row first, so two completions of one checkout
(a double click, a retry after a timeout, two tabs) run one after the other: the first
places the order and deletes the checkout; the second then finds no checkout and answers
the order placed from its token (``market.orders.selectors.order_for_checkout``).

Before placing, everything is checked and every refusal reported at once: the lines are
still for sale (``PRODUCT_UNAVAILABLE``) at the price the buyer saw (``PRICE_CHANGED``,
with the old and new price; the line then takes the new price, after the rollback, so
the next completion charges what the buyer has now been shown), the email, the address,
a shipping method that can deliver each seller's group (``DELIVERY_METHOD_REQUIRED`` /
``DELIVERY_METHOD_NOT_APPLICABLE``, naming the seller) and a payment method offered
(``PAYMENT_METHOD_REQUIRED`` / ``PAYMENT_METHOD_UNAVAILABLE``). ``order_place`` then locks
the stock rows in primary-key order and checks them again there, counting the live
reservations of other checkouts (``INSUFFICIENT_STOCK`` per short line, renamed here to
the checkout's lines). The checkout (and its reservations) is deleted in the same
transaction, and the payment method's ``start`` begins paying.
"""

from dataclasses import dataclass
from functools import partial

from django.db import connection
from django.utils.translation import gettext as _

from market.checkout.models import Checkout, CheckoutDelivery, CheckoutLine, Reservation
from market.checkout.selectors import checkout_state, may_act_on, parse_token, units_held_elsewhere
from market.checkout.services.common import (
    checkout_not_found,
    checkout_row,
    unavailable,
    variants_buyable_among,
)
from market.core.errors import DomainError, DomainErrors, PermissionDenied
from market.core.permissions import is_operator
from market.core.sql import sql_table
from market.core.transactions import service_transaction
from market.orders.models import Order
from market.orders.selectors import order_for_checkout
from market.orders.services.placement import PlacedGroup, PlacedLine, order_place
from payments.methods import PaymentAction, method_named


@dataclass(frozen=True)
class Completion:
    order: Order
    # What the buyer does next to pay; None when this call answered an order placed by
    # an earlier one.
    payment_action: PaymentAction | None


def _order_already_placed(by, token) -> Order:
    """The order an earlier completion of ``token`` placed, for whoever could complete the
    checkout: its guest (the token is the key) or its buyer."""
    order = order_for_checkout(token)
    if order is None:
        raise checkout_not_found()
    if order.user_id is None or (by is not None and by.is_authenticated and order.user_id == by.pk):
        return order
    raise checkout_not_found()


def _prices_update(changes: dict[int, int]) -> None:
    """Give each line its current price, so that the buyer's next try goes through."""
    for line_id, price in changes.items():
        CheckoutLine.objects.filter(pk=line_id).update(price_when_added=price)


def _refusals(checkout: Checkout, state, buyable: dict) -> tuple[list[DomainError], dict[int, int]]:
    """Every reason not to place the order yet, and the current price of each line whose
    price changed (by line id); ``buyable``: the lines' variants that can be bought."""
    refusals = []
    changed_prices = {}
    for index, line in enumerate(state.lines):
        if line.variant_id not in buyable:
            refusals.append(
                unavailable(f"lines.{index}", variant_id=line.variant_id, line_id=line.pk)
            )
        elif line.variant.price != line.price_when_added:
            changed_prices[line.pk] = line.variant.price
            refusals.append(
                DomainError(
                    _("The price of this product changed from %(old)d to %(new)d VND.")
                    % {"old": line.price_when_added, "new": line.variant.price},
                    code="PRICE_CHANGED",
                    field=f"lines.{index}",
                    details={
                        "line_id": line.pk,
                        "variant_id": line.variant_id,
                        "old_price": line.price_when_added,
                        "new_price": line.variant.price,
                    },
                )
            )
    if not checkout.email:
        refusals.append(
            DomainError(_("Give an email address."), code="EMAIL_REQUIRED", field="email")
        )
    if not checkout.shipping_address:
        refusals.append(
            DomainError(
                _("Give a delivery address."),
                code="SHIPPING_ADDRESS_REQUIRED",
                field="shipping_address",
            )
        )
    for group in state.totals.groups:
        if group.chosen is None:
            refusals.append(
                DomainError(
                    _("Choose a shipping method for this seller's products."),
                    code="DELIVERY_METHOD_REQUIRED",
                    field="delivery_methods",
                    details={"seller_id": group.seller_id},
                )
            )
        elif group.chosen_option is None:
            refusals.append(
                DomainError(
                    _("The shipping method chosen for this seller cannot deliver this order."),
                    code="DELIVERY_METHOD_NOT_APPLICABLE",
                    field="delivery_methods",
                    details={"seller_id": group.seller_id},
                )
            )
    if not checkout.payment_method:
        refusals.append(
            DomainError(
                _("Choose a payment method."),
                code="PAYMENT_METHOD_REQUIRED",
                field="payment_method",
            )
        )
    elif method_named(checkout.payment_method) is None:
        refusals.append(
            DomainError(
                _("This payment method is no longer offered: choose another."),
                code="PAYMENT_METHOD_UNAVAILABLE",
                field="payment_method",
            )
        )
    return refusals, changed_prices


def _placed_groups(state) -> tuple[list[PlacedGroup], list[CheckoutLine]]:
    """The groups as orders take them, and the checkout's lines in the same flat order."""
    groups, flat = [], []
    for group in state.totals.groups:
        option = group.chosen_option
        groups.append(
            PlacedGroup(
                seller_id=group.seller_id,
                shipping_method_name=option.method.name,
                shipping_method_kind=option.method.kind,
                shipping_price=option.price,
                lines=[
                    PlacedLine(
                        variant_id=line.variant_id,
                        quantity=line.quantity,
                        unit_price=line.variant.price,
                    )
                    for line in group.lines
                ],
            )
        )
        flat.extend(group.lines)
    return groups, flat


def _as_checkout_lines(error: DomainErrors, flat: list[CheckoutLine], positions: dict) -> None:
    """Name the checkout's lines in the refusals of ``order_place`` (which counts its own
    lines, group after group)."""
    for refusal in error.errors:
        _prefix, _dot, index = (refusal.field or "").partition(".")
        if _prefix == "lines" and index.isdigit() and int(index) < len(flat):
            line = flat[int(index)]
            refusal.field = f"lines.{positions[line.pk]}"
            refusal.details = {**refusal.details, "line_id": line.pk}
    error.field, error.details = error.errors[0].field, error.errors[0].details


def _checkout_delete(checkout: Checkout) -> None:
    """Delete the checkout, its lines, their reservations and its delivery choices in one
    statement (what ``checkout.delete()`` does in five, after collecting them in Python).
    Nothing else points at a checkout; every writer of its rows holds its row lock, which
    this transaction has. Other databases (SQLite for ``make run``) delete it as usual."""
    if connection.vendor != "postgresql":
        checkout.delete()
        return
    checkouts, c = sql_table(connection, Checkout, "done_c")
    lines, line = sql_table(connection, CheckoutLine, "done_l")
    reservations, r = sql_table(connection, Reservation, "done_r")
    deliveries, d = sql_table(connection, CheckoutDelivery, "done_d")
    sql = (
        f"WITH gone_r AS (DELETE FROM {reservations} WHERE {r('line')} IN"  # noqa: S608 - names from the models
        f" (SELECT {line('id')} FROM {lines} WHERE {line('checkout')} = %s)),"
        f" gone_d AS (DELETE FROM {deliveries} WHERE {d('checkout')} = %s),"
        f" gone_l AS (DELETE FROM {lines} WHERE {line('checkout')} = %s)"
        f" DELETE FROM {checkouts} WHERE {c('id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [checkout.pk] * 4)


@service_transaction
def checkout_complete(*, by, token) -> Completion:
    """Place the order of the checkout ``token`` names, or answer the one already placed
    from it. Only whoever may act on the checkout completes it (operators do not)."""
    value = parse_token(token)
    checkout = checkout_row(value, lock=True)
    if checkout is None:
        return Completion(order=_order_already_placed(by, value), payment_action=None)
    if not may_act_on(by, checkout):
        if is_operator(by):
            raise PermissionDenied(_("Operators may read a buyer's checkout, not complete it."))
        raise checkout_not_found()
    state = checkout_state(checkout)
    if not state.lines:
        raise DomainError(_("The checkout has no products."), code="NO_LINES", field="lines")
    buyable = variants_buyable_among([line.variant for line in state.lines])
    refusals, changed_prices = _refusals(checkout, state, buyable)
    if refusals:
        errors = DomainErrors(refusals)
        if changed_prices:
            errors.after_rollback = partial(_prices_update, changed_prices)
        raise errors
    method = method_named(checkout.payment_method)
    groups, flat = _placed_groups(state)
    positions = {line.pk: index for index, line in enumerate(state.lines)}
    try:
        order = order_place(
            checkout_token=checkout.token,
            # ``by`` is the checkout's buyer when it has one (``may_act_on``).
            user=by if checkout.user_id is not None else None,
            email=checkout.email,
            shipping_address=checkout.shipping_address,
            groups=groups,
            payment_method=method.code,
            online=method.online,
            language=checkout.language,
            held_elsewhere=partial(units_held_elsewhere, checkout_id=checkout.pk),
            # Read with their products in this transaction (the state's): every line's.
            variants=buyable,
        )
    except DomainErrors as error:
        _as_checkout_lines(error, flat, positions)
        raise
    _checkout_delete(checkout)
    return Completion(order=order, payment_action=method.start(order))
