"""Completing a checkout: the order, the checks before it, idempotence, price changes."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalog.models import Stock
from market.accounts.models import User
from market.checkout import services
from market.checkout.models import Checkout, CheckoutLine, Reservation
from market.core.errors import DomainError
from market.orders.models import Allocation, Order, SellerOrder
from market.sellers.models import Seller
from tests.checkout.factories import ShippingMethodFactory
from tests.checkout.flow import ADDRESS, checkout_ready, lines_of, shop_build
from tests.factories import StockFactory, UserFactory

pytestmark = pytest.mark.django_db


def _refused(**kwargs):
    with pytest.raises((DomainError, ValidationError)) as caught:
        services.checkout_complete(**kwargs)
    return caught.value


def _run_after_rollback(error):
    if error.after_rollback is not None:
        error.after_rollback()


def test_a_guest_completes_one_order_split_per_seller(shop):
    variants = [shop.variants[seller.pk][0] for seller in shop.sellers[:2]]
    variants.append(shop.variants[shop.sellers[0].pk][1])
    checkout = checkout_ready(None, variants, quantity=2)
    token = checkout.token

    completion = services.checkout_complete(by=None, token=str(token))

    order = completion.order
    assert completion.payment_action.kind == "none"
    assert (order.user, order.email, order.status) == (None, "khach@example.vn", "placed")
    assert order.checkout_token == token
    assert order.shipping_address["phone"] == "+84912345678"
    assert (order.subtotal, order.shipping_total, order.total) == (510_000, 60_000, 570_000)
    parts = SellerOrder.objects.filter(order=order).order_by("number")
    assert [(p.seller_id, p.subtotal, p.shipping_price) for p in parts] == [
        (shop.sellers[0].pk, 340_000, 30_000),
        (shop.sellers[1].pk, 170_000, 30_000),
    ]
    assert Allocation.objects.filter(order_line__seller_order__order=order).count() == 3
    assert sorted(
        Stock.objects.filter(quantity_allocated__gt=0).values_list("quantity_allocated")
    ) == [
        (2,),
        (2,),
        (2,),
    ]
    assert not Checkout.objects.exists()
    assert not Reservation.objects.exists()


def test_completing_again_answers_the_same_order(shop):
    checkout = checkout_ready(None, shop.variants[shop.sellers[0].pk][:1])

    first = services.checkout_complete(by=None, token=str(checkout.token))
    second = services.checkout_complete(by=None, token=str(checkout.token))

    assert second.order.pk == first.order.pk
    assert second.payment_action is None
    assert Order.objects.count() == 1


def test_a_buyers_order_is_answered_again_to_the_buyer_only(shop):
    buyer = UserFactory()
    checkout = checkout_ready(buyer, shop.variants[shop.sellers[0].pk][:1])
    order = services.checkout_complete(by=buyer, token=str(checkout.token)).order

    assert order.user == buyer
    assert services.checkout_complete(by=buyer, token=str(checkout.token)).order == order
    for stranger in (None, UserFactory(), UserFactory(role=User.Role.OPERATOR)):
        assert _refused(by=stranger, token=str(checkout.token)).code == "NOT_FOUND"


def test_strangers_cannot_complete_a_buyers_checkout(shop):
    buyer = UserFactory()
    checkout = checkout_ready(buyer, shop.variants[shop.sellers[0].pk][:1])

    assert _refused(by=None, token=str(checkout.token)).code == "NOT_FOUND"
    assert _refused(by=UserFactory(), token=str(checkout.token)).code == "NOT_FOUND"
    operator = UserFactory(role=User.Role.OPERATOR)
    assert _refused(by=operator, token=str(checkout.token)).code == "PERMISSION_DENIED"
    assert _refused(by=None, token=str(uuid.uuid4())).code == "NOT_FOUND"
    assert _refused(by=None, token="x").code == "INVALID_TOKEN"
    assert not Order.objects.exists()


def test_everything_missing_is_reported_at_once(shop):
    seller, other = shop.sellers[0], shop.sellers[1]
    checkout = services.checkout_create(
        by=None, lines=lines_of([shop.variants[seller.pk][0], shop.variants[other.pk][0]])
    )

    error = _refused(by=None, token=str(checkout.token))

    assert [(r.code, r.field, r.details.get("seller_id")) for r in error.errors] == [
        ("EMAIL_REQUIRED", "email", None),
        ("SHIPPING_ADDRESS_REQUIRED", "shipping_address", None),
        ("DELIVERY_METHOD_REQUIRED", "delivery_methods", seller.pk),
        ("DELIVERY_METHOD_REQUIRED", "delivery_methods", other.pk),
        ("PAYMENT_METHOD_REQUIRED", "payment_method", None),
    ]
    assert not Order.objects.exists()


def test_an_empty_checkout_cannot_be_completed():
    checkout = services.checkout_create(by=None, email="a@example.vn", shipping_address=ADDRESS)

    assert _refused(by=None, token=str(checkout.token)).code == "NO_LINES"


def test_a_price_changed_since_added_is_reported_then_charged(shop):
    first, second = shop.variants[shop.sellers[0].pk]
    checkout = checkout_ready(None, [first, second])
    first.price = 90_000
    first.save()
    line = CheckoutLine.objects.get(variant=first)

    error = _refused(by=None, token=str(checkout.token))

    assert [(r.code, r.field, r.details) for r in error.errors] == [
        (
            "PRICE_CHANGED",
            "lines.0",
            {"line_id": line.pk, "variant_id": first.pk, "old_price": 85_000, "new_price": 90_000},
        )
    ]
    assert not Order.objects.exists()
    _run_after_rollback(error)
    line.refresh_from_db()
    assert line.price_when_added == 90_000

    order = services.checkout_complete(by=None, token=str(checkout.token)).order
    assert order.subtotal == 90_000 + 85_000


def test_a_line_no_longer_for_sale_is_refused_at_completion(shop):
    seller = shop.sellers[0]
    checkout = checkout_ready(None, shop.variants[seller.pk][:1])
    Seller.objects.filter(pk=seller.pk).update(status=Seller.Status.SUSPENDED)

    error = _refused(by=None, token=str(checkout.token))

    assert "PRODUCT_UNAVAILABLE" in [r.code for r in error.errors]
    assert not Order.objects.exists()


def test_a_chosen_method_that_no_longer_delivers_is_refused(shop):
    seller = shop.sellers[0]
    checkout = checkout_ready(None, shop.variants[seller.pk][:1])
    shop.flat[seller.pk].is_active = False
    shop.flat[seller.pk].save()

    error = _refused(by=None, token=str(checkout.token))

    assert [(r.code, r.details["seller_id"]) for r in error.errors] == [
        ("DELIVERY_METHOD_NOT_APPLICABLE", seller.pk)
    ]


def test_stock_taken_meanwhile_is_insufficient_naming_the_checkouts_line():
    seller_variants = shop_build(sellers=2, variants_per_seller=1, stock=5)
    first = seller_variants.variants[seller_variants.sellers[0].pk][0]
    second = seller_variants.variants[seller_variants.sellers[1].pk][0]
    checkout = checkout_ready(None, [second, first], quantity=3)
    # Another buyer holds what this checkout's reservation no longer does.
    Reservation.objects.update(reserved_until=timezone.now() - datetime.timedelta(seconds=1))
    services.checkout_create(by=None, lines=lines_of([first], 4))
    line = CheckoutLine.objects.get(checkout=checkout, variant=first)

    error = _refused(by=None, token=str(checkout.token))

    assert [(r.code, r.field, r.details) for r in error.errors] == [
        (
            "INSUFFICIENT_STOCK",
            "lines.1",
            {"variant_id": first.pk, "available": 1, "line_id": line.pk},
        )
    ]
    assert Stock.objects.filter(quantity_allocated__gt=0).count() == 0


def test_its_own_reservation_does_not_count_against_the_checkout():
    variant = StockFactory(quantity=3).variant
    ShippingMethodFactory(seller=variant.product.seller)
    checkout = checkout_ready(None, [variant], quantity=3)

    services.checkout_complete(by=None, token=str(checkout.token))

    assert Stock.objects.get().quantity_allocated == 3
