"""Closed months' sales are read from their ``MonthlySales`` record while it stands, and
give the very rows a live read gives, for every filter; a record stops standing when an
order of its month or a seller's place changes after it, and the night's run rewrites it.

World (today 15 December 2026; October and November closed):
  A cooperative, Phước Hậu (Ninh Phước); B household, Phước Hậu;
  C household, Phan Rang (its former city); D cooperative, no address.
  October:  O1 VNPay paid A+B; O2 cash unpaid C; O3 MoMo paid B+C; O4 cancelled A.
  November: N1 cash paid A+D; N2 VietQR paid A+B+C; N3 card refunded C.
  December: D1 VNPay paid B+D.
A's product is a 4-star food; the others have no certificate.
"""

from contextlib import contextmanager
from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import OcopCertificate
from market.orders.models import Order
from market.orders.services.payment import order_mark_paid
from market.sellers.models import Seller
from province import tasks
from province.figures import Filters, Period
from province.models import MonthlySales, MonthlySalesRow
from province.selectors.sales import (
    ANY,
    SalesRow,
    sales_rows,
    seller_places,
    standing_records,
)
from province.services.snapshots import monthly_sales_record
from tests.factories import CategoryFactory
from tests.province.figures_world import (
    NINH_PHUOC,
    PHAN_RANG,
    PHAN_RANG_DISTRICT,
    PHUOC_HAU,
    certificate_of,
    local,
    order_with_parts,
    product_of,
    seller_at,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 15)
OCTOBER, NOVEMBER, DECEMBER = date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)
THREE_MONTHS = Period(OCTOBER, date(2026, 12, 31))
PLACED, CANCELLED = Order.Status.PLACED, Order.Status.CANCELLED
PAID, UNPAID, REFUNDED = (
    Order.PaymentStatus.PAID,
    Order.PaymentStatus.UNPAID,
    Order.PaymentStatus.REFUNDED,
)


@contextmanager
def clock_at(moment: datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(UTC)):
        yield


def record_tonight() -> int:
    with clock_at(local(2026, 12, 15, 0, 30)):
        return monthly_sales_record(today=TODAY)


@pytest.fixture
def world():
    with clock_at(local(2026, 12, 14, 9)):
        a = seller_at(PHUOC_HAU, NINH_PHUOC, kind=Seller.Kind.COOPERATIVE)
        b = seller_at(PHUOC_HAU, NINH_PHUOC, kind=Seller.Kind.HOUSEHOLD)
        c = seller_at(PHAN_RANG, PHAN_RANG_DISTRICT, kind=Seller.Kind.HOUSEHOLD)
        d = seller_at(None, kind=Seller.Kind.COOPERATIVE)
        category = CategoryFactory(is_agricultural=True)
        variants = {}
        for seller in (a, b, c, d):
            product, variants[seller] = product_of(seller, category)
            if seller is a:
                certificate_of(product, 4, OcopCertificate.ProductGroup.FOOD)
        orders = {}

        def order(number, at, method, payment_status, parts, status=PLACED):
            orders[number] = order_with_parts(
                number,
                at,
                status=status,
                method=method,
                payment_status=payment_status,
                parts=[(seller, variants[seller], total) for seller, total in parts],
            )

        order("O1", local(2026, 10, 1, 0, 5), "vnpay", PAID, [(a, 100_000), (b, 50_000)])
        order("O2", local(2026, 10, 9, 10), "cod", UNPAID, [(c, 20_000)])
        order("O3", local(2026, 10, 31, 23, 55), "momo", PAID, [(b, 30_000), (c, 40_000)])
        order("O4", local(2026, 10, 20, 8), "cod", UNPAID, [(a, 10_000)], status=CANCELLED)
        order("N1", local(2026, 11, 2, 9), "cod", PAID, [(a, 60_000), (d, 70_000)])
        order(
            "N2",
            local(2026, 11, 15, 9),
            "vietqr",
            PAID,
            [(a, 11_000), (b, 12_000), (c, 13_000)],
        )
        order("N3", local(2026, 11, 30, 23, 59), "stripe", REFUNDED, [(c, 90_000)])
        order("D1", local(2026, 12, 3, 9), "vnpay", PAID, [(b, 25_000), (d, 35_000)])
    return {"sellers": {"a": a, "b": b, "c": c, "d": d}, "orders": orders}


def _sorted(rows: list[SalesRow]) -> list[SalesRow]:
    return sorted(rows, key=lambda row: (row.month, row.method, row.payment_status))


def _live(period: Period, filters: Filters) -> list[SalesRow]:
    """The rows with no record at all: what a live read gives."""
    kept = list(MonthlySales.objects.values_list("pk", flat=True))
    saved = list(MonthlySalesRow.objects.filter(record__in=kept).values())
    records = list(MonthlySales.objects.values())
    MonthlySales.objects.all().delete()
    try:
        return _sorted(sales_rows(period, filters, today=TODAY))
    finally:
        MonthlySales.objects.bulk_create(MonthlySales(**row) for row in records)
        MonthlySalesRow.objects.bulk_create(MonthlySalesRow(**row) for row in saved)


def _standing() -> set[date]:
    return set(standing_records([OCTOBER, NOVEMBER], seller_places()))


FILTERS = [
    Filters(),
    Filters(ward=PHUOC_HAU),
    Filters(ward=PHAN_RANG),
    Filters(former_district=NINH_PHUOC),
    Filters(seller_kind=Seller.Kind.HOUSEHOLD),
    Filters(seller_kind=Seller.Kind.COOPERATIVE),
    Filters(ward=PHUOC_HAU, seller_kind=Seller.Kind.HOUSEHOLD),
    Filters(former_district=PHAN_RANG_DISTRICT, seller_kind=Seller.Kind.HOUSEHOLD),
    Filters(ward="Xã Cà Ná"),
    # Read live whatever the records: a product's stars and group are as of today.
    Filters(stars=4),
    Filters(product_group=OcopCertificate.ProductGroup.FOOD),
]


@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_recorded_months_give_the_rows_of_a_live_read(world, filters):
    live = _sorted(sales_rows(THREE_MONTHS, filters, today=TODAY))

    assert record_tonight() == 2
    assert _standing() == {OCTOBER, NOVEMBER}
    assert _sorted(sales_rows(THREE_MONTHS, filters, today=TODAY)) == live


def test_the_hand_counted_rows_of_the_whole_province(world):
    record_tonight()

    rows = {
        (row.month, row.method, row.payment_status): row
        for row in sales_rows(THREE_MONTHS, Filters(), today=TODAY)
    }

    # O4 was cancelled: not a placed order.
    assert set(rows) == {
        (OCTOBER, "vnpay", PAID),
        (OCTOBER, "cod", UNPAID),
        (OCTOBER, "momo", PAID),
        (NOVEMBER, "cod", PAID),
        (NOVEMBER, "vietqr", PAID),
        (NOVEMBER, "stripe", REFUNDED),
        (DECEMBER, "vnpay", PAID),
    }
    n2 = rows[(NOVEMBER, "vietqr", PAID)]
    assert (n2.orders, n2.value) == (1, 36_000)
    # A and B are of two kinds: once in each, B and C both households: once there.
    assert n2.by_seller_kind == {
        Seller.Kind.COOPERATIVE: (1, 11_000),
        Seller.Kind.ENTERPRISE: (0, 0),
        Seller.Kind.HOUSEHOLD: (1, 25_000),
        Seller.Kind.ESTABLISHMENT: (0, 0),
    }
    assert n2.orders_by_ward == {PHUOC_HAU: 1, PHAN_RANG: 1}
    n1 = rows[(NOVEMBER, "cod", PAID)]
    assert n1.orders_by_ward == {PHUOC_HAU: 1, "": 1}
    # O3 was placed five minutes before midnight, local time: October's.
    o3 = rows[(OCTOBER, "momo", PAID)]
    assert (o3.orders, o3.value) == (1, 70_000)


def test_a_standing_record_is_read_not_counted_again(world):
    record_tonight()
    whole = MonthlySalesRow.objects.get(
        record__month=OCTOBER,
        payment_method="vnpay",
        payment_status=PAID,
        ward=ANY,
        former_district=ANY,
        seller_kind=ANY,
    )
    whole.orders += 100
    whole.save()

    rows = sales_rows(THREE_MONTHS, Filters(), today=TODAY)

    assert sum(row.orders for row in rows) == 7 + 100


def test_an_order_paid_after_the_record_brings_its_month_back_to_a_live_read(world):
    record_tonight()

    with clock_at(local(2026, 12, 15, 10)):
        order_mark_paid(order_id=world["orders"]["O2"].pk)

    assert _standing() == {NOVEMBER}
    rows = _sorted(sales_rows(THREE_MONTHS, Filters(), today=TODAY))
    assert rows == _live(THREE_MONTHS, Filters())
    assert (OCTOBER, "cod", PAID) in {(row.month, row.method, row.payment_status) for row in rows}
    # The night after, October is recorded again and stands.
    with clock_at(local(2026, 12, 16, 0, 30)):
        assert monthly_sales_record(today=date(2026, 12, 16)) == 1
    assert _standing() == {OCTOBER, NOVEMBER}
    assert _sorted(sales_rows(THREE_MONTHS, Filters(), today=TODAY)) == rows


def test_a_seller_that_moved_after_the_record_brings_every_month_back(world):
    record_tonight()
    address = world["sellers"]["c"].address
    with clock_at(local(2026, 12, 15, 10)):
        address.ward = PHUOC_HAU
        address.former_district = NINH_PHUOC
        address.save()

    assert _standing() == set()
    for filters in (Filters(), Filters(ward=PHUOC_HAU), Filters(ward=PHAN_RANG)):
        assert _sorted(sales_rows(THREE_MONTHS, filters, today=TODAY)) == _live(
            THREE_MONTHS, filters
        )


def test_a_seller_without_a_part_in_the_month_changes_nothing(world):
    record_tonight()
    with clock_at(local(2026, 12, 15, 10)):
        # D had a part in November only; a new seller has none at all.
        d = world["sellers"]["d"]
        d.kind = Seller.Kind.ENTERPRISE
        d.save()
        seller_at(PHAN_RANG, PHAN_RANG_DISTRICT, kind=Seller.Kind.ENTERPRISE)

    assert _standing() == {OCTOBER}


def test_a_month_the_period_covers_in_part_is_read_live(world):
    record_tonight()
    mid_october = Period(date(2026, 10, 5), date(2026, 12, 31))

    rows = _sorted(sales_rows(mid_october, Filters(), today=TODAY))

    assert rows == _live(mid_october, Filters())
    # O1 (1 October) is outside the period.
    assert (OCTOBER, "vnpay", PAID) not in {(r.month, r.method, r.payment_status) for r in rows}


def test_a_record_made_before_its_month_ended_does_not_stand(world):
    record_tonight()
    MonthlySales.objects.filter(month=NOVEMBER).update(recorded_at=local(2026, 11, 30, 12))

    assert _standing() == {OCTOBER}


def test_the_night_records_only_closed_months_and_only_once(world):
    assert record_tonight() == 2
    assert set(MonthlySales.objects.values_list("month", flat=True)) == {OCTOBER, NOVEMBER}
    assert record_tonight() == 0
    november = MonthlySales.objects.get(month=NOVEMBER)
    # One row per combination with "any": N2's three sellers in two wards, two kinds.
    whole = november.rows.get(
        payment_method="vietqr", ward=ANY, former_district=ANY, seller_kind=ANY
    )
    assert (whole.orders, whole.value) == (1, 36_000)
    # What it was counted from: the sellers with a part, where they were.
    sellers = world["sellers"]
    assert november.seller_places == {
        str(sellers[name].pk): list(place)
        for name, place in (
            ("a", (Seller.Kind.COOPERATIVE, PHUOC_HAU, NINH_PHUOC)),
            ("b", (Seller.Kind.HOUSEHOLD, PHUOC_HAU, NINH_PHUOC)),
            ("c", (Seller.Kind.HOUSEHOLD, PHAN_RANG, PHAN_RANG_DISTRICT)),
            ("d", (Seller.Kind.COOPERATIVE, "", "")),
        )
    }
    october = MonthlySales.objects.get(month=OCTOBER)
    assert set(october.seller_places) == {str(sellers[name].pk) for name in "abc"}


def test_nothing_is_recorded_without_orders():
    assert monthly_sales_record(today=TODAY) == 0
    assert not MonthlySales.objects.exists()


def test_queries_stay_the_same_with_records_and_months(world):
    record_tonight()

    def count(period):
        with CaptureQueriesContext(connection) as queries:
            sales_rows(period, Filters(), today=TODAY)
        return len(queries)

    # Sellers, records, orders changed since, the records' rows, the live days.
    assert count(THREE_MONTHS) == count(Period(NOVEMBER, date(2026, 12, 31))) == 5
    # All recorded: no live read.
    assert count(Period(OCTOBER, date(2026, 11, 30))) == 4


def test_the_task_records_and_beat_runs_it_after_midnight(world, settings):
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["province.monthly_sales_record"].hour == {0}

    with clock_at(local(2026, 12, 15, 0, 30)):
        assert tasks.monthly_sales_record.delay().get() == 2
