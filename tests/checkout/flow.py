"""A small shop for the checkout flow's tests: sellers with variants in stock and their
shipping methods, and a checkout filled up to completion.

Plain builders rather than fixtures, so that each test module (and the concurrency tests,
which commit) builds what it needs.
"""

from dataclasses import dataclass, field

import pytest
from django.core.exceptions import ValidationError

from market.checkout import services
from market.checkout.models import ShippingMethod
from market.core.errors import DomainError
from tests.checkout.factories import ShippingMethodFactory
from tests.factories import ProductFactory, SellerFactory, StockFactory, VariantFactory

ADDRESS = {
    "full_name": "Nguyễn Thị Lan",
    "phone": "0912 345 678",
    "street": "12 Đường 16 Tháng 4",
    "ward": "Phường Phan Rang",
    "province": "khanh hoa",
}


@dataclass
class Shop:
    sellers: list = field(default_factory=list)
    # Per seller: its variants, each with a stock row.
    variants: dict = field(default_factory=dict)
    # Per seller: its flat-rate method (30,000 VND, everywhere).
    flat: dict = field(default_factory=dict)


def shop_build(*, sellers: int = 3, variants_per_seller: int = 2, stock: int = 50) -> Shop:
    shop = Shop()
    for _ in range(sellers):
        seller = SellerFactory()
        shop.sellers.append(seller)
        product = ProductFactory(seller=seller)
        shop.variants[seller.pk] = [
            StockFactory(variant=VariantFactory(product=product), quantity=stock).variant
            for _ in range(variants_per_seller)
        ]
        shop.flat[seller.pk] = ShippingMethodFactory(
            seller=seller, kind=ShippingMethod.Kind.FLAT, price=30_000
        )
    return shop


def lines_of(variants, quantity: int = 1) -> list[dict]:
    return [{"variant_id": variant.pk, "quantity": quantity} for variant in variants]


def checkout_ready(by, variants, *, quantity: int = 1, email: str = "khach@example.vn"):
    """A checkout of ``variants`` with everything completion needs, each seller's group
    shipped with its cheapest method."""
    checkout = services.checkout_create(
        by=by, lines=lines_of(variants, quantity), email=email, shipping_address=ADDRESS
    )
    sellers = {variant.product.seller_id for variant in variants}
    methods = {
        seller_id: ShippingMethod.objects.filter(seller_id=seller_id, is_active=True)
        .order_by("price", "pk")
        .first()
        for seller_id in sellers
    }
    services.checkout_delivery_method_update(
        by=by,
        token=str(checkout.token),
        delivery_methods=[
            {"seller_id": seller_id, "shipping_method_id": method.pk}
            for seller_id, method in methods.items()
        ],
    )
    services.checkout_payment_method_update(by=by, token=str(checkout.token), payment_method="cod")
    checkout.refresh_from_db()
    return checkout


def codes(error) -> list[str]:
    """The codes of a DomainError / DomainErrors / ValidationError, in order."""
    if hasattr(error, "errors"):
        return [refusal.code for refusal in error.errors]
    if hasattr(error, "code") and not hasattr(error, "error_dict"):
        return [error.code]
    return [item.code for items in error.error_dict.values() for item in items]


def token_of(checkout) -> str:
    return str(checkout.token)


def refused(call, **kwargs):
    """The refusal ``call(**kwargs)`` raises (a ``DomainError`` or a ``ValidationError``)."""
    with pytest.raises((DomainError, ValidationError)) as caught:
        call(**kwargs)
    return caught.value
