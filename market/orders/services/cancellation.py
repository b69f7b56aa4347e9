"""Cancelling: a seller's part (its staff with a reason, or the buyer before it ships), or
every part of an order not yet shipped (the buyer, or an operator). The held stock goes
back (``allocations_release``); the buyer is told by email after the commit.
"""

from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _

from market.core.errors import DomainError
from market.core.transactions import service_transaction
from market.orders import tasks
from market.orders.models import Order, OrderLine, SellerOrder
from market.orders.services import access, allocation, status

S = SellerOrder.Status


@service_transaction
def seller_order_cancel(
    *, seller_order_id: int, by, reason: str = "", token: str | None = None
) -> SellerOrder:
    """Cancel one seller's part before it ships.

    The seller's staff (and operators) give a ``reason``, which the buyer reads; the
    order's buyer, signed in or a guest holding the order's ``token``, may cancel without
    one.
    """
    part = access.seller_order_for_seller_or_buyer(seller_order_id, by=by, token=token)
    reason = status.reason_checked(reason, required=access.acts_for_seller(by, part.seller_id))
    _cancel(part, by=by, reason=reason)
    transaction.on_commit(
        partial(tasks.send_seller_order_cancelled_email.delay, part.pk), robust=True
    )
    return part


@service_transaction
def order_cancel(*, order_id: int, by, reason: str = "", token: str | None = None) -> Order:
    """Cancel every part of the order that has not shipped yet; parts already on their way
    go on. Refused with ``INVALID_STATUS`` when no part can still be cancelled."""
    order = access.order_for_buyer(order_id, by=by, token=token)
    reason = status.reason_checked(reason, required=False)
    parts = list(
        SellerOrder.objects.filter(order=order).select_for_update(of=("self",)).order_by("pk")
    )
    cancellable = [part for part in parts if status.may_move(part, S.CANCELLED)]
    if not cancellable:
        raise DomainError(
            _("Nothing of order %(number)s can be cancelled any more.") % {"number": order.number},
            code="INVALID_STATUS",
        )
    for part in cancellable:
        part.order = order
        _cancel(part, by=by, reason=reason)
    transaction.on_commit(partial(tasks.send_order_cancelled_email.delay, order.pk), robust=True)
    return order


def _cancel(part: SellerOrder, *, by, reason: str) -> None:
    if not status.may_move(part, S.CANCELLED):
        raise status.invalid_status(part, S.CANCELLED)
    allocation.allocations_release(OrderLine.objects.filter(seller_order=part))
    part.cancel_reason = reason
    status.seller_order_move(
        part,
        S.CANCELLED,
        by=by,
        fields=("cancel_reason",),
        data={"reason": reason},
    )
