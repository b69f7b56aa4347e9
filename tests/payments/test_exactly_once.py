"""1,000 notifications over HTTP, by 8 senders at once: every valid one sent three times
(twice at once, and replayed at the end), Stripe's refunds sent before their charges, and
forged ones of every kind. Nothing is charged twice, every forged one is refused with the
protocol's answer, every one is in the inbox, and the payments end where they must."""

import random
import threading
from collections import Counter
from dataclasses import replace

import pytest
import requests
from django.db import connection

from market.orders.models import Order
from payments.gateways import gateway_named
from payments.models import Notification, Payment, TransactionEvent
from payments.protocols.bank_notifications import transfer_code
from payments.sandbox import senders
from payments.services.events import payment_totals
from tests.orders.factories import place, stocked_variant

pytestmark = pytest.mark.django_db(transaction=True)

Outcome = Notification.Outcome
PER_GATEWAY = 25
REFUNDED = 10_000
SENDERS = 8
TOTAL = 1_000


def payments_of_every_gateway() -> dict[str, list[Payment]]:
    made: dict[str, list[Payment]] = {}
    variant = stocked_variant(price=95_000, quantity=10_000)
    for gateway in ("vnpay", "momo", "vietqr", "stripe"):
        made[gateway] = []
        for _ in range(PER_GATEWAY):
            order = place([(variant, 1)], online=True)
            code = transfer_code(order.number)
            made[gateway].append(
                Payment.objects.create(
                    order=order,
                    gateway=gateway,
                    reference=code if gateway == "vietqr" else f"{code}P1",
                    gateway_reference=f"pi_{code}" if gateway == "stripe" else "",
                    amount=order.total,
                )
            )
    return made


def valid(payment: Payment, number: int) -> senders.Sent:
    gateway, reference, amount = payment.gateway, payment.reference, payment.amount
    if gateway == "vnpay":
        return senders.vnpay_ipn(reference, amount, str(14_000_000 + number))
    if gateway == "momo":
        return senders.momo_ipn(reference, amount, 3_100_000_000 + number)
    if gateway == "vietqr":
        return senders.sepay_transfer(f"CK {reference} thanh toan", amount, 70_000 + number)
    return senders.stripe_event(
        "payment_intent.succeeded",
        payment.gateway_reference,
        reference,
        amount,
        event_id=f"evt_paid_{number}",
    )


def forged(payment: Payment, kind: str, number: int) -> tuple[senders.Sent, str]:
    """A forged or wrong notification about ``payment``, and the outcome it must get."""
    gateway, reference, amount = payment.gateway, payment.reference, payment.amount
    key = 90_000 + number
    if kind == "bad_signature":
        sent = {
            "vnpay": lambda: senders.vnpay_ipn(reference, amount, str(key), secret="forged"),
            "momo": lambda: senders.momo_ipn(reference, amount, key, secret_key="forged"),
            "vietqr": lambda: senders.sepay_transfer(reference, amount, key, api_key="forged"),
            "stripe": lambda: senders.stripe_event(
                "payment_intent.succeeded",
                payment.gateway_reference,
                reference,
                amount,
                event_id=f"evt_forged_{key}",
                secret="whsec_forged",
            ),
        }[gateway]()
        return sent, Outcome.BAD_SIGNATURE
    if kind == "other_merchant":
        if gateway == "vnpay":
            return senders.vnpay_ipn(
                reference, amount, str(key), tmn_code="OTHER123"
            ), Outcome.INVALID
        if gateway == "momo":
            return senders.momo_ipn(
                reference, amount, key, partner_code="MOMOOTHER"
            ), Outcome.INVALID
        if gateway == "vietqr":
            sent = senders.sepay_transfer(reference, amount, key)
            body = sent.body.replace(b'"accountNumber": "', b'"accountNumber": "99')
            return replace(sent, body=body), Outcome.INVALID
        other = senders.stripe_event(
            "payment_intent.succeeded",
            payment.gateway_reference,
            reference,
            amount,
            event_id=f"evt_other_{key}",
            secret="whsec_another_account",
        )
        return other, Outcome.BAD_SIGNATURE
    if kind == "wrong_amount":
        less = amount - 1_000
        sent = {
            "vnpay": lambda: senders.vnpay_ipn(reference, less, str(key)),
            "momo": lambda: senders.momo_ipn(reference, less, key),
            "vietqr": lambda: senders.sepay_transfer(reference, less, key),
            "stripe": lambda: senders.stripe_event(
                "payment_intent.succeeded",
                f"pi_wrong_{key}",
                reference,
                less,
                event_id=f"evt_wrong_{key}",
            ),
        }[gateway]()
        return sent, Outcome.AMOUNT_MISMATCH
    # An altered order code: signed for one reference, then changed to another.
    sent = valid(payment, key)
    if gateway == "vnpay":
        return replace(sent, query={**sent.query, "vnp_TxnRef": "OCOP2026999999P1"}), (
            Outcome.BAD_SIGNATURE
        )
    if gateway == "vietqr":
        altered = senders.sepay_transfer("CK OCOP2026999999", amount, key)
        return altered, Outcome.UNKNOWN_PAYMENT
    body = sent.body.replace(reference.encode(), b"OCOP2026999999P1")
    return replace(sent, body=body), Outcome.BAD_SIGNATURE


def send(base_url: str, sent: senders.Sent) -> requests.Response:
    return requests.request(
        sent.method,
        base_url + sent.path,
        params=sent.query or None,
        headers=sent.headers,
        data=sent.body or None,
        timeout=30,
    )


def test_a_thousand_notifications_charge_once_refuse_every_forgery_and_keep_everything(
    live_server, settings
):
    assert connection.vendor == "postgresql"
    settings.PAYMENT_CALLBACK_BASE_URL = live_server.url
    made = payments_of_every_gateway()
    every = [payment for payments in made.values() for payment in payments]
    rng = random.Random(20261201)

    charges = [(payment, valid(payment, number)) for number, payment in enumerate(every)]
    refunds = [
        senders.stripe_refund(
            payment.gateway_reference,
            payment.reference,
            REFUNDED,
            f"re_{payment.reference}",
            event_id=f"evt_refund_{number}",
        )
        for number, payment in enumerate(made["stripe"])
    ]
    kinds = ("bad_signature", "other_merchant", "wrong_amount", "altered_code")
    forged_count = TOTAL - 3 * len(charges) - 2 * len(refunds)
    forgeries = [
        forged(rng.choice(every), kinds[number % len(kinds)], number)
        for number in range(forged_count)
    ]
    # The first wave: refunds (twice) before any charge of theirs, then every charge twice
    # and the forgeries, shuffled; the last wave replays every charge.
    first = [(sent, None) for sent in refunds * 2]
    middle = [(sent, None) for _payment, sent in charges * 2] + forgeries
    rng.shuffle(middle)
    waves = [first, middle, [(sent, None) for _payment, sent in charges]]
    assert sum(map(len, waves)) == TOTAL

    answers: list[tuple[senders.Sent, str | None, requests.Response]] = []
    lock = threading.Lock()
    for wave in waves:
        queue = list(wave)

        def sender(queue=queue):
            while True:
                with lock:
                    if not queue:
                        return
                    sent, expected = queue.pop()
                response = send(live_server.url, sent)
                with lock:
                    answers.append((sent, expected, response))

        threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # Every notification is in the inbox, with an outcome.
    assert Notification.objects.count() == TOTAL
    assert not Notification.objects.filter(outcome__in=[Outcome.RECEIVED, Outcome.FAILED]).exists()

    # Every forged one is refused with the protocol's own answer for its outcome.
    refused = Counter()
    for sent, expected, response in answers:
        if expected is None:
            continue
        gateway = gateway_named({"GET": "vnpay"}.get(sent.method) or _gateway_of(sent.path))
        answer = gateway.answer(expected)
        assert response.status_code == answer.status, (sent.path, expected, response.text)
        if answer.body is not None:
            assert response.json() == answer.body
        refused[expected] += 1
    assert sum(refused.values()) == forged_count
    stored = Counter(
        Notification.objects.exclude(
            outcome__in=[Outcome.RECORDED, Outcome.DUPLICATE, Outcome.DEFERRED]
        ).values_list("outcome", flat=True)
    )
    assert stored == refused

    # Nothing is charged twice, and every payment ends as it must.
    charge_events = Counter(
        TransactionEvent.objects.filter(kind="charge").values_list("payment_id", flat=True)
    )
    assert sorted(charge_events.values()) == [1] * len(every)
    for payment in Payment.objects.filter(pk__in=[p.pk for p in every]):
        # The kept sums are the events' sums.
        assert (payment.charged, payment.refunded) == payment_totals(payment.pk)
        assert payment.charged == payment.amount
        if payment.gateway == "stripe":
            assert (payment.refunded, payment.status) == (REFUNDED, "partially_refunded")
        else:
            assert (payment.refunded, payment.status) == (0, "paid")
    assert TransactionEvent.objects.filter(kind="refund").count() == len(made["stripe"])
    assert set(
        Order.objects.filter(pk__in=[p.order_id for p in every]).values_list(
            "payment_status", flat=True
        )
    ) == {"paid"}
    # The refunds that came first waited, then were applied once their charges were in.
    assert Notification.objects.filter(gateway="stripe", outcome=Outcome.RECORDED).count() >= (
        2 * len(made["stripe"])
    )


def _gateway_of(path: str) -> str:
    return {
        "/payments/momo/ipn": "momo",
        "/payments/bank/notify": "vietqr",
        "/payments/stripe/webhook": "stripe",
    }[path]
