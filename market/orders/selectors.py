"""Reads of orders: who sees which order and which seller orders.

A seller's staff see an order only through their own seller orders: the ``Order`` row
(number, address, the buyer's email) of an order with one of their parts, and of its
parts and lines only theirs (``seller_orders_of_order_visible_to``); never another
seller's part. Buyers see their own orders, guests theirs by token, operators all;
auditors none (orders are no traceability record).
"""

import datetime
import uuid
from functools import lru_cache

from django.db import connections, router
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from market.core.permissions import is_operator, seller_ids_of
from market.core.sql import ModelColumns, instances_for_ids, sql_table
from market.orders.models import Order, OrderEvent, OrderLine, SellerOrder
from market.sellers.models import Seller
from traceability.models import Lot


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated)


def _as_uuid(value) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def order_for_checkout(checkout_token) -> Order | None:
    """The order a checkout was completed into, if it was: a second completion answers it."""
    token = _as_uuid(checkout_token)
    if token is None:
        return None
    return Order.objects.filter(checkout_token=token).first()


def orders_visible_to(user) -> QuerySet[Order]:
    """Orders ``user`` may read: an operator all; a buyer their own; a seller's staff those
    holding a seller order of theirs (and only that part, see the module's note)."""
    if not _signed_in(user):
        return Order.objects.none()
    if is_operator(user):
        return Order.objects.all()
    condition = Q(user=user)
    sellers = seller_ids_of(user)
    if sellers:
        condition |= Q(
            Exists(SellerOrder.objects.filter(order=OuterRef("pk"), seller_id__in=sellers))
        )
    return Order.objects.filter(condition)


def order_of_buyer(user, *, number: str) -> Order | None:
    """The order numbered ``number`` for its buyer, a staff member of one of its sellers,
    or an operator; None for anyone else, as for a number that does not exist."""
    if not isinstance(number, str) or not number:
        return None
    return orders_visible_to(user).filter(number=number.strip()).first()


def order_by_token(token) -> Order | None:
    """The order whose token is ``token``: what a guest holds to follow their order."""
    value = _as_uuid(token)
    if value is None:
        return None
    return Order.objects.filter(token=value).first()


def sees_whole_order(user, order: Order) -> bool:
    """Whether ``user`` sees every part of ``order``: its buyer, or an operator. Staff of
    one of its sellers see only their parts; a guest holding the token sees all of it."""
    if is_operator(user):
        return True
    return _signed_in(user) and order.user_id == user.pk


def seller_orders_visible_to(
    user,
    *,
    status: list[str] | None = None,
    created_from=None,
    created_to=None,
    seller_ids: list[int] | None = None,
) -> QuerySet[SellerOrder]:
    """Seller orders of ``user``'s sellers (all for an operator), narrowed by status, a
    creation date range (local dates, both ends included) and sellers."""
    if not _signed_in(user):
        return SellerOrder.objects.none()
    rows = SellerOrder.objects.all()
    if not is_operator(user):
        rows = rows.filter(seller_id__in=seller_ids_of(user))
    if status:
        rows = rows.filter(status__in=status)
    if seller_ids is not None:
        rows = rows.filter(seller_id__in=seller_ids)
    return _created_between(rows, created_from, created_to)


def orders_of_buyer(user) -> QuerySet[Order]:
    return Order.objects.filter(user=user)


def orders_narrowed(
    orders: QuerySet[Order],
    *,
    status: list[str] | None = None,
    payment_status: list[str] | None = None,
    created_from=None,
    created_to=None,
    email: str | None = None,
) -> QuerySet[Order]:
    if status:
        orders = orders.filter(status__in=status)
    if payment_status:
        orders = orders.filter(payment_status__in=payment_status)
    if email:
        orders = orders.filter(email__iexact=email)
    return _created_between(orders, created_from, created_to)


_EARLIEST = datetime.date.min + datetime.timedelta(days=1)
_LATEST = datetime.date.max - datetime.timedelta(days=1)


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight of ``day`` in the marketplace's time zone (Vietnam), as an aware time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _created_between(rows, created_from, created_to):
    """Rows created on ``created_from`` or later and ``created_to`` or earlier, local days;
    as a range on the column, so the (seller, status, created) index serves it."""
    # The first and last days the calendar holds bound nothing (and would overflow in UTC).
    if created_from is not None and created_from > _EARLIEST:
        rows = rows.filter(created_at__gte=_start_of(created_from))
    if created_to is not None and created_to < _LATEST:
        rows = rows.filter(created_at__lt=_start_of(created_to + datetime.timedelta(days=1)))
    return rows


def seller_orders_of_orders_visible_to(user, order_ids: list[int], *, whole: set[int]):
    """Per order id, the seller orders of it that ``user`` may read, in their number's
    order: all for the orders in ``whole`` (the buyer's, a guest's by token, an
    operator's), else only those of ``user``'s sellers."""
    sellers = _sellers_for_parts_of(user, order_ids, whole)
    rows = SellerOrder.objects.filter(order_id__in=order_ids).filter(
        Q(order_id__in=whole) | Q(seller_id__in=sellers)
    )
    grouped: dict[int, list[SellerOrder]] = {order_id: [] for order_id in order_ids}
    for row in rows.order_by("order_id", "pk"):
        grouped[row.order_id].append(row)
    return grouped


def _sellers_for_parts_of(user, order_ids, whole: set[int]) -> set[int]:
    """The sellers whose parts ``user`` reads in the orders not seen whole (none to look
    up when every order is seen whole, as an operator's or a buyer's page is)."""
    if not _signed_in(user) or whole.issuperset(order_ids):
        return set()
    return seller_ids_of(user)


def order_lines_of_seller_orders(seller_order_ids: list[int]) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(seller_order_id__in=seller_order_ids).order_by(
        "seller_order_id", "pk"
    )


def order_events_visible_to(user, order_ids: list[int], *, whole: set[int]):
    """The timeline of each order: every event for the orders in ``whole``; for a seller's
    staff, the order's own events (placed, paid…) and those of their seller orders."""
    sellers = _sellers_for_parts_of(user, order_ids, whole)
    rows = OrderEvent.objects.filter(order_id__in=order_ids).filter(
        Q(order_id__in=whole)
        | Q(seller_order__isnull=True)
        | Q(seller_order__seller_id__in=sellers)
    )
    grouped: dict[int, list[OrderEvent]] = {order_id: [] for order_id in order_ids}
    for row in rows.order_by("order_id", "created_at", "pk"):
        grouped[row.order_id].append(row)
    return grouped


# ---------------------------------------------------------------- an order's emails
#
# Read once per placed order by the worker that sends its emails: written as SQL, since
# building these querysets took more of the worker's time than rendering the emails.


def seller_orders_with_order(order_id: int) -> list[SellerOrder]:
    """The order's seller orders by key, each with its order (one instance for all) and
    its seller. One query."""
    connection = connections[router.db_for_read(SellerOrder)]
    head, tail, reads = _parts_sql(connection.alias)
    parts, order = [], None
    for part, part_order, seller in instances_for_ids(connection, head, tail, [order_id], reads):
        order = order or part_order
        SellerOrder.order.field.set_cached_value(part, order)
        SellerOrder.seller.field.set_cached_value(part, seller)
        parts.append(part)
    return parts


def order_lines_with_lots(seller_order_ids: list[int]) -> list[OrderLine]:
    """``order_lines_of_seller_orders``, each line with its lot (or none). One query."""
    if not seller_order_ids:
        return []
    connection = connections[router.db_for_read(OrderLine)]
    head, tail, reads = _lines_sql(connection.alias)
    lines = []
    for line, lot in instances_for_ids(connection, head, tail, seller_order_ids, reads):
        OrderLine.lot.field.set_cached_value(line, lot)
        lines.append(line)
    return lines


@lru_cache(maxsize=8)
def _parts_sql(alias: str) -> tuple[str, str, tuple[ModelColumns, ...]]:
    connection = connections[alias]
    parts, part = sql_table(connection, SellerOrder, "mail_p")
    orders, order = sql_table(connection, Order, "mail_o")
    sellers, seller = sql_table(connection, Seller, "mail_s")
    reads = ModelColumns.sequence(
        connection, (SellerOrder, "mail_p"), (Order, "mail_o"), (Seller, "mail_s")
    )
    columns = ", ".join(read.select(connection) for read in reads)
    head = (
        f"SELECT {columns} FROM {parts}"  # noqa: S608 - names from the models
        f" INNER JOIN {orders} ON {part('order')} = {order('id')}"
        f" INNER JOIN {sellers} ON {part('seller')} = {seller('id')}"
        f" WHERE {part('order')} IN ("
    )
    return head, f") ORDER BY {part('id')}", reads


@lru_cache(maxsize=8)
def _lines_sql(alias: str) -> tuple[str, str, tuple[ModelColumns, ...]]:
    connection = connections[alias]
    lines, line = sql_table(connection, OrderLine, "mail_l")
    lots, lot = sql_table(connection, Lot, "mail_t")
    reads = ModelColumns.sequence(connection, (OrderLine, "mail_l"), (Lot, "mail_t"))
    columns = ", ".join(read.select(connection) for read in reads)
    head = (
        f"SELECT {columns} FROM {lines}"  # noqa: S608 - names from the models
        f" LEFT OUTER JOIN {lots} ON {line('lot')} = {lot('id')}"
        f" WHERE {line('seller_order')} IN ("
    )
    return head, f") ORDER BY {line('seller_order')}, {line('id')}", reads
