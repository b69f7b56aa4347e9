"""Django admin for payments: read-only, and where operators find what needs them.

Payments move only by ``payments.services`` (a gateway's word through ``notice_apply``, a
refund, cash collected), so the admin shows payments with their events and the inbox of
notifications, filters the flagged ones (``needs_review``: an under- or over-payment, money
for an expired order, a refund the gateway refused), and changes none of them. The events
are append-only in the database as well.
"""

from django.contrib import admin

from market.core.admin import RefusedWritesMixin
from payments.models import Notification, Payment, TransactionEvent


class _ReadOnly(RefusedWritesMixin):
    """Shown, never added, changed or deleted from the admin."""

    refused = ("add", "change", "delete")


class TransactionEventInline(_ReadOnly, admin.TabularInline):
    model = TransactionEvent
    extra = 0
    fields = ("created_at", "kind", "amount", "gateway_reference", "message", "user")
    readonly_fields = fields


@admin.register(Payment)
class PaymentAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = (
        "reference", "order", "gateway", "status", "amount", "charged", "refunded",
        "needs_review", "created_at",
    )  # fmt: skip
    list_filter = ("needs_review", "gateway", "status")
    search_fields = ("reference", "gateway_reference", "order__number", "order__email")
    list_select_related = ("order",)
    readonly_fields = (
        "order", "gateway", "reference", "gateway_reference", "amount", "currency", "status",
        "charged", "refunded", "needs_review", "review_reason", "created_at", "updated_at",
    )  # fmt: skip
    exclude = ("action",)
    inlines = (TransactionEventInline,)


@admin.register(Notification)
class NotificationAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = (
        "received_at", "gateway", "outcome", "signature_valid", "event_key", "payment",
        "source_address",
    )  # fmt: skip
    list_filter = ("gateway", "outcome", "signature_valid")
    search_fields = ("event_key", "payment__reference", "body")
    list_select_related = ("payment",)
    readonly_fields = (
        "gateway", "received_at", "source_address", "method", "path", "query_string",
        "headers", "body", "signature_valid", "event_key", "payment", "outcome", "detail",
        "answer", "processed_at",
    )  # fmt: skip
