"""Unpaid online orders past their time expire and give their stock back."""

import datetime

import pytest
from django.utils import timezone

from catalog.models import Stock
from market.core.errors import DomainError
from market.orders import tasks
from market.orders.models import Allocation, Order, SellerOrder
from market.orders.services import expiry, payment
from tests.orders.factories import place, stocked_variant

pytestmark = pytest.mark.django_db


def test_an_expired_order_gives_its_stock_back(mailoutbox, django_capture_on_commit_callbacks):
    variant = stocked_variant(quantity=4)
    due = place([(variant, 3)], online=True, email="khach@example.vn")
    waiting = place([(variant, 1)], online=True)
    cod = place([(stocked_variant(), 1)])
    Order.objects.filter(pk=due.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert Stock.objects.get(variant=variant).quantity_allocated == 4
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.expire_unpaid_orders.delay().get() == 1

    due.refresh_from_db()
    assert due.status == Order.Status.EXPIRED
    assert list(due.seller_orders.values_list("status", flat=True)) == ["cancelled"]
    assert due.events.filter(type="expired").get().data["actor"] == "platform"
    stock = Stock.objects.get(variant=variant)
    assert (stock.quantity, stock.quantity_allocated) == (4, 1)
    assert not Allocation.objects.filter(order_line__seller_order__order=due).exists()
    waiting.refresh_from_db()
    cod.refresh_from_db()
    assert (waiting.status, cod.status) == ("unpaid", "placed")
    assert [message.to for message in mailoutbox] == [["khach@example.vn"]]
    assert due.number in mailoutbox[0].subject

    # A payment arriving after the expiry is refused: payments refunds it.
    with pytest.raises(DomainError) as refused:
        payment.order_mark_paid(order_id=due.pk)
    assert refused.value.code == "INVALID_STATUS"
    # Running again finds nothing more to do.
    assert expiry.orders_expire_unpaid() == 0


def test_expiry_works_in_batches_until_none_is_left():
    variant = stocked_variant(quantity=10)
    orders = [place([(variant, 1)], online=True) for _ in range(5)]
    later = timezone.now() + datetime.timedelta(hours=2)
    assert expiry.orders_expire_unpaid(now=later, batch_size=2) == 5
    assert set(Order.objects.values_list("status", flat=True)) == {"expired"}
    assert Stock.objects.get(variant=variant).quantity_allocated == 0
    assert SellerOrder.objects.filter(status="cancelled").count() == len(orders)


def test_a_paid_order_does_not_expire():
    variant = stocked_variant(quantity=2)
    order = place([(variant, 2)], online=True)
    payment.order_mark_paid(order_id=order.pk)
    later = timezone.now() + datetime.timedelta(hours=2)
    assert expiry.orders_expire_unpaid(now=later) == 0
    assert Stock.objects.get(variant=variant).quantity_allocated == 2


def test_the_beat_task_has_the_name_the_schedule_uses(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks.expire_unpaid_orders.name == "orders.expire_unpaid_orders"
    assert tasks.expire_unpaid_orders.name in scheduled
