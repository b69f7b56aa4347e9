"""The sales figures, the cashless trend and the ward table's paid orders come from one pass
over the period's seller orders (``sales_rows``): each order is counted once in all, once in
each seller kind and once in each ward it has a part in, however its parts are spread.

Hand-counted world (December 2026, all placed):
  A cooperative, Phước Hậu; B household, Phước Hậu; C household, Phan Rang;
  D cooperative, no address.
  O1 VNPay paid:  A 100,000 + B 50,000  (two kinds, one ward)
  O2 MoMo paid:   B 30,000 + C 20,000   (one kind, two wards)
  O3 cash paid:   D 70,000              (blank ward)
  O4 cash unpaid: A 40,000
"""

from datetime import date, datetime

import pytest
from django.db import connection

from market.orders.models import Order
from market.sellers.models import Seller
from province import selectors
from province.figures import Filters, Period, Share
from province.selectors.sales import sales_rows
from tests.factories import CategoryFactory
from tests.province.figures_world import (
    NINH_PHUOC,
    PHAN_RANG,
    PHAN_RANG_DISTRICT,
    PHUOC_HAU,
    local,
    order_with_parts,
    product_of,
    seller_at,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 15)
DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))
PLACED = Order.Status.PLACED
PAID, UNPAID = Order.PaymentStatus.PAID, Order.PaymentStatus.UNPAID


@pytest.fixture
def world():
    a = seller_at(PHUOC_HAU, NINH_PHUOC, kind=Seller.Kind.COOPERATIVE)
    b = seller_at(PHUOC_HAU, NINH_PHUOC, kind=Seller.Kind.HOUSEHOLD)
    c = seller_at(PHAN_RANG, PHAN_RANG_DISTRICT, kind=Seller.Kind.HOUSEHOLD)
    d = seller_at(None, kind=Seller.Kind.COOPERATIVE)
    category = CategoryFactory(is_agricultural=True)
    variant = {seller: product_of(seller, category)[1] for seller in (a, b, c, d)}

    def order(number, day, method, payment_status, parts):
        order_with_parts(
            number,
            local(2026, 12, day, 10),
            status=PLACED,
            method=method,
            payment_status=payment_status,
            parts=[(seller, variant[seller], total) for seller, total in parts],
        )

    order("O1", 2, "vnpay", PAID, [(a, 100_000), (b, 50_000)])
    order("O2", 3, "momo", PAID, [(b, 30_000), (c, 20_000)])
    order("O3", 4, "cod", PAID, [(d, 70_000)])
    order("O4", 5, "cod", UNPAID, [(a, 40_000)])


def test_each_order_is_counted_once_in_all_and_once_in_each_kind(world):
    sales = selectors.sales_figures(DECEMBER, Filters(), today=TODAY)

    assert (sales.orders, sales.value) == (4, 310_000)
    by_kind = {item.key: (item.orders, item.value) for item in sales.by_seller_kind}
    assert by_kind == {
        "cooperative": (3, 210_000),
        "household": (2, 100_000),
        "enterprise": (0, 0),
        "establishment": (0, 0),
    }
    assert (sales.paid_orders, sales.paid_value) == (3, 270_000)
    assert sales.cashless_count_share == Share(2, 3, 0.5)
    assert sales.cashless_value_share == Share(150_000 + 50_000, 270_000, 0.5)
    by_method = {item.key: (item.orders, item.value) for item in sales.by_method}
    assert by_method == {
        "vnpay": (1, 150_000),
        "momo": (1, 50_000),
        "vietqr": (0, 0),
        "card": (0, 0),
        "cod": (1, 70_000),
    }


def test_each_paid_order_is_counted_once_in_each_ward_and_blank_last(world):
    dashboard = selectors.dashboard(DECEMBER, Filters(), today=TODAY)

    rows = {row.ward: (row.paid_orders, row.cashless_count_share) for row in dashboard.wards}
    assert rows == {
        PHAN_RANG: (1, Share(1, 1, 0.5)),
        PHUOC_HAU: (2, Share(2, 2, 0.5)),
        "": (1, Share(0, 1, 0.5)),
    }
    assert dashboard.wards[-1].ward == ""
    (december,) = dashboard.trend
    assert december.cashless_count_share == Share(2, 3, 0.5)
    assert december.cashless_value_share == Share(200_000, 270_000, 0.5)


def test_a_ward_filter_keeps_its_sellers_parts(world):
    sales = selectors.sales_figures(DECEMBER, Filters(ward=PHUOC_HAU), today=TODAY)

    # O1 whole, O2's part of B, O4: three orders.
    assert (sales.orders, sales.value) == (3, 220_000)
    assert (sales.paid_orders, sales.paid_value) == (2, 180_000)


def test_the_period_is_written_into_the_sales_query_not_sent_as_parameters(world):
    """A prepared statement's plan made once for any bounds guessed a tiny range and read
    the seller orders one order at a time (twice as slow at the province's size)."""
    sent = []

    def record(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        rows = sales_rows(DECEMBER, Filters(), today=TODAY)

    assert sum(row.orders for row in rows) == 4
    sql, params = next((sql, params) for sql, params in sent if "orders_sellerorder" in sql)
    assert not [value for value in params if isinstance(value, datetime)]
    # 1 and 32 December 00:00 local, in UTC.
    assert "2026-11-30T17:00:00+00:00" in sql
    assert "2026-12-31T17:00:00+00:00" in sql
