"""Who may run each mutation of the buying flow: every mutation as every role.

A checkout is its buyer's, or a guest's reached by its token. Each role tries the
checkout it could hold: the guest its own guest checkout by its token, everybody else the
own buyer's checkout (whose token they somehow learnt). The buyer and the guest act;
everybody else gets the same ``NOT_FOUND`` as for a token that matches nothing (so a
token tells nothing), operators ``PERMISSION_DENIED`` (they may read it, not change it),
and signing in is needed to attach a checkout. A refused call changes nothing.
"""

from dataclasses import dataclass

import pytest
from graphene.utils.str_converters import to_camel_case
from graphql_relay import to_global_id

from market.checkout import services
from market.checkout.graphql.checkout_mutations import CheckoutFlowMutations
from market.checkout.models import Checkout, CheckoutDelivery, CheckoutLine, Reservation
from market.orders.models import Order
from tests.checkout.factories import ShippingMethodFactory
from tests.checkout.flow import checkout_ready
from tests.factories import ProductFactory, StockFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "guest_with_token",
    "own_buyer",
    "other_buyer",
    "other_staff",
    "own_staff",
    "auditor",
    "operator",
)
ACTORS = {"guest_with_token", "own_buyer"}
ADDRESS = {
    "fullName": "Trần Văn Minh",
    "phone": "+84 905 123 456",
    "street": "3 Thống Nhất",
    "ward": "Phường Đô Vinh",
    "province": "Khánh Hòa",
}


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)


@dataclass
class World:
    seller: object
    variant: object
    extra: object
    method: object
    buyer_checkout: Checkout
    guest_checkout: Checkout


@pytest.fixture
def world(roles) -> World:
    seller = roles["seller"]
    product = ProductFactory(seller=seller)
    variant = StockFactory(variant=VariantFactory(product=product), quantity=40).variant
    extra = StockFactory(variant=VariantFactory(product=product), quantity=40).variant
    method = ShippingMethodFactory(seller=seller)
    buyer = UserFactory()
    roles["own_buyer"] = buyer
    roles["other_buyer"] = roles["buyer"]
    roles["guest_with_token"] = None
    return World(
        seller=seller,
        variant=variant,
        extra=extra,
        method=method,
        buyer_checkout=checkout_ready(buyer, [variant], quantity=2),
        guest_checkout=checkout_ready(None, [variant], quantity=2),
    )


def _line(checkout) -> str:
    return gid("CheckoutLine", CheckoutLine.objects.get(checkout=checkout).pk)


@dataclass(frozen=True)
class Case:
    document: str
    variables: object  # (world, checkout) -> dict
    allowed: frozenset = frozenset(ACTORS)
    signed_in: bool = False


PAYLOAD = "checkout { token } errors { field code }"
CASES = {
    "checkoutCreate": Case(
        f"""mutation($input: CheckoutCreateInput!) {{ checkoutCreate(input: $input) {{
              {PAYLOAD} }} }}""",
        lambda w, c: {
            "input": {"lines": [{"variant": gid("ProductVariant", w.extra.pk), "quantity": 1}]}
        },
        # Anyone may start a checkout of their own; nobody reaches another's through it.
        allowed=frozenset(ROLES),
    ),
    "checkoutLinesAdd": Case(
        f"""mutation($token: String!, $lines: [CheckoutLineInput!]!) {{
              checkoutLinesAdd(token: $token, lines: $lines) {{ {PAYLOAD} }} }}""",
        lambda w, c: {
            "token": str(c.token),
            "lines": [{"variant": gid("ProductVariant", w.extra.pk), "quantity": 1}],
        },
    ),
    "checkoutLinesUpdate": Case(
        f"""mutation($token: String!, $lines: [CheckoutLineUpdateInput!]!) {{
              checkoutLinesUpdate(token: $token, lines: $lines) {{ {PAYLOAD} }} }}""",
        lambda w, c: {"token": str(c.token), "lines": [{"line": _line(c), "quantity": 5}]},
    ),
    "checkoutLinesDelete": Case(
        f"""mutation($token: String!, $lines: [ID!]!) {{
              checkoutLinesDelete(token: $token, lines: $lines) {{ {PAYLOAD} }} }}""",
        lambda w, c: {"token": str(c.token), "lines": [_line(c)]},
    ),
    "checkoutEmailUpdate": Case(
        f"""mutation($token: String!) {{
              checkoutEmailUpdate(token: $token, email: "ke-gian@example.vn") {{ {PAYLOAD} }} }}""",
        lambda w, c: {"token": str(c.token)},
    ),
    "checkoutShippingAddressUpdate": Case(
        f"""mutation($token: String!, $address: CheckoutAddressInput!) {{
              checkoutShippingAddressUpdate(token: $token, shippingAddress: $address) {{
                {PAYLOAD} }} }}""",
        lambda w, c: {"token": str(c.token), "address": ADDRESS},
    ),
    "checkoutDeliveryMethodUpdate": Case(
        f"""mutation($token: String!, $methods: [CheckoutDeliveryMethodInput!]!) {{
              checkoutDeliveryMethodUpdate(token: $token, deliveryMethods: $methods) {{
                {PAYLOAD} }} }}""",
        lambda w, c: {
            "token": str(c.token),
            "methods": [
                {
                    "seller": gid("Seller", w.seller.pk),
                    "shippingMethod": gid("ShippingMethod", w.method.pk),
                }
            ],
        },
    ),
    "checkoutPaymentMethodUpdate": Case(
        f"""mutation($token: String!) {{
              checkoutPaymentMethodUpdate(token: $token, paymentMethod: "cod") {{
                {PAYLOAD} }} }}""",
        lambda w, c: {"token": str(c.token)},
    ),
    "checkoutCustomerAttach": Case(
        f"""mutation($token: String!) {{
              checkoutCustomerAttach(token: $token) {{ {PAYLOAD} }} }}""",
        lambda w, c: {"token": str(c.token)},
        # The buyer attaches their own (answered as it is); a guest must sign in first.
        allowed=frozenset({"own_buyer"}),
        signed_in=True,
    ),
    "checkoutComplete": Case(
        """mutation($token: String!) {
              checkoutComplete(token: $token) { order { number } errors { field code } } }""",
        lambda w, c: {"token": str(c.token)},
    ),
}


def _snapshot():
    checkouts = Checkout.objects.values_list(
        "pk", "email", "payment_method", "user_id", "updated_at"
    )
    addresses = Checkout.objects.values_list("pk", "shipping_address")
    return (
        sorted(checkouts),
        sorted((pk, str(address)) for pk, address in addresses),
        sorted(CheckoutLine.objects.values_list("pk", "checkout_id", "variant_id", "quantity")),
        sorted(Reservation.objects.values_list("pk", "line_id", "quantity")),
        sorted(CheckoutDelivery.objects.values_list("pk", "checkout_id", "shipping_method_id")),
        Order.objects.count(),
    )


def _refusal_for(role: str, case: Case) -> str:
    if case.signed_in and role in {"anonymous", "guest_with_token"}:
        return "AUTHENTICATION_REQUIRED"
    if role == "operator":
        return "PERMISSION_DENIED"
    return "NOT_FOUND"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_checkout_mutation_as_every_role(name, role, graphql, auth_headers, roles, world):
    case = CASES[name]
    target = world.guest_checkout if role == "guest_with_token" else world.buyer_checkout
    before = _snapshot()

    status, body = graphql(
        case.document, case.variables(world, target), **auth_headers(roles[role])
    )

    assert status == 200
    assert "errors" not in body, body
    payload = body["data"][name]
    if role in case.allowed:
        assert payload["errors"] == [], (role, payload)
        assert _snapshot() != before or name == "checkoutCustomerAttach"
    else:
        assert [error["code"] for error in payload["errors"]] == [_refusal_for(role, case)]
        assert _snapshot() == before


def test_the_matrix_lists_every_mutation_of_the_flow():
    assert set(CASES) == {to_camel_case(name) for name in CheckoutFlowMutations._meta.fields}


def test_anyone_signed_in_holding_a_guests_token_may_take_it_over(roles, world):
    taken = services.checkout_customer_attach(
        by=roles["other_staff"], token=str(world.guest_checkout.token)
    )

    assert taken.pk == world.guest_checkout.pk
    assert taken.user == roles["other_staff"]
