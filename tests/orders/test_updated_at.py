"""Every write of an order stamps ``updated_at``: readers ask "what changed since" of it
(the province's monthly sales records stand only while no order of their month did)."""

from datetime import UTC, datetime
from unittest import mock

import pytest

from market.orders.models import Order
from tests.orders.factories import place, stocked_variant

pytestmark = pytest.mark.django_db

LATER = datetime(2027, 1, 5, 3, tzinfo=UTC)


@pytest.fixture
def order():
    return place([(stocked_variant(), 1)])


def test_a_save_naming_its_fields_stamps_updated_at(order):
    order.payment_status = Order.PaymentStatus.PAID
    with mock.patch("django.utils.timezone.now", return_value=LATER):
        order.save(update_fields=["payment_status"])

    order.refresh_from_db()
    assert (order.payment_status, order.updated_at) == (Order.PaymentStatus.PAID, LATER)


def test_a_bulk_update_stamps_updated_at(order):
    with mock.patch("django.utils.timezone.now", return_value=LATER):
        changed = Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED)

    order.refresh_from_db()
    assert changed == 1
    assert (order.status, order.updated_at) == (Order.Status.CANCELLED, LATER)


def test_a_bulk_update_keeps_an_updated_at_it_is_given(order):
    given = datetime(2026, 12, 2, 1, tzinfo=UTC)
    Order.objects.filter(pk=order.pk).update(updated_at=given)

    order.refresh_from_db()
    assert order.updated_at == given


def test_a_save_of_no_fields_still_saves_nothing(order):
    before = order.updated_at
    order.status = Order.Status.CANCELLED
    with mock.patch("django.utils.timezone.now", return_value=LATER):
        order.save(update_fields=[])

    order.refresh_from_db()
    assert (order.status, order.updated_at) == (Order.Status.PLACED, before)
