"""The nightly record of the month's stock figures (``MonthlyFigures``).

Listed, on sale and verified origin are states: a past month's cannot be recomputed, so
each night the current month's rows are replaced by today's (one row per non-empty
combination of the dashboard's filters). The last night of a month leaves its state at
the month's end; a closed month is never written again.
"""

from datetime import date

from django.utils import timezone

from market.core.transactions import service_transaction
from province.models import MonthlyFigures
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
