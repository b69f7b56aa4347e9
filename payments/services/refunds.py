"""Refunds: a seller's share when its part is cancelled after payment, or an operator's.

A cancelled part of a paid order is found by ``cancelled_parts_refund`` (Celery beat,
every minute; orders sit below payments and call nothing up): no task to lose, and a
gateway that refused is asked again at the next run.

The money goes back through the gateway's refund API (VNPay, MoMo, Stripe); a bank
transfer or cash is refunded by a person, and the gateway records it as manual. Either
way the refund comes back as a ``Notice`` and is applied by ``events.notice_apply``, the
rule every payment change follows, so a refund is recorded once whatever retries it.
"""

import logging
from dataclasses import replace
from functools import partial

from django.db.models import Exists, OuterRef, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from market.core.errors import DomainError, PermissionDenied
from market.core.permissions import is_operator
from market.orders.models import SellerOrder
from payments.gateways import gateway_named
from payments.gateways.base import GatewayError
from payments.models import Payment, TransactionEvent
from payments.services.events import flag_for_review, notice_apply

logger = logging.getLogger(__name__)

REFUNDABLE = (Payment.Status.PAID, Payment.Status.PARTIALLY_REFUNDED)


def _refund(
    payment: Payment,
    amount: int,
    *,
    refund_reference: str,
    reason: str,
    by=None,
    request_reference: str = "",
):
    gateway = gateway_named(payment.gateway)
    if gateway is None:
        raise DomainError(_("This payment cannot be refunded here."), code="INVALID")
    try:
        notice = gateway.refund(payment, amount, refund_reference=refund_reference, reason=reason)
        notice = replace(notice, request_reference=request_reference or refund_reference)
    except GatewayError as error:
        flagged = partial(flag_for_review, payment, f"refund of {amount} VND failed: {error}")
        flagged()
        raise DomainError(
            _("The payment gateway refused or did not answer the refund; try again later."),
            code="GATEWAY_UNAVAILABLE",
            # A mutation's rollback would undo the flag: it is set again after it.
            after_rollback=flagged,
        ) from error
    outcome, payment = notice_apply(notice, gateway=payment.gateway, user=by)
    return outcome, payment


def payment_refund(*, payment_id, amount: int | None = None, by, reason: str = "") -> Payment:
    """An operator refunds ``amount`` VND of a charged payment (all that is left when None;
    0 is refused, as a blank form field sent as 0 must not refund everything)."""
    if not is_operator(by):
        raise PermissionDenied(_("Only marketplace operators may do this."))
    payment = Payment.objects.filter(pk=payment_id).first() if str(payment_id).isdigit() else None
    if payment is None:
        raise DomainError(_("Payment not found."), code="NOT_FOUND", field="id")
    left = payment.charged - payment.refunded
    if payment.status not in REFUNDABLE or left <= 0:
        raise DomainError(_("Nothing of this payment is left to refund."), code="INVALID_STATUS")
    amount = left if amount is None else amount
    if amount <= 0 or amount > left:
        raise DomainError(
            _("A refund must be between 1 and %(left)s VND.") % {"left": left},
            code="INVALID",
            field="amount",
        )
    count = payment.events.filter(kind="refund").count() + 1
    _refund(payment, amount, refund_reference=f"{payment.reference}R{count}", reason=reason, by=by)
    payment.refresh_from_db()
    return payment


def part_refund_reference(part: SellerOrder) -> str:
    """Our id of the refund of a cancelled part, kept on its event: at most one per part."""
    return f"part:{part.number}"


def parts_to_refund():
    """Cancelled parts of paid orders whose share was not refunded yet, oldest first."""
    refunded = TransactionEvent.objects.filter(
        kind=TransactionEvent.Kind.REFUND,
        payment__order_id=OuterRef("order_id"),
        request_reference=Concat(Value("part:"), OuterRef("number")),
    )
    charged = Payment.objects.filter(order_id=OuterRef("order_id"), status__in=REFUNDABLE)
    return (
        SellerOrder.objects.filter(status=SellerOrder.Status.CANCELLED)
        .filter(Exists(charged))
        .exclude(Exists(refunded))
        .order_by("updated_at", "pk")
    )


def cancelled_parts_refund(*, batch: int = 100) -> int:
    """Refund the share of every cancelled part of a paid order (Celery beat, every minute):
    its lines and shipping, through the payment's gateway. A refund the gateway refuses is
    flagged for an operator and asked again at the next run; a part is refunded once, by
    its reference. Returns how many were refunded."""
    done = 0
    for part in parts_to_refund()[:batch]:
        if refund_cancelled_seller_order(part.pk) is not None:
            done += 1
    return done


def refund_cancelled_seller_order(seller_order_id: int) -> Payment | None:
    """Refund a cancelled part's share once; the payment, or None when nothing was due."""
    part = (
        SellerOrder.objects.filter(pk=seller_order_id, status=SellerOrder.Status.CANCELLED)
        .select_related("order")
        .first()
    )
    if part is None:
        return None
    payment = (
        Payment.objects.filter(order_id=part.order_id, status__in=REFUNDABLE)
        .exclude(gateway="cod")
        .order_by("-charged", "pk")
        .first()
    )
    if payment is None or payment.charged - payment.refunded <= 0:
        return None
    reference = part_refund_reference(part)
    if payment.events.filter(kind="refund", request_reference=reference).exists():
        return None
    amount = min(part.total, payment.charged - payment.refunded)
    # The gateway's own refund id: letters and digits, unique per part.
    gateway_reference = f"{payment.reference}S{part.number.rsplit('-', 1)[-1]}"
    try:
        _refund(
            payment,
            amount,
            refund_reference=gateway_reference,
            request_reference=reference,
            reason=part.cancel_reason,
        )
    except DomainError:
        logger.warning("refund of seller order %s is flagged for an operator", part.number)
        return None
    payment.refresh_from_db()
    return payment
