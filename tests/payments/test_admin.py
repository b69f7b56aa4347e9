"""Django admin for payments: operators find the flagged payments and the inbox; nothing
can be added, changed or deleted there."""

import pytest
from django.urls import reverse

from payments.gateways.base import Notice
from payments.models import Notification, Payment
from payments.services.events import notice_apply
from tests.orders.factories import place, stocked_variant

pytestmark = pytest.mark.django_db


def flagged_and_plain() -> tuple[Payment, Payment]:
    made = []
    for amount_told in (1_000, None):
        order = place([(stocked_variant(), 1)], online=True)
        payment = Payment.objects.create(
            order=order, gateway="vnpay", reference=f"REF{order.pk}P1", amount=order.total
        )
        notice_apply(
            Notice(
                reference=payment.reference,
                kind="charge",
                amount=amount_told or payment.amount,
                gateway_reference=f"T{order.pk}",
            ),
            gateway="vnpay",
        )
        made.append(Payment.objects.get(pk=payment.pk))
    return made[0], made[1]


def test_the_flagged_payments_are_one_filter_away(admin_client):
    flagged, plain = flagged_and_plain()
    url = reverse("admin:payments_payment_changelist")

    listed = admin_client.get(url, {"needs_review__exact": "1"}).context["cl"].result_list

    assert list(listed) == [flagged]
    page = admin_client.get(reverse("admin:payments_payment_change", args=[plain.pk]))
    assert page.status_code == 200
    assert plain.reference in page.content.decode()


def test_payments_and_notifications_cannot_be_written_in_the_admin(admin_client):
    flagged, _plain = flagged_and_plain()
    Notification.objects.create(gateway="vnpay", method="GET", path="/payments/vnpay/ipn")

    assert admin_client.get(reverse("admin:payments_payment_add")).status_code == 403
    assert admin_client.get(reverse("admin:payments_notification_add")).status_code == 403
    deleted = admin_client.post(
        reverse("admin:payments_payment_delete", args=[flagged.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 403
    assert Payment.objects.filter(pk=flagged.pk).exists()
    assert admin_client.get(reverse("admin:payments_notification_changelist")).status_code == 200
