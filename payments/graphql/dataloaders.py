"""Per-request batch loaders of payments: one query per field for a whole page of orders,
so a page costs the same at any size (tests/payments/test_graphql_queries.py)."""

from market.core.graphql.dataloaders import GroupedByKeyLoader
from payments.models import Payment, TransactionEvent


class PaymentsByOrderIdLoader(GroupedByKeyLoader):
    """Each order's payments, newest first."""

    key_field = "order_id"

    def rows(self, keys):
        return Payment.objects.filter(order_id__in=keys).order_by("-created_at", "-pk")


class EventsByPaymentIdLoader(GroupedByKeyLoader):
    """Each payment's events, oldest first."""

    key_field = "payment_id"

    def rows(self, keys):
        return TransactionEvent.objects.filter(payment_id__in=keys).order_by("created_at", "pk")
