"""market.core.sql: the pieces of hand-written SQL."""

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from market.checkout.models import Checkout, CheckoutDelivery, ShippingMethod
from market.core.sql import instances_insert, row_lock
from market.orders.models import OrderEvent
from tests.factories import SellerFactory
from tests.orders.factories import place, stocked_variant


@pytest.mark.django_db(transaction=True)
def test_a_row_lock_outside_a_transaction_is_refused_as_the_orm_refuses_it():
    with pytest.raises(TransactionManagementError):
        row_lock(connection, "locked_s")
    with transaction.atomic():
        assert row_lock(connection, "locked_s") == ' FOR UPDATE OF "locked_s"'


@pytest.mark.django_db
def test_instances_insert_writes_the_rows_bulk_create_writes():
    order = place([(stocked_variant(), 1)])
    part = order.seller_orders.get()

    def events():
        return [
            OrderEvent(order=order, seller_order=part, type=OrderEvent.Type.EMAIL_SENT, data=data)
            for data in ({"note": "Giao trước 17 giờ"}, {"note": "Gọi trước", "n": 2})
        ]

    ours = instances_insert(events())
    theirs = OrderEvent.objects.bulk_create(events())

    assert all(event.pk is not None and not event._state.adding for event in ours)
    fields = ("order", "seller_order", "type", "user", "data")
    stored = {event.pk: event for event in OrderEvent.objects.filter(order=order)}
    assert [[getattr(stored[e.pk], f) for f in fields] for e in ours] == [
        [getattr(stored[e.pk], f) for f in fields] for e in theirs
    ]
    assert all(stored[event.pk].created_at.tzinfo is not None for event in ours)


@pytest.mark.django_db
def test_instances_insert_refuses_a_saved_instance_or_two_models():
    order = place([(stocked_variant(), 1)])
    saved = order.events.first()
    with pytest.raises(ValueError, match="new instances of one model"):
        instances_insert([saved])
    with pytest.raises(ValueError, match="new instances of one model"):
        instances_insert([OrderEvent(order=order, type=OrderEvent.Type.EMAIL_SENT), order])
    assert instances_insert([]) == []


@pytest.mark.django_db
def test_instances_insert_updates_a_row_whose_unique_fields_are_taken():
    seller = SellerFactory()
    flat, pickup = (
        ShippingMethod.objects.create(seller=seller, name=name, kind=kind, price=price)
        for name, kind, price in (
            ("Giao tiêu chuẩn", ShippingMethod.Kind.FLAT, 30_000),
            ("Nhận tại hợp tác xã", ShippingMethod.Kind.PICKUP, 0),
        )
    )
    checkout = Checkout.objects.create()
    (first,) = instances_insert(
        [CheckoutDelivery(checkout=checkout, seller=seller, shipping_method=flat)],
        unique_fields=("checkout", "seller"),
        update_fields=("shipping_method",),
    )
    (again,) = instances_insert(
        [CheckoutDelivery(checkout=checkout, seller=seller, shipping_method=pickup)],
        unique_fields=("checkout", "seller"),
        update_fields=("shipping_method",),
    )

    assert again.pk == first.pk
    assert CheckoutDelivery.objects.get().shipping_method == pickup
    with pytest.raises(ValueError, match="unique and its updated fields"):
        instances_insert(
            [CheckoutDelivery(checkout=checkout, seller=seller, shipping_method=flat)],
            unique_fields=("checkout", "seller"),
        )
