"""The monthly trend and the table by ward, against the hand-counted world; and the
dashboard's queries, which do not grow with the months or the wards shown."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from province import selectors
from province.figures import Filters, Period, Share
from province.models import MonthlyFigures
from tests.province.figures_world import (
    NINH_PHUOC,
    PHAN_RANG,
    PHAN_RANG_DISTRICT,
    PHUOC_HAU,
    TODAY,
    build_world,
    local,
    one_more_ward,
    record_november,
)

pytestmark = pytest.mark.django_db

NO_FILTER = Filters()


@pytest.fixture
def world():
    return build_world()


def _trend(period: Period, filters: Filters = NO_FILTER) -> dict:
    return {
        month.month: (
            month.on_sale_share,
            month.verified_share,
            month.cashless_count_share,
            month.cashless_value_share,
        )
        for month in selectors.month_figures(period, filters, today=TODAY)
    }


def test_trend_reads_past_months_from_records_and_this_month_live(world):
    record_november()

    trend = _trend(Period(date(2026, 10, 1), date(2026, 12, 31)))

    assert list(trend) == [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]
    # October: no record, no order.
    assert trend[date(2026, 10, 1)] == (None, None, Share(0, 0, 0.5), Share(0, 0, 0.5))
    # November: its record (on sale 2 of 4, verified 2 of 6); O4 paid by MoMo.
    assert trend[date(2026, 11, 1)] == (
        Share(2, 4, 0.9),
        Share(2, 6, None),
        Share(1, 1, 0.5),
        Share(80_000, 80_000, 0.5),
    )
    # December: today's state; O1 and O7 cashless of O1, O2, O7 paid.
    assert trend[date(2026, 12, 1)] == (
        Share(2, 7, 0.9),
        Share(2, 3, None),
        Share(2, 3, 0.5),
        Share(340_000, 490_000, 0.5),
    )


def test_trend_counts_only_the_periods_days(world):
    trend = _trend(Period(date(2026, 12, 1), date(2026, 12, 10)))

    # O1 (VNPay) and O2 (cash); O7 on the 20th is outside.
    assert trend[date(2026, 12, 1)][2:] == (Share(1, 2, 0.5), Share(300_000, 450_000, 0.5))


def test_trend_of_a_later_month_has_no_stock_figure(world):
    trend = _trend(Period(date(2026, 12, 1), date(2027, 1, 31)))

    assert trend[date(2027, 1, 1)] == (None, None, Share(0, 0, 0.5), Share(0, 0, 0.5))


def test_trend_by_ward(world):
    record_november()

    trend = _trend(Period(date(2026, 11, 1), date(2026, 12, 31)), Filters(ward=PHUOC_HAU))

    assert trend[date(2026, 11, 1)] == (
        Share(2, 4, 0.9),
        Share(1, 5, None),
        Share(1, 1, 0.5),
        Share(80_000, 80_000, 0.5),
    )
    assert trend[date(2026, 12, 1)] == (
        Share(1, 4, 0.9),
        Share(1, 2, None),
        Share(1, 2, 0.5),
        Share(200_000, 350_000, 0.5),
    )


def test_a_recorded_month_with_nothing_for_the_filter_is_an_empty_share(world):
    record_november()

    trend = _trend(Period(date(2026, 11, 1), date(2026, 11, 30)), Filters(ward="Mỹ Sơn"))

    # Recorded, so a share (of nothing), not "no record".
    assert trend[date(2026, 11, 1)][0] == Share(0, 0, 0.9)


def _wards(period: Period, filters: Filters = NO_FILTER) -> dict:
    board = selectors.dashboard(period, filters, today=TODAY)
    return {
        row.ward: (
            row.former_district,
            row.active_sellers,
            row.in_registry,
            row.on_sale,
            row.on_sale_share,
            row.verified_share,
            row.paid_orders,
            row.cashless_count_share,
        )
        for row in board.wards
    }


def test_ward_table(world):
    wards = _wards(Period(date(2026, 12, 1), date(2026, 12, 31)))

    assert list(wards) == [PHAN_RANG, PHUOC_HAU, ""]
    assert wards[PHAN_RANG] == (
        PHAN_RANG_DISTRICT,
        1,
        3,
        1,
        Share(1, 3, 0.9),
        Share(1, 1, None),
        2,
        Share(2, 2, 0.5),
    )
    assert wards[PHUOC_HAU] == (
        NINH_PHUOC,
        1,
        4,
        1,
        Share(1, 4, 0.9),
        Share(1, 2, None),
        2,
        Share(1, 2, 0.5),
    )
    # S4, without an address.
    assert wards[""] == ("", 1, 0, 0, Share(0, 0, 0.9), Share(0, 0, None), 0, Share(0, 0, 0.5))


def test_ward_table_of_a_past_period_reads_its_record(world):
    record_november()

    wards = _wards(Period(date(2026, 11, 1), date(2026, 11, 30)))

    assert wards[PHUOC_HAU][2:] == (
        4,
        2,
        Share(2, 4, 0.9),
        Share(1, 5, None),
        1,
        Share(1, 1, 0.5),
    )
    assert wards[PHAN_RANG][2:] == (
        0,
        0,
        Share(0, 0, 0.9),
        Share(1, 1, None),
        0,
        Share(0, 0, 0.5),
    )


def test_ward_table_by_seller_kind(world):
    wards = _wards(Period(date(2026, 12, 1), date(2026, 12, 31)), Filters(seller_kind="household"))

    # S2's ward; registry entries of household sellers' products (E3, E4) are Phan Rang's.
    assert list(wards) == [PHAN_RANG]
    assert wards[PHAN_RANG][1:4] == (1, 2, 1)


# ---------------------------------------------------------------- query counts


def _record_months(first: date, count: int) -> None:
    month = first
    for _ in range(count):
        MonthlyFigures.objects.create(
            month=month,
            ward=PHUOC_HAU,
            registry_current=3,
            registry_on_sale=1,
            recorded_at=local(month.year, month.month, 28),
        )
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)


# The dashboard's sort memory is set in a block of its own: its savepoint, the setting
# and the release (in a test's transaction) are not reads.
SORT_MEMORY_STATEMENTS = 3


def _dashboard_queries(period: Period, filters: Filters = NO_FILTER) -> int:
    with CaptureQueriesContext(connection) as queries:
        selectors.dashboard(period, filters, today=TODAY)
    sql = [query["sql"] for query in queries]
    assert sum("work_mem" in text for text in sql) == 1
    return len(queries) - SORT_MEMORY_STATEMENTS


def test_dashboard_queries_do_not_grow_with_past_months(world):
    _record_months(date(2025, 12, 1), 12)

    one = _dashboard_queries(Period(date(2026, 11, 1), date(2026, 11, 30)))
    twelve = _dashboard_queries(Period(date(2025, 12, 1), date(2026, 11, 30)))

    assert one == twelve == 11


def test_dashboard_queries_do_not_grow_with_months_up_to_today(world):
    _record_months(date(2026, 1, 1), 11)

    two = _dashboard_queries(Period(date(2026, 11, 1), date(2026, 12, 31)))
    twelve = _dashboard_queries(Period(date(2026, 1, 1), date(2026, 12, 31)))

    assert two == twelve == 13


def test_dashboard_queries_do_not_grow_with_wards(world):
    december = Period(date(2026, 12, 1), date(2026, 12, 31))
    before = _dashboard_queries(december)
    wards_before = len(selectors.dashboard(december, NO_FILTER, today=TODAY).wards)
    for name in ("Mỹ Sơn", "Lâm Sơn", "Anh Dũng", "Công Hải", "Vĩnh Hải"):
        one_more_ward(name)

    after = _dashboard_queries(december)

    assert len(selectors.dashboard(december, NO_FILTER, today=TODAY).wards) == wards_before + 5
    assert before == after


def test_dashboard_queries_with_every_filter(world):
    filters = Filters(
        ward=PHUOC_HAU,
        former_district=NINH_PHUOC,
        product_group="food",
        stars=4,
        seller_kind="cooperative",
    )
    board = selectors.dashboard(Period(date(2026, 12, 1), date(2026, 12, 31)), filters, today=TODAY)

    # E1 and P1 are all that every filter keeps.
    assert (board.ocop.in_registry, board.ocop.on_sale) == (1, 1)
    assert board.traceability.verified_share == Share(1, 1, None)
    # O1's S1 part (P1, 4★ food), paid by VNPay.
    assert (board.sales.orders, board.sales.value) == (1, 200_000)
    assert _dashboard_queries(Period(date(2026, 12, 1), date(2026, 12, 31)), filters) <= 20
