"""The nightly record of the month's stock figures, and the dashboard reading it back."""

from datetime import date

import pytest
from django.db import IntegrityError
from django.utils import timezone

from catalog.models import Stock
from province import selectors, tasks
from province.figures import Filters, Period, Share
from province.models import MonthlyFigures
from province.services.snapshots import monthly_figures_record
from tests.province.figures_world import (
    NINH_PHUOC,
    PHAN_RANG,
    PHAN_RANG_DISTRICT,
    PHUOC_HAU,
    TODAY,
    build_world,
    record_november,
)

pytestmark = pytest.mark.django_db

DECEMBER = date(2026, 12, 1)


@pytest.fixture
def world():
    return build_world()


def _rows(month: date) -> dict:
    return {
        (row.ward, row.product_group, row.stars, row.seller_kind): (
            row.registry_current,
            row.registry_listed,
            row.registry_on_sale,
            row.agricultural_published,
            row.origin_verified,
        )
        for row in MonthlyFigures.objects.filter(month=month)
    }


def test_the_record_writes_one_row_per_non_empty_combination(world):
    written = monthly_figures_record(today=TODAY)

    # E1 to E7 make seven combinations; P1 and P2 fall in E1's and E2's, P6 adds one.
    assert written == 8
    assert _rows(DECEMBER) == {
        (PHUOC_HAU, "food", 4, "cooperative"): (1, 1, 1, 1, 1),
        (PHUOC_HAU, "beverages", 3, "cooperative"): (1, 1, 0, 1, 0),
        (PHAN_RANG, "food", 5, "household"): (1, 1, 1, 0, 0),
        (PHAN_RANG, "food", 4, "household"): (1, 0, 0, 0, 0),
        (PHUOC_HAU, "food", 3, "enterprise"): (1, 0, 0, 0, 0),
        (PHUOC_HAU, "herbs", 3, ""): (1, 0, 0, 0, 0),
        (PHAN_RANG, "handicrafts", 4, ""): (1, 0, 0, 0, 0),
        (PHAN_RANG, "", None, "household"): (0, 0, 0, 1, 1),
    }
    districts = set(MonthlyFigures.objects.values_list("ward", "former_district"))
    assert districts == {(PHUOC_HAU, NINH_PHUOC), (PHAN_RANG, PHAN_RANG_DISTRICT)}


def test_the_record_replaces_its_months_rows_and_leaves_other_months(world):
    record_november()
    monthly_figures_record(today=TODAY)
    # P2 back in stock: E2 is now on sale.
    Stock.objects.filter(variant=world.variants["V2"]).update(quantity_allocated=0)

    monthly_figures_record(today=TODAY)

    assert MonthlyFigures.objects.filter(month=DECEMBER).count() == 8
    assert _rows(DECEMBER)[(PHUOC_HAU, "beverages", 3, "cooperative")] == (1, 1, 1, 1, 0)
    assert MonthlyFigures.objects.filter(month=date(2026, 11, 1)).count() == 2


def test_an_empty_marketplace_records_no_row(db):
    assert monthly_figures_record(today=TODAY) == 0
    assert not MonthlyFigures.objects.exists()


def test_a_failed_record_keeps_the_rows_it_would_replace(world, monkeypatch):
    monthly_figures_record(today=TODAY)
    before = _rows(DECEMBER)

    def duplicate_rows(*, today):
        rows = selectors.live_stock_rows(today=today)
        return [*rows, rows[0]]

    monkeypatch.setattr("province.services.snapshots.live_stock_rows", duplicate_rows)
    with pytest.raises(IntegrityError):
        monthly_figures_record(today=TODAY)

    assert _rows(DECEMBER) == before


def test_a_closed_month_is_read_from_its_last_record(world):
    # Recorded on November's last night; December then changes the stock.
    monthly_figures_record(today=date(2026, 11, 30))
    Stock.objects.filter(variant=world.variants["V1"]).update(quantity_allocated=10)

    november = selectors.dashboard(
        Period(date(2026, 11, 1), date(2026, 11, 30)), Filters(), today=TODAY
    )
    december = selectors.dashboard(
        Period(date(2026, 12, 1), date(2026, 12, 31)), Filters(), today=TODAY
    )

    assert november.ocop.on_sale_share == Share(2, 7, 0.9)
    assert december.ocop.on_sale_share == Share(1, 7, 0.9)
    assert november.trend[0].verified_share == Share(2, 3, None)


def test_the_task_records_the_current_month(world):
    written = tasks.monthly_figures_record.delay().get()

    month = timezone.localdate().replace(day=1)
    assert written == MonthlyFigures.objects.filter(month=month).count()
    assert written > 0


def test_the_beat_task_has_the_name_the_schedule_uses(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert tasks.monthly_figures_record.name == "province.monthly_figures_record"
    assert tasks.monthly_figures_record.name in scheduled
