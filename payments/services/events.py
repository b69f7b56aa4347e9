"""What a gateway said, applied to its payment once: the one rule every path shares.

A notification, a reconciliation query and a refund's answer all arrive here as a
``Notice``. Under the payment's row lock, an event already recorded with the same
gateway, kind and gateway id is a duplicate (the unique constraint backs the check);
otherwise the notice is checked against the payment (the amount and currency the server
set, never the notification's) and appended as an event, the payment's sums are
recomputed from its events, and a first full charge marks the order paid. A refund that
arrives before its charge (gateways reorder) is deferred and applied once the charge is in.
"""

from functools import lru_cache

from django.db import connection, connections, router
from django.db.models import Q, Sum
from django.utils import timezone

from market.core.errors import DomainError
from market.core.sql import ModelColumns, row_lock, sql_table
from market.core.transactions import service_transaction
from market.orders.services.payment import order_mark_paid
from payments.gateways.base import Notice
from payments.models import Notification, Payment, TransactionEvent

Outcome = Notification.Outcome
Kind = TransactionEvent.Kind
PENDING = "pending"


def _limit_waiting(seconds: int) -> None:
    """Cut this transaction's statements and lock waits at ``seconds`` (PostgreSQL), so a
    stuck lock answers the gateway with a retry, in time, instead of hanging."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true),"
                " set_config('lock_timeout', %s, true)",
                [f"{seconds}s", f"{seconds}s"],
            )


def flag_for_review(payment: Payment, reason: str) -> None:
    """Mark ``payment`` for an operator (kept until a person clears it)."""
    payment.needs_review = True
    payment.review_reason = reason[:200]
    payment.save(update_fields=["needs_review", "review_reason", "updated_at"])


def payment_totals(payment_id: int) -> tuple[int, int]:
    """Charged and refunded VND of a payment, summed from its events."""
    sums = TransactionEvent.objects.filter(payment_id=payment_id).aggregate(
        charged=Sum("amount", filter=Q(kind=Kind.CHARGE), default=0),
        refunded=Sum("amount", filter=Q(kind=Kind.REFUND), default=0),
    )
    return sums["charged"], sums["refunded"]


def _status_after(payment: Payment, kind: str) -> str:
    Status = Payment.Status
    if payment.charged == 0:
        if kind == Kind.AUTHORIZATION:
            return Status.AUTHORIZED
        if kind in (Kind.FAILURE, Kind.VOID) and payment.status in (
            Status.PENDING,
            Status.AUTHORIZED,
        ):
            return Status.FAILED if kind == Kind.FAILURE else Status.CANCELLED
        return payment.status
    if payment.refunded == 0:
        return Status.PAID
    if payment.refunded >= payment.charged:
        return Status.REFUNDED
    return Status.PARTIALLY_REFUNDED


def _append(payment: Payment, notice: Notice, *, notification_id, user) -> None:
    TransactionEvent.objects.create(
        payment=payment,
        kind=notice.kind,
        amount=notice.amount,
        gateway=payment.gateway,
        gateway_reference=notice.gateway_reference,
        message=notice.message[:255],
        request_reference=notice.request_reference[:64],
        notification_id=notification_id,
        user=user if user is not None and user.is_authenticated else None,
    )
    # The events' sums, kept by adding this one: every event is appended here, under the
    # payment's row lock (tests/payments/test_exactly_once.py checks them against the events).
    if notice.kind == Kind.CHARGE:
        payment.charged += notice.amount
    elif notice.kind == Kind.REFUND:
        payment.refunded += notice.amount
    payment.status = _status_after(payment, notice.kind)
    changed = ["charged", "refunded", "status", "updated_at"]
    if notice.payment_reference and not payment.gateway_reference:
        payment.gateway_reference = notice.payment_reference[:128]
        changed.append("gateway_reference")
    payment.save(update_fields=changed)


def _mark_order_paid(payment: Payment, notice: Notice) -> None:
    try:
        order_mark_paid(order_id=payment.order_id, reference=notice.gateway_reference)
    except DomainError as refusal:
        # The money came for an order that expired or was cancelled meanwhile: it is
        # recorded (the buyer paid) and an operator refunds it.
        flag_for_review(payment, f"{refusal.code}: {refusal.message}")


# Every notification reads its payment and looks for its event: the two reads are SQL
# written once per database (market.core.sql), not compiled by the ORM each time
# (bench/payments_bench.py measured the compiling as a third of a notification's time).
@lru_cache(maxsize=8)
def _reads(alias: str) -> tuple[str, str, ModelColumns]:
    connection = connections[alias]
    payments, payment = sql_table(connection, Payment, "pay_p")
    events, event = sql_table(connection, TransactionEvent, "pay_e")
    (read,) = ModelColumns.sequence(connection, (Payment, "pay_p"))
    columns = read.select(connection)
    by_event = (
        f"SELECT {columns} FROM {events} JOIN {payments} ON {payment('id')} = {event('payment')}"  # noqa: S608 - names from the models
        f" WHERE {event('gateway')} = %s AND {event('kind')} = %s"
        f" AND {event('gateway_reference')} = %s"
    )
    by_reference = (
        f"SELECT {columns} FROM {payments}"  # noqa: S608 - names from the models
        f" WHERE {payment('reference')} = %s AND {payment('gateway')} = %s"
    )
    return by_event, by_reference, read


def _payment_read(sql: str, parameters: list, read: ModelColumns) -> Payment | None:
    connection = connections[router.db_for_write(Payment)]
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        row = cursor.fetchone()
    return None if row is None else read.instance(connection, row)


def _payment_of_event(gateway: str, notice: Notice) -> Payment | None:
    """The payment of the event already recorded with the notice's key, if there is one."""
    by_event, _by_reference, read = _reads(router.db_for_write(Payment))
    return _payment_read(by_event, [gateway, notice.kind, notice.gateway_reference], read)


def _payment_locked(gateway: str, reference: str) -> Payment | None:
    connection = connections[router.db_for_write(Payment)]
    _by_event, by_reference, read = _reads(connection.alias)
    return _payment_read(by_reference + row_lock(connection, "pay_p"), [reference, gateway], read)


def notice_apply(notice: Notice, *, gateway: str, notification_id=None, user=None) -> tuple:
    """Apply ``notice`` from ``gateway``; its ``Notification.Outcome`` and the payment.

    A notice already recorded (a gateway's retry, the common case) is answered from one
    read, without a transaction or a lock: a committed event is a duplicate for good. Any
    other is applied under the payment's lock, where the check is made again."""
    if notice.kind != PENDING:
        recorded = _payment_of_event(gateway, notice)
        if recorded is not None:
            return Outcome.DUPLICATE, recorded
    return _notice_apply_locked(notice, gateway=gateway, notification_id=notification_id, user=user)


@service_transaction
def _notice_apply_locked(notice: Notice, *, gateway: str, notification_id, user) -> tuple:
    from django.conf import settings

    _limit_waiting(settings.PAYMENT_NOTIFICATION_TIMEOUT_SECONDS)
    payment = _payment_locked(gateway, notice.reference)
    if payment is None:
        return Outcome.UNKNOWN_PAYMENT, None
    if notice.kind == PENDING:
        return Outcome.IGNORED, payment
    if _payment_of_event(gateway, notice) is not None:
        return Outcome.DUPLICATE, payment
    if notice.currency != payment.currency:
        flag_for_review(payment, f"currency {notice.currency} instead of {payment.currency}")
        return Outcome.AMOUNT_MISMATCH, payment
    if notice.kind in (Kind.CHARGE, Kind.AUTHORIZATION):
        if notice.amount != payment.amount:
            flag_for_review(
                payment, f"{notice.kind} of {notice.amount} VND for {payment.amount} VND"
            )
            return Outcome.AMOUNT_MISMATCH, payment
        if notice.kind == Kind.CHARGE and payment.charged >= payment.amount:
            # A second charge of a paid attempt under another id: the buyer paid twice.
            _append(payment, notice, notification_id=notification_id, user=user)
            flag_for_review(payment, "charged more than once: refund the extra charge")
            return Outcome.RECORDED, payment
    if notice.kind == Kind.REFUND:
        if payment.charged == 0:
            return Outcome.DEFERRED, payment
        if notice.amount > payment.charged - payment.refunded:
            flag_for_review(payment, f"refund of {notice.amount} VND exceeds what is left")
            return Outcome.AMOUNT_MISMATCH, payment
    first_charge = notice.kind == Kind.CHARGE and payment.charged == 0
    _append(payment, notice, notification_id=notification_id, user=user)
    if first_charge:
        _mark_order_paid(payment, notice)
        _apply_deferred(payment)
    return Outcome.RECORDED, payment


def _apply_deferred(payment: Payment) -> None:
    """Refunds that arrived before this payment's charge, now that it is in."""
    from payments.gateways import gateway_named

    gateway = gateway_named(payment.gateway)
    for notification in Notification.objects.filter(
        payment=payment, outcome=Outcome.DEFERRED
    ).order_by("received_at", "pk"):
        notice = gateway.notice_of_record(notification) if gateway else None
        if notice is None:
            continue
        outcome, _payment = notice_apply(
            notice, gateway=payment.gateway, notification_id=notification.pk
        )
        notification.outcome = outcome
        notification.processed_at = timezone.now()
        notification.save(update_fields=["outcome", "processed_at"])
