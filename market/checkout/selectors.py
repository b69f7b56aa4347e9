"""Reads of checkouts: a buyer's open checkout, what it holds, and the stock others hold.

``checkout_states`` loads everything a checkout shows (its lines with their variants and
reservations, the sellers' offered shipping methods, the buyer's choices) in three
queries for any number of checkouts and lines, and computes the delivery groups and
totals with ``market.checkout.delivery``: the GraphQL loaders and the services read the
same thing. A service that has just read some of these in its transaction, and changed
nothing after, hands them on (``reads_keep``) so that the answer does not read them again.
"""

import uuid
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connections, router
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, ProductVariant
from market.checkout.delivery import (
    CheckoutTotals,
    checkout_totals,
    delivery_groups,
    seller_of,
)
from market.checkout.models import (
    Checkout,
    CheckoutDelivery,
    CheckoutLine,
    Reservation,
    ShippingMethod,
)
from market.checkout.shipping_selectors import shipping_methods_offered_of_sellers
from market.core.errors import InvalidInput
from market.core.permissions import is_operator
from market.core.sql import ModelColumns, instances_for_ids, sql_table


@dataclass(frozen=True)
class CheckoutState:
    checkout: Checkout
    # In the order they were added.
    lines: tuple[CheckoutLine, ...]
    totals: CheckoutTotals
    # What the totals were computed from: the offered methods of the lines' sellers
    # (cheapest first) and the buyer's choice per seller id.
    methods: tuple[ShippingMethod, ...] = ()
    chosen: dict[int, ShippingMethod] = field(default_factory=dict)


@dataclass(frozen=True)
class KnownReads:
    """What a service read of a checkout in its transaction and did not change after; None
    where it read nothing. ``lines`` as ``checkout_lines`` reads them, ``methods`` the
    offered methods of their sellers (cheapest first), ``chosen`` the choice per seller."""

    lines: tuple[CheckoutLine, ...] | None = None
    methods: tuple[ShippingMethod, ...] | None = None
    chosen: dict[int, ShippingMethod] | None = None


# The attribute of a ``Checkout`` instance that carries its ``KnownReads`` to the next
# ``checkout_states``, which takes them (once) instead of reading them again.
_KNOWN = "_checkout_reads_known"


def reads_keep(checkout: Checkout, reads: KnownReads) -> None:
    """Hand ``reads`` to the next ``checkout_states`` of this instance (the answer of the
    mutation): only what is still what the database holds for the transaction."""
    setattr(checkout, _KNOWN, reads)


def _reads_taken(checkout: Checkout) -> KnownReads:
    return checkout.__dict__.pop(_KNOWN, None) or KnownReads()


def parse_token(token) -> uuid.UUID:
    """The UUID ``token`` spells (the canonical form, any case), else ``INVALID_TOKEN``."""
    if isinstance(token, uuid.UUID):
        return token
    try:
        parsed = uuid.UUID(token)
    except (TypeError, ValueError, AttributeError):
        parsed = None
    if parsed is None or str(parsed) != token.lower():
        raise InvalidInput(
            _("The checkout token is not valid."), code="INVALID_TOKEN", field="token"
        )
    return parsed


def may_act_on(user, checkout: Checkout) -> bool:
    """A guest's checkout: whoever holds its token; a buyer's: that buyer."""
    return checkout.user_id is None or (_signed_in(user) and checkout.user_id == user.pk)


def checkout_visible_to(user, token) -> Checkout | None:
    """The checkout ``token`` names if ``user`` may read it (``may_act_on``, or an
    operator), else None: a stranger cannot tell a buyer's checkout from a missing one."""
    checkout = Checkout.objects.filter(token=parse_token(token)).first()
    if checkout is None or not (may_act_on(user, checkout) or is_operator(user)):
        return None
    return checkout


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated)


def checkout_of_user(user) -> Checkout | None:
    """The signed-in ``user``'s open checkout (there is at most one), or None."""
    if not _signed_in(user):
        return None
    return Checkout.objects.filter(user=user).first()


def units_held_elsewhere(stock_ids: list[int], *, checkout_id: int | None) -> dict[int, int]:
    """Per stock id, the units that live reservations of checkouts other than
    ``checkout_id`` hold. A reservation past its ``reserved_until`` holds nothing,
    whether or not the periodic task has deleted it yet.

    Read it after locking the stock rows: every writer of a reservation holds its stock's
    lock until it commits, so what this reads is then current. Written as SQL (adding a
    line and completing both ask it, under the locks)."""
    if not stock_ids:
        return {}
    connection = connections[router.db_for_read(Reservation)]
    reservations, r = sql_table(connection, Reservation, "held_r")
    lines, line = sql_table(connection, CheckoutLine, "held_l")
    until = Reservation._meta.get_field("reserved_until")
    params = [*stock_ids, until.get_db_prep_value(timezone.now(), connection)]
    other = ""
    if checkout_id is not None:
        other = f" AND {line('checkout')} <> %s"
        params.append(checkout_id)
    placeholders = ", ".join(["%s"] * len(stock_ids))
    sql = (
        f"SELECT {r('stock')}, SUM({r('quantity')}) FROM {reservations}"  # noqa: S608 - names from the models
        f" INNER JOIN {lines} ON {r('line')} = {line('id')}"
        f" WHERE {r('stock')} IN ({placeholders}) AND {r('reserved_until')} > %s{other}"
        f" GROUP BY {r('stock')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {stock_id: int(units) for stock_id, units in cursor.fetchall()}


def reservation_of(line: CheckoutLine) -> Reservation | None:
    try:
        return line.reservation
    except Reservation.DoesNotExist:
        return None


def checkout_lines(checkout_ids: list[int]) -> list[CheckoutLine]:
    """The lines of these checkouts with their variant, product and reservation, in the
    order they were added.

    What ``CheckoutLine.objects.filter(checkout_id__in=…).select_related("variant__product",
    "reservation").order_by("checkout_id", "created_at", "pk")`` answers, in SQL built once
    per database (``market.core.sql``): every step of the flow reads these, and compiling
    the joins cost as much Python as reading the rows."""
    if not checkout_ids:
        return []
    connection = connections[router.db_for_read(CheckoutLine)]
    head, tail, reads = _lines_sql(connection.alias)
    lines = []
    for line, variant, product, reservation in instances_for_ids(
        connection, head, tail, checkout_ids, reads
    ):
        CheckoutLine.variant.field.set_cached_value(line, variant)
        ProductVariant.product.field.set_cached_value(variant, product)
        CheckoutLine.reservation.related.set_cached_value(line, reservation)
        if reservation is not None:
            Reservation.line.field.set_cached_value(reservation, line)
        lines.append(line)
    return lines


def checkout_deliveries(checkout_ids: list[int]) -> list[CheckoutDelivery]:
    """The buyer's choices of these checkouts with their shipping methods: what
    ``CheckoutDelivery.objects.filter(checkout_id__in=…).select_related("shipping_method")``
    answers, in SQL built once per database, as ``checkout_lines``."""
    if not checkout_ids:
        return []
    connection = connections[router.db_for_read(CheckoutDelivery)]
    head, tail, reads = _deliveries_sql(connection.alias)
    deliveries = []
    for delivery, method in instances_for_ids(connection, head, tail, checkout_ids, reads):
        CheckoutDelivery.shipping_method.field.set_cached_value(delivery, method)
        deliveries.append(delivery)
    return deliveries


@lru_cache(maxsize=8)
def _deliveries_sql(alias: str) -> tuple[str, str, tuple[ModelColumns, ...]]:
    connection = connections[alias]
    deliveries, delivery = sql_table(connection, CheckoutDelivery, "sel_d")
    methods, method = sql_table(connection, ShippingMethod, "sel_m")
    reads = ModelColumns.sequence(
        connection, (CheckoutDelivery, "sel_d"), (ShippingMethod, "sel_m")
    )
    columns = ", ".join(read.select(connection) for read in reads)
    head = (
        f"SELECT {columns} FROM {deliveries}"  # noqa: S608 - names from the models
        f" INNER JOIN {methods} ON {delivery('shipping_method')} = {method('id')}"
        f" WHERE {delivery('checkout')} IN ("
    )
    return head, ")", reads


@lru_cache(maxsize=8)
def _lines_sql(alias: str) -> tuple[str, str, tuple[ModelColumns, ...]]:
    """The SELECT of ``checkout_lines`` up to its list of checkout ids and after it, and how
    to read its rows."""
    connection = connections[alias]
    lines, line = sql_table(connection, CheckoutLine, "sel_l")
    variants, variant = sql_table(connection, ProductVariant, "sel_v")
    products, product = sql_table(connection, Product, "sel_p")
    reservations, reservation = sql_table(connection, Reservation, "sel_r")
    reads = ModelColumns.sequence(
        connection,
        (CheckoutLine, "sel_l"),
        (ProductVariant, "sel_v"),
        (Product, "sel_p"),
        (Reservation, "sel_r"),
    )
    columns = ", ".join(read.select(connection) for read in reads)
    head = (
        f"SELECT {columns} FROM {lines}"  # noqa: S608 - names from the models
        f" INNER JOIN {variants} ON {line('variant')} = {variant('id')}"
        f" INNER JOIN {products} ON {variant('product')} = {product('id')}"
        f" LEFT OUTER JOIN {reservations} ON {reservation('line')} = {line('id')}"
        f" WHERE {line('checkout')} IN ("
    )
    tail = f") ORDER BY {line('checkout')}, {line('created_at')}, {line('id')}"
    return head, tail, reads


def checkout_states(checkouts: list[Checkout]) -> dict[int, CheckoutState]:
    """Each checkout's lines, delivery groups and totals, by checkout id; what a service
    kept (``reads_keep``) is taken instead of read."""
    if not checkouts:
        return {}
    known = {checkout.pk: _reads_taken(checkout) for checkout in checkouts}
    ids = [checkout.pk for checkout in checkouts]
    lines_by_checkout: dict[int, list[CheckoutLine]] = {
        pk: list(reads.lines) for pk, reads in known.items() if reads.lines is not None
    }
    unread = [pk for pk in ids if pk not in lines_by_checkout]
    for pk in unread:
        lines_by_checkout[pk] = []
    for line in checkout_lines(unread) if unread else ():
        lines_by_checkout[line.checkout_id].append(line)
    methods_by_checkout: dict[int, tuple[ShippingMethod, ...]] = {
        pk: reads.methods for pk, reads in known.items() if reads.methods is not None
    }
    seller_ids = {
        line.variant.product.seller_id
        for pk in ids
        if pk not in methods_by_checkout
        for line in lines_by_checkout[pk]
    }
    methods = shipping_methods_offered_of_sellers(seller_ids)
    chosen: dict[int, dict] = {
        pk: reads.chosen for pk, reads in known.items() if reads.chosen is not None
    }
    unchosen = [pk for pk in ids if pk not in chosen]
    for delivery in checkout_deliveries(unchosen):
        chosen.setdefault(delivery.checkout_id, {})[delivery.seller_id] = delivery.shipping_method
    states = {}
    for checkout in checkouts:
        own_lines = lines_by_checkout[checkout.pk]
        own_sellers = {seller_of(line) for line in own_lines}
        own_methods = methods_by_checkout.get(checkout.pk)
        if own_methods is None:
            own_methods = tuple(method for method in methods if method.seller_id in own_sellers)
        own_chosen = chosen.get(checkout.pk, {})
        groups = delivery_groups(
            own_lines, methods=own_methods, chosen=own_chosen, province=province_of(checkout)
        )
        states[checkout.pk] = CheckoutState(
            checkout=checkout,
            lines=tuple(own_lines),
            totals=checkout_totals(groups),
            methods=own_methods,
            chosen=own_chosen,
        )
    return states


def checkout_state(checkout: Checkout) -> CheckoutState:
    return checkout_states([checkout])[checkout.pk]


def province_of(checkout: Checkout) -> str | None:
    return (checkout.shipping_address or {}).get("province")
