"""Unpaid online orders past their time give their stock back (Celery beat, every minute).

Each batch is its own transaction. Rows are taken with ``SKIP LOCKED``: an order being
paid right now (``order_mark_paid`` holds its lock) is left for the next run, which finds
it paid, and two runs at once share the work rather than wait. The payment that arrives
after an order expired is refused by ``order_mark_paid`` and refunded by payments.
"""

from functools import partial

from django.db import transaction
from django.utils import timezone

from market.core.transactions import service_transaction
from market.orders import tasks
from market.orders.models import Order, OrderEvent, OrderLine, SellerOrder
from market.orders.services import allocation

BATCH_SIZE = 100


def orders_expire_unpaid(*, now=None, batch_size: int = BATCH_SIZE) -> int:
    """Expire every unpaid order whose ``expires_at`` has passed; returns how many."""
    now = now or timezone.now()
    expired = 0
    while True:
        done = _expire_batch(now, batch_size)
        expired += done
        if done < batch_size:
            return expired


@service_transaction
def _expire_batch(now, batch_size: int) -> int:
    orders = list(
        Order.objects.filter(status=Order.Status.UNPAID, expires_at__lte=now)
        .order_by("expires_at", "pk")
        .select_for_update(of=("self",), skip_locked=True)[:batch_size]
    )
    if not orders:
        return 0
    order_ids = [order.pk for order in orders]
    parts = list(
        SellerOrder.objects.filter(order_id__in=order_ids)
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    allocation.allocations_release(OrderLine.objects.filter(seller_order__order_id__in=order_ids))
    SellerOrder.objects.filter(pk__in=[part.pk for part in parts]).exclude(
        status=SellerOrder.Status.CANCELLED
    ).update(
        status=SellerOrder.Status.CANCELLED,
        cancel_reason="",
        cancelled_at=now,
        updated_at=now,
    )
    Order.objects.filter(pk__in=order_ids).update(status=Order.Status.EXPIRED, updated_at=now)
    OrderEvent.objects.bulk_create(
        OrderEvent(
            order=order,
            type=OrderEvent.Type.EXPIRED,
            data={"actor": "platform", "expires_at": order.expires_at.isoformat()},
        )
        for order in orders
    )
    for order in orders:
        transaction.on_commit(
            partial(tasks.send_order_cancelled_email.delay, order.pk), robust=True
        )
    return len(orders)
