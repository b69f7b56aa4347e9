"""Orders placed in a period and their payments: ``sales_rows`` adds them up by local
month, payment method and payment status, and ``sales_figures`` makes the dashboard's
section from those rows.

A closed month the period covers whole is read from its ``MonthlySales`` record while the
record stands: recorded after the month ended, the kinds and addresses of the month's
sellers as they are now, and no order of the month changed since (``Order.updated_at``). Every other
day is read live, in one pass over its seller orders. Both give the same rows; the tests
compare them for every filter. Product group and stars are a product's certificate as of
``today``, which no record can know: those filters are always read live.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from market.orders.models import Order, SellerOrder
from market.sellers.models import Seller
from payments.models import TransactionEvent
from province.figures import Filters, Period, SalesByKey, SalesFigures, month_end
from province.models import MonthlySales, MonthlySalesRow
from province.selectors.figures import (
    METHOD_KEYS,
    PAID_STATUSES,
    PLACED_ORDER_STATUSES,
    PlannedMoment,
    cashless_shares,
    is_live_month,
    local_bounds,
    parts_matching,
)

ANY = MonthlySalesRow.ANY
# A record's time is taken this long before it starts reading, so that a change saved
# (and stamped) just before but committed during the reading still marks it stale.
RECORD_MARGIN = timedelta(minutes=5)


class SalesRow(NamedTuple):
    """The placed orders of one local month, payment method and payment status: in all, by
    the kind of the seller of a part (``{kind: (orders, value)}``) and by the ward of the
    seller of a part (``{ward: orders}``, blank for a seller without an address)."""

    month: date
    method: str
    payment_status: str
    orders: int
    value: int
    by_seller_kind: dict[str, tuple[int, int]]
    orders_by_ward: dict[str, int]


class SellerPlace(NamedTuple):
    """What sales are added up by: a seller's kind and its address's ward and former
    district (blank without an address)."""

    kind: str
    ward: str
    former_district: str


def seller_places() -> dict[int, SellerPlace]:
    """Every seller's ``SellerPlace`` by primary key. One query."""
    return {
        pk: SellerPlace(kind, ward or "", district or "")
        for pk, kind, ward, district in Seller.objects.values_list(
            "pk", "kind", "address__ward", "address__former_district"
        ).order_by()
    }


def places_as_counted(places: dict[int, SellerPlace], seller_ids) -> dict[str, list[str]]:
    """What a record keeps of ``places``: those of ``seller_ids``, as JSON would write them."""
    return {str(pk): list(places[pk]) for pk in sorted(seller_ids)}


def _places_unchanged(counted: dict[str, list[str]], places: dict[int, SellerPlace]) -> bool:
    return all(
        (place := places.get(int(pk))) is not None and list(place) == kept
        for pk, kept in counted.items()
    )


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """A month (its first day) as ``local_bounds``."""
    return local_bounds(month, month_end(month))


def _records_of(filters: Filters) -> bool:
    return not (filters.product_group or filters.stars is not None)


# ---------------------------------------------------------------- the rows


def sales_rows(period: Period, filters: Filters, *, today: date) -> list[SalesRow]:
    """The period's placed orders by local month, payment method and payment status: how
    many distinct orders and their parts' totals, in all, by seller kind and by ward.

    From them the sales totals, by seller kind and by method, the monthly cashless trend
    and the ward table's paid orders are all added up: an order has one month, one method
    and one status, so it is counted in exactly one row, and there once in each kind's and
    ward's columns it has a part in. Kinds and wards are columns, not groups, because an
    order with two parts would otherwise be counted twice when adding up the groups.

    A fixed number of queries: the sellers, the records and what changed since them, their
    rows, and one pass over the seller orders of the days no record stands for.
    """
    places = seller_places()
    records = (
        standing_records(_covered_months(period, today), places) if _records_of(filters) else {}
    )
    rows = _recorded_rows(records, filters) if records else []
    ranges = _unrecorded_ranges(period, set(records))
    if ranges:
        rows.extend(_live_rows(ranges, filters, places, today=today))
    return rows


def _covered_months(period: Period, today: date) -> list[date]:
    """The closed months (before ``today``'s) the period covers from first to last day."""
    return [
        month
        for month in period.months()
        if not is_live_month(month, today)
        and period.start <= month
        and month_end(month) <= period.end
    ]


def standing_records(months: list[date], places: dict[int, SellerPlace]) -> dict[date, int]:
    """``{month: record's primary key}`` of the months whose record stands (see the module's
    docstring). Two queries, none without months."""
    if not months:
        return {}
    records = {
        month: (pk, recorded_at)
        for pk, month, recorded_at, counted in MonthlySales.objects.filter(
            month__in=months
        ).values_list("pk", "month", "recorded_at", "seller_places")
        if recorded_at >= month_bounds(month)[1] and _places_unchanged(counted, places)
    }
    if not records:
        return {}
    zone = timezone.get_default_timezone()
    first, last = min(records), max(records)
    changed = Order.objects.filter(
        created_at__gte=month_bounds(first)[0],
        created_at__lt=month_bounds(last)[1],
        updated_at__gt=min(recorded_at for _pk, recorded_at in records.values()),
    ).values_list("created_at", "updated_at")
    for created_at, updated_at in changed:
        month = timezone.localtime(created_at, zone).date().replace(day=1)
        if month in records and updated_at > records[month][1]:
            del records[month]
    return {month: pk for month, (pk, _recorded_at) in records.items()}


def _unrecorded_ranges(period: Period, recorded: set[date]) -> list[tuple[date, date]]:
    """The period's days outside the recorded months, as runs of whole days."""
    ranges: list[tuple[date, date]] = []
    for month in period.months():
        if month in recorded:
            continue
        start, end = max(period.start, month), min(period.end, month_end(month))
        if ranges and ranges[-1][1] + timedelta(days=1) == start:
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
    return ranges


def _recorded_rows(records: dict[date, int], filters: Filters) -> list[SalesRow]:
    """The rows the records keep for ``filters`` (no group or stars). One query."""
    month_of = {pk: month for month, pk in records.items()}
    ward = filters.ward or ANY
    kind = filters.seller_kind or ANY
    kept = MonthlySalesRow.objects.filter(
        record__in=month_of, former_district=filters.former_district or ANY
    )
    if filters.ward:
        kept = kept.filter(ward=filters.ward)
    if filters.seller_kind:
        kept = kept.filter(seller_kind=kind)
    base: dict[tuple, tuple[int, int]] = {}
    by_kind: dict[tuple, dict[str, tuple[int, int]]] = defaultdict(dict)
    by_ward: dict[tuple, dict[str, int]] = defaultdict(dict)
    for record, method, status, row_ward, row_kind, orders, value in kept.values_list(
        "record", "payment_method", "payment_status", "ward", "seller_kind", "orders", "value"
    ):
        key = (month_of[record], method, status)
        if row_ward == ward:
            if row_kind == kind:
                base[key] = (orders, value)
            if row_kind != ANY:
                by_kind[key][row_kind] = (orders, value)
        if row_ward != ANY and row_kind == kind:
            by_ward[key][row_ward] = orders
    return [
        SalesRow(
            month=month,
            method=method,
            payment_status=status,
            orders=orders,
            value=value,
            by_seller_kind={
                seller_kind: by_kind[(month, method, status)].get(seller_kind, (0, 0))
                for seller_kind in Seller.Kind.values
            },
            orders_by_ward=by_ward[(month, method, status)],
        )
        for (month, method, status), (orders, value) in base.items()
    ]


def _live_rows(
    ranges: list[tuple[date, date]],
    filters: Filters,
    places: dict[int, SellerPlace],
    *,
    today: date,
) -> list[SalesRow]:
    """``sales_rows`` of the days in ``ranges``, from their seller orders. One query."""
    zone = timezone.get_default_timezone()
    kinds = Seller.Kind.values
    # A column per ward any seller is in; those of sellers the filters drop stay empty.
    wards = sorted({place.ward for place in places.values()})
    columns = {}
    for index, kind in enumerate(kinds):
        of_kind = Q(seller__kind=kind)
        columns[f"kind_orders_{index}"] = Count("order", distinct=True, filter=of_kind)
        columns[f"kind_value_{index}"] = Sum("total", filter=of_kind, default=0)
    for index, ward in enumerate(wards):
        in_ward = (
            Q(seller__address__ward=ward)
            if ward
            else Q(seller__address__ward__isnull=True) | Q(seller__address__ward="")
        )
        columns[f"ward_orders_{index}"] = Count("order", distinct=True, filter=in_ward)
    in_ranges = Q()
    for start, end in ranges:
        lower, upper = local_bounds(start, end)
        in_ranges |= Q(
            order__created_at__gte=PlannedMoment(lower), order__created_at__lt=PlannedMoment(upper)
        )
    grouped = (
        parts_matching(filters, today=today)
        .filter(in_ranges, order__status__in=PLACED_ORDER_STATUSES)
        .annotate(month=TruncMonth("order__created_at", tzinfo=zone))
        .values_list("month", "order__payment_method", "order__payment_status")
        .annotate(orders=Count("order", distinct=True), value=Sum("total", default=0), **columns)
        .order_by()
    )
    rows = []
    for month, method, status, orders, value, *counts in grouped:
        by_kind, by_ward = counts[: 2 * len(kinds)], counts[2 * len(kinds) :]
        rows.append(
            SalesRow(
                month=timezone.localtime(month, zone).date(),
                method=method,
                payment_status=status,
                orders=orders,
                value=value,
                by_seller_kind={
                    kind: (by_kind[2 * index], by_kind[2 * index + 1])
                    for index, kind in enumerate(kinds)
                },
                orders_by_ward={
                    ward: count for ward, count in zip(wards, by_ward, strict=True) if count
                },
            )
        )
    return rows


# ---------------------------------------------------------------- a month's record


def month_sales_rows(
    month: date, places: dict[int, SellerPlace]
) -> tuple[list[MonthlySalesRow], set[int]]:
    """The ``MonthlySalesRow``s (unsaved, without their record) of ``month``'s placed
    orders, and the sellers they were counted from: each seller order under every
    combination of its seller's ward, former district and kind with ``ANY``, its order
    once per combination. One query."""
    start, end = month_bounds(month)
    parts = (
        SellerOrder.objects.filter(
            order__created_at__gte=start,
            order__created_at__lt=end,
            order__status__in=PLACED_ORDER_STATUSES,
        )
        .values_list(
            "order_id", "order__payment_method", "order__payment_status", "seller_id", "total"
        )
        .order_by()
    )
    orders: dict[tuple, set[int]] = defaultdict(set)
    values: dict[tuple, int] = defaultdict(int)
    sellers: set[int] = set()
    for order_id, method, status, seller_id, total in parts:
        sellers.add(seller_id)
        place = places[seller_id]
        for ward in (ANY, place.ward):
            for district in (ANY, place.former_district):
                for kind in (ANY, place.kind):
                    key = (method, status, ward, district, kind)
                    orders[key].add(order_id)
                    values[key] += total
    rows = [
        MonthlySalesRow(
            payment_method=method,
            payment_status=status,
            ward=ward,
            former_district=district,
            seller_kind=kind,
            orders=len(ids),
            value=values[(method, status, ward, district, kind)],
        )
        for (method, status, ward, district, kind), ids in orders.items()
    ]
    return rows, sellers


# ---------------------------------------------------------------- the section


def paid_by_method(rows: list[SalesRow]) -> dict[str, tuple[int, int]]:
    """``{method: (orders, value)}`` of the paid rows."""
    by_method: dict[str, tuple[int, int]] = {}
    for row in rows:
        if row.payment_status in PAID_STATUSES:
            orders, value = by_method.get(row.method, (0, 0))
            by_method[row.method] = (orders + row.orders, value + row.value)
    return by_method


def sales_figures(
    period: Period, filters: Filters, *, today: date, rows: list[SalesRow] | None = None
) -> SalesFigures:
    """Orders placed in the period and their payments (the refunds' query, and
    ``sales_rows``' unless given).

    Counted at the seller order's level, so a filter keeps the parts of the sellers it
    names: ``orders`` is the number of distinct orders with such a part, ``value`` the
    parts' totals (with no filter, every order and its whole total).
    """
    rows = sales_rows(period, filters, today=today) if rows is None else rows
    by_kind = {
        kind: (
            sum(row.by_seller_kind[kind][0] for row in rows),
            sum(row.by_seller_kind[kind][1] for row in rows),
        )
        for kind in Seller.Kind.values
    }
    by_method = paid_by_method(rows)
    count_share, value_share = cashless_shares(by_method)
    start, end = local_bounds(period.start, period.end)
    refunds = TransactionEvent.objects.filter(
        kind=TransactionEvent.Kind.REFUND, created_at__gte=start, created_at__lt=end
    )
    if filters != Filters():
        # A refund in the period may be of an older order, or of a cancelled one.
        refunds = refunds.filter(
            payment__order__in=parts_matching(filters, today=today).values("order")
        )
    refunded = refunds.aggregate(count=Count("pk"), value=Sum("amount", default=0))
    return SalesFigures(
        orders=sum(row.orders for row in rows),
        value=sum(row.value for row in rows),
        by_seller_kind=[
            SalesByKey(kind, *by_kind.get(kind, (0, 0))) for kind in Seller.Kind.values
        ],
        paid_orders=count_share.whole,
        paid_value=value_share.whole,
        cashless_count_share=count_share,
        cashless_value_share=value_share,
        by_method=[
            SalesByKey(key, *by_method.get(method, (0, 0))) for method, key in METHOD_KEYS.items()
        ],
        refunds=refunded["count"],
        refunded_value=refunded["value"],
    )
