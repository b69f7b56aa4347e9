"""The nightly records of the province's figures.

``MonthlyFigures``: listed, on sale and verified origin are states, and a past month's
cannot be recomputed, so each night the current month's rows are replaced by today's (one
row per non-empty combination of the dashboard's filters). The last night of a month
leaves its state at the month's end; a closed month is never written again.

``MonthlySales``: a closed month's orders added up, so the dashboard need not read them
again. They can be recomputed, and are, each night for every closed month whose record
is missing or no longer stands (``province.selectors.sales``).
"""

from datetime import date, timedelta

from django.utils import timezone

from market.core.transactions import service_transaction
from market.orders.models import Order
from province.figures import Period
from province.models import MonthlyFigures, MonthlySales, MonthlySalesRow
from province.selectors.sales import (
    RECORD_MARGIN,
    month_sales_rows,
    places_as_counted,
    seller_places,
    standing_records,
)
from province.selectors.stock import COUNT_FIELDS, KEY_FIELDS, live_stock_rows


@service_transaction
def monthly_figures_record(*, today: date | None = None) -> int:
    """Replace the current month's rows with today's; returns how many were written.

    Deleted and written in one transaction, so a reader sees last night's rows or
    tonight's, never a mix. A second run at the same moment (beat runs one) would stop
    on the unique constraint and leave the first one's rows.
    """
    today = today or timezone.localdate()
    month = today.replace(day=1)
    rows = live_stock_rows(today=today)
    recorded_at = timezone.now()
    MonthlyFigures.objects.filter(month=month).delete()
    MonthlyFigures.objects.bulk_create(
        MonthlyFigures(
            month=month,
            recorded_at=recorded_at,
            **{name: getattr(row, name) for name in (*KEY_FIELDS, *COUNT_FIELDS)},
        )
        for row in rows
    )
    return len(rows)


def monthly_sales_record(*, today: date | None = None) -> int:
    """Record every closed month (before ``today``'s, since the first order) whose record
    is missing or no longer stands; returns how many months were written. Each month in
    its own transaction, so a first run over years of orders holds no lock for long."""
    today = today or timezone.localdate()
    first = Order.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if first is None:
        return 0
    closed = today.replace(day=1) - timedelta(days=1)
    first_day = timezone.localtime(first).date()
    months = Period(first_day, closed).months() if first_day <= closed else []
    places = seller_places()
    standing = standing_records(months, places)
    written = 0
    for month in months:
        if month not in standing:
            _record_month(month, places)
            written += 1
    return written


@service_transaction
def _record_month(month: date, places) -> None:
    # Taken before the orders are read: whatever changes from here on marks it stale.
    recorded_at = timezone.now() - RECORD_MARGIN
    rows, sellers = month_sales_rows(month, places)
    MonthlySales.objects.filter(month=month).delete()
    record = MonthlySales.objects.create(
        month=month, recorded_at=recorded_at, seller_places=places_as_counted(places, sellers)
    )
    for row in rows:
        row.record = record
    MonthlySalesRow.objects.bulk_create(rows)
