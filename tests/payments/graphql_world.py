"""Helpers of the payments GraphQL tests: orders placed as checkout places them
(``tests/orders/factories.place``), payments started through ``payment_start`` and
confirmed through ``notice_apply``, the one rule every notification follows.

VietQR needs no HTTP to start (the QR code is made here) and a bank transfer is refunded
by a person (a manual refund, no HTTP either), so these helpers pay by VietQR.
"""

import itertools
import time

from django.test import override_settings

from market.orders.models import Order
from market.orders.services import fulfilment
from payments.gateways.base import Notice
from payments.models import Payment, TransactionEvent
from payments.services.events import notice_apply
from payments.services.start import payment_start
from tests.orders.factories import place, stocked_variant

PRICE = 120_000
# The orders factory's flat shipping, for each seller.
SHIPPING = 30_000
OFFERED = ["cod", "vietqr", "stripe"]
_transfer_ids = itertools.count(int(time.time() * 1000))


def online_order(lines=None, *, user=None, gateway: str = "vietqr", **extra) -> Order:
    """An unpaid order placed to be paid by ``gateway`` (a guest's when ``user`` is None)."""
    lines = lines or [(stocked_variant(price=PRICE), 1)]
    order = place(lines, user=user, online=True, **extra)
    # Checkout places the order with the method the buyer chose.
    Order.objects.filter(pk=order.pk).update(payment_method=gateway)
    order.refresh_from_db()
    return order


def started(order: Order, *, gateway: str = "vietqr") -> Payment:
    """The order's payment started at ``gateway``, as its buyer (or guest) starts it."""
    with override_settings(PAYMENT_METHODS=[*OFFERED, gateway]):
        return payment_start(
            order_id=order.pk,
            gateway_code=gateway,
            by=order.user,
            token=None if order.user else order.token,
            client_ip="127.0.0.1",
        )


def charge(payment: Payment, *, amount: int | None = None) -> Payment:
    """The bank says the transfer came (SePay style): a charge of ``amount`` (the payment's)."""
    notice = Notice(
        reference=payment.reference,
        kind=TransactionEvent.Kind.CHARGE,
        amount=payment.amount if amount is None else amount,
        gateway_reference=f"sepay:{next(_transfer_ids)}",
        message=f"{payment.reference} chuyen tien",
    )
    _outcome, payment = notice_apply(notice, gateway=payment.gateway)
    return payment


def fail(payment: Payment) -> Payment:
    """The gateway says the attempt failed (a card declined)."""
    notice = Notice(
        reference=payment.reference,
        kind=TransactionEvent.Kind.FAILURE,
        amount=payment.amount,
        gateway_reference=f"{payment.gateway_reference or payment.reference}:declined",
        message="card_declined",
    )
    _outcome, payment = notice_apply(notice, gateway=payment.gateway)
    return payment


def paid_order(lines=None, *, user=None) -> tuple[Order, Payment]:
    """An order paid in full by a VietQR transfer."""
    order = online_order(lines, user=user)
    payment = charge(started(order))
    order.refresh_from_db()
    return order, payment


def delivered_cod_part(seller, staff, *, user=None):
    """A cash-on-delivery order of ``seller``'s variant and another seller's, ``seller``'s
    part delivered by ``staff``; the order and that part."""
    order = place(
        [(stocked_variant(seller=seller), 1), (stocked_variant(), 1)],
        user=user,
        email=None if user else "khach.cod@example.vn",
    )
    part = order.seller_orders.get(seller=seller)
    fulfilment.seller_order_confirm(seller_order_id=part.pk, by=staff)
    fulfilment.seller_order_ship(seller_order_id=part.pk, by=staff, carrier="GHN")
    fulfilment.seller_order_deliver(seller_order_id=part.pk, by=staff)
    return order, part


def fuzz_objects(roles) -> tuple[list[tuple[str, object]], set[str]]:
    """For tests/core/test_fuzz_schema.py's ``known_objects``: payments of the roles' buyer
    to find by ID (one paid with its events, one pending with its QR code) and their
    orders (one still to pay), and the texts that name them (gateway codes and the
    payments' references)."""
    paid_for, paid = paid_order(user=roles["buyer"])
    unpaid = online_order(user=roles["buyer"])
    pending = started(unpaid)
    objects = [("Payment", paid), ("Payment", pending), ("Order", paid_for), ("Order", unpaid)]
    # Not "momo": no MoMo sandbox listens during the fuzz test, and an answer must not
    # depend on what happens to listen on the default address.
    return objects, {"vietqr", "vnpay", "stripe", paid.reference, pending.reference}
