"""A checkout of six lines from three sellers costs the queries of one line: the query and
every mutation of the flow, each answering the whole checkout."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphene.utils.str_converters import to_camel_case
from graphql_relay import to_global_id

from market.checkout import services
from market.checkout.graphql.checkout_mutations import CheckoutFlowMutations
from market.checkout.models import CheckoutLine
from market.core.graphql.cost_map import COST_MAP
from tests.checkout.flow import checkout_ready, lines_of, shop_build
from tests.checkout.test_checkout_graphql import API_ADDRESS, CHECKOUT_FIELDS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAYLOAD = f"checkout {{ {CHECKOUT_FIELDS} }} errors {{ field code }}"
DOCUMENTS = {
    "checkoutCreate": f"""mutation($input: CheckoutCreateInput!) {{
        checkoutCreate(input: $input) {{ {PAYLOAD} }} }}""",
    "checkoutLinesAdd": f"""mutation($token: String!, $lines: [CheckoutLineInput!]!) {{
        checkoutLinesAdd(token: $token, lines: $lines) {{ {PAYLOAD} }} }}""",
    "checkoutLinesUpdate": f"""mutation($token: String!, $lines: [CheckoutLineUpdateInput!]!) {{
        checkoutLinesUpdate(token: $token, lines: $lines) {{ {PAYLOAD} }} }}""",
    "checkoutLinesDelete": f"""mutation($token: String!, $lines: [ID!]!) {{
        checkoutLinesDelete(token: $token, lines: $lines) {{ {PAYLOAD} }} }}""",
    "checkoutEmailUpdate": f"""mutation($token: String!) {{
        checkoutEmailUpdate(token: $token, email: "moi@example.vn") {{ {PAYLOAD} }} }}""",
    "checkoutShippingAddressUpdate": f"""mutation($token: String!, $a: CheckoutAddressInput!) {{
        checkoutShippingAddressUpdate(token: $token, shippingAddress: $a) {{ {PAYLOAD} }} }}""",
    "checkoutDeliveryMethodUpdate": f"""mutation(
        $token: String!, $methods: [CheckoutDeliveryMethodInput!]!) {{
        checkoutDeliveryMethodUpdate(token: $token, deliveryMethods: $methods) {{
          {PAYLOAD} }} }}""",
    "checkoutPaymentMethodUpdate": f"""mutation($token: String!) {{
        checkoutPaymentMethodUpdate(token: $token, paymentMethod: "cod") {{ {PAYLOAD} }} }}""",
    "checkoutCustomerAttach": f"""mutation($token: String!) {{
        checkoutCustomerAttach(token: $token) {{ {PAYLOAD} }} }}""",
    "checkoutComplete": """mutation($token: String!) {
        checkoutComplete(token: $token) {
          order { number total { amount } sellerOrders { number lines { sku quantity } } }
          orderToken errors { field code } } }""",
}
QUERY = f"query($token: String!) {{ checkout(token: $token) {{ {CHECKOUT_FIELDS} }} }}"


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)


def _variables(name: str, checkout, variants, shop) -> dict:
    if name == "checkoutCreate":
        return {
            "input": {
                "lines": [
                    {"variant": gid("ProductVariant", v.pk), "quantity": 1} for v in variants
                ],
                "email": "khach@example.vn",
                "shippingAddress": API_ADDRESS,
            }
        }
    token = str(checkout.token)
    lines = list(CheckoutLine.objects.filter(checkout=checkout).order_by("pk"))
    if name == "checkoutLinesAdd":
        return {
            "token": token,
            "lines": [{"variant": gid("ProductVariant", v.pk), "quantity": 2} for v in variants],
        }
    if name == "checkoutLinesUpdate":
        return {
            "token": token,
            "lines": [{"line": gid("CheckoutLine", line.pk), "quantity": 3} for line in lines],
        }
    if name == "checkoutLinesDelete":
        # Every line but the one of the extra variant, whose reservation is then renewed.
        kept = variants_extra_of(shop)
        return {
            "token": token,
            "lines": [gid("CheckoutLine", line.pk) for line in lines if line.variant_id != kept.pk],
        }
    if name == "checkoutShippingAddressUpdate":
        return {"token": token, "a": {**API_ADDRESS, "street": "5 Lê Lợi"}}
    if name == "checkoutDeliveryMethodUpdate":
        sellers = {v.product.seller_id for v in variants}
        return {
            "token": token,
            "methods": [
                {
                    "seller": gid("Seller", seller_id),
                    "shippingMethod": gid("ShippingMethod", shop.flat[seller_id].pk),
                }
                for seller_id in sellers
            ],
        }
    return {"token": token}


def _variants(shop, count: int) -> list:
    """``count`` variants over the sellers, two of each seller's first three."""
    every = [variant for seller in shop.sellers for variant in shop.variants[seller.pk][:2]]
    return every[:count]


def variants_extra_of(shop):
    """A variant ``_variants`` never gives."""
    return shop.variants[shop.sellers[0].pk][2]


def _count(graphql, headers, document, variables) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        status, body = graphql(document, variables, **headers)
    assert status == 200
    assert "errors" not in body, body
    payload = next(iter(body["data"].values()))
    if isinstance(payload, dict) and "errors" in payload:
        assert payload["errors"] == [], payload["errors"]
    return len(queries), body


def _run(name, graphql, auth_headers, count: int) -> int:
    shop = shop_build(sellers=3, variants_per_seller=3)
    variants = _variants(shop, count)
    buyer = UserFactory()
    if name == "checkoutCustomerAttach":
        # The buyer's own checkout and a guest's with the same variants: every line merges.
        checkout_ready(buyer, variants)
        target = services.checkout_create(by=None, lines=lines_of(variants))
    elif name == "checkoutCreate":
        target = None
    elif name == "checkoutLinesDelete":
        target = checkout_ready(buyer, [*variants, variants_extra_of(shop)])
    else:
        target = checkout_ready(buyer, variants)
    variables = _variables(name, target, variants, shop)
    queries, _body = _count(graphql, auth_headers(buyer), DOCUMENTS[name], variables)
    return queries


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_each_mutation_costs_the_same_at_one_line_and_at_six(name, graphql, auth_headers):
    one = _run(name, graphql, auth_headers, 1)
    six = _run(name, graphql, auth_headers, 6)

    assert one == six, (name, one, six)


def test_the_documents_cover_every_mutation_of_the_flow():
    assert set(DOCUMENTS) == {to_camel_case(name) for name in CheckoutFlowMutations._meta.fields}


@pytest.mark.parametrize("role", ["guest", "buyer", "operator"])
def test_the_checkout_query_costs_the_same_at_one_line_and_at_six(role, graphql, auth_headers):
    def run(count):
        shop = shop_build(sellers=3, variants_per_seller=2)
        buyer = None if role == "guest" else UserFactory()
        checkout = checkout_ready(buyer, _variants(shop, count))
        viewer = UserFactory(role="operator") if role == "operator" else buyer
        queries, body = _count(graphql, auth_headers(viewer), QUERY, {"token": str(checkout.token)})
        assert len(body["data"]["checkout"]["lines"]) == count
        return queries

    one, six = run(1), run(6)

    assert one == six
    # The checkout, its lines, the sellers' methods, the choices, the variants' products,
    # the sellers, the shipping methods' sellers, the stock.
    assert six <= 10, six


def test_the_cost_map_bounds_are_the_codes():
    assert COST_MAP["Checkout"]["lines"].items >= services.MAX_LINES
    assert COST_MAP["DeliveryGroup"]["lines"].items >= services.MAX_LINES
