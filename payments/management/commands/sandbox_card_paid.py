"""``manage.py sandbox_card_paid <reference>``: Stripe's word that a card paid, on `make run`.

stripe-mock keeps no state and sends no webhooks, so on a developer's machine nothing
would ever confirm a card payment started against it. This sends the webhook Stripe would
send after the buyer's card went through (``payment_intent.succeeded`` for the payment's
intent and amount, signed with ``STRIPE_WEBHOOK_SECRET``) to this server's endpoint, over
HTTP, where it is handled as any other. Refused unless the sandboxes are on.
"""

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from payments.models import Payment
from payments.sandbox import senders


class Command(BaseCommand):
    help = "Send the signed Stripe webhook saying a started card payment succeeded."

    def add_arguments(self, parser):
        parser.add_argument("reference", help="The payment's reference, e.g. OCOP2026000001P1.")

    def handle(self, *args, reference: str, **options):
        if not settings.PAYMENT_SANDBOXES:
            raise CommandError("The payment sandboxes are off (PAYMENT_SANDBOXES).")
        payment = Payment.objects.filter(reference=reference, gateway="stripe").first()
        if payment is None or not payment.gateway_reference:
            raise CommandError(f"No started card payment has the reference {reference}.")
        sent = senders.stripe_event(
            "payment_intent.succeeded",
            payment.gateway_reference,
            payment.reference,
            payment.amount,
            event_id=f"evt_sandbox_{payment.reference}",
        )
        url = settings.PAYMENT_CALLBACK_BASE_URL.rstrip("/") + sent.path
        try:
            answer = requests.post(url, data=sent.body, headers=sent.headers, timeout=30)
        except requests.RequestException as error:
            raise CommandError(f"{url} did not answer: {error}") from None
        self.stdout.write(f"{url} answered {answer.status_code} {answer.text}")
