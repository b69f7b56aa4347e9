"""The placed order's emails read the order once, whatever the number of its sellers, and
record every email sent, also when a later one fails."""

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from market.orders import emails
from market.orders.models import OrderEvent
from tests.factories import SellerFactory
from tests.orders.factories import place, staff_of, stocked_variant

pytestmark = pytest.mark.django_db

REFUSED = "refused@example.vn"


class RefusingBackend(EmailBackend):
    """The in-memory outbox, refusing one address as a mail server would."""

    def send_messages(self, messages):
        if any(REFUSED in message.to for message in messages):
            raise ConnectionRefusedError("the mail server refused the recipient")
        return super().send_messages(messages)


def _order_of(sellers: int):
    variants = []
    for _ in range(sellers):
        seller = SellerFactory()
        staff_of(seller, role="owner")
        staff_of(seller)
        variants.append((stocked_variant(seller=seller), 1))
    return place(variants)


def _queries(order) -> int:
    with CaptureQueriesContext(connection) as queries:
        sent = emails.send_order_placed_emails(order.pk)
    assert sent == 1 + 2 * order.seller_orders.count()
    return len(queries)


def test_the_placed_emails_cost_the_same_at_one_seller_and_at_three(mailoutbox):
    one, three = _queries(_order_of(1)), _queries(_order_of(3))

    assert one == three
    # The order with its parts, their lines, the sellers' members, and one INSERT of the
    # events (a Celery worker, outside any transaction, adds the INSERT's BEGIN and COMMIT).
    assert three == 4, three


def test_the_emails_sent_before_a_failure_stay_recorded(settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.orders.test_emails_placed_reads.RefusingBackend"
    first, second = SellerFactory(), SellerFactory()
    staff_of(first)
    staff_of(second, user__email=REFUSED)
    order = place([(stocked_variant(seller=first), 1), (stocked_variant(seller=second), 1)])

    with pytest.raises(ConnectionRefusedError):
        emails.send_order_placed_emails(order.pk)

    assert len(mail.outbox) == 2
    recorded = list(
        OrderEvent.objects.filter(order=order, type=OrderEvent.Type.EMAIL_SENT)
        .order_by("pk")
        .values_list("data__email", "seller_order__seller_id")
    )
    assert recorded == [("placed", None), ("seller_new_order", first.pk)]
