"""Who may manage a seller's shipping methods: every mutation as every role.

The seller's own staff and owner, and operators, create, change and delete its methods;
everybody else is refused (signed out: ``AUTHENTICATION_REQUIRED``; signed in:
``PERMISSION_DENIED``, the same for another seller's method as for a missing one), and a
refused call leaves the methods and the checkouts' choices as they were.
"""

from dataclasses import dataclass

import pytest
from graphene.utils.str_converters import to_camel_case
from graphql_relay import to_global_id

from market.checkout.graphql.shipping_mutations import ShippingMethodMutations
from market.checkout.models import CheckoutDelivery, ShippingMethod
from tests.checkout.factories import CheckoutDeliveryFactory, ShippingMethodFactory
from tests.conftest import ROLES
from tests.permission_matrix import assert_matrix_cell

pytestmark = pytest.mark.django_db

SELLER_SIDE = {"own_staff", "own_owner", "operator"}


@dataclass(frozen=True)
class World:
    method: ShippingMethod


@pytest.fixture
def world(roles):
    method = ShippingMethodFactory(seller=roles["seller"], name="Giao hàng tiêu chuẩn")
    # Chosen on an open checkout: a refused delete must keep that choice too.
    CheckoutDeliveryFactory(shipping_method=method)
    return World(method=method)


@dataclass(frozen=True)
class Case:
    document: str
    allowed: set[str]
    variables: object  # (world, roles) -> dict


CASES = {
    "shippingMethodCreate": Case(
        """mutation($input: ShippingMethodCreateInput!) {
             shippingMethodCreate(input: $input) {
               shippingMethod { name } errors { field code } } }""",
        SELLER_SIDE,
        lambda w, r: {
            "input": {
                "seller": to_global_id("Seller", r["seller"].pk),
                "name": "Miễn phí giao hàng từ 500.000 đ",
                "kind": "FREE_ABOVE",
                "price": 30000,
                "freeAbove": 500000,
            }
        },
    ),
    "shippingMethodUpdate": Case(
        """mutation($id: ID!, $input: ShippingMethodInput!) {
             shippingMethodUpdate(id: $id, input: $input) {
               shippingMethod { price { amount } } errors { field code } } }""",
        SELLER_SIDE,
        lambda w, r: {
            "id": to_global_id("ShippingMethod", w.method.pk),
            "input": {"price": 35000},
        },
    ),
    "shippingMethodDelete": Case(
        """mutation($id: ID!) {
             shippingMethodDelete(id: $id) { shippingMethod { name } errors { field code } } }""",
        SELLER_SIDE,
        lambda w, r: {"id": to_global_id("ShippingMethod", w.method.pk)},
    ),
}


def snapshot() -> dict:
    return {
        "ShippingMethod": list(ShippingMethod.objects.order_by("pk").values()),
        "CheckoutDelivery": list(CheckoutDelivery.objects.order_by("pk").values()),
    }


def test_the_matrix_covers_every_shipping_method_mutation():
    declared = {to_camel_case(name) for name in ShippingMethodMutations._meta.fields}
    assert declared == set(CASES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("mutation", list(CASES))
def test_permission_matrix(graphql, auth_headers, roles, world, mailoutbox, mutation, role):
    case = CASES[mutation]
    before = snapshot()

    status, body = graphql(case.document, case.variables(world, roles), **auth_headers(roles[role]))

    assert status == 200, body
    assert_matrix_cell(
        body=body,
        mutation=mutation,
        role=role,
        allowed=case.allowed,
        signed_out={"anonymous"},
        before=before,
        snapshot=snapshot,
        mailoutbox=mailoutbox,
    )


@pytest.mark.parametrize("mutation", ["shippingMethodUpdate", "shippingMethodDelete"])
def test_other_staff_get_the_same_answer_for_a_missing_method(
    graphql, auth_headers, roles, world, mutation
):
    case = CASES[mutation]
    headers = auth_headers(roles["other_staff"])
    answers = []
    for pk in (world.method.pk, world.method.pk + 1000):
        variables = {**case.variables(world, roles), "id": to_global_id("ShippingMethod", pk)}
        _status, body = graphql(case.document, variables, **headers)
        answers.append(body["data"][mutation])
    assert answers[0] == answers[1]
    assert [error["code"] for error in answers[0]["errors"]] == ["PERMISSION_DENIED"]
