"""After the buyer pays: reconciliation finds a payment whose notification was lost, and a
cancelled part of a paid order has its share refunded once, through the gateway (MoMo's
sandbox over real HTTP)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from market.orders.models import Order, SellerOrder
from market.orders.services.cancellation import seller_order_cancel
from payments.gateways import gateway_named
from payments.models import Payment, TransactionEvent
from payments.sandbox import momo as sandbox
from payments.services.reconciliation import payments_reconcile
from payments.services.refunds import cancelled_parts_refund, parts_to_refund
from payments.services.start import payment_start
from tests.factories import UserFactory
from tests.orders.factories import place, staff_of, stocked_variant
from tests.payments.momo_helpers import point_at_sandbox, press

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def momo(live_server, settings):
    point_at_sandbox(settings, live_server)
    settings.PAYMENT_RECONCILE_AFTER_MINUTES = 5
    sandbox.reset()
    yield gateway_named("momo")
    sandbox.reset()


def paid_at_momo_without_its_notification():
    """An order of two sellers paid at MoMo's sandbox, its IPN dropped on the way."""
    buyer = UserFactory()
    first, second = stocked_variant(price=120_000), stocked_variant(price=80_000)
    order = place([(first, 1), (second, 1)], user=buyer, online=True, shipping_price=20_000)
    payment = payment_start(order_id=order.pk, gateway_code="momo", by=buyer, client_ip="1.2.3.4")
    sandbox.drop_next_ipn()
    press(payment.action["url"], "approve")
    return order, payment


def later():
    return timezone.now() + timedelta(minutes=6)


def test_a_lost_notification_is_found_by_reconciliation_and_charged_once(momo):
    order, payment = paid_at_momo_without_its_notification()
    assert Payment.objects.get(pk=payment.pk).status == "pending"

    too_soon = payments_reconcile()
    counts = payments_reconcile(now=later())
    again = payments_reconcile(now=later())

    assert too_soon == {}
    assert counts == {"recorded": 1}
    assert again == {}  # paid payments are no longer asked about
    payment.refresh_from_db()
    assert (payment.status, payment.charged) == ("paid", 240_000)
    assert Order.objects.get(pk=order.pk).payment_status == "paid"
    assert TransactionEvent.objects.filter(payment=payment, kind="charge").count() == 1


def test_a_cancelled_part_of_a_paid_order_is_refunded_its_share_once(momo):
    order, payment = paid_at_momo_without_its_notification()
    payments_reconcile(now=later())
    part = SellerOrder.objects.filter(order=order).order_by("pk").first()
    staff = staff_of(part.seller)
    seller_order_cancel(seller_order_id=part.pk, by=staff, reason="Hết hàng")
    assert list(parts_to_refund()) == [SellerOrder.objects.get(pk=part.pk)]

    refunded = cancelled_parts_refund()
    again = cancelled_parts_refund()

    assert (refunded, again) == (1, 0)
    payment.refresh_from_db()
    # The part's lines and its own shipping (120,000 + 20,000), the rest still charged.
    assert (payment.status, payment.refunded) == ("partially_refunded", part.total)
    assert part.total == 140_000
    refund = TransactionEvent.objects.get(payment=payment, kind="refund")
    assert refund.request_reference == f"part:{part.number}"
    assert list(parts_to_refund()) == []
    assert sandbox.transaction_of(payment.reference).refunded == 140_000


def test_an_unpaid_orders_cancelled_part_is_not_refunded(momo):
    buyer = UserFactory()
    order = place([(stocked_variant(), 1)], user=buyer, online=True)
    part = SellerOrder.objects.get(order=order)
    seller_order_cancel(seller_order_id=part.pk, by=buyer)

    assert list(parts_to_refund()) == []
    assert cancelled_parts_refund() == 0
