"""Cash on delivery: each seller marks the cash of its delivered part collected.

The order's cash payment (gateway ``cod``, for the order's total) is opened at the first
collection; each part's collection is a charge of that part's total, keyed by the part's
number, so a second click records nothing. When every part's cash is in, the order is
paid (``order_mark_paid``), as a gateway's confirmation would do.
"""

from django.db.models import Sum
from django.utils.translation import gettext as _

from market.core.errors import DomainError
from market.core.transactions import service_transaction
from market.orders.models import Order, SellerOrder
from market.orders.services import access
from market.orders.services.payment import order_mark_paid
from payments.models import Payment, TransactionEvent
from payments.protocols.bank_notifications import transfer_code
from payments.services.events import payment_totals


@service_transaction
def seller_order_cash_collect(*, seller_order_id, by) -> SellerOrder:
    """The seller's staff (or an operator) record the cash of a delivered COD part."""
    part = access.seller_order_for_staff(seller_order_id, by=by)
    order = part.order
    if order.payment_method != "cod":
        raise DomainError(_("This order is not paid in cash."), code="INVALID_STATUS")
    if part.status != SellerOrder.Status.DELIVERED:
        raise DomainError(_("Cash is collected when the part is delivered."), code="INVALID_STATUS")
    payment, _created = Payment.objects.select_for_update().get_or_create(
        reference=transfer_code(order.number) + "COD",
        defaults={"order": order, "gateway": "cod", "amount": order.total},
    )
    reference = f"cod:{part.number}"
    if payment.events.filter(
        kind=TransactionEvent.Kind.CHARGE, gateway_reference=reference
    ).exists():
        return part
    TransactionEvent.objects.create(
        payment=payment,
        kind=TransactionEvent.Kind.CHARGE,
        amount=part.total,
        gateway="cod",
        gateway_reference=reference,
        message=_("Cash collected by %(seller)s") % {"seller": part.seller.name},
        user=by if by.is_authenticated else None,
    )
    payment.charged, payment.refunded = payment_totals(payment.pk)
    collected_all = payment.charged >= _due(order)
    payment.status = Payment.Status.PAID if collected_all else Payment.Status.PENDING
    payment.save(update_fields=["charged", "refunded", "status", "updated_at"])
    if collected_all and order.payment_status == Order.PaymentStatus.UNPAID:
        order_mark_paid(order_id=order.pk, reference=payment.reference)
    return part


def _due(order: Order) -> int:
    """What the buyer owes in cash: the totals of the parts not cancelled or returned."""
    gone = (SellerOrder.Status.CANCELLED, SellerOrder.Status.RETURNED)
    return (
        SellerOrder.objects.filter(order=order)
        .exclude(status__in=gone)
        .aggregate(due=Sum("total", default=0))["due"]
    )
