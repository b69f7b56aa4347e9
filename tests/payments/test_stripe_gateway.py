"""The Stripe card gateway: intents on stripe-mock, signed webhooks over real HTTP.

stripe-mock keeps no state and sends no webhooks, so the tests sign the events Stripe
would send (HMAC-SHA256 over ``"{t}.{body}"``, written here, not by the client's helper)
and post them to ``/payments/stripe/webhook`` on a live server. What the gateway sends to
Stripe is seen through a relay on loopback that forwards every request to stripe-mock
and keeps a copy.
"""

import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest
import requests
import stripe
from django.conf import settings as django_settings

from market.core.errors import DomainError
from market.orders.models import Order
from market.orders.services.placement import order_place
from payments.gateways import gateway_named
from payments.gateways.base import GatewayError, Incoming, NotificationRefused
from payments.gateways.stripe import StripeGateway, event_notice, intent_notice
from payments.models import Notification, Payment, TransactionEvent
from payments.services.events import notice_apply
from payments.services.start import payment_start
from tests.orders.factories import ADDRESS, groups_for, nothing_held, stocked_variant

WEBHOOK_SECRET = "whsec_test_h12s_webhooks"
Outcome = Notification.Outcome


# -- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture
def stripe_settings(settings):
    settings.PAYMENT_METHODS = ["cod", "stripe"]
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_h12s"
    return settings


def unpaid_order(*, price: int = 85_000, quantity: int = 2) -> Order:
    """A guest's order waiting for a card payment, placed as checkout places it."""
    variant = stocked_variant(price=price)
    return order_place(
        checkout_token=uuid.uuid4(),
        user=None,
        email="khach.the@example.vn",
        shipping_address=dict(ADDRESS),
        groups=groups_for([(variant, quantity)]),
        payment_method="stripe",
        online=True,
        language="vi",
        held_elsewhere=nothing_held,
    )


def started_payment(order: Order | None = None) -> Payment:
    order = order or unpaid_order()
    return payment_start(
        order_id=order.pk, gateway_code="stripe", by=None, token=order.token, client_ip="127.0.0.1"
    )


def intent_object(payment: Payment, **fields) -> dict:
    """A PaymentIntent as Stripe sends it in an event, succeeded unless told otherwise."""
    intent = {
        "id": payment.gateway_reference,
        "object": "payment_intent",
        "amount": payment.amount,
        "amount_capturable": 0,
        "amount_received": payment.amount,
        "currency": "vnd",
        "status": "succeeded",
        "capture_method": "automatic",
        "latest_charge": f"ch_{payment.reference}",
        "last_payment_error": None,
        "cancellation_reason": None,
        "livemode": False,
        "metadata": {"reference": payment.reference, "order": payment.order.number},
    }
    intent.update(fields)
    return intent


def charge_object(payment: Payment, **fields) -> dict:
    """The Charge of ``payment``'s intent (Stripe copies the intent's metadata to it)."""
    charge = {
        "id": f"ch_{payment.reference}",
        "object": "charge",
        "amount": payment.amount,
        "amount_captured": payment.amount,
        "amount_refunded": 0,
        "captured": True,
        "currency": "vnd",
        "paid": True,
        "status": "succeeded",
        "payment_intent": payment.gateway_reference,
        "failure_code": None,
        "failure_message": None,
        "metadata": {"reference": payment.reference, "order": payment.order.number},
    }
    charge.update(fields)
    return charge


def refund_object(payment: Payment, amount: int, *, refund_id: str = "", **fields) -> dict:
    refund = {
        "id": refund_id or f"re_{uuid.uuid4().hex[:24]}",
        "object": "refund",
        "amount": amount,
        "currency": "vnd",
        "charge": f"ch_{payment.reference}",
        "payment_intent": payment.gateway_reference,
        "status": "succeeded",
        "metadata": {"reference": payment.reference},
    }
    refund.update(fields)
    return refund


def event(event_type: str, found: dict, *, event_id: str = "") -> dict:
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2025-06-30.basil",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": {"object": found},
    }


def signature(body: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def post_body(live_server, body: bytes, headers: dict) -> requests.Response:
    return requests.post(
        f"{live_server.url}/payments/stripe/webhook",
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8", **headers},
        timeout=10,
    )


def send(live_server, payload: dict, **signing) -> requests.Response:
    body = json.dumps(payload).encode()
    return post_body(live_server, body, {"Stripe-Signature": signature(body, **signing)})


def last_notification() -> Notification:
    return Notification.objects.filter(gateway="stripe").order_by("-pk").first()


def events_of(payment: Payment, kind: str) -> list[TransactionEvent]:
    return list(payment.events.filter(kind=kind))


class Relay:
    """An HTTP server on loopback that forwards each request to stripe-mock and keeps what
    it was sent, so a test sees the real request the official client made."""

    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.requests: list[dict] = []
        self.delay = 0.0
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                relay.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "form": dict(parse_qsl(body.decode())),
                    }
                )
                time.sleep(relay.delay)
                upstream = requests.request(
                    self.command,
                    relay.upstream + self.path,
                    data=body,
                    headers={
                        name: value
                        for name, value in self.headers.items()
                        if name.lower() not in ("host", "content-length")
                    },
                    timeout=10,
                )
                self.send_response(upstream.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(upstream.content)))
                self.end_headers()
                self.wfile.write(upstream.content)

            do_GET = do_POST = forward

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def relay(stripe_settings):
    found = Relay(django_settings.STRIPE_API_BASE)
    stripe_settings.STRIPE_API_BASE = found.url
    yield found
    found.close()


# -- starting a payment ---------------------------------------------------------------------


@pytest.mark.django_db
def test_start_creates_a_payment_intent_in_dong_on_stripe_mock(relay):
    order = unpaid_order(price=85_000, quantity=2)

    payment = started_payment(order)

    assert payment.amount == order.total == 2 * 85_000 + 30_000
    (created,) = relay.requests
    assert (created["method"], created["path"]) == ("POST", "/v1/payment_intents")
    form = created["form"]
    # Zero-decimal: whole đồng, not times 100.
    assert form["amount"] == str(order.total)
    assert form["currency"] == "vnd"
    assert form["payment_method_types[0]"] == "card"
    assert form["metadata[reference]"] == payment.reference
    assert form["metadata[order]"] == order.number
    assert created["headers"]["Idempotency-Key"] == f"payment-intent-{payment.reference}"
    assert created["headers"]["Authorization"] == f"Bearer {django_settings.STRIPE_SECRET_KEY}"
    # stripe-mock's answer, read: the intent's id and client secret for Stripe.js.
    assert payment.gateway_reference.startswith("pi_")
    assert payment.action["kind"] == "client_secret"
    # (stripe-mock's secret is canned; Stripe's is "<intent id>_secret_<random>".)
    assert "_secret_" in payment.action["client_secret"]
    assert payment.action["publishable_key"] == "pk_test_h12s"
    assert payment.status == Payment.Status.PENDING
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.UNPAID


@pytest.mark.django_db
def test_starting_again_answers_the_same_intent_without_calling_stripe(relay):
    order = unpaid_order()
    first = started_payment(order)

    again = started_payment(order)

    assert again.pk == first.pk
    assert again.action == first.action
    assert len(relay.requests) == 1


@pytest.mark.django_db
def test_an_unreachable_stripe_fails_the_attempt_with_a_typed_error(stripe_settings, closed_port):
    stripe_settings.STRIPE_API_BASE = f"http://127.0.0.1:{closed_port}"
    order = unpaid_order()

    with pytest.raises(DomainError) as refused:
        started_payment(order)

    assert refused.value.code == "GATEWAY_UNAVAILABLE"
    assert Payment.objects.get(order=order).status == Payment.Status.FAILED


@pytest.mark.django_db
def test_a_slow_stripe_is_cut_at_the_gateway_timeout(relay, settings):
    payment = started_payment()
    relay.delay = 3
    settings.PAYMENT_GATEWAY_TIMEOUT_SECONDS = 1

    with pytest.raises(GatewayError):
        StripeGateway().query(payment)


@pytest.mark.django_db
def test_a_request_stripe_refuses_is_a_gateway_error_without_the_key(stripe_settings):
    payment = started_payment()
    stripe_settings.STRIPE_SECRET_KEY = "not-a-stripe-key"

    with pytest.raises(GatewayError) as refused:
        StripeGateway().refund(payment, 1_000, refund_reference="R-none", reason="test")

    assert "AuthenticationError" in str(refused.value)
    assert "not-a-stripe-key" not in str(refused.value)


@pytest.mark.django_db
def test_a_refund_of_a_payment_without_an_intent_is_refused(relay):
    payment = started_payment()
    payment.gateway_reference = ""
    relay.requests.clear()

    with pytest.raises(GatewayError):
        StripeGateway().refund(payment, 1_000, refund_reference="R-none", reason="test")
    assert relay.requests == []


# -- webhooks -------------------------------------------------------------------------------


def test_a_succeeded_event_pays_the_order(live_server, stripe_settings):
    payment = started_payment()

    answer = send(live_server, event("payment_intent.succeeded", intent_object(payment)))

    assert answer.status_code == 200
    assert answer.json() == {"received": True}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.charged == payment.amount
    (charge,) = events_of(payment, TransactionEvent.Kind.CHARGE)
    assert charge.gateway_reference == payment.gateway_reference
    order = payment.order
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    assert order.status == Order.Status.PLACED
    stored = last_notification()
    assert (stored.outcome, stored.signature_valid) == (Outcome.RECORDED, True)
    assert stored.payment_id == payment.pk
    assert stored.event_key == payment.gateway_reference
    assert stored.answer == {"status": 200, "body": {"received": True}}
    # The buyer's return page shows it (found by the reference and the order's token the
    # storefront adds), and without the token nothing of it.
    shown = {"payment_intent": payment.gateway_reference, "reference": payment.reference}
    url = f"{live_server.url}/payments/stripe/return"
    page = requests.get(url, params={**shown, "token": str(order.token)}, timeout=10)
    guessed = requests.get(url, params=shown, timeout=10)
    assert page.status_code == 200
    assert 'data-payment-status="paid"' in page.text
    assert "data-payment-status" not in guessed.text
    assert order.number not in guessed.text


def test_a_resent_event_charges_once(live_server, stripe_settings):
    payment = started_payment()
    succeeded = event("payment_intent.succeeded", intent_object(payment))

    answers = [send(live_server, succeeded) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    payment.refresh_from_db()
    assert payment.charged == payment.amount
    assert len(events_of(payment, TransactionEvent.Kind.CHARGE)) == 1
    outcomes = list(
        Notification.objects.filter(gateway="stripe")
        .order_by("pk")
        .values_list("outcome", flat=True)
    )
    assert outcomes == [Outcome.RECORDED, Outcome.DUPLICATE, Outcome.DUPLICATE]


def test_the_same_charge_told_by_two_event_types_is_charged_once(live_server, stripe_settings):
    payment = started_payment()

    by_charge = send(live_server, event("charge.succeeded", charge_object(payment)))
    by_intent = send(live_server, event("payment_intent.succeeded", intent_object(payment)))
    captured = send(live_server, event("charge.captured", charge_object(payment)))

    assert {by_charge.status_code, by_intent.status_code, captured.status_code} == {200}
    payment.refresh_from_db()
    assert payment.charged == payment.amount
    assert payment.status == Payment.Status.PAID
    assert len(events_of(payment, TransactionEvent.Kind.CHARGE)) == 1
    outcomes = list(
        Notification.objects.filter(gateway="stripe")
        .order_by("pk")
        .values_list("outcome", flat=True)
    )
    assert outcomes == [Outcome.RECORDED, Outcome.DUPLICATE, Outcome.DUPLICATE]


def test_concurrent_duplicates_on_two_connections_charge_once(live_server, stripe_settings):
    payment = started_payment()
    body = json.dumps(event("payment_intent.succeeded", intent_object(payment))).encode()
    headers = {"Stripe-Signature": signature(body)}
    start = threading.Barrier(4)
    answers = []

    def deliver():
        start.wait()
        answers.append(post_body(live_server, body, headers).status_code)

    senders = [threading.Thread(target=deliver) for _ in range(4)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()

    assert answers == [200, 200, 200, 200]
    payment.refresh_from_db()
    assert payment.charged == payment.amount
    assert len(events_of(payment, TransactionEvent.Kind.CHARGE)) == 1
    outcomes = sorted(Notification.objects.values_list("outcome", flat=True))
    assert outcomes == sorted([Outcome.RECORDED] + [Outcome.DUPLICATE] * 3)


def test_a_refund_event_refunds_once(live_server, stripe_settings):
    payment = started_payment()
    send(live_server, event("payment_intent.succeeded", intent_object(payment)))
    refund = refund_object(payment, 40_000)

    created = send(live_server, event("refund.created", refund))
    updated = send(live_server, event("refund.updated", refund))
    # The Charge's running total says nothing of which refund it was: ignored.
    totals = send(
        live_server,
        event("charge.refunded", charge_object(payment, amount_refunded=40_000, refunded=False)),
    )

    assert {created.status_code, updated.status_code, totals.status_code} == {200}
    payment.refresh_from_db()
    assert (payment.charged, payment.refunded) == (payment.amount, 40_000)
    assert payment.status == Payment.Status.PARTIALLY_REFUNDED
    (recorded,) = events_of(payment, TransactionEvent.Kind.REFUND)
    assert recorded.gateway_reference == refund["id"]
    outcomes = list(
        Notification.objects.filter(gateway="stripe")
        .order_by("pk")
        .values_list("outcome", flat=True)
    )
    assert outcomes == [Outcome.RECORDED, Outcome.RECORDED, Outcome.DUPLICATE, Outcome.IGNORED]


def test_a_refund_counts_once_it_has_succeeded(live_server, stripe_settings):
    payment = started_payment()
    send(live_server, event("payment_intent.succeeded", intent_object(payment)))
    refund = refund_object(payment, payment.amount, status="pending")

    send(live_server, event("refund.created", refund))
    payment.refresh_from_db()
    assert payment.refunded == 0
    send(live_server, event("refund.updated", {**refund, "status": "succeeded"}))

    payment.refresh_from_db()
    assert payment.refunded == payment.amount
    assert payment.status == Payment.Status.REFUNDED


def test_a_refund_before_its_charge_is_deferred_then_applied(live_server, stripe_settings):
    payment = started_payment()

    early = send(live_server, event("refund.created", refund_object(payment, 50_000)))

    assert early.status_code == 200
    deferred = last_notification()
    assert deferred.outcome == Outcome.DEFERRED
    payment.refresh_from_db()
    assert (payment.charged, payment.refunded) == (0, 0)

    paid = send(live_server, event("payment_intent.succeeded", intent_object(payment)))

    assert paid.status_code == 200
    payment.refresh_from_db()
    assert (payment.charged, payment.refunded) == (payment.amount, 50_000)
    assert payment.status == Payment.Status.PARTIALLY_REFUNDED
    deferred.refresh_from_db()
    assert deferred.outcome == Outcome.RECORDED
    payment.order.refresh_from_db()
    assert payment.order.payment_status == Order.PaymentStatus.PAID


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(
            lambda body: {"Stripe-Signature": signature(body, secret="whsec_other")},
            id="other-secret",
        ),
        pytest.param(lambda body: {}, id="missing"),
        pytest.param(lambda body: {"Stripe-Signature": "t=1,v1=deadbeef"}, id="garbage"),
        pytest.param(lambda body: {"Stripe-Signature": "v1=" + "0" * 64}, id="no-timestamp"),
        pytest.param(
            lambda body: {"Stripe-Signature": signature(body.replace(b"vnd", b"usd"))},
            id="body-altered-after-signing",
        ),
    ],
)
def test_a_forged_signature_is_refused_and_kept(live_server, stripe_settings, forge):
    payment = started_payment()
    body = json.dumps(event("payment_intent.succeeded", intent_object(payment))).encode()

    answer = post_body(live_server, body, forge(body))

    assert answer.status_code == 400
    stored = last_notification()
    assert (stored.outcome, stored.signature_valid) == (Outcome.BAD_SIGNATURE, False)
    assert stored.body == body.decode()
    assert stored.answer["status"] == 400
    payment.refresh_from_db()
    assert payment.charged == 0
    assert not payment.events.exists()
    payment.order.refresh_from_db()
    assert payment.order.payment_status == Order.PaymentStatus.UNPAID


def test_a_stale_signature_is_refused(live_server, stripe_settings):
    payment = started_payment()
    # Correctly signed, but ten minutes ago: a replay outside the 300 s tolerance.
    answer = send(
        live_server,
        event("payment_intent.succeeded", intent_object(payment)),
        timestamp=int(time.time()) - 600,
    )

    assert answer.status_code == 400
    stored = last_notification()
    assert (stored.outcome, stored.signature_valid) == (Outcome.BAD_SIGNATURE, False)
    payment.refresh_from_db()
    assert payment.charged == 0


@pytest.mark.parametrize(
    "altered",
    [
        pytest.param(lambda payment: {"amount_received": payment.amount - 1_000}, id="less"),
        pytest.param(lambda payment: {"amount_received": payment.amount + 1}, id="more"),
        # As if VND had two decimals.
        pytest.param(lambda payment: {"amount_received": payment.amount * 100}, id="times-100"),
        pytest.param(lambda payment: {"currency": "usd"}, id="other-currency"),
    ],
)
def test_a_wrong_amount_or_currency_is_flagged_and_not_paid(live_server, stripe_settings, altered):
    payment = started_payment()
    succeeded = intent_object(payment, **altered(payment))

    answer = send(live_server, event("payment_intent.succeeded", succeeded))

    assert answer.status_code == 200
    assert last_notification().outcome == Outcome.AMOUNT_MISMATCH
    payment.refresh_from_db()
    assert payment.needs_review is True
    assert payment.charged == 0
    assert payment.status == Payment.Status.PENDING
    payment.order.refresh_from_db()
    assert payment.order.payment_status == Order.PaymentStatus.UNPAID


def test_an_unknown_reference_is_recorded_as_unknown(live_server, stripe_settings):
    payment = started_payment()
    stranger = intent_object(payment, id="pi_someone_else", metadata={"reference": "OCOP0P9"})

    answer = send(live_server, event("payment_intent.succeeded", stranger))

    assert answer.status_code == 200
    stored = last_notification()
    assert (stored.outcome, stored.signature_valid) == (Outcome.UNKNOWN_PAYMENT, True)
    assert stored.payment_id is None
    payment.refresh_from_db()
    assert payment.charged == 0


def test_an_event_type_of_no_concern_is_ignored(live_server, stripe_settings):
    answer = send(live_server, event("customer.created", {"id": "cus_1", "object": "customer"}))

    assert answer.status_code == 200
    assert last_notification().outcome == Outcome.IGNORED


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"[1, 2]", id="not-an-object"),
        pytest.param(
            json.dumps(event("payment_intent.succeeded", {"id": "pi_1", "status": 3})).encode(),
            id="malformed-intent",
        ),
    ],
)
def test_a_signed_but_unreadable_body_is_invalid(live_server, stripe_settings, body):
    answer = post_body(live_server, body, {"Stripe-Signature": signature(body)})

    assert answer.status_code == 400
    stored = last_notification()
    assert (stored.outcome, stored.signature_valid) == (Outcome.INVALID, True)


def test_a_failed_attempt_fails_the_payment_once(live_server, stripe_settings):
    payment = started_payment()
    declined = {
        "type": "card_error",
        "code": "card_declined",
        "decline_code": "insufficient_funds",
        "message": "Your card has insufficient funds.",
        "charge": "ch_declined_1",
        "payment_method": {"id": "pm_1", "object": "payment_method"},
    }
    failed_intent = intent_object(
        payment, status="requires_payment_method", amount_received=0, last_payment_error=declined
    )

    send(live_server, event("payment_intent.payment_failed", failed_intent))
    send(
        live_server,
        event(
            "charge.failed",
            charge_object(payment, id="ch_declined_1", status="failed", captured=False, paid=False),
        ),
    )

    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    (failure,) = events_of(payment, TransactionEvent.Kind.FAILURE)
    assert failure.gateway_reference == "ch_declined_1"
    assert "insufficient_funds" in failure.message
    # The buyer tries another card on the same intent, which succeeds.
    send(live_server, event("payment_intent.succeeded", intent_object(payment)))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_a_cancelled_intent_voids_the_payment(live_server, stripe_settings):
    payment = started_payment()
    cancelled = intent_object(
        payment, status="canceled", amount_received=0, cancellation_reason="abandoned"
    )

    send(live_server, event("payment_intent.canceled", cancelled))

    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert len(events_of(payment, TransactionEvent.Kind.VOID)) == 1


def test_a_manual_capture_is_authorised_then_charged_once(live_server, stripe_settings):
    payment = started_payment()
    held = intent_object(
        payment,
        status="requires_capture",
        capture_method="manual",
        amount_received=0,
        amount_capturable=payment.amount,
    )

    send(live_server, event("payment_intent.amount_capturable_updated", held))
    send(live_server, event("charge.succeeded", charge_object(payment, captured=False)))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AUTHORIZED
    assert len(events_of(payment, TransactionEvent.Kind.AUTHORIZATION)) == 1

    send(live_server, event("charge.captured", charge_object(payment)))
    send(live_server, event("payment_intent.succeeded", intent_object(payment)))

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.charged == payment.amount
    assert len(events_of(payment, TransactionEvent.Kind.CHARGE)) == 1


# -- query and refund against stripe-mock ---------------------------------------------------


@pytest.mark.django_db
def test_query_retrieves_the_intent_from_stripe_mock(relay):
    payment = started_payment()

    notices = StripeGateway().query(payment)

    assert relay.requests[-1]["method"] == "GET"
    assert relay.requests[-1]["path"] == f"/v1/payment_intents/{payment.gateway_reference}"
    # stripe-mock answers a canned intent (requires_payment_method, with a canned
    # last_payment_error): read as a failed attempt of this payment.
    (notice,) = notices
    assert notice.reference == payment.reference
    assert notice.payment_reference == payment.gateway_reference
    assert notice.raw_status == "requires_payment_method"
    assert notice.kind == TransactionEvent.Kind.FAILURE


@pytest.mark.django_db
def test_query_of_a_payment_never_started_at_stripe_asks_nothing(relay):
    payment = started_payment()
    payment.gateway_reference = ""
    relay.requests.clear()

    assert StripeGateway().query(payment) == []
    assert relay.requests == []


@pytest.mark.django_db
def test_refund_creates_a_refund_on_stripe_mock_and_its_webhook_is_the_same(relay):
    payment = started_payment()
    notice_apply(intent_notice(intent_object(payment)), gateway="stripe")

    notice = StripeGateway().refund(
        payment, 40_000, refund_reference="OCOP-R1", reason="Người bán hủy đơn"
    )

    created = relay.requests[-1]
    assert (created["method"], created["path"]) == ("POST", "/v1/refunds")
    assert created["form"]["payment_intent"] == payment.gateway_reference
    assert created["form"]["amount"] == "40000"
    assert created["form"]["metadata[reference]"] == payment.reference
    assert created["headers"]["Idempotency-Key"] == "refund-OCOP-R1"
    assert notice.kind == TransactionEvent.Kind.REFUND
    assert notice.gateway_reference.startswith("re_")
    assert (notice.amount, notice.currency, notice.reference) == (40_000, "VND", payment.reference)
    assert notice_apply(notice, gateway="stripe")[0] == Outcome.RECORDED
    # Stripe's refund.created webhook for that same refund changes nothing more.
    webhook = event_notice(
        event("refund.created", refund_object(payment, 40_000, refund_id=notice.gateway_reference))
    )
    assert notice_apply(webhook, gateway="stripe")[0] == Outcome.DUPLICATE
    payment.refresh_from_db()
    assert payment.refunded == 40_000


# -- the mapping, on objects the official client builds -------------------------------------


# A 3-D Secure failure: no charge was made, so the error names none.
AUTHENTICATION_FAILED = {
    "type": "invalid_request_error",
    "code": "payment_intent_authentication_failure",
    "payment_method": {"id": "pm_3", "object": "payment_method"},
}


def construct_intent(**fields) -> dict:
    values = {
        "id": "pi_unit",
        "object": "payment_intent",
        "amount": 200_000,
        "amount_capturable": 0,
        "amount_received": 0,
        "currency": "vnd",
        "status": "requires_payment_method",
        "last_payment_error": None,
        "metadata": {"reference": "OCOP2026000123P1"},
    }
    values.update(fields)
    return stripe.PaymentIntent.construct_from(values, None).to_dict()


@pytest.mark.parametrize(
    ("fields", "kind", "amount", "key"),
    [
        ({"status": "succeeded", "amount_received": 200_000}, "charge", 200_000, "pi_unit"),
        (
            {"status": "requires_capture", "amount_capturable": 200_000},
            "authorization",
            200_000,
            "pi_unit",
        ),
        ({"status": "canceled"}, "void", 200_000, "pi_unit"),
        (
            {
                "last_payment_error": {
                    "type": "card_error",
                    "code": "card_declined",
                    "charge": "ch_9",
                }
            },
            "failure",
            200_000,
            "ch_9",
        ),
        (
            {"last_payment_error": AUTHENTICATION_FAILED},
            "failure",
            200_000,
            "pi_unit:pm_3:payment_intent_authentication_failure",
        ),
        ({}, "pending", 200_000, "pi_unit"),
        ({"status": "requires_action"}, "pending", 200_000, "pi_unit"),
        ({"status": "processing"}, "pending", 200_000, "pi_unit"),
        ({"status": "requires_confirmation"}, "pending", 200_000, "pi_unit"),
    ],
)
def test_an_intent_status_maps_to_its_notice(fields, kind, amount, key):
    notice = intent_notice(construct_intent(**fields), reference="OCOP2026000123P1")

    assert (notice.kind, notice.amount, notice.gateway_reference) == (kind, amount, key)
    assert notice.currency == "VND"
    assert notice.payment_reference == "pi_unit"
    assert notice.reference == "OCOP2026000123P1"


def test_an_intent_read_from_its_metadata_without_a_known_reference():
    notice = intent_notice(construct_intent(status="succeeded", amount_received=200_000))

    assert notice.reference == "OCOP2026000123P1"


def test_an_authorisation_emptied_by_its_capture_says_nothing():
    event_body = event(
        "payment_intent.amount_capturable_updated",
        construct_intent(status="succeeded", amount_received=200_000),
    )

    assert event_notice(event_body) is None


def test_refunds_not_succeeded_are_ignored():
    payment = Payment(reference="OCOP1P1", gateway_reference="pi_1", amount=100_000)
    for status in ("failed", "canceled", "pending", "requires_action"):
        refund = refund_object(payment, 10_000, status=status)
        assert event_notice(event("refund.updated", refund)) is None


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (Outcome.RECORDED, 200),
        (Outcome.DUPLICATE, 200),
        (Outcome.DEFERRED, 200),
        (Outcome.IGNORED, 200),
        (Outcome.AMOUNT_MISMATCH, 200),
        (Outcome.UNKNOWN_PAYMENT, 200),
        (Outcome.BAD_SIGNATURE, 400),
        (Outcome.INVALID, 400),
        (Outcome.FAILED, 500),
        (Outcome.RECEIVED, 500),
    ],
)
def test_each_outcome_has_its_answer(outcome, status):
    answer = StripeGateway().answer(outcome)

    assert answer.status == status
    assert answer.body == {"received": status == 200}


def test_the_gateway_is_registered_and_reads_the_return_reference():
    gateway = gateway_named("stripe")

    assert isinstance(gateway, StripeGateway)
    assert gateway.return_reference({"payment_intent": "pi_1", "reference": "OCOP1P1"}) == "OCOP1P1"
    assert gateway.return_reference({"payment_intent": "pi_1"}) == ""


def test_a_body_that_is_not_utf8_is_refused_before_its_signature(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    body = b"\xff\xfe{}"
    incoming = Incoming(
        method="POST",
        path="/payments/stripe/webhook",
        query={},
        headers={"Stripe-Signature": signature(body)},
        body=body,
        source_address="127.0.0.1",
    )

    with pytest.raises(NotificationRefused) as refused:
        StripeGateway().authenticate(incoming)

    assert refused.value.outcome == Outcome.INVALID


def test_an_empty_webhook_secret_refuses_every_signature(settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    body = b"{}"
    incoming = Incoming(
        method="POST",
        path="/payments/stripe/webhook",
        query={},
        headers={"stripe-signature": signature(body, secret="")},
        body=body,
        source_address=None,
    )

    with pytest.raises(NotificationRefused) as refused:
        StripeGateway().authenticate(incoming)

    assert refused.value.outcome == Outcome.BAD_SIGNATURE
