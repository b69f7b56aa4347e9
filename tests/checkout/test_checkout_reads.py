"""What the flow's mutations read once: the lines in SQL written by hand, and what a service
hands to its answer instead of reading it again (``selectors.reads_keep``). Each answers
exactly what reading afresh answers."""

import datetime
from operator import attrgetter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql_relay import to_global_id

from catalog.models import Product, ProductVariant
from market.checkout import services
from market.checkout.models import (
    Checkout,
    CheckoutDelivery,
    CheckoutLine,
    Reservation,
    ShippingMethod,
)
from market.checkout.selectors import (
    KnownReads,
    checkout_deliveries,
    checkout_lines,
    checkout_state,
    reads_keep,
    reservation_of,
)
from market.checkout.services.common import variants_buyable
from market.checkout.shipping_selectors import (
    shipping_methods_offered,
    shipping_methods_offered_of_sellers,
)
from market.sellers.models import Seller
from tests.checkout.factories import ShippingMethodFactory
from tests.checkout.flow import checkout_ready, lines_of, shop_build, token_of
from tests.checkout.test_checkout_graphql import API_ADDRESS, CHECKOUT_FIELDS

pytestmark = pytest.mark.django_db

QUERY = f"query($token: String!) {{ checkout(token: $token) {{ {CHECKOUT_FIELDS} }} }}"
PAYLOAD = f"checkout {{ {CHECKOUT_FIELDS} }} errors {{ field code }}"
CREATE = f"""mutation($input: CheckoutCreateInput!) {{
  checkoutCreate(input: $input) {{ {PAYLOAD} }} }}"""
ADDRESS_UPDATE = f"""mutation($token: String!, $a: CheckoutAddressInput!) {{
  checkoutShippingAddressUpdate(token: $token, shippingAddress: $a) {{ {PAYLOAD} }} }}"""
DELIVERY_UPDATE = f"""mutation($token: String!, $methods: [CheckoutDeliveryMethodInput!]!) {{
  checkoutDeliveryMethodUpdate(token: $token, deliveryMethods: $methods) {{ {PAYLOAD} }} }}"""


def _values(instance) -> dict | None:
    if instance is None:
        return None
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_lines_read_by_hand_are_what_the_orm_reads():
    shop = shop_build(sellers=2, variants_per_seller=2)
    variants = [variant for of_seller in shop.variants.values() for variant in of_seller]
    Product.objects.filter(pk=variants[0].product_id).update(
        attributes={"origin": "Ninh Phước", "units": [1, 2]}
    )
    first = services.checkout_create(by=None, lines=lines_of(variants[:3], 2))
    second = services.checkout_create(by=None, lines=lines_of(variants[1:], 1))
    # A line whose reservation the periodic task deleted: no reservation, as the ORM says.
    Reservation.objects.filter(line__checkout=second, line__variant=variants[1]).delete()
    ids = [second.pk, first.pk]
    expected = list(
        CheckoutLine.objects.filter(checkout_id__in=ids)
        .select_related("variant__product", "reservation")
        .order_by("checkout_id", "created_at", "pk")
    )

    with CaptureQueriesContext(connection) as queries:
        read = checkout_lines(ids)
        for line in read:
            line.variant.product.attributes, reservation_of(line)

    assert len(queries) == 1
    assert [line.pk for line in read] == [line.pk for line in expected]
    for mine, orm in zip(read, expected, strict=True):
        assert _values(mine) == _values(orm)
        assert _values(mine.variant) == _values(orm.variant)
        assert _values(mine.variant.product) == _values(orm.variant.product)
        assert _values(reservation_of(mine)) == _values(reservation_of(orm))
        if reservation_of(mine) is not None:
            assert reservation_of(mine).line is mine
    assert {"origin": "Ninh Phước", "units": [1, 2]} in [
        line.variant.product.attributes for line in read
    ]
    assert any(reservation_of(line) is None for line in read)
    assert checkout_lines([]) == []


def test_kept_reads_are_taken_once():
    shop = shop_build(sellers=1, variants_per_seller=1)
    checkout = services.checkout_create(by=None, lines=lines_of(shop.variants.popitem()[1]))
    fresh = Checkout.objects.get(pk=checkout.pk)
    reads_keep(fresh, KnownReads(lines=(), methods=(), chosen={}))

    with CaptureQueriesContext(connection) as queries:
        kept = checkout_state(fresh)
    assert (len(queries), kept.lines) == (0, ())
    # The next state of the same instance reads the database again.
    assert len(checkout_state(fresh).lines) == 1


def _answers(graphql, document, variables, field) -> tuple[dict, dict]:
    """The mutation's checkout, and the same checkout read afresh by the next request."""
    status, body = graphql(document, variables)
    assert status == 200, body
    payload = body["data"][field]
    assert payload["errors"] == [], payload["errors"]
    token = payload["checkout"]["token"]
    _status, fresh = graphql(QUERY, {"token": token})
    return payload["checkout"], fresh["data"]["checkout"]


def test_a_new_checkout_answers_what_reading_it_answers(graphql):
    answered, fresh = _answers(
        graphql,
        CREATE,
        {"input": {"email": "khach@example.vn", "shippingAddress": API_ADDRESS}},
        "checkoutCreate",
    )
    assert answered == fresh
    assert answered["lines"] == []
    assert answered["deliveryGroups"] == []


@pytest.mark.parametrize("lapsing", [False, True], ids=["reservations-fresh", "renewed"])
def test_the_address_and_delivery_steps_answer_what_reading_afresh_answers(graphql, lapsing):
    shop = shop_build(sellers=2, variants_per_seller=2)
    variants = [variant for of_seller in shop.variants.values() for variant in of_seller]
    checkout = checkout_ready(None, variants[:3])
    if lapsing:
        # Past half their time: the step renews them, and its answer shows the new time.
        Reservation.objects.update(reserved_until=timezone.now() + datetime.timedelta(minutes=1))
    token = token_of(checkout)

    answered, fresh = _answers(
        graphql,
        ADDRESS_UPDATE,
        {"token": token, "a": {**API_ADDRESS, "street": "5 Lê Lợi"}},
        "checkoutShippingAddressUpdate",
    )
    assert answered == fresh
    assert answered["shippingAddress"]["street"] == "5 Lê Lợi"
    soon = timezone.now() + datetime.timedelta(minutes=3)
    assert all(
        datetime.datetime.fromisoformat(line["reservedUntil"]) > soon for line in fresh["lines"]
    )

    if lapsing:
        Reservation.objects.update(reserved_until=timezone.now() + datetime.timedelta(minutes=1))
    cheaper = {seller.pk: shop.flat[seller.pk] for seller in shop.sellers}
    answered, fresh = _answers(
        graphql,
        DELIVERY_UPDATE,
        {
            "token": token,
            # One group changes its choice; the other keeps the one made earlier.
            "methods": [
                {
                    "seller": to_global_id("Seller", shop.sellers[0].pk),
                    "shippingMethod": to_global_id(
                        "ShippingMethod", cheaper[shop.sellers[0].pk].pk
                    ),
                }
            ],
        },
        "checkoutDeliveryMethodUpdate",
    )
    assert answered == fresh
    assert all(group["shippingMethod"] is not None for group in fresh["deliveryGroups"])
    assert CheckoutDelivery.objects.filter(checkout=checkout).count() == 2
    assert all(
        datetime.datetime.fromisoformat(line["reservedUntil"]) > soon for line in fresh["lines"]
    )


def test_completion_deletes_the_checkout_and_everything_of_it():
    shop = shop_build(sellers=2, variants_per_seller=2)
    variants = [variant for of_seller in shop.variants.values() for variant in of_seller]
    checkout = checkout_ready(None, variants)
    other = checkout_ready(None, variants[:1])

    completion = services.checkout_complete(by=None, token=token_of(checkout))

    assert completion.order.seller_orders.count() == 2
    assert not Checkout.objects.filter(pk=checkout.pk).exists()
    assert not CheckoutLine.objects.filter(checkout_id=checkout.pk).exists()
    assert not CheckoutDelivery.objects.filter(checkout_id=checkout.pk).exists()
    assert set(Reservation.objects.values_list("line__checkout_id", flat=True)) == {other.pk}
    assert CheckoutLine.objects.filter(checkout=other).count() == 1


def test_the_offered_methods_read_by_hand_are_the_offered_rule():
    shop = shop_build(sellers=3, variants_per_seller=1)
    seller, suspended, without = shop.sellers
    ShippingMethodFactory(seller=seller, is_active=False)
    ShippingMethodFactory(
        seller=seller,
        kind=ShippingMethod.Kind.WEIGHT,
        price=0,
        weight_bands=[{"up_to_grams": 1000, "price": 20_000}],
        provinces=["Khánh Hòa"],
    )
    ShippingMethodFactory(seller=seller, kind=ShippingMethod.Kind.FREE_ABOVE, free_above=500_000)
    ShippingMethodFactory(seller=suspended)
    Seller.objects.filter(pk=suspended.pk).update(status=Seller.Status.SUSPENDED)
    ShippingMethod.objects.filter(seller=without).delete()
    seller_ids = [without.pk, suspended.pk, seller.pk]

    read = shipping_methods_offered_of_sellers(seller_ids)

    expected = list(
        shipping_methods_offered()
        .filter(seller_id__in=seller_ids)
        .order_by("seller_id", "price", "pk")
    )
    assert [_values(method) for method in read] == [_values(method) for method in expected]
    assert len(read) == 3
    assert shipping_methods_offered_of_sellers([]) == []


def test_the_choices_read_by_hand_are_what_the_orm_reads():
    shop = shop_build(sellers=2, variants_per_seller=1)
    variants = [variant for of_seller in shop.variants.values() for variant in of_seller]
    first, second = checkout_ready(None, variants), checkout_ready(None, variants[:1])
    ids = [first.pk, second.pk]

    read = checkout_deliveries(ids)

    expected = list(
        CheckoutDelivery.objects.filter(checkout_id__in=ids).select_related("shipping_method")
    )
    key = attrgetter("pk")
    read, expected = sorted(read, key=key), sorted(expected, key=key)
    assert [_values(delivery) for delivery in read] == [_values(d) for d in expected]
    assert [_values(delivery.shipping_method) for delivery in read] == [
        _values(delivery.shipping_method) for delivery in expected
    ]
    assert len(read) == 3


def test_the_buyable_variants_read_by_hand_are_the_live_rule():
    shop = shop_build(sellers=3, variants_per_seller=2)
    live, draft, suspended = shop.sellers
    Product.objects.filter(pk=shop.variants[draft.pk][0].product_id).update(is_published=False)
    Seller.objects.filter(pk=suspended.pk).update(status=Seller.Status.SUSPENDED)
    ids = [variant.pk for of_seller in shop.variants.values() for variant in of_seller]
    asked = [*ids, 10**9, -1, "x"]

    read = variants_buyable(asked)

    expected = (
        ProductVariant.objects.select_related("product")
        .filter(pk__in=ids, product__in=Product.objects.live())
        .in_bulk()
    )
    assert sorted(read) == sorted(expected) == sorted(v.pk for v in shop.variants[live.pk])
    for pk, variant in read.items():
        assert _values(variant) == _values(expected[pk])
        assert _values(variant.product) == _values(expected[pk].product)
    assert variants_buyable([]) == {}
