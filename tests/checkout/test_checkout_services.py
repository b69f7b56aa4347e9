"""The checkout flow's services: access, lines and reservations."""

import datetime
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from market.accounts.models import User
from market.checkout import services, tasks
from market.checkout.models import Checkout, CheckoutDelivery, CheckoutLine, Reservation
from market.checkout.selectors import checkout_state, checkout_visible_to, units_held_elsewhere
from market.sellers.models import Seller
from tests.checkout.factories import (
    CheckoutLineFactory,
    ReservationFactory,
)
from tests.checkout.flow import ADDRESS, codes, lines_of, refused, token_of
from tests.factories import SellerFactory, StockFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- create and access


def test_a_guest_creates_a_checkout_reached_by_itstoken_of(variant):
    checkout = services.checkout_create(by=None, lines=lines_of([variant], 2))

    assert checkout.user is None
    assert uuid.UUID(token_of(checkout)).version == 4
    line = CheckoutLine.objects.get(checkout=checkout)
    assert (line.variant_id, line.quantity, line.price_when_added) == (variant.pk, 2, 85_000)
    reservation = Reservation.objects.get(line=line)
    assert reservation.quantity == 2
    expected = timezone.now() + datetime.timedelta(minutes=10)
    assert abs((reservation.reserved_until - expected).total_seconds()) < 60


def test_a_buyer_has_one_open_checkout_which_create_adds_to(variant):
    buyer = UserFactory()
    first = services.checkout_create(by=buyer, lines=lines_of([variant], 1))
    second = services.checkout_create(by=buyer, lines=lines_of([variant], 2))

    assert second.pk == first.pk
    assert first.email == buyer.email
    assert CheckoutLine.objects.get(checkout=first).quantity == 3
    with pytest.raises(IntegrityError), transaction.atomic():
        Checkout.objects.create(user=buyer)


def test_create_checks_the_email_and_the_address_before_writing(variant):
    error = refused(
        services.checkout_create,
        by=None,
        lines=lines_of([variant]),
        email="not an email",
        shipping_address={**ADDRESS, "phone": "123", "province": "Atlantis"},
    )

    assert set(error.error_dict) == {"email"}
    error = refused(
        services.checkout_create,
        by=None,
        shipping_address={**ADDRESS, "phone": "123", "province": "Atlantis"},
    )
    assert {key: [e.code for e in items] for key, items in error.error_dict.items()} == {
        "shipping_address.phone": ["INVALID_PHONE"],
        "shipping_address.province": ["INVALID_PROVINCE"],
    }
    assert not Checkout.objects.exists()


def test_the_address_is_normalised():
    checkout = services.checkout_create(by=None, shipping_address=ADDRESS)

    assert checkout.shipping_address["phone"] == "+84912345678"
    assert checkout.shipping_address["province"] == "Khánh Hòa"


@pytest.mark.parametrize(
    "token", ["", "nope", "1234", "not-a-uuid-at-all-really", "{" + str(uuid.uuid4()) + "}"]
)
def test_a_token_that_is_no_uuid_is_a_typed_error(token):
    error = refused(services.checkout_email_update, by=None, token=token, email="a@b.vn")

    assert (error.code, error.field) == ("INVALID_TOKEN", "token")


def test_strangers_get_the_same_answer_for_a_buyers_checkout_as_for_a_missing_one(variant):
    buyer = UserFactory()
    checkout = services.checkout_create(by=buyer, lines=lines_of([variant]))
    missing = refused(
        services.checkout_email_update, by=None, token=str(uuid.uuid4()), email="a@b.vn"
    )

    for stranger in (None, UserFactory(), UserFactory(role=User.Role.AUDITOR)):
        refusal = refused(
            services.checkout_email_update, by=stranger, token=token_of(checkout), email="a@b.vn"
        )
        assert (refusal.code, refusal.field, refusal.message) == (
            missing.code,
            missing.field,
            missing.message,
        )
        assert checkout_visible_to(stranger, token_of(checkout)) is None
    operator = UserFactory(role=User.Role.OPERATOR)
    assert checkout_visible_to(operator, token_of(checkout)) == checkout
    refusal = refused(
        services.checkout_email_update, by=operator, token=token_of(checkout), email="a@b.vn"
    )
    assert refusal.code == "PERMISSION_DENIED"
    checkout.refresh_from_db()
    assert checkout.email == buyer.email


def test_anyone_holding_a_guests_token_reaches_it():
    checkout = services.checkout_create(by=None)
    buyer = UserFactory()

    services.checkout_email_update(by=buyer, token=token_of(checkout), email="Lan@Example.VN")

    checkout.refresh_from_db()
    assert checkout.email == "lan@example.vn"
    assert checkout.user is None


# ---------------------------------------------------------------- lines


def test_unavailable_variants_are_refused_naming_each_line():
    seller = SellerFactory(status=Seller.Status.SUSPENDED)
    draft = StockFactory(variant__product__is_published=False).variant
    suspended = StockFactory(variant__product__seller=seller).variant
    fine = StockFactory().variant
    checkout = services.checkout_create(by=None)

    error = refused(
        services.checkout_lines_add,
        by=None,
        token=token_of(checkout),
        lines=[
            {"variant_id": fine.pk, "quantity": 1},
            {"variant_id": draft.pk, "quantity": 1},
            {"variant_id": suspended.pk, "quantity": 1},
            {"variant_id": 987_654_321, "quantity": 1},
        ],
    )

    assert [(r.code, r.field) for r in error.errors] == [
        ("PRODUCT_UNAVAILABLE", "lines.1"),
        ("PRODUCT_UNAVAILABLE", "lines.2"),
        ("PRODUCT_UNAVAILABLE", "lines.3"),
    ]
    assert [r.details["variant_id"] for r in error.errors] == [draft.pk, suspended.pk, 987_654_321]
    assert not CheckoutLine.objects.exists()


def test_a_variant_without_stock_is_insufficient_stock_with_nothing_available():
    bare = VariantFactory()
    sold_out = StockFactory(quantity=3, quantity_allocated=3).variant
    checkout = services.checkout_create(by=None)

    error = refused(
        services.checkout_lines_add,
        by=None,
        token=token_of(checkout),
        lines=lines_of([bare, sold_out]),
    )

    assert [(r.code, r.field, r.details) for r in error.errors] == [
        ("INSUFFICIENT_STOCK", "lines.0", {"variant_id": bare.pk, "available": 0}),
        ("INSUFFICIENT_STOCK", "lines.1", {"variant_id": sold_out.pk, "available": 0}),
    ]


@pytest.mark.parametrize("quantity", [0, -1, 1001, 10**12, True, "2", None])
def test_quantities_out_of_bounds_arerefused(variant, quantity):
    checkout = services.checkout_create(by=None)

    error = refused(
        services.checkout_lines_add,
        by=None,
        token=token_of(checkout),
        lines=[{"variant_id": variant.pk, "quantity": quantity}],
    )

    assert list(error.error_dict) == ["lines.0.quantity"]
    assert codes(error)[0] in {"INVALID_QUANTITY", "QUANTITY_GREATER_THAN_LIMIT"}
    assert not CheckoutLine.objects.exists()


def test_adding_again_adds_up_and_the_sum_is_bounded():
    variant = StockFactory(quantity=5000).variant
    checkout = services.checkout_create(by=None, lines=lines_of([variant], 600))

    error = refused(
        services.checkout_lines_add,
        by=None,
        token=token_of(checkout),
        lines=lines_of([variant], 401),
    )
    assert codes(error) == ["QUANTITY_GREATER_THAN_LIMIT"]
    services.checkout_lines_add(by=None, token=token_of(checkout), lines=lines_of([variant], 400))
    assert CheckoutLine.objects.get().quantity == 1000
    assert Reservation.objects.get().quantity == 1000


def test_what_others_reserve_is_not_available_until_it_ends(variant):
    other = services.checkout_create(by=None, lines=lines_of([variant], 7))
    checkout = services.checkout_create(by=None)

    error = refused(
        services.checkout_lines_add, by=None, token=token_of(checkout), lines=lines_of([variant], 4)
    )
    assert [(r.code, r.details["available"]) for r in error.errors] == [("INSUFFICIENT_STOCK", 3)]

    Reservation.objects.filter(line__checkout=other).update(
        reserved_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    services.checkout_lines_add(by=None, token=token_of(checkout), lines=lines_of([variant], 4))
    assert units_held_elsewhere([variant.stock.pk], checkout_id=None) == {variant.stock.pk: 4}


def test_lines_update_sets_quantities_and_zero_deletes(shop):
    first, second = shop.variants[shop.sellers[0].pk]
    checkout = services.checkout_create(by=None, lines=lines_of([first, second], 2))
    line_one, line_two = CheckoutLine.objects.order_by("pk")

    services.checkout_lines_update(
        by=None,
        token=token_of(checkout),
        lines=[{"line_id": line_one.pk, "quantity": 5}, {"line_id": line_two.pk, "quantity": 0}],
    )

    assert list(CheckoutLine.objects.values_list("variant_id", "quantity")) == [(first.pk, 5)]
    assert Reservation.objects.get().quantity == 5


def test_lines_update_refuses_more_than_the_stock_and_others_lines(variant):
    checkout = services.checkout_create(by=None, lines=lines_of([variant], 2))
    other_line = CheckoutLineFactory()
    line = CheckoutLine.objects.get(checkout=checkout)

    error = refused(
        services.checkout_lines_update,
        by=None,
        token=token_of(checkout),
        lines=[{"line_id": line.pk, "quantity": 11}],
    )
    assert [(r.code, r.details) for r in error.errors] == [
        ("INSUFFICIENT_STOCK", {"variant_id": variant.pk, "available": 10, "line_id": line.pk})
    ]
    error = refused(
        services.checkout_lines_update,
        by=None,
        token=token_of(checkout),
        lines=[{"line_id": other_line.pk, "quantity": 1}],
    )
    assert [(r.code, r.field) for r in error.errors] == [("NOT_FOUND", "lines.0")]
    error = refused(
        services.checkout_lines_update,
        by=None,
        token=token_of(checkout),
        lines=[{"line_id": line.pk, "quantity": 1}, {"line_id": line.pk, "quantity": 2}],
    )
    assert codes(error) == ["DUPLICATED_INPUT_ITEM"]
    assert CheckoutLine.objects.get(pk=line.pk).quantity == 2


def test_a_line_no_longer_for_sale_can_be_lowered_but_not_raised(variant):
    checkout = services.checkout_create(by=None, lines=lines_of([variant], 3))
    line = CheckoutLine.objects.get()
    variant.product.is_published = False
    variant.product.save()

    error = refused(
        services.checkout_lines_update,
        by=None,
        token=token_of(checkout),
        lines=[{"line_id": line.pk, "quantity": 4}],
    )
    assert [(r.code, r.details["line_id"]) for r in error.errors] == [
        ("PRODUCT_UNAVAILABLE", line.pk)
    ]
    services.checkout_lines_update(
        by=None, token=token_of(checkout), lines=[{"line_id": line.pk, "quantity": 1}]
    )
    assert CheckoutLine.objects.get().quantity == 1


def test_lines_delete_and_the_sellers_choice_goes_with_its_last_line(shop):
    seller = shop.sellers[0]
    checkout = services.checkout_create(
        by=None, lines=lines_of([shop.variants[seller.pk][0], shop.variants[shop.sellers[1].pk][0]])
    )
    services.checkout_delivery_method_update(
        by=None,
        token=token_of(checkout),
        delivery_methods=[{"seller_id": seller.pk, "shipping_method_id": shop.flat[seller.pk].pk}],
    )
    line = CheckoutLine.objects.get(variant=shop.variants[seller.pk][0])

    error = refused(
        services.checkout_lines_delete, by=None, token=token_of(checkout), line_ids=[line.pk, 1]
    )
    assert [(r.code, r.field) for r in error.errors] == [("NOT_FOUND", "lines.1")]
    services.checkout_lines_delete(by=None, token=token_of(checkout), line_ids=[line.pk])

    assert CheckoutLine.objects.count() == 1
    assert not CheckoutDelivery.objects.exists()
    assert Reservation.objects.count() == 1


def test_too_many_lines_arerefused(settings):
    from market.checkout.services import common

    checkout = services.checkout_create(by=None)
    variants = [StockFactory().variant for _ in range(3)]
    original = common.MAX_LINES
    try:
        common.MAX_LINES = 2
        error = refused(
            services.checkout_lines_add, by=None, token=token_of(checkout), lines=lines_of(variants)
        )
    finally:
        common.MAX_LINES = original
    assert codes(error) == ["TOO_MANY_LINES"]


# ---------------------------------------------------------------- reservations over time


def test_every_write_renews_the_reservations_and_reads_do_not(variant):
    checkout = services.checkout_create(by=None, lines=lines_of([variant], 2))
    soon = timezone.now() + datetime.timedelta(minutes=1)
    Reservation.objects.update(reserved_until=soon)

    checkout_visible_to(None, token_of(checkout))
    checkout_state(checkout)
    assert Reservation.objects.get().reserved_until == soon

    services.checkout_email_update(by=None, token=token_of(checkout), email="lan@example.vn")
    assert Reservation.objects.get().reserved_until > soon + datetime.timedelta(minutes=8)


def test_a_reservation_with_more_than_half_its_time_left_is_left_as_it_is(variant):
    # A buyer going quickly through the steps locks no stock row on each of them.
    checkout = services.checkout_create(by=None, lines=lines_of([variant], 2))
    later = timezone.now() + datetime.timedelta(minutes=6)
    Reservation.objects.update(reserved_until=later)

    with CaptureQueriesContext(connection) as queries:
        services.checkout_email_update(by=None, token=token_of(checkout), email="lan@example.vn")

    assert Reservation.objects.get().reserved_until == later
    assert not any(
        "FOR UPDATE" in query["sql"] and "catalog_stock" in query["sql"]
        for query in queries.captured_queries
    )


def test_a_lapsed_line_is_renewed_only_if_the_stock_is_still_there(variant):
    checkout = services.checkout_create(by=None, lines=lines_of([variant], 6))
    ended = timezone.now() - datetime.timedelta(minutes=1)
    Reservation.objects.update(reserved_until=ended)
    services.checkout_create(by=None, lines=lines_of([variant], 5))

    services.checkout_email_update(by=None, token=token_of(checkout), email="lan@example.vn")

    assert Reservation.objects.get(line__checkout=checkout).reserved_until == ended


def test_the_task_deletes_only_ended_reservations():
    live = ReservationFactory()
    ReservationFactory(reserved_until=timezone.now() - datetime.timedelta(seconds=1))

    assert tasks.reservations_delete_ended.delay().get() == 1
    assert list(Reservation.objects.all()) == [live]
