"""The province's figures: ``dashboard`` is the one entry point every reader calls (the
GraphQL field, the page, the exports); each section has its function in ``figures`` and
the trend and ward table theirs in ``tables``, the sales (live or from their monthly
records) theirs in ``sales``. ``inputs`` checks a reader's period and
filters. Every figure is a fixed number of queries, whatever the months or wards shown.
"""

from contextlib import contextmanager
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from province.figures import Dashboard, Filters, Period
from province.selectors.figures import (
    is_live_month,
    named_places,
    ocop_figures,
    seller_figures,
    seller_rows,
    stock_rows_for,
    traceability_figures,
)
from province.selectors.inputs import dashboard_filters, dashboard_period
from province.selectors.sales import sales_figures, sales_rows
from province.selectors.stock import live_stock_rows
from province.selectors.tables import month_figures, ward_rows

__all__ = [
    "dashboard",
    "dashboard_filters",
    "dashboard_period",
    "live_stock_rows",
    "month_figures",
    "named_places",
    "ocop_figures",
    "sales_figures",
    "seller_figures",
    "traceability_figures",
    "ward_rows",
]


def dashboard(period: Period, filters: Filters, *, today: date | None = None) -> Dashboard:
    """Every figure of the dashboard for ``period`` (local days) and ``filters``.

    ``today`` (default ``timezone.localdate()``) decides which months are read live and
    which from their records, and starts the 90 days of "expiring soon".
    """
    today = today or timezone.localdate()
    with _sort_memory():
        stock = stock_rows_for(period, today=today)
        sellers = seller_rows(filters)
        sales = sales_rows(period, filters, today=today)
    live = is_live_month(period.end.replace(day=1), today)
    return Dashboard(
        period=period,
        filters=filters,
        computed_at=timezone.now(),
        ocop=ocop_figures(period, filters, today=today, stock=stock),
        traceability=traceability_figures(period, filters, today=today, stock=stock),
        sales=sales_figures(period, filters, today=today, rows=sales),
        sellers=seller_figures(period, filters, rows=sellers),
        trend=month_figures(
            period, filters, today=today, live_stock=stock if live else None, sales=sales
        ),
        wards=ward_rows(period, filters, today=today, stock=stock, sellers=sellers, sales=sales),
    )


@contextmanager
def _sort_memory():
    """On PostgreSQL, the memory a sort or hash may take (``PROVINCE_DASHBOARD_WORK_MEM``)
    for these reads only: counting distinct orders over a year spills past the server's
    default 4 MB to disk. ``SET LOCAL`` ends with the transaction opened for it."""
    if connection.vendor != "postgresql" or not settings.PROVINCE_DASHBOARD_WORK_MEM:
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('work_mem', %s, true)", [settings.PROVINCE_DASHBOARD_WORK_MEM]
        )
        yield
