"""Each figure of the dashboard against the hand-counted world of ``figures_world``.

The expected numbers are literals counted from the world's docstring, not recomputed.
"""

from datetime import date

import pytest
from django.utils import timezone

from province import selectors
from province.figures import Filters, Period, Share
from tests.province.figures_world import (
    NINH_PHUOC,
    PHAN_RANG,
    PHUOC_HAU,
    TODAY,
    build_world,
    record_november,
)

pytestmark = pytest.mark.django_db

DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
NO_FILTER = Filters()


@pytest.fixture
def world():
    return build_world()


def _counts(items) -> dict:
    return {item.key: item.count for item in items}


def _sales(items) -> dict:
    return {item.key: (item.orders, item.value) for item in items}


def _ocop(items) -> dict:
    return {item.key: (item.in_registry, item.listed, item.on_sale) for item in items}


# ---------------------------------------------------------------- OCOP registry


def test_ocop_figures_count_current_entries_against_live_products(world):
    ocop = selectors.ocop_figures(DECEMBER, NO_FILTER, today=TODAY)

    assert (ocop.in_registry, ocop.listed, ocop.on_sale) == (7, 3, 2)
    assert ocop.on_sale_share == Share(2, 7, 0.9)
    assert ocop.on_sale_share.meets_target is False
    assert _ocop(ocop.by_stars) == {"3": (3, 1, 0), "4": (3, 1, 1), "5": (1, 1, 1)}
    assert _ocop(ocop.by_group) == {
        "food": (4, 2, 2),
        "beverages": (1, 1, 0),
        "herbs": (1, 0, 0),
        "handicrafts": (1, 0, 0),
        "ornamentals": (0, 0, 0),
        "tourism": (0, 0, 0),
    }
    # E6 (2027-02-01) and E7 (2027-01-20) expire within 90 days of 2026-12-15.
    assert ocop.expiring_soon == 2
    # E6 unmatched, E7 only suggested.
    assert ocop.unmatched == 2


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # (in registry, listed, on sale, expiring, unmatched)
        (Filters(ward=PHAN_RANG), (3, 1, 1, 1, 1)),
        (Filters(former_district=NINH_PHUOC), (4, 2, 1, 1, 1)),
        (Filters(product_group="food"), (4, 2, 2, 0, 0)),
        (Filters(stars=3), (3, 1, 0, 1, 1)),
        # The matched product's seller: E1, E2 (S1); unmatched entries have no kind.
        (Filters(seller_kind="cooperative"), (2, 2, 1, 0, 0)),
        (Filters(seller_kind="enterprise"), (1, 0, 0, 0, 0)),
        (Filters(ward=PHUOC_HAU, stars=4), (1, 1, 1, 0, 0)),
        (Filters(ward="Mỹ Sơn"), (0, 0, 0, 0, 0)),
    ],
)
def test_ocop_figures_by_each_filter(world, filters, expected):
    ocop = selectors.ocop_figures(DECEMBER, filters, today=TODAY)

    figures = (ocop.in_registry, ocop.listed, ocop.on_sale, ocop.expiring_soon, ocop.unmatched)
    assert figures == expected


def test_ocop_share_of_an_empty_registry_is_no_figure(db):
    ocop = selectors.ocop_figures(DECEMBER, NO_FILTER, today=TODAY)

    assert ocop.on_sale_share == Share(0, 0, 0.9)
    assert ocop.on_sale_share.ratio is None
    assert ocop.on_sale_share.meets_target is None
    assert _ocop(ocop.by_stars) == {"3": (0, 0, 0), "4": (0, 0, 0), "5": (0, 0, 0)}


def test_registry_target_is_read_at_call_time(world, settings):
    settings.PROVINCE_TARGETS = {"ocop_on_sale": 2_500, "cashless": 5_000}

    share = selectors.ocop_figures(DECEMBER, NO_FILTER, today=TODAY).on_sale_share

    assert share.target == 0.25
    assert share.meets_target is True  # 2 / 7 ≈ 0.29


def test_an_entry_becomes_on_sale_when_its_product_is_back_in_stock(world):
    from catalog.models import Stock

    Stock.objects.filter(variant=world.variants["V2"]).update(quantity_allocated=0)

    ocop = selectors.ocop_figures(DECEMBER, NO_FILTER, today=TODAY)

    assert (ocop.in_registry, ocop.listed, ocop.on_sale) == (7, 3, 3)


# ---------------------------------------------------------------- traceability


def test_traceability_figures(world):
    trace = selectors.traceability_figures(DECEMBER, NO_FILTER, today=TODAY)

    # Live agricultural: P1, P2, P6 (P4 a draft, P5's seller suspended, P3 fish sauce).
    assert (trace.agricultural_published, trace.origin_verified) == (3, 2)
    assert trace.verified_share == Share(2, 3, None)
    assert trace.verified_share.meets_target is None
    assert _counts(trace.areas_by_status) == {
        "pending": 0,
        "active": 2,
        "suspended": 2,
        "revoked": 0,
    }
    assert trace.lots_with_open_violations == 2
    # A2 (12-05) and A4 (12-01 00:10 local, 11-30 in UTC); not the packing house.
    assert trace.areas_suspended_in_period == 2


def test_areas_suspended_follow_local_days(world):
    november = selectors.traceability_figures(NOVEMBER, NO_FILTER, today=TODAY)
    first_of_december = selectors.traceability_figures(
        Period(date(2026, 12, 1), date(2026, 12, 1)), NO_FILTER, today=TODAY
    )

    # A3 at 2026-11-30 23:30 local; A4 at 2026-12-01 00:10 local.
    assert november.areas_suspended_in_period == 1
    assert first_of_december.areas_suspended_in_period == 1


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # (published, verified, active areas, suspended areas, open-violation lots,
        #  suspended in period)
        (Filters(ward=PHUOC_HAU), (2, 1, 1, 1, 2, 1)),
        (Filters(ward=PHAN_RANG), (1, 1, 1, 1, 0, 1)),
        (Filters(former_district=NINH_PHUOC), (2, 1, 1, 1, 2, 1)),
        (Filters(seller_kind="household"), (1, 1, 1, 1, 0, 1)),
        # Areas have no group or stars; lots and products follow their product's.
        (Filters(stars=4), (1, 1, 2, 2, 1, 2)),
        (Filters(product_group="beverages"), (1, 0, 2, 2, 1, 2)),
        (Filters(product_group="tourism"), (0, 0, 2, 2, 0, 2)),
    ],
)
def test_traceability_figures_by_each_filter(world, filters, expected):
    trace = selectors.traceability_figures(DECEMBER, filters, today=TODAY)
    areas = _counts(trace.areas_by_status)

    assert (
        trace.agricultural_published,
        trace.origin_verified,
        areas["active"],
        areas["suspended"],
        trace.lots_with_open_violations,
        trace.areas_suspended_in_period,
    ) == expected


def test_verified_share_of_no_agricultural_product_is_no_figure(world):
    trace = selectors.traceability_figures(DECEMBER, Filters(product_group="tourism"), today=TODAY)

    assert trace.verified_share.ratio is None


def test_a_category_flag_is_its_own_not_its_parents(world):
    from catalog.models import Category

    fruit = world.products["P1"].category
    child = Category.objects.create(name="Nho", slug="nho-con", parent=fruit)
    product = world.products["P6"]
    product.category = child
    product.save()

    trace = selectors.traceability_figures(DECEMBER, NO_FILTER, today=TODAY)

    # P6 now sits in a child category without the flag: no longer agricultural.
    assert (trace.agricultural_published, trace.origin_verified) == (2, 1)


# ---------------------------------------------------------------- sales and payments


def test_sales_figures(world):
    sales = selectors.sales_figures(DECEMBER, NO_FILTER, today=TODAY)

    # O1, O2, O3, O7 (O4 is November's, O5 cancelled, O6 awaiting its payment).
    assert (sales.orders, sales.value) == (4, 540_000)
    assert _sales(sales.by_seller_kind) == {
        "cooperative": (2, 350_000),
        "enterprise": (0, 0),
        "household": (3, 190_000),
        "establishment": (0, 0),
    }
    # Paid: O1 (VNPay), O2 (cash), O7 (VietQR, refunded later); O3's cash is not in.
    assert (sales.paid_orders, sales.paid_value) == (3, 490_000)
    assert sales.cashless_count_share == Share(2, 3, 0.5)
    assert sales.cashless_value_share == Share(340_000, 490_000, 0.5)
    assert sales.cashless_count_share.meets_target is True
    assert _sales(sales.by_method) == {
        "vnpay": (1, 300_000),
        "momo": (0, 0),
        "vietqr": (1, 40_000),
        "card": (0, 0),
        "cod": (1, 150_000),
    }
    # Refunds made in December: O5's and O7's (O4's was in November).
    assert (sales.refunds, sales.refunded_value) == (2, 540_000)


def test_sales_follow_local_days(world):
    november = selectors.sales_figures(NOVEMBER, NO_FILTER, today=TODAY)
    first_of_december = selectors.sales_figures(
        Period(date(2026, 12, 1), date(2026, 12, 1)), NO_FILTER, today=TODAY
    )

    # O4 at 2026-11-30 23:59 local; O1 at 2026-12-01 00:30 local (11-30 in UTC).
    assert (november.orders, november.value, november.refunds) == (1, 80_000, 1)
    assert november.cashless_count_share == Share(1, 1, 0.5)
    assert (first_of_december.orders, first_of_december.value) == (1, 300_000)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # (orders, value, paid orders, paid value, cashless orders, cashless value,
        #  refunds, refunded value)
        (Filters(ward=PHUOC_HAU), (2, 350_000, 2, 350_000, 1, 200_000, 0, 0)),
        (Filters(ward=PHAN_RANG), (3, 190_000, 2, 140_000, 2, 140_000, 2, 540_000)),
        (Filters(former_district=NINH_PHUOC), (2, 350_000, 2, 350_000, 1, 200_000, 0, 0)),
        (Filters(seller_kind="household"), (3, 190_000, 2, 140_000, 2, 140_000, 2, 540_000)),
        (Filters(seller_kind="enterprise"), (0, 0, 0, 0, 0, 0, 0, 0)),
        # Parts with a line of a product whose current certificate is 5★ (P3): O1's
        # S2 part; O5's is cancelled but its refund counts.
        (Filters(stars=5), (1, 100_000, 1, 100_000, 1, 100_000, 1, 500_000)),
        # Beverages (P2's C2): O2's part, paid in cash.
        (Filters(product_group="beverages"), (1, 150_000, 1, 150_000, 0, 0, 0, 0)),
    ],
)
def test_sales_figures_by_each_filter(world, filters, expected):
    sales = selectors.sales_figures(DECEMBER, filters, today=TODAY)

    assert (
        sales.orders,
        sales.value,
        sales.paid_orders,
        sales.paid_value,
        sales.cashless_count_share.part,
        sales.cashless_value_share.part,
        sales.refunds,
        sales.refunded_value,
    ) == expected


def test_sales_of_an_empty_period_are_zero_and_shares_no_figure(world):
    sales = selectors.sales_figures(
        Period(date(2026, 10, 1), date(2026, 10, 31)), NO_FILTER, today=TODAY
    )

    assert (sales.orders, sales.value, sales.paid_orders, sales.refunds) == (0, 0, 0, 0)
    assert sales.cashless_count_share.ratio is None
    assert sales.cashless_value_share.ratio is None
    assert sales.cashless_value_share.meets_target is None


# ---------------------------------------------------------------- sellers


def test_seller_figures(world):
    sellers = selectors.seller_figures(DECEMBER, NO_FILTER)

    # S1, S2, S4 (S3 suspended).
    assert sellers.active == 3
    assert _counts(sellers.active_by_kind) == {
        "cooperative": 2,
        "enterprise": 0,
        "household": 1,
        "establishment": 0,
    }
    assert _counts(sellers.active_by_ward) == {"": 1, PHAN_RANG: 1, PHUOC_HAU: 1}
    # S4 has no product at all; S1 has P1 on sale, S2 P3 and P6.
    assert sellers.without_product_on_sale == 1


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(ward=PHUOC_HAU), (1, 0)),
        (Filters(former_district="Bác Ái"), (0, 0)),
        (Filters(seller_kind="cooperative"), (2, 1)),
        # A seller has no group or stars: these filters leave sellers whole.
        (Filters(stars=5), (3, 1)),
    ],
)
def test_seller_figures_by_each_filter(world, filters, expected):
    sellers = selectors.seller_figures(DECEMBER, filters)

    assert (sellers.active, sellers.without_product_on_sale) == expected


def test_a_seller_whose_only_product_sells_out_has_none_on_sale(world):
    from catalog.models import Stock

    Stock.objects.filter(variant=world.variants["V1"]).update(quantity_allocated=10)

    assert selectors.seller_figures(DECEMBER, NO_FILTER).without_product_on_sale == 2


# ---------------------------------------------------------------- the whole dashboard


def test_dashboard_of_an_empty_world_has_no_figure_for_any_share(db):
    board = selectors.dashboard(DECEMBER, NO_FILTER, today=TODAY)

    shares = [
        board.ocop.on_sale_share,
        board.traceability.verified_share,
        board.sales.cashless_count_share,
        board.sales.cashless_value_share,
        board.trend[0].cashless_count_share,
        board.trend[0].on_sale_share,
    ]
    assert all(share.ratio is None for share in shares)
    assert board.wards == []
    assert board.sellers.active == 0


def test_dashboard_gathers_every_section(world):
    board = selectors.dashboard(DECEMBER, Filters(ward=PHAN_RANG), today=TODAY)

    assert board.period == DECEMBER
    assert board.filters == Filters(ward=PHAN_RANG)
    assert board.ocop.in_registry == 3
    assert board.traceability.origin_verified == 1
    assert board.sales.orders == 3
    assert board.sellers.active == 1
    assert [row.ward for row in board.wards] == [PHAN_RANG]


def test_a_past_period_reads_its_months_record(world):
    record_november()

    board = selectors.dashboard(NOVEMBER, NO_FILTER, today=TODAY)

    # From the November rows, not today's state.
    assert (board.ocop.in_registry, board.ocop.listed, board.ocop.on_sale) == (4, 3, 2)
    assert board.traceability.verified_share == Share(2, 6, None)
    assert _ocop(board.ocop.by_stars)["4"] == (4, 3, 2)


def test_a_past_period_without_a_record_counts_nothing_in_stock(world):
    board = selectors.dashboard(NOVEMBER, NO_FILTER, today=TODAY)

    assert board.ocop.in_registry == 0
    assert board.ocop.on_sale_share.ratio is None
    assert board.trend[0].on_sale_share is None


# ---------------------------------------------------------------- the demo


def test_the_demo_says_which_categories_are_agricultural(db):
    from catalog.models import Category
    from market.demo import loader

    loader.load_demo()

    flags = dict(Category.objects.values_list("name", "is_agricultural"))
    assert {name for name, agricultural in flags.items() if agricultural} == {
        "Trái cây tươi",
        "Trái cây sấy",
        "Rau củ",
        "Gia vị",
        "Rong biển",
        "Hạt và ngũ cốc",
        "Nha đam",
        "Nghệ",
        "Mủ trôm",
    }
    # Parents say for themselves too: "Food" holds fish sauce and goat beside fruit.
    assert flags["Thực phẩm"] is False
    assert flags["Nước mắm"] is False
    today = timezone.localdate()
    board = selectors.dashboard(Period(today.replace(day=1), today), NO_FILTER)
    assert board.traceability.agricultural_published > 0
    assert board.traceability.origin_verified > 0
    assert board.sellers.active > 0
