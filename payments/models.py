"""Payments: an attempt per gateway, its append-only events, and the inbox of notifications.

Saleor's Transactions API keeps a ``TransactionItem`` with its ``TransactionEvent`` list and
derives what was charged and refunded from the events; Medusa opens a payment session per
attempt with an idempotency key. Here:

- ``Payment`` is one attempt to pay one order through one gateway, for the order's total
  as the server computed it (never an amount from a client or a return URL). Its
  ``charged`` and ``refunded`` columns are the sums of its events, rewritten by
  ``payments.services.events`` in the transaction that appends an event, and nowhere else.
- ``TransactionEvent`` rows are never updated or deleted. The gateway's id of what
  happened (a VNPay transaction number, a MoMo ``transId``, a bank transfer id, a Stripe
  event id) is unique per gateway and kind: a notification delivered twice, replayed
  later or raced on two connections appends one event, by that key, not by timing.
- ``Notification`` stores every incoming notification raw (headers, body, source address,
  arrival) in its own transaction before anything reads it, so nothing that arrived is
  lost, whatever happens next; its outcome is written after.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from market.orders.models import Order


class Payment(models.Model):
    class Status(models.TextChoices):
        # Started: the buyer has been sent to pay (a URL, a QR code, a card form).
        PENDING = "pending", "Đang chờ thanh toán"
        # Authorised but not yet captured (MoMo 9000, a card's manual capture).
        AUTHORIZED = "authorized", "Đã cấp phép"
        PAID = "paid", "Đã thanh toán"
        PARTIALLY_REFUNDED = "partially_refunded", "Đã hoàn một phần"
        REFUNDED = "refunded", "Đã hoàn tiền"
        FAILED = "failed", "Thất bại"
        # Replaced by a newer attempt, or the order expired before the money came.
        CANCELLED = "cancelled", "Đã hủy"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(max_length=16)
    # What the gateway knows this attempt by (VNPay vnp_TxnRef, MoMo orderId, the code in a
    # bank transfer's content, Stripe metadata): unique, letters and digits only.
    reference = models.CharField(max_length=64, unique=True)
    # The gateway's own id of the attempt once known (a Stripe PaymentIntent, a VNPay
    # transaction number, a MoMo transId, a bank transaction id).
    gateway_reference = models.CharField(max_length=128, blank=True, default="")
    amount = models.BigIntegerField(help_text="Whole VND, the order's total when started.")
    currency = models.CharField(max_length=3, default="VND")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    charged = models.BigIntegerField(default=0, help_text="Whole VND: the events' charges.")
    refunded = models.BigIntegerField(default=0, help_text="Whole VND: the events' refunds.")
    # What the storefront does next (``payments.gateways.base.PaymentAction``).
    action = models.JSONField(default=dict, blank=True)
    # Set when something arrived that a person must look at (an under- or over-payment, a
    # notification whose amount or currency differs); never cleared by a gateway.
    needs_review = models.BooleanField(default=False)
    review_reason = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["gateway", "status", "created_at"], name="payment_pending_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(charged__gte=0) & Q(refunded__gte=0),
                name="payment_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(refunded__lte=models.F("charged")),
                name="payment_refunded_within_charged",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.gateway}, {self.status})"


class TransactionEvent(models.Model):
    class Kind(models.TextChoices):
        AUTHORIZATION = "authorization", "Cấp phép"
        CHARGE = "charge", "Thu tiền"
        REFUND = "refund", "Hoàn tiền"
        VOID = "void", "Hủy giao dịch"
        FAILURE = "failure", "Thất bại"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.BigIntegerField(help_text="Whole VND.")
    # Repeated from the payment so that the key below is one index.
    gateway = models.CharField(max_length=16)
    # The gateway's id of this event (see the module's docstring): the exactly-once key.
    gateway_reference = models.CharField(max_length=128)
    message = models.CharField(max_length=255, blank=True, default="")
    # Our id of the request that led to the event (a refund's reference): a retried
    # request finds it done.
    request_reference = models.CharField(max_length=64, blank=True, default="")
    notification = models.ForeignKey(
        "Notification", on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    # A person (a refund, cash collected); empty for a gateway's notification.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "kind", "gateway_reference"], name="transaction_event_once"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="event_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.gateway_reference})"


class Notification(models.Model):
    class Outcome(models.TextChoices):
        RECEIVED = "received", "Đã nhận, chưa xử lý"
        RECORDED = "recorded", "Đã ghi nhận"
        DUPLICATE = "duplicate", "Trùng lặp"
        # A refund that came before its charge: applied when the charge is recorded.
        DEFERRED = "deferred", "Chờ giao dịch thu tiền"
        BAD_SIGNATURE = "bad_signature", "Sai chữ ký"
        UNKNOWN_PAYMENT = "unknown_payment", "Không tìm thấy thanh toán"
        AMOUNT_MISMATCH = "amount_mismatch", "Sai số tiền"
        IGNORED = "ignored", "Bỏ qua"
        INVALID = "invalid", "Không hợp lệ"
        FAILED = "failed", "Lỗi khi xử lý"

    gateway = models.CharField(max_length=16)
    received_at = models.DateTimeField(auto_now_add=True)
    source_address = models.GenericIPAddressField(null=True, blank=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    query_string = models.TextField(blank=True, default="")
    # Secrets a sender puts in headers (SePay's API key) are redacted before storing.
    headers = models.JSONField(default=dict)
    body = models.TextField(blank=True, default="")
    signature_valid = models.BooleanField(null=True)
    # The gateway's id of what it notified, once read.
    event_key = models.CharField(max_length=128, blank=True, default="")
    payment = models.ForeignKey(
        Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.RECEIVED)
    detail = models.CharField(max_length=255, blank=True, default="")
    # What the endpoint answered (status and body), as the gateway saw it.
    answer = models.JSONField(default=dict, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["gateway", "received_at"], name="notification_recent_idx")]

    def __str__(self) -> str:
        return f"{self.gateway} {self.received_at:%Y-%m-%d %H:%M:%S} {self.outcome}"
