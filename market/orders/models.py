"""Orders: one order per completed checkout, one seller order per seller in it.

Medusa's marketplace recipe splits a parent order into child orders per vendor; here the
split is the model itself. The buyer pays and follows one ``Order`` (its number, address,
totals, payment state); each cooperative sees and fulfils only its ``SellerOrder`` (its
lines, its shipping method and price, its own status). Money is whole VND.

Stock held for an order is a row per order line (``Allocation``), as Saleor keeps it;
``catalog.Stock.quantity_allocated`` is their sum, written in the same transaction by
``market.orders.services.allocation`` only, so the storefront's "in stock" keeps reading
one column.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import ProductVariant, Stock
from market.sellers.models import Seller
from traceability.models import Lot


class OrderNumberCounter(models.Model):
    """The last order number given in a year: ``OCOP-2026-000123`` counts per year."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class OrderQuerySet(models.QuerySet):
    def update(self, **values):
        # A bulk change is a change too: see ``Order.save``.
        values.setdefault("updated_at", timezone.now())
        return super().update(**values)


class Order(models.Model):
    class Status(models.TextChoices):
        # An online payment is awaited; the stock is held until ``expires_at``.
        UNPAID = "unpaid", "Chờ thanh toán"
        # Paid, or cash on delivery: the sellers work on their parts.
        PLACED = "placed", "Đã đặt"
        # Every seller order is delivered, cancelled or returned.
        CLOSED = "closed", "Đã kết thúc"
        CANCELLED = "cancelled", "Đã hủy"
        EXPIRED = "expired", "Hết hạn thanh toán"

    class PaymentStatus(models.TextChoices):
        UNPAID = "unpaid", "Chưa thanh toán"
        PAID = "paid", "Đã thanh toán"
        REFUNDED = "refunded", "Đã hoàn tiền"

    number = models.CharField(max_length=32, unique=True)
    # What a guest holds to read the order (``orderByToken``); never shown to others.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The checkout it came from: completing it again answers this order.
    checkout_token = models.UUIDField(unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    email = models.EmailField()
    # A snapshot, as validated by ``market.core.addresses``: later edits of an account's
    # addresses do not move a placed order.
    shipping_address = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices)
    payment_method = models.CharField(max_length=32)
    payment_status = models.CharField(
        max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    subtotal = models.BigIntegerField(help_text="Whole VND.")
    shipping_total = models.BigIntegerField(help_text="Whole VND.")
    total = models.BigIntegerField(help_text="Whole VND.")
    # For an online payment: when an unpaid order gives its stock back.
    expires_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=8, default="vi")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["user", "-created_at"]),
            # "Changed since": the province's monthly sales records stand only while no
            # order of their month changed after them (every write here sets updated_at).
            models.Index(fields=["updated_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(subtotal__gte=0), name="order_subtotal_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(shipping_total__gte=0), name="order_shipping_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") + F("shipping_total")), name="order_total_sums"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, update_fields=None, **kwargs):
        # Every write stamps updated_at, also one naming its fields: "changed since" is
        # read from it (the province's monthly sales records stand only while no order of
        # their month changed after them).
        if update_fields is not None:
            update_fields = list(update_fields)
            # An empty list saves nothing, as Django means it to.
            if update_fields and "updated_at" not in update_fields:
                update_fields.append("updated_at")
        super().save(*args, update_fields=update_fields, **kwargs)


class SellerOrder(models.Model):
    """A seller's part of an order: what it ships, at what shipping price, and how far."""

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", "Chờ xác nhận"
        CONFIRMED = "confirmed", "Đã xác nhận"
        SHIPPED = "shipped", "Đang giao"
        DELIVERED = "delivered", "Đã giao"
        CANCELLED = "cancelled", "Đã hủy"
        RETURNED = "returned", "Đã trả hàng"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="seller_orders")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="seller_orders")
    # ``OCOP-2026-000123-2``: the order's number and the part's place in it.
    number = models.CharField(max_length=40, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UNCONFIRMED)
    # A snapshot of the method the buyer chose (checkout's shipping methods sit above).
    shipping_method_name = models.CharField(max_length=128)
    shipping_method_kind = models.CharField(max_length=16)
    shipping_price = models.BigIntegerField(help_text="Whole VND.")
    subtotal = models.BigIntegerField(help_text="Whole VND.")
    total = models.BigIntegerField(help_text="Whole VND.")
    carrier = models.CharField(max_length=128, blank=True)
    tracking_number = models.CharField(max_length=64, blank=True)
    cancel_reason = models.TextField(blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["seller", "status", "-created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["order", "seller"], name="one_seller_order_per_seller"),
            models.CheckConstraint(
                condition=Q(shipping_price__gte=0), name="seller_order_shipping_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") + F("shipping_price")),
                name="seller_order_total_sums",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    """A line of a seller order, with what the buyer saw when ordering kept as text."""

    seller_order = models.ForeignKey(SellerOrder, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    product_name = models.CharField(max_length=255)
    variant_name = models.CharField(max_length=255, blank=True)
    sku = models.CharField(max_length=64)
    unit_price = models.BigIntegerField(help_text="Whole VND.")
    quantity = models.PositiveIntegerField()
    total = models.BigIntegerField(help_text="Whole VND.")
    # Named by the seller when shipping: the buyer's order links to this lot's trace.
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="order_lines"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(total=F("unit_price") * F("quantity")), name="order_line_total_sums"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"


class Allocation(models.Model):
    """Units of a variant's stock held for an order line until it ships or is cancelled."""

    order_line = models.OneToOneField(
        OrderLine, on_delete=models.CASCADE, related_name="allocation"
    )
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="allocations")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="allocation_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of stock {self.stock_id} for line {self.order_line_id}"


class OrderEvent(models.Model):
    """What happened to an order, by whom: its timeline. Append-only (a trigger)."""

    class Type(models.TextChoices):
        PLACED = "placed", "Đã đặt hàng"
        PAID = "paid", "Đã thanh toán"
        CONFIRMED = "confirmed", "Người bán đã xác nhận"
        SHIPPED = "shipped", "Đã giao cho đơn vị vận chuyển"
        DELIVERED = "delivered", "Đã giao hàng"
        CANCELLED = "cancelled", "Đã hủy"
        RETURNED = "returned", "Đã trả hàng"
        EXPIRED = "expired", "Hết hạn thanh toán"
        EMAIL_SENT = "email_sent", "Đã gửi email"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    seller_order = models.ForeignKey(
        SellerOrder, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    type = models.CharField(max_length=16, choices=Type.choices)
    # Null: the platform (a task, the expiry run). PROTECT: the rows may not change, so an
    # account that acted on orders is deactivated rather than deleted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["order", "created_at"])]

    def __str__(self) -> str:
        return f"{self.order_id} {self.type}"
