"""Order emails through Celery after the commit: the buyer (a guest has only an email
address) on placed, shipped and cancelled; each seller's active staff on a new order."""

import pytest

from market.orders.models import OrderEvent
from market.orders.services import cancellation, fulfilment
from tests.factories import SellerFactory, UserFactory
from tests.orders.factories import lot_of, place, staff_of, stocked_variant
from traceability.resolver_trace import lot_uri

pytestmark = pytest.mark.django_db


def test_nothing_is_sent_before_the_commit(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        place([(stocked_variant(), 1)])
    assert mailoutbox == []
    assert len(callbacks) == 1  # one task: the buyer's email and each seller's


def test_a_placed_order_emails_the_buyer_and_each_sellers_active_staff(
    mailoutbox, django_capture_on_commit_callbacks
):
    seller, other_seller = SellerFactory(name="HTX Nho Thái An"), SellerFactory()
    owner = staff_of(seller, role="owner")
    staff = staff_of(seller)
    away = staff_of(seller, user__is_active=False)
    other = staff_of(other_seller)
    buyer = UserFactory(email="mai@example.vn")
    with django_capture_on_commit_callbacks(execute=True):
        order = place(
            [
                (stocked_variant(seller=seller, price=85_000), 2),
                (stocked_variant(seller=other_seller), 1),
            ],
            user=buyer,
        )

    to_buyer = [m for m in mailoutbox if m.to == ["mai@example.vn"]]
    assert len(to_buyer) == 1
    assert order.number in to_buyer[0].subject
    assert "170.000 ₫" in to_buyer[0].body
    assert f"/account/orders/{order.number}/" in to_buyer[0].body
    to_staff = sorted(m.to[0] for m in mailoutbox if m.to != ["mai@example.vn"])
    assert to_staff == sorted([owner.email, staff.email, other.email])
    assert away.email not in to_staff
    seller_email = next(m for m in mailoutbox if m.to == [staff.email])
    assert f"{order.number}-1" in seller_email.subject
    assert "HTX Nho Thái An" in seller_email.subject
    # Each email is in the order's timeline.
    sent = list(order.events.filter(type="email_sent").values_list("data__email", flat=True))
    assert sorted(sent) == ["placed", "seller_new_order", "seller_new_order"]


def test_a_guest_gets_the_email_at_their_address_with_the_token_link(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place([(stocked_variant(), 1)], email="khach.le@example.vn")
    guest_email = next(m for m in mailoutbox if m.to == ["khach.le@example.vn"])
    assert f"/orders/track/{order.token}/" in guest_email.body


def test_the_buyers_email_is_in_vietnamese_unless_the_order_was_in_english(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        place([(stocked_variant(), 1)], email="vi@example.vn")
        place([(stocked_variant(), 1)], email="en@example.vn", language="en")
        place([(stocked_variant(), 1)], email="xx@example.vn", language="fr")
    greetings = {m.to[0]: m.body.splitlines()[0] for m in mailoutbox}
    assert greetings == {
        "vi@example.vn": "Xin chào Trần Thị Mai,",
        "en@example.vn": "Hello Trần Thị Mai,",
        # A language the marketplace does not offer falls back to its own.
        "xx@example.vn": "Xin chào Trần Thị Mai,",
    }


def test_shipping_emails_the_buyer_the_carrier_and_the_trace_link(
    mailoutbox, django_capture_on_commit_callbacks
):
    seller = SellerFactory(name="HTX Tỏi Phan Rang")
    variant = stocked_variant(seller=seller)
    staff = staff_of(seller)
    order = place([(variant, 1)], email="khach@example.vn")
    part = order.seller_orders.get()
    lot = lot_of(variant)
    fulfilment.seller_order_confirm(seller_order_id=part.pk, by=staff)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.seller_order_ship(
            seller_order_id=part.pk,
            by=staff,
            carrier="Viettel Post",
            tracking_number="VTP999",
            lines=[{"line_id": part.lines.get().pk, "lot_id": lot.pk}],
        )
    (email,) = mailoutbox
    assert email.to == ["khach@example.vn"]
    assert "HTX Tỏi Phan Rang" in email.subject
    assert "Viettel Post" in email.body
    assert "VTP999" in email.body
    assert lot_uri(lot) in email.body


def test_cancelling_emails_the_buyer_once(mailoutbox, django_capture_on_commit_callbacks):
    buyer = UserFactory()
    order = place([(stocked_variant(), 1), (stocked_variant(), 1)], user=buyer)
    first, _second = order.seller_orders.order_by("pk")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cancellation.seller_order_cancel(
            seller_order_id=first.pk, by=staff_of(first.seller), reason="Mất mùa"
        )
    (email,) = mailoutbox
    assert email.to == [buyer.email]
    assert "Mất mùa" in email.body
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cancellation.order_cancel(order_id=order.pk, by=buyer)
    (email,) = mailoutbox
    assert order.number in email.subject
    assert OrderEvent.objects.filter(type="email_sent", data__email="cancelled").count() == 2


def test_a_refused_change_sends_nothing(mailoutbox, django_capture_on_commit_callbacks):
    order = place([(stocked_variant(), 1)])
    part = order.seller_orders.get()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):  # noqa: B017, PT011
        fulfilment.seller_order_ship(seller_order_id=part.pk, by=staff_of(part.seller), carrier="x")
    assert mailoutbox == []
