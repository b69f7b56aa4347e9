"""The payment methods offered: an online method only when its gateway is configured.

Card payments need a Stripe server (``STRIPE_API_BASE``, stripe-mock here) and a key to call
it with (``STRIPE_SECRET_KEY``); without them (``make run``'s default) the card is not
offered: not listed to a checkout or by ``paymentGateways``, not chosen by a checkout, not
started on an order, and a checkout that chose it before cannot be completed with it.
"""

import pytest
from graphql_relay import to_global_id

from market.checkout import services as checkout_services
from market.checkout.models import Checkout
from market.orders.models import Order
from payments import methods
from payments.gateways import gateways
from payments.models import Payment
from tests.checkout.flow import checkout_ready, codes, refused, shop_build, token_of
from tests.payments.graphql_world import online_order

pytestmark = pytest.mark.django_db

EVERY = ["cod", "vnpay", "momo", "vietqr", "stripe"]
WITHOUT_CARD = ["cod", "vnpay", "momo", "vietqr"]
STRIPE_UNSET = [
    pytest.param({"STRIPE_API_BASE": None}, id="no-api-base"),
    pytest.param({"STRIPE_SECRET_KEY": ""}, id="no-secret-key"),
    pytest.param({"STRIPE_API_BASE": None, "STRIPE_SECRET_KEY": ""}, id="neither"),
]
CHOOSE = """mutation($token: String!, $method: String!) {
  checkoutPaymentMethodUpdate(token: $token, paymentMethod: $method) {
    checkout { paymentMethod { code } availablePaymentMethods { code } }
    errors { field code message }
  }
}"""
GATEWAYS = "{ paymentGateways { code online } }"
START = """mutation($id: ID!, $gateway: String!, $token: String) {
  orderPaymentStart(id: $id, gateway: $gateway, token: $token) {
    payment { gateway status }
    errors { field code message }
  }
}"""


@pytest.fixture
def stripe_configured(settings):
    settings.PAYMENT_METHODS = EVERY
    settings.STRIPE_API_BASE = "http://127.0.0.1:12111"
    settings.STRIPE_SECRET_KEY = "sk_test_ocop"
    return settings


@pytest.fixture(params=STRIPE_UNSET)
def stripe_unset(request, stripe_configured):
    for name, value in request.param.items():
        setattr(stripe_configured, name, value)
    return stripe_configured


def offered() -> list[str]:
    return [method.code for method in methods.methods_available()]


def test_every_method_is_offered_in_order_with_a_stripe_server(stripe_configured):
    assert offered() == EVERY
    assert methods.method_named("stripe") is methods.CARD


def test_the_card_is_not_offered_without_a_stripe_server_and_key(stripe_unset):
    assert offered() == WITHOUT_CARD
    assert methods.method_named("stripe") is None
    assert methods.method_named("vietqr") is methods.VIETQR


def test_the_order_of_the_setting_is_kept_and_unknown_codes_are_left_out(stripe_configured):
    stripe_configured.PAYMENT_METHODS = ["stripe", "vietqr", "paypal", "cod"]
    assert offered() == ["stripe", "vietqr", "cod"]

    stripe_configured.STRIPE_API_BASE = None
    assert offered() == ["vietqr", "cod"]


def test_only_stripe_depends_on_its_settings(stripe_unset):
    configured = {code: gateway.configured() for code, gateway in gateways().items()}
    assert configured == {"vnpay": True, "momo": True, "vietqr": True, "stripe": False}


def test_the_settings_are_read_at_each_call(stripe_configured):
    card = gateways()["stripe"]
    assert card.configured() is True
    stripe_configured.STRIPE_SECRET_KEY = ""
    assert card.configured() is False


def test_payment_gateways_leaves_the_card_out_without_stripe(graphql, stripe_unset):
    _status, body = graphql(GATEWAYS)

    assert [item["code"] for item in body["data"]["paymentGateways"]] == WITHOUT_CARD


def test_payment_gateways_lists_the_card_with_stripe(graphql, stripe_configured):
    _status, body = graphql(GATEWAYS)

    assert [item["code"] for item in body["data"]["paymentGateways"]] == EVERY


def test_a_checkout_cannot_choose_the_card_without_stripe(graphql, stripe_unset):
    shop = shop_build(sellers=1, variants_per_seller=1)
    checkout = checkout_ready(None, shop.variants[shop.sellers[0].pk])

    _status, body = graphql(CHOOSE, {"token": token_of(checkout), "method": "stripe"})

    answer = body["data"]["checkoutPaymentMethodUpdate"]
    assert answer["checkout"] is None
    assert [(e["field"], e["code"]) for e in answer["errors"]] == [
        ("paymentMethod", "PAYMENT_METHOD_UNAVAILABLE")
    ]
    assert "stripe" in answer["errors"][0]["message"]
    # Nothing changed: the checkout keeps the method it had.
    assert Checkout.objects.get(pk=checkout.pk).payment_method == "cod"

    _status, body = graphql(CHOOSE, {"token": token_of(checkout), "method": "vietqr"})
    chosen = body["data"]["checkoutPaymentMethodUpdate"]["checkout"]
    assert chosen["paymentMethod"] == {"code": "vietqr"}
    assert [item["code"] for item in chosen["availablePaymentMethods"]] == WITHOUT_CARD


def test_a_checkout_chooses_the_card_with_stripe(graphql, stripe_configured):
    shop = shop_build(sellers=1, variants_per_seller=1)
    checkout = checkout_ready(None, shop.variants[shop.sellers[0].pk])

    _status, body = graphql(CHOOSE, {"token": token_of(checkout), "method": "stripe"})

    answer = body["data"]["checkoutPaymentMethodUpdate"]
    assert answer["errors"] == []
    assert answer["checkout"]["paymentMethod"] == {"code": "stripe"}
    assert Checkout.objects.get(pk=checkout.pk).payment_method == "stripe"


def test_a_checkout_that_chose_the_card_cannot_complete_once_stripe_is_gone(stripe_configured):
    shop = shop_build(sellers=1, variants_per_seller=1)
    checkout = checkout_ready(None, shop.variants[shop.sellers[0].pk])
    checkout_services.checkout_payment_method_update(
        by=None, token=token_of(checkout), payment_method="stripe"
    )
    stripe_configured.STRIPE_API_BASE = None

    refusal = refused(checkout_services.checkout_complete, by=None, token=token_of(checkout))

    assert codes(refusal) == ["PAYMENT_METHOD_UNAVAILABLE"]
    assert not Order.objects.exists()


def test_an_order_cannot_start_a_card_payment_without_stripe(graphql, stripe_unset):
    order = online_order(gateway="stripe")

    _status, body = graphql(
        START,
        {"id": to_global_id("Order", order.pk), "gateway": "stripe", "token": str(order.token)},
    )

    answer = body["data"]["orderPaymentStart"]
    assert answer["payment"] is None
    assert [(e["field"], e["code"]) for e in answer["errors"]] == [("gateway", "INVALID")]
    assert not Payment.objects.exists()
