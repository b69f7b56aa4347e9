"""Order emails: to the buyer (placed, shipped, cancelled) and to each seller's staff
(a new order). Sent by the Celery tasks of ``market.orders.tasks``, queued on commit.

A buyer may be a guest with nothing but an email address: buyer emails go to the order's
``email``, in the order's language (the one the buyer checked out in, Vietnamese unless
they chose another the marketplace offers), and a guest's email carries the link with the
order's token, which is how a guest follows the order. Staff get theirs in the
marketplace's language (``in_recipient_language``). Each email sent is an event of the
order's timeline.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from market.accounts.emails import in_recipient_language, send_to_user
from market.core.sql import instances_insert
from market.orders.models import Order, OrderEvent, OrderLine, SellerOrder
from market.orders.selectors import order_lines_with_lots, seller_orders_with_order
from market.sellers.selectors import active_memberships_with_users
from traceability.resolver_trace import lot_uri


def _buyer_language(order: Order) -> str:
    offered = {code for code, _name in settings.LANGUAGES}
    return order.language if order.language in offered else settings.LANGUAGE_CODE


def order_link(order: Order) -> str:
    """Where the buyer follows the order: their account's page, or a guest's token link."""
    base = settings.STOREFRONT_URL.rstrip("/")
    if order.user_id is None:
        return f"{base}/orders/track/{order.token}/"
    return f"{base}/account/orders/{order.number}/"


def _send_to_buyer(order: Order, *, kind: str, subject, template: str, context: dict) -> int:
    _buyer_email(order, kind=kind, subject=subject, template=template, context=context).save()
    return 1


def _buyer_email(order: Order, *, kind: str, subject, template: str, context: dict) -> OrderEvent:
    """Send the buyer's email; the event that records it, for the caller to save."""
    with translation.override(_buyer_language(order)):
        body = render_to_string(
            template,
            {
                "order": order,
                "name": (order.shipping_address or {}).get("full_name", ""),
                "link": order_link(order),
                **context,
            },
        ).strip()
        send_mail(str(subject()), body + "\n", None, [order.email])
    return OrderEvent(
        order=order,
        seller_order=context.get("seller_order"),
        type=OrderEvent.Type.EMAIL_SENT,
        data={"actor": "platform", "email": kind, "to": order.email},
    )


def _lines(seller_order: SellerOrder) -> list[dict]:
    return [_line_shown(line) for line in seller_order.lines.select_related("lot").order_by("pk")]


def _line_shown(line: OrderLine) -> dict:
    return {"line": line, "trace_url": lot_uri(line.lot) if line.lot_id else ""}


def send_order_placed_emails(order_id: int) -> int:
    """A placed order's emails, the order and its parts read once: the buyer's, then each
    seller's staff's. Returns how many were sent.

    The order with its parts, their lines and the sellers' members are read in one query
    each, whatever the number of sellers; the events of the emails sent are written
    together at the end, also when a later email fails."""
    seller_orders = seller_orders_with_order(order_id)
    order = seller_orders[0].order if seller_orders else Order.objects.filter(pk=order_id).first()
    if order is None:
        return 0
    lines_of: dict[int, list[dict]] = {part.pk: [] for part in seller_orders}
    for line in order_lines_with_lots(list(lines_of)):
        lines_of[line.seller_order_id].append(_line_shown(line))
    members_of: dict[int, list] = {part.seller_id: [] for part in seller_orders}
    for membership in active_memberships_with_users(list(members_of)):
        members_of[membership.seller_id].append(membership.user)
    parts = [{"seller_order": part, "lines": lines_of[part.pk]} for part in seller_orders]
    events: list[OrderEvent] = []
    try:
        events.append(
            _buyer_email(
                order,
                kind="placed",
                subject=lambda: (
                    _("Your order %(number)s has been placed") % {"number": order.number}
                ),
                template="orders/email/order_placed.txt",
                context={"parts": parts, "unpaid": order.status == Order.Status.UNPAID},
            )
        )
        sent = 1
        for part in seller_orders:
            sent += _seller_new_order_emails(
                part, lines_of[part.pk], members_of[part.seller_id], events
            )
    finally:
        instances_insert(events)
    return sent


def send_seller_order_shipped(seller_order_id: int) -> int:
    part = SellerOrder.objects.select_related("order", "seller").filter(pk=seller_order_id).first()
    if part is None:
        return 0
    return _send_to_buyer(
        part.order,
        kind="shipped",
        subject=lambda: (
            _("%(seller)s has shipped your order %(number)s")
            % {"seller": part.seller.name, "number": part.order.number}
        ),
        template="orders/email/seller_order_shipped.txt",
        context={"seller_order": part, "lines": _lines(part)},
    )


def send_seller_order_cancelled(seller_order_id: int) -> int:
    part = SellerOrder.objects.select_related("order", "seller").filter(pk=seller_order_id).first()
    if part is None:
        return 0
    return _send_to_buyer(
        part.order,
        kind="cancelled",
        subject=lambda: (
            _("Part of your order %(number)s has been cancelled") % {"number": part.order.number}
        ),
        template="orders/email/seller_order_cancelled.txt",
        context={"seller_order": part, "lines": _lines(part)},
    )


def send_order_cancelled(order_id: int) -> int:
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return 0
    return _send_to_buyer(
        order,
        kind="cancelled",
        subject=lambda: _("Your order %(number)s has been cancelled") % {"number": order.number},
        template="orders/email/order_cancelled.txt",
        context={"expired": order.status == Order.Status.EXPIRED},
    )


def _seller_new_order_emails(
    part: SellerOrder, lines: list[dict], members: list, events: list[OrderEvent]
) -> int:
    """One email to each active owner and staff member of the seller (``members``, active
    users in the order they joined), its event added to ``events``; returns how many."""
    sent = 0
    for user in members:
        if not user.email:
            continue
        with in_recipient_language(user):
            send_to_user(
                user,
                subject=_("New order %(number)s for %(seller)s")
                % {"number": part.number, "seller": part.seller.name},
                template="orders/email/seller_new_order.txt",
                context={"seller_order": part, "order": part.order, "lines": lines},
            )
        sent += 1
    if sent:
        events.append(
            OrderEvent(
                order=part.order,
                seller_order=part,
                type=OrderEvent.Type.EMAIL_SENT,
                data={"actor": "platform", "email": "seller_new_order", "recipients": sent},
            )
        )
    return sent
