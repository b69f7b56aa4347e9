"""Checkouts: one cart across cooperatives, grouped by seller for delivery.

A checkout belongs to a signed-in buyer or to a guest who holds its ``token`` (a UUID4,
unguessable). Its lines hold variants and quantities; each line holds a ``Reservation``
of stock while the buyer shops (``settings.CHECKOUT_RESERVATION_MINUTES``), so two buyers
are not both told the last bag is theirs. Sellers offer ``ShippingMethod``s; the buyer
chooses one per seller (``CheckoutDelivery``). Completing a checkout creates the order
(``market.orders``) and deletes the checkout; the order keeps the checkout's token, so a
second completion answers the same order.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import ProductVariant, Stock
from market.sellers.models import Seller


class ShippingMethod(models.Model):
    """A way a seller delivers: a flat price, free above an order value, by weight bands,
    or pick-up at the seller; optionally only to some provinces."""

    class Kind(models.TextChoices):
        FLAT = "flat", "Đồng giá"
        FREE_ABOVE = "free_above", "Miễn phí từ một giá trị đơn"
        WEIGHT = "weight", "Theo khối lượng"
        PICKUP = "pickup", "Nhận tại cơ sở"

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="shipping_methods")
    name = models.CharField(max_length=128)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # FLAT and FREE_ABOVE (below the threshold): the price.
    price = models.BigIntegerField(default=0, help_text="Whole VND.")
    # FREE_ABOVE: the seller's subtotal from which shipping is free.
    free_above = models.BigIntegerField(null=True, blank=True, help_text="Whole VND.")
    # WEIGHT: [{"up_to_grams": 1000, "price": 25000}, …], ascending; heavier is refused.
    weight_bands = models.JSONField(default=list, blank=True)
    # Province names as ``market.core.addresses.PROVINCES`` spells them; empty: everywhere.
    provinces = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["seller_id", "price", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="shipping_price_not_negative"),
            models.CheckConstraint(
                condition=Q(free_above__isnull=True) | Q(free_above__gte=0),
                name="shipping_free_above_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seller_id}: {self.name}"


class Checkout(models.Model):
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Null: a guest's checkout, reached by its token only.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="checkouts",
    )
    email = models.EmailField(blank=True)
    # As validated by ``market.core.addresses.address_clean``; null until given.
    shipping_address = models.JSONField(null=True, blank=True)
    payment_method = models.CharField(max_length=32, blank=True)
    language = models.CharField(max_length=8, default="vi")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["user", "-updated_at"])]
        constraints = [
            # A buyer has one open checkout (``me.checkout``), which a guest's merges into
            # on sign-in (``checkout_customer_attach``).
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(user__isnull=False),
                name="one_open_checkout_per_user",
            )
        ]

    def __str__(self) -> str:
        return str(self.token)


class CheckoutLine(models.Model):
    checkout = models.ForeignKey(Checkout, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(ProductVariant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    # The price the buyer saw when adding: completion reports a change (PRICE_CHANGED)
    # instead of charging another price silently.
    price_when_added = models.BigIntegerField(help_text="Whole VND.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["checkout", "variant"], name="one_line_per_variant"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="checkout_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id}"


class Reservation(models.Model):
    """Stock held for a checkout line until ``reserved_until``: other buyers cannot take
    it meanwhile; after it, it counts for nobody (no task needed for that), and the
    periodic task only deletes the dead rows."""

    line = models.OneToOneField(CheckoutLine, on_delete=models.CASCADE, related_name="reservation")
    stock = models.ForeignKey(Stock, on_delete=models.CASCADE, related_name="reservations")
    quantity = models.PositiveIntegerField()
    reserved_until = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["stock", "reserved_until"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="reservation_quantity_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of stock {self.stock_id} until {self.reserved_until}"


class CheckoutDelivery(models.Model):
    """The shipping method the buyer chose for one seller's lines."""

    checkout = models.ForeignKey(Checkout, on_delete=models.CASCADE, related_name="deliveries")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    shipping_method = models.ForeignKey(ShippingMethod, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["checkout", "seller"], name="one_delivery_per_seller_group"
            )
        ]

    def __str__(self) -> str:
        return f"{self.checkout_id}/{self.seller_id}: {self.shipping_method_id}"
