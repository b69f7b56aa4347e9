"""The official Stripe client against stripe-mock."""

import pytest
import stripe
from django.conf import settings


def make_client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
    )


def test_payment_intent_in_vnd_is_created_and_retrieved():
    client = make_client()

    created = client.v1.payment_intents.create(
        params={"amount": 150_000, "currency": "vnd", "metadata": {"order": "OCOP20250101001"}}
    )
    fetched = client.v1.payment_intents.retrieve(created.id)

    assert created.object == "payment_intent"
    assert created.id.startswith("pi_")
    assert created.amount == 150_000
    assert created.currency == "vnd"
    assert fetched.id == created.id
    assert fetched.object == "payment_intent"


def test_a_malformed_request_is_refused_with_a_typed_error():
    with pytest.raises(stripe.InvalidRequestError):
        make_client().v1.payment_intents.create(params={"amount": "many", "currency": "vnd"})
