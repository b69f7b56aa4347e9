"""``manage.py sandbox_card_paid``: a card payment started against stripe-mock is confirmed
by the webhook the command sends over HTTP, once, as Stripe would."""

import pytest
from django.core.management import CommandError, call_command

from payments.models import Payment, TransactionEvent
from payments.services.start import payment_start
from tests.factories import UserFactory
from tests.orders.factories import place, stocked_variant

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_command_confirms_a_started_card_payment_once(live_server, settings, capsys):
    settings.PAYMENT_CALLBACK_BASE_URL = live_server.url
    settings.PAYMENT_METHODS = ["cod", "stripe"]
    buyer = UserFactory()
    order = place([(stocked_variant(price=120_000), 1)], user=buyer, online=True)
    payment = payment_start(order_id=order.pk, gateway_code="stripe", by=buyer, client_ip="1.2.3.4")

    call_command("sandbox_card_paid", payment.reference)
    call_command("sandbox_card_paid", payment.reference)

    assert "answered 200" in capsys.readouterr().out
    payment.refresh_from_db()
    assert (payment.status, payment.charged) == ("paid", payment.amount)
    assert TransactionEvent.objects.filter(payment=payment, kind="charge").count() == 1
    order.refresh_from_db()
    assert order.payment_status == "paid"


def test_the_command_refuses_without_sandboxes_or_a_started_payment(settings):
    settings.PAYMENT_SANDBOXES = False
    with pytest.raises(CommandError, match="sandboxes are off"):
        call_command("sandbox_card_paid", "OCOP2026000001P1")
    settings.PAYMENT_SANDBOXES = True
    with pytest.raises(CommandError, match="No started card payment"):
        call_command("sandbox_card_paid", "OCOP2026000001P1")
    assert not Payment.objects.exists()
