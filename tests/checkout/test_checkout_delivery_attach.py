"""The checkout flow's services: delivery groups and methods, payment, attach."""

import pytest

from market.checkout import services
from market.checkout.models import Checkout, CheckoutDelivery, CheckoutLine, Reservation
from market.checkout.models import ShippingMethod as Method
from market.checkout.selectors import checkout_state
from tests.checkout.factories import (
    CheckoutFactory,
    CheckoutLineFactory,
    ShippingMethodFactory,
)
from tests.checkout.flow import ADDRESS, codes, lines_of, refused, token_of
from tests.factories import StockFactory, UserFactory

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- delivery and payment


def test_delivery_groups_subtotals_weights_and_methods(shop):
    seller, other = shop.sellers[0], shop.sellers[1]
    heavy = StockFactory(variant__product__seller=other, variant__weight_grams=2500).variant
    ShippingMethodFactory(seller=seller, kind=Method.Kind.PICKUP, price=0)
    ShippingMethodFactory(seller=seller, kind=Method.Kind.FLAT, is_active=False)
    ShippingMethodFactory(
        seller=other,
        kind=Method.Kind.WEIGHT,
        price=0,
        weight_bands=[
            {"up_to_grams": 1000, "price": 20_000},
            {"up_to_grams": 5000, "price": 45_000},
        ],
    )
    ShippingMethodFactory(seller=other, kind=Method.Kind.FLAT, price=10_000, provinces=["Hà Nội"])
    checkout = services.checkout_create(
        by=None,
        lines=[
            {"variant_id": shop.variants[seller.pk][0].pk, "quantity": 2},
            {"variant_id": heavy.pk, "quantity": 1},
            {"variant_id": shop.variants[seller.pk][1].pk, "quantity": 1},
        ],
        shipping_address=ADDRESS,
    )

    groups = checkout_state(checkout).totals.groups

    assert [g.seller_id for g in groups] == [seller.pk, other.pk]
    assert [(g.subtotal, g.grams, g.weight_known) for g in groups] == [
        (3 * 85_000, 1500, True),
        (85_000, 2500, True),
    ]
    assert [[(o.method.kind, o.price) for o in g.options] for g in groups] == [
        [("pickup", 0), ("flat", 30_000)],
        [("weight", 45_000), ("flat", 30_000)],
    ]


def test_an_unknown_weight_hides_weight_methods(shop):
    seller = shop.sellers[0]
    unweighed = StockFactory(variant__product__seller=seller, variant__weight_grams=None).variant
    ShippingMethodFactory(
        seller=seller, kind=Method.Kind.WEIGHT, weight_bands=[{"up_to_grams": 10**6, "price": 1}]
    )
    checkout = services.checkout_create(by=None, lines=lines_of([unweighed]))

    (group,) = checkout_state(checkout).totals.groups

    assert (group.grams, group.weight_known) == (0, False)
    assert [o.method.kind for o in group.options] == ["flat"]


def test_delivery_method_refusals_are_typed_and_change_nothing(shop):
    seller, other = shop.sellers[0], shop.sellers[1]
    absent = shop.sellers[2]
    inactive = ShippingMethodFactory(seller=seller, is_active=False)
    far = ShippingMethodFactory(seller=seller, provinces=["Hà Nội"])
    light = ShippingMethodFactory(
        seller=seller, kind=Method.Kind.WEIGHT, weight_bands=[{"up_to_grams": 100, "price": 1}]
    )
    checkout = services.checkout_create(
        by=None,
        lines=lines_of([shop.variants[seller.pk][0], shop.variants[other.pk][0]]),
        shipping_address=ADDRESS,
    )

    error = refused(
        services.checkout_delivery_method_update,
        by=None,
        token=token_of(checkout),
        delivery_methods=[
            {"seller_id": seller.pk, "shipping_method_id": shop.flat[other.pk].pk},
            {"seller_id": other.pk, "shipping_method_id": 10**9},
            {"seller_id": absent.pk, "shipping_method_id": shop.flat[absent.pk].pk},
        ],
    )
    assert [(r.code, r.field, r.details["seller_id"]) for r in error.errors] == [
        ("DELIVERY_METHOD_NOT_APPLICABLE", "delivery_methods.0.shipping_method", seller.pk),
        ("DELIVERY_METHOD_NOT_APPLICABLE", "delivery_methods.1.shipping_method", other.pk),
        ("INVALID", "delivery_methods.2.seller", absent.pk),
    ]
    for method in (inactive, far, light):
        error = refused(
            services.checkout_delivery_method_update,
            by=None,
            token=token_of(checkout),
            delivery_methods=[{"seller_id": seller.pk, "shipping_method_id": method.pk}],
        )
        assert codes(error) == ["DELIVERY_METHOD_NOT_APPLICABLE"]
    assert "Khánh Hòa" in str(
        refused(
            services.checkout_delivery_method_update,
            by=None,
            token=token_of(checkout),
            delivery_methods=[{"seller_id": seller.pk, "shipping_method_id": far.pk}],
        ).message
    )
    assert not CheckoutDelivery.objects.exists()

    services.checkout_delivery_method_update(
        by=None,
        token=token_of(checkout),
        delivery_methods=[
            {"seller_id": seller.pk, "shipping_method_id": shop.flat[seller.pk].pk},
            {"seller_id": other.pk, "shipping_method_id": shop.flat[other.pk].pk},
        ],
    )
    totals = checkout_state(checkout).totals
    assert (totals.subtotal, totals.shipping_total, totals.total) == (
        170_000,
        60_000,
        230_000,
    )


def test_a_choice_that_no_longer_delivers_is_shown_as_none(shop):
    seller = shop.sellers[0]
    nearby = ShippingMethodFactory(seller=seller, price=5_000, provinces=["Khánh Hòa"])
    checkout = services.checkout_create(
        by=None, lines=lines_of(shop.variants[seller.pk][:1]), shipping_address=ADDRESS
    )
    services.checkout_delivery_method_update(
        by=None,
        token=token_of(checkout),
        delivery_methods=[{"seller_id": seller.pk, "shipping_method_id": nearby.pk}],
    )

    services.checkout_shipping_address_update(
        by=None, token=token_of(checkout), shipping_address={**ADDRESS, "province": "Hà Nội"}
    )

    checkout.refresh_from_db()
    (group,) = checkout_state(checkout).totals.groups
    assert group.chosen == nearby
    assert group.chosen_option is None
    assert checkout_state(checkout).totals.shipping_total == 0


def test_payment_methods_are_those_offered(variant):
    checkout = services.checkout_create(by=None)

    error = refused(
        services.checkout_payment_method_update,
        by=None,
        token=token_of(checkout),
        payment_method="bitcoin",
    )
    assert codes(error) == ["PAYMENT_METHOD_UNAVAILABLE"]
    services.checkout_payment_method_update(by=None, token=token_of(checkout), payment_method="cod")
    checkout.refresh_from_db()
    assert checkout.payment_method == "cod"


# ---------------------------------------------------------------- attach


def test_a_buyer_without_a_checkout_adopts_the_guests(variant):
    guest = services.checkout_create(by=None, lines=lines_of([variant], 2), email="x@example.vn")
    buyer = UserFactory()

    attached = services.checkout_customer_attach(by=buyer, token=token_of(guest))

    assert attached.pk == guest.pk
    guest.refresh_from_db()
    assert (guest.user, guest.email) == (buyer, buyer.email)
    assert services.checkout_customer_attach(by=buyer, token=token_of(guest)).pk == guest.pk


def test_a_guests_checkout_merges_into_the_buyers(shop):
    seller, other = shop.sellers[0], shop.sellers[1]
    shared, own_only = shop.variants[seller.pk]
    guest_only = shop.variants[other.pk][0]
    buyer = UserFactory()
    own = services.checkout_create(by=buyer, lines=[{"variant_id": shared.pk, "quantity": 2}])
    guest = services.checkout_create(
        by=None,
        lines=[
            {"variant_id": shared.pk, "quantity": 3},
            {"variant_id": guest_only.pk, "quantity": 1},
        ],
        shipping_address=ADDRESS,
    )
    services.checkout_delivery_method_update(
        by=None,
        token=token_of(guest),
        delivery_methods=[{"seller_id": other.pk, "shipping_method_id": shop.flat[other.pk].pk}],
    )
    services.checkout_lines_add(by=buyer, token=token_of(own), lines=lines_of([own_only]))

    merged = services.checkout_customer_attach(by=buyer, token=token_of(guest))

    assert merged.pk == own.pk
    assert not Checkout.objects.filter(pk=guest.pk).exists()
    assert sorted(CheckoutLine.objects.values_list("variant_id", "quantity")) == sorted(
        [(shared.pk, 5), (own_only.pk, 1), (guest_only.pk, 1)]
    )
    assert sorted(Reservation.objects.values_list("stock__variant_id", "quantity")) == sorted(
        [(shared.pk, 5), (own_only.pk, 1), (guest_only.pk, 1)]
    )
    assert all(r.line.checkout_id == own.pk for r in Reservation.objects.all())
    merged.refresh_from_db()
    assert merged.shipping_address["province"] == "Khánh Hòa"
    assert merged.email == buyer.email
    assert list(CheckoutDelivery.objects.values_list("checkout_id", "seller_id")) == [
        (own.pk, other.pk)
    ]


def test_a_merge_the_stock_cannot_cover_changes_nothing():
    variant = StockFactory(quantity=5).variant
    buyer = UserFactory()
    own = services.checkout_create(by=buyer, lines=lines_of([variant], 3))
    # The guest's reservation lapsed and another buyer took the rest.
    guest = CheckoutFactory()
    CheckoutLineFactory(checkout=guest, variant=variant, quantity=2)
    services.checkout_create(by=None, lines=lines_of([variant], 2))

    error = refused(services.checkout_customer_attach, by=buyer, token=token_of(guest))

    assert [(r.code, r.field, r.details["available"]) for r in error.errors] == [
        ("INSUFFICIENT_STOCK", "lines.0", 3)
    ]
    assert CheckoutLine.objects.get(checkout=own).quantity == 3
    assert Checkout.objects.filter(pk=guest.pk).exists()


def test_another_buyers_checkout_cannot_be_attached(variant):
    owner = UserFactory()
    theirs = services.checkout_create(by=owner, lines=lines_of([variant]))

    error = refused(services.checkout_customer_attach, by=UserFactory(), token=token_of(theirs))

    assert error.code == "NOT_FOUND"
    theirs.refresh_from_db()
    assert theirs.user == owner
