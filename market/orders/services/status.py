"""The moves a seller order may make, and what each move does to its order.

One table (``TRANSITIONS``) says which status may follow which; every service moves a
seller order through ``seller_order_move``, which refuses any other move with
``INVALID_STATUS``, stamps the time, writes the ``OrderEvent`` (who, what) and settles the
order's own status and payment state (``order_settle``).

Locks, always in this order: the ``Order`` row, then its ``SellerOrder`` rows, then
``Stock`` rows (``allocation``). Placement takes stock locks first, but on rows of an
order nobody else can see yet, so no two writers ever wait on each other in a circle.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from market.core.errors import DomainError
from market.core.permissions import is_operator, seller_ids_of
from market.orders.models import Order, OrderEvent, SellerOrder

S = SellerOrder.Status

# Why a part was cancelled or returned: a few sentences for the buyer to read.
MAX_REASON_LENGTH = 1_000

# status → the statuses it may move to. Shipping takes a confirmed part; cancelling is
# possible until the parcel leaves; a return follows a delivery.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.UNCONFIRMED: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.SHIPPED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.RETURNED}),
    S.CANCELLED: frozenset(),
    S.RETURNED: frozenset(),
}
# A part in one of these is done with: the order closes when all its parts are.
FINAL = frozenset({S.DELIVERED, S.CANCELLED, S.RETURNED})
# The money of a cash-on-delivery part was taken at the door once it reached these.
HANDED_OVER = frozenset({S.DELIVERED, S.RETURNED})
# Moves the sellers make on paid work: an order awaiting its online payment is not shipped.
NEEDS_PAYMENT_SETTLED = frozenset({S.CONFIRMED, S.SHIPPED})

# How messages name the statuses (the models' labels are the Vietnamese admin's).
SELLER_ORDER_STATUS_NAMES = {
    S.UNCONFIRMED: gettext_lazy("awaiting confirmation"),
    S.CONFIRMED: gettext_lazy("confirmed"),
    S.SHIPPED: gettext_lazy("shipped"),
    S.DELIVERED: gettext_lazy("delivered"),
    S.CANCELLED: gettext_lazy("cancelled"),
    S.RETURNED: gettext_lazy("returned"),
}
ORDER_STATUS_NAMES = {
    Order.Status.UNPAID: gettext_lazy("awaiting payment"),
    Order.Status.PLACED: gettext_lazy("placed"),
    Order.Status.CLOSED: gettext_lazy("closed"),
    Order.Status.CANCELLED: gettext_lazy("cancelled"),
    Order.Status.EXPIRED: gettext_lazy("expired"),
}

_EVENT_OF = {
    S.CONFIRMED: OrderEvent.Type.CONFIRMED,
    S.SHIPPED: OrderEvent.Type.SHIPPED,
    S.DELIVERED: OrderEvent.Type.DELIVERED,
    S.CANCELLED: OrderEvent.Type.CANCELLED,
    S.RETURNED: OrderEvent.Type.RETURNED,
}
_STAMP_OF = {
    S.CONFIRMED: "confirmed_at",
    S.SHIPPED: "shipped_at",
    S.DELIVERED: "delivered_at",
    S.CANCELLED: "cancelled_at",
}


def invalid_status(part: SellerOrder, to: str) -> DomainError:
    return DomainError(
        _("Seller order %(number)s is %(status)s: it cannot become %(target)s.")
        % {
            "number": part.number,
            "status": SELLER_ORDER_STATUS_NAMES[part.status],
            "target": SELLER_ORDER_STATUS_NAMES[to],
        },
        code="INVALID_STATUS",
    )


def may_move(part: SellerOrder, to: str) -> bool:
    return to in TRANSITIONS[part.status]


def event_user(by):
    """The user an event names: nobody for the platform (``by=None``) or a guest."""
    return by if by is not None and by.is_authenticated else None


def event_actor(by, *, seller_id: int | None = None) -> str:
    """Which side acted, as the timeline shows it: ``platform`` (``by=None``: a task, a
    gateway), ``operator``, ``seller`` (staff of ``seller_id``) or ``buyer``."""
    if by is None:
        return "platform"
    if is_operator(by):
        return "operator"
    if seller_id is not None and by.is_authenticated and seller_id in seller_ids_of(by):
        return "seller"
    return "buyer"


def seller_order_move(
    part: SellerOrder, to: str, *, by, data: dict | None = None, fields: tuple = ()
) -> OrderEvent:
    """Move the locked ``part`` (with its locked ``part.order``) to ``to``, or refuse.

    ``fields`` are the other columns the caller set on ``part`` to save with the move.
    """
    if not may_move(part, to):
        raise invalid_status(part, to)
    order = part.order
    if to in NEEDS_PAYMENT_SETTLED and order.status != Order.Status.PLACED:
        raise DomainError(
            _("Order %(number)s is %(status)s: its seller orders wait.")
            % {"number": order.number, "status": ORDER_STATUS_NAMES[order.status]},
            code="INVALID_STATUS",
        )
    now = timezone.now()
    previous = part.status
    part.status = to
    stamped = ()
    if to in _STAMP_OF:
        setattr(part, _STAMP_OF[to], now)
        stamped = (_STAMP_OF[to],)
    part.save(update_fields=["status", *stamped, *fields, "updated_at"])
    event = OrderEvent.objects.create(
        order=order,
        seller_order=part,
        type=_EVENT_OF[to],
        user=event_user(by),
        data={
            "actor": event_actor(by, seller_id=part.seller_id),
            "seller_order": part.number,
            "from": previous,
            "to": to,
            **(data or {}),
        },
    )
    order_settle(order, by=by, seller_id=part.seller_id)
    return event


def order_settle(order: Order, *, by, seller_id: int | None = None) -> Order:
    """Bring the locked ``order``'s status and payment state in line with its parts.

    CANCELLED when every part is cancelled; CLOSED when every part is delivered, cancelled
    or returned. An order still unpaid once every part not cancelled was handed over was
    paid in cash at the door (an online order cannot get there unpaid: its parts wait
    for the payment), so it becomes PAID, with its event.
    """
    if order.status in (Order.Status.CANCELLED, Order.Status.EXPIRED):
        return order
    parts = list(SellerOrder.objects.filter(order=order).values_list("status", "total"))
    statuses = [status for status, _total in parts]
    changed = []
    if all(status == S.CANCELLED for status in statuses):
        target = Order.Status.CANCELLED
    elif all(status in FINAL for status in statuses):
        target = Order.Status.CLOSED
    else:
        target = order.status
    if target != order.status:
        order.status = target
        changed.append("status")
    live = [status for status in statuses if status != S.CANCELLED]
    if (
        order.payment_status == Order.PaymentStatus.UNPAID
        and live
        and all(status in HANDED_OVER for status in live)
    ):
        order.payment_status = Order.PaymentStatus.PAID
        changed.append("payment_status")
        OrderEvent.objects.create(
            order=order,
            type=OrderEvent.Type.PAID,
            user=event_user(by),
            data={
                "actor": event_actor(by, seller_id=seller_id),
                "collected_on_delivery": True,
                "amount": sum(total for status, total in parts if status != S.CANCELLED),
            },
        )
    if changed:
        order.save(update_fields=[*changed, "updated_at"])
    return order


def reason_checked(reason: str, *, required: bool) -> str:
    """``reason`` trimmed; refused when required and empty, or too long."""
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Tell the buyer why it is cancelled."), code="REQUIRED")}
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            {"reason": ValidationError(_("The reason is too long."), code="TOO_LONG")}
        )
    return reason
