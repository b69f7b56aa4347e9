"""Starting a payment of an order at a gateway (Saleor's ``transactionInitialize``).

The amount is the order's total as the server stored it, never a client's; where the
buyer comes back and where notifications go come from settings. The attempt is opened
under the order's row lock, then the gateway is called, then what the buyer must do is
saved. Called by a mutation, the whole runs in the mutation's transaction: the order's
lock is held during the gateway's call (at most ``PAYMENT_GATEWAY_TIMEOUT_SECONDS``), so
two starts of one order (two tabs) follow each other and the second answers the first's
attempt.
"""

from functools import partial

from django.conf import settings
from django.utils.translation import gettext as _

from market.core.errors import DomainError
from market.core.transactions import service_transaction
from market.orders.models import Order
from market.orders.services import access
from market.orders.templatetags.order_money import vnd
from payments.gateways import gateway_named
from payments.gateways.base import GatewayError, StartContext
from payments.methods import method_named
from payments.models import Payment
from payments.protocols.bank_notifications import transfer_code


def callback_url(gateway_code: str, kind: str) -> str:
    """``<PAYMENT_CALLBACK_BASE_URL>/payments/<gateway>/<kind>`` (``return``, ``ipn``...)."""
    return f"{settings.PAYMENT_CALLBACK_BASE_URL.rstrip('/')}/payments/{gateway_code}/{kind}"


def _reference(order: Order, gateway_code: str, attempt: int) -> str:
    # A bank transfer's content carries the order's code alone (people type it); one
    # VietQR attempt serves an order. Other gateways get one reference per attempt.
    code = transfer_code(order.number)
    return code if gateway_code == "vietqr" else f"{code}P{attempt}"


@service_transaction
def _attempt_open(*, order_id, gateway_code: str, by, token) -> tuple[Payment, bool]:
    order = access.order_for_buyer(order_id, by=by, token=token)
    method = method_named(gateway_code)
    gateway = gateway_named(gateway_code)
    if method is None or not method.online or gateway is None:
        raise DomainError(_("This payment method is not offered."), code="INVALID", field="gateway")
    if order.payment_status != Order.PaymentStatus.UNPAID or order.status != Order.Status.UNPAID:
        raise DomainError(
            _("Order %(number)s is not waiting for an online payment.") % {"number": order.number},
            code="INVALID_STATUS",
        )
    if not gateway.accepts_amount(order.total):
        raise DomainError(
            _("%(method)s does not take a payment of %(amount)s: choose another method.")
            % {"method": method.name, "amount": vnd(order.total)},
            code="AMOUNT_NOT_ACCEPTED",
            field="gateway",
        )
    pending = order.payments.filter(gateway=gateway_code, status=Payment.Status.PENDING).first()
    if pending is not None and pending.amount == order.total and pending.action:
        # Started already (a double click, a reload): the same attempt answers.
        return pending, False
    attempt = order.payments.count() + 1
    if gateway_code == "vietqr":
        payment, created = Payment.objects.get_or_create(
            reference=_reference(order, gateway_code, attempt),
            defaults={"order": order, "gateway": gateway_code, "amount": order.total},
        )
        if not created and payment.status in (Payment.Status.FAILED, Payment.Status.CANCELLED):
            # The one transfer code of the order, opened again (an earlier start failed).
            payment.status = Payment.Status.PENDING
            payment.amount = order.total
            payment.save(update_fields=["status", "amount", "updated_at"])
    else:
        payment = Payment.objects.create(
            order=order,
            gateway=gateway_code,
            reference=_reference(order, gateway_code, attempt),
            amount=order.total,
        )
    if order.payment_method != gateway_code:
        # The buyer may pay by another online method than the one chosen at checkout.
        order.payment_method = gateway_code
        order.save(update_fields=["payment_method", "updated_at"])
    return payment, True


def _attempt_failed(payment: Payment) -> None:
    """Keep ``payment`` as a failed attempt, its reference spent: the gateway may have
    recorded it before failing to answer (MoMo takes one create per ``orderId``), so the
    next attempt must come with a new reference."""
    Payment.objects.update_or_create(
        reference=payment.reference,
        defaults={
            "order_id": payment.order_id,
            "gateway": payment.gateway,
            "amount": payment.amount,
            "status": Payment.Status.FAILED,
        },
    )


def payment_start(*, order_id, gateway_code: str, by, token=None, client_ip: str) -> Payment:
    """Open (or answer again) the order's attempt at ``gateway_code``; the payment, with
    ``action`` saying what the buyer does next."""
    payment, opened = _attempt_open(
        order_id=order_id, gateway_code=gateway_code, by=by, token=token
    )
    if not opened and payment.action:
        return payment
    gateway = gateway_named(gateway_code)
    context = StartContext(
        return_url=callback_url(gateway_code, "return"),
        notify_url=callback_url(gateway_code, "ipn"),
        client_ip=client_ip or "127.0.0.1",
        language=payment.order.language,
    )
    try:
        started = gateway.start(payment, context)
    except GatewayError as error:
        failed = partial(_attempt_failed, payment)
        failed()
        raise DomainError(
            _("The payment gateway could not be reached; try again in a moment."),
            code="GATEWAY_UNAVAILABLE",
            # Called in a mutation, the refusal rolls the attempt back: it is kept after.
            after_rollback=failed,
        ) from error
    payment.action = {"kind": started.action.kind, **started.action.data}
    changed = ["action", "updated_at"]
    if started.gateway_reference:
        payment.gateway_reference = started.gateway_reference
        changed.append("gateway_reference")
    payment.save(update_fields=changed)
    return payment
