"""Django admin for orders: read-only.

Orders are written by the services alone (placement locks and allocates the stock, every
move of a seller order goes through the table of allowed moves and writes its event), so
the admin shows orders, their parts, lines and timeline and changes none of them. The
events are append-only in the database as well.
"""

from django.contrib import admin

from market.core.admin import RefusedWritesMixin
from market.orders.models import Order, OrderEvent, OrderLine, SellerOrder


class _ReadOnly(RefusedWritesMixin):
    """Shown, never added, changed or deleted from the admin."""

    refused = ("add", "change", "delete")


class SellerOrderInline(_ReadOnly, admin.TabularInline):
    model = SellerOrder
    extra = 0
    fields = ("number", "seller", "status", "shipping_method_name", "shipping_price", "total")
    readonly_fields = fields
    show_change_link = True


class OrderEventInline(_ReadOnly, admin.TabularInline):
    model = OrderEvent
    extra = 0
    fields = ("created_at", "type", "seller_order", "user", "data")
    readonly_fields = fields


class OrderLineInline(_ReadOnly, admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ("product_name", "variant_name", "sku", "unit_price", "quantity", "total", "lot")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("number", "email", "status", "payment_status", "total", "created_at")
    list_filter = ("status", "payment_status", "payment_method")
    search_fields = ("number", "email", "seller_orders__number")
    date_hierarchy = "created_at"
    readonly_fields = (
        "number",
        "user",
        "email",
        "shipping_address",
        "status",
        "payment_method",
        "payment_status",
        "subtotal",
        "shipping_total",
        "total",
        "expires_at",
        "language",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields
    inlines = (SellerOrderInline, OrderEventInline)
    list_select_related = True


@admin.register(SellerOrder)
class SellerOrderAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("number", "seller", "status", "total", "created_at")
    list_filter = ("status",)
    search_fields = ("number", "seller__name", "order__email", "tracking_number")
    date_hierarchy = "created_at"
    readonly_fields = (
        "order",
        "seller",
        "number",
        "status",
        "shipping_method_name",
        "shipping_method_kind",
        "shipping_price",
        "subtotal",
        "total",
        "carrier",
        "tracking_number",
        "cancel_reason",
        "confirmed_at",
        "shipped_at",
        "delivered_at",
        "cancelled_at",
        "created_at",
    )
    fields = readonly_fields
    inlines = (OrderLineInline,)
    list_select_related = ("seller",)
