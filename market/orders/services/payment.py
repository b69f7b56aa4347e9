"""An order's payment arrives: for the payment gateways (the payments app, above this one).

``order_mark_paid`` is what a gateway's confirmed payment calls, once per payment or many
times for a retried webhook: a paid order stays as it is.
"""

from django.utils.translation import gettext as _

from market.core.errors import DomainError, PermissionDenied
from market.core.permissions import is_operator
from market.core.transactions import service_transaction
from market.orders.models import Order, OrderEvent
from market.orders.services import access, status


@service_transaction
def order_mark_paid(*, order_id: int, by=None, reference: str = "") -> Order:
    """UNPAID → PLACED (the sellers start work), ``payment_status`` PAID, and an event.

    ``by=None`` is the platform (a gateway's webhook); otherwise only an operator. Already
    paid: answered unchanged (idempotent). An order that expired or was cancelled before
    the money came is refused with ``INVALID_STATUS``: the payment is refunded instead.
    """
    if by is not None and not is_operator(by):
        raise PermissionDenied(_("Only marketplace operators may do this."))
    order = Order.objects.select_for_update(of=("self",)).filter(pk=order_id).first()
    if order is None:
        raise access.order_not_found()
    if order.payment_status == Order.PaymentStatus.PAID:
        return order
    if order.status in (Order.Status.EXPIRED, Order.Status.CANCELLED):
        raise DomainError(
            _("Order %(number)s is %(status)s: its payment cannot be taken.")
            % {"number": order.number, "status": status.ORDER_STATUS_NAMES[order.status]},
            code="INVALID_STATUS",
        )
    changed = ["payment_status"]
    order.payment_status = Order.PaymentStatus.PAID
    if order.status == Order.Status.UNPAID:
        order.status = Order.Status.PLACED
        order.expires_at = None
        changed += ["status", "expires_at"]
    order.save(update_fields=[*changed, "updated_at"])
    OrderEvent.objects.create(
        order=order,
        type=OrderEvent.Type.PAID,
        user=status.event_user(by),
        data={
            "actor": status.event_actor(by),
            "amount": order.total,
            "reference": reference,
            "method": order.payment_method,
        },
    )
    return order
