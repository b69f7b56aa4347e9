"""The demo's sales: paid orders by every method over the months, placed and paid through
the services, a few cancelled or refunded, loaded once; the suspended area's violations."""

from collections import Counter

import pytest
from django.utils import timezone

from catalog.models import Stock
from market.demo import loader, sales
from market.orders.models import Order, OrderEvent, SellerOrder
from payments.models import Notification, Payment, TransactionEvent
from traceability.models import Inspection, Lot, Violation

pytestmark = pytest.mark.django_db

METHODS = ("cod", "vnpay", "momo", "vietqr", "stripe")


@pytest.fixture
def loaded(db):
    return loader.load_demo()


def demo_orders():
    return Order.objects.filter(checkout_token__in=sales.demo_tokens())


def test_the_demo_has_paid_orders_of_every_method_across_the_months(loaded):
    orders = demo_orders()
    assert orders.count() == loaded["orders"] == sales.DEMO_ORDERS
    paid = orders.filter(payment_status=Order.PaymentStatus.PAID)
    by_method = Counter(paid.values_list("payment_method", flat=True))
    assert set(by_method) == set(METHODS)
    # Cash on delivery is the largest share, yet most orders are paid cashless.
    assert by_method["cod"] == max(by_method.values())
    assert by_method["cod"] < sum(by_method.values()) / 2
    today = timezone.localdate()
    months = {timezone.localtime(order.created_at).date().replace(day=1) for order in orders}
    assert len(months) >= 5
    assert all(order.created_at.date() <= today for order in orders)
    # Paid orders every month, cashless ones included.
    for month in months:
        in_month = [
            order
            for order in paid
            if timezone.localtime(order.created_at).date().replace(day=1) == month
        ]
        assert in_month, month
        assert any(order.payment_method != "cod" for order in in_month), month


def test_online_payments_were_confirmed_through_the_gateways_inbox(loaded):
    orders = demo_orders()
    online = Payment.objects.filter(order__in=orders).exclude(gateway="cod")
    charges = TransactionEvent.objects.filter(payment__in=online, kind="charge")
    assert charges.count() == online.filter(charged__gt=0).count() > 0
    # Every charge came from a stored, authenticated notification, dated as its payment.
    assert not charges.filter(notification__isnull=True).exists()
    assert Notification.objects.filter(payment__in=online, outcome="recorded").count() == (
        charges.count()
    )
    for charge in charges.select_related("payment__order"):
        assert charge.created_at >= charge.payment.order.created_at
        assert (charge.created_at - charge.payment.order.created_at).total_seconds() < 3600


def test_a_few_are_cancelled_or_refunded_and_cash_is_collected(loaded):
    orders = demo_orders()
    assert orders.filter(status=Order.Status.CANCELLED, payment_status="unpaid").exists()
    refunds = TransactionEvent.objects.filter(payment__order__in=orders, kind="refund")
    assert refunds.count() >= 1
    assert all(refund.created_at > refund.payment.order.created_at for refund in refunds)
    cod = orders.filter(payment_method="cod")
    assert Payment.objects.filter(order__in=cod, gateway="cod", status="paid").count() == (
        cod.filter(payment_status="paid").count()
    )
    assert OrderEvent.objects.filter(order__in=orders).count() > orders.count()


def test_the_suspended_area_has_a_failed_inspection_and_its_lot_an_open_violation(loaded):
    inspection = Inspection.objects.get(site__code=sales.SUSPENDED_AREA)
    assert inspection.result == Inspection.Result.FAILED
    violations = {
        (violation.lot.code if violation.lot else None): violation.status
        for violation in Violation.objects.filter(inspection=inspection)
    }
    # The area's own is closed (its code is suspended); the sampled lot's stays open.
    assert violations == {None: "closed", sales.SAMPLED_LOT: "open"}
    lot = Lot.objects.get(code=sales.SAMPLED_LOT)
    assert not lot.origin_verified
    assert "OPEN_VIOLATION" in lot.origin_problems
    assert loaded["violations"] == 2
    assert loaded["inspections"] == 1


def test_the_demo_sales_leave_the_catalogs_stock_as_the_catalog_gives_it(loaded):
    catalog = loader.read_catalog()
    wanted = {
        variant["sku"]: variant["stock"]
        for seller in catalog["sellers"]
        for product in seller["products"]
        for variant in product["variants"]
    }
    stocks = {
        stock.variant.sku: (stock.quantity, stock.quantity_allocated)
        for stock in Stock.objects.filter(variant__sku__in=wanted).select_related("variant")
    }
    assert stocks == {sku: (quantity, 0) for sku, quantity in wanted.items()}
    # Every demo order is shipped, delivered or cancelled: none holds units.
    parts = SellerOrder.objects.filter(order__in=demo_orders())
    assert not parts.filter(status__in=("unconfirmed", "confirmed")).exists()


def test_loading_again_places_nothing_more(loaded):
    counts = (demo_orders().count(), Payment.objects.count(), TransactionEvent.objects.count())

    again = loader.load_demo()

    assert (demo_orders().count(), Payment.objects.count(), TransactionEvent.objects.count()) == (
        counts
    )
    for kind in sales.SALES_KINDS:
        assert again[kind] == loaded[kind], kind
        assert again["created"][kind] == 0, kind


def test_a_reset_deletes_the_demo_orders_and_loads_them_again(loaded):
    first = sorted(demo_orders().values_list("checkout_token", flat=True))

    loader.load_demo(reset=True)

    assert sorted(demo_orders().values_list("checkout_token", flat=True)) == first
    assert Violation.objects.filter(lot__code=sales.SAMPLED_LOT, status="open").count() == 1
