"""``notice_apply``: what a gateway said, applied to its payment once, whoever says it how
often, in whatever order, from however many connections at once."""

import threading

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction

from market.orders.models import Order, OrderEvent
from market.orders.services.expiry import orders_expire_unpaid
from payments.gateways.base import Notice
from payments.models import Notification, Payment, TransactionEvent
from payments.services.events import notice_apply
from tests.orders.factories import place, stocked_variant

Outcome = Notification.Outcome


def unpaid_payment(*, gateway: str = "vnpay", price: int = 100_000) -> Payment:
    order = place([(stocked_variant(price=price), 1)], online=True, shipping_price=20_000)
    return Payment.objects.create(
        order=order, gateway=gateway, reference=f"REF{order.pk}P1", amount=order.total
    )


def charge(payment: Payment, *, key: str = "T1", amount: int | None = None, currency="VND"):
    return Notice(
        reference=payment.reference,
        kind="charge",
        amount=payment.amount if amount is None else amount,
        gateway_reference=key,
        currency=currency,
        payment_reference=f"GW-{key}",
    )


def refund(payment: Payment, amount: int, *, key: str = "R1") -> Notice:
    return Notice(reference=payment.reference, kind="refund", amount=amount, gateway_reference=key)


@pytest.mark.django_db
def test_a_charge_pays_the_order_and_its_duplicates_record_nothing():
    payment = unpaid_payment()

    outcomes = [notice_apply(charge(payment), gateway="vnpay")[0] for _ in range(3)]

    assert outcomes == [Outcome.RECORDED, Outcome.DUPLICATE, Outcome.DUPLICATE]
    payment.refresh_from_db()
    assert (payment.status, payment.charged, payment.gateway_reference) == (
        "paid",
        120_000,
        "GW-T1",
    )
    assert TransactionEvent.objects.filter(payment=payment).count() == 1
    order = Order.objects.get(pk=payment.order_id)
    assert (order.status, order.payment_status) == ("placed", "paid")
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.PAID).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "currency"), [(119_999, "VND"), (120_001, "VND"), (1_200, "USD")]
)
def test_a_charge_of_another_amount_or_currency_is_refused_and_flagged(amount, currency):
    payment = unpaid_payment()

    outcome, _ = notice_apply(charge(payment, amount=amount, currency=currency), gateway="vnpay")

    assert outcome == Outcome.AMOUNT_MISMATCH
    payment.refresh_from_db()
    assert payment.needs_review
    assert payment.charged == 0
    assert payment.status == "pending"
    assert not TransactionEvent.objects.filter(payment=payment).exists()
    assert Order.objects.get(pk=payment.order_id).payment_status == "unpaid"


@pytest.mark.django_db
def test_a_notice_for_another_gateway_or_reference_finds_no_payment():
    payment = unpaid_payment(gateway="vnpay")

    assert notice_apply(charge(payment), gateway="momo")[0] == Outcome.UNKNOWN_PAYMENT
    other = Notice(reference="NOPE", kind="charge", amount=1, gateway_reference="X")
    assert notice_apply(other, gateway="vnpay")[0] == Outcome.UNKNOWN_PAYMENT
    assert not TransactionEvent.objects.exists()


@pytest.mark.django_db
def test_refunds_add_up_to_the_charge_and_never_past_it():
    payment = unpaid_payment()
    notice_apply(charge(payment), gateway="vnpay")

    first = notice_apply(refund(payment, 20_000, key="R1"), gateway="vnpay")[0]
    again = notice_apply(refund(payment, 20_000, key="R1"), gateway="vnpay")[0]
    too_much = notice_apply(refund(payment, 100_001, key="R2"), gateway="vnpay")[0]
    rest = notice_apply(refund(payment, 100_000, key="R3"), gateway="vnpay")[0]

    assert (first, again, too_much, rest) == (
        Outcome.RECORDED,
        Outcome.DUPLICATE,
        Outcome.AMOUNT_MISMATCH,
        Outcome.RECORDED,
    )
    payment.refresh_from_db()
    assert (payment.status, payment.charged, payment.refunded) == ("refunded", 120_000, 120_000)


@pytest.mark.django_db
def test_a_refund_before_its_charge_waits():
    payment = unpaid_payment()

    outcome, _ = notice_apply(refund(payment, 10_000), gateway="vnpay")

    assert outcome == Outcome.DEFERRED
    assert Payment.objects.get(pk=payment.pk).refunded == 0


@pytest.mark.django_db
def test_a_failure_fails_a_pending_payment_but_not_a_paid_one():
    payment = unpaid_payment()
    failure = Notice(reference=payment.reference, kind="failure", amount=0, gateway_reference="F1")

    assert notice_apply(failure, gateway="vnpay")[0] == Outcome.RECORDED
    assert Payment.objects.get(pk=payment.pk).status == "failed"

    # The buyer tried again on the same attempt and paid: the charge still counts.
    assert notice_apply(charge(payment), gateway="vnpay")[0] == Outcome.RECORDED
    late = Notice(reference=payment.reference, kind="failure", amount=0, gateway_reference="F2")
    notice_apply(late, gateway="vnpay")
    assert Payment.objects.get(pk=payment.pk).status == "paid"


@pytest.mark.django_db
def test_money_for_an_expired_order_is_recorded_and_flagged_for_a_refund():
    payment = unpaid_payment()
    Order.objects.filter(pk=payment.order_id).update(expires_at="2020-01-01T00:00:00Z")
    orders_expire_unpaid()

    outcome, _ = notice_apply(charge(payment), gateway="vnpay")

    assert outcome == Outcome.RECORDED
    payment.refresh_from_db()
    assert payment.charged == 120_000
    assert payment.needs_review
    assert Order.objects.get(pk=payment.order_id).status == "expired"


@pytest.mark.django_db
def test_a_second_charge_under_another_id_is_kept_and_flagged():
    payment = unpaid_payment()
    notice_apply(charge(payment, key="T1"), gateway="vnpay")

    outcome, _ = notice_apply(charge(payment, key="T2"), gateway="vnpay")

    assert outcome == Outcome.RECORDED
    payment.refresh_from_db()
    assert payment.charged == 240_000
    assert payment.needs_review
    assert OrderEvent.objects.filter(order_id=payment.order_id, type="paid").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_charge_on_eight_connections_at_once_is_recorded_once():
    assert connection.vendor == "postgresql"
    payment = unpaid_payment()
    notice = charge(payment)
    start = threading.Barrier(8)
    outcomes = []
    lock = threading.Lock()

    def deliver():
        try:
            start.wait()
            outcome, _ = notice_apply(notice, gateway="vnpay")
            with lock:
                outcomes.append(outcome)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == sorted([Outcome.RECORDED] + [Outcome.DUPLICATE] * 7)
    assert TransactionEvent.objects.filter(payment=payment).count() == 1
    assert OrderEvent.objects.filter(order_id=payment.order_id, type="paid").count() == 1
    assert Payment.objects.get(pk=payment.pk).charged == 120_000


@pytest.mark.django_db
def test_transaction_events_refuse_to_change_in_the_database():
    payment = unpaid_payment()
    notice_apply(charge(payment), gateway="vnpay")
    event = TransactionEvent.objects.get(payment=payment)

    for change in (
        lambda: TransactionEvent.objects.filter(pk=event.pk).update(amount=1),
        lambda: TransactionEvent.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()

    assert TransactionEvent.objects.get(pk=event.pk).amount == 120_000
