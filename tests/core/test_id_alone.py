"""A related object asked only for its ``id`` is answered from the key its root holds
(``market.core.graphql.dataloaders.load_key``), the same id, without a query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from tests.checkout.flow import checkout_ready, shop_build, token_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

QUERY = """query($token: String!) { checkout(token: $token) {
  deliveryGroups { seller { %s } } } }"""


def ask(graphql, headers, token, selection: str):
    with CaptureQueriesContext(connection) as queries:
        _status, answer = graphql(QUERY % selection, {"token": token}, **headers)
    assert "errors" not in answer, answer
    groups = answer["data"]["checkout"]["deliveryGroups"]
    return [group["seller"] for group in groups], len(queries)


def test_a_seller_asked_only_for_its_id_costs_no_query_and_answers_the_same_id(
    graphql, auth_headers
):
    shop = shop_build(sellers=2)
    buyer = UserFactory()
    checkout = checkout_ready(buyer, [shop.variants[s.pk][0] for s in shop.sellers])
    token, headers = token_of(checkout), auth_headers(buyer)

    ids_alone, fewer = ask(graphql, headers, token, "id __typename")
    loaded, more = ask(graphql, headers, token, "id name")

    expected = sorted(to_global_id("Seller", seller.pk) for seller in shop.sellers)
    assert sorted(seller["id"] for seller in ids_alone) == expected
    assert [seller["id"] for seller in ids_alone] == [seller["id"] for seller in loaded]
    assert {seller["name"] for seller in loaded} == {seller.name for seller in shop.sellers}
    assert more - fewer == 1  # the sellers' one batched query, only when a field needs it


def test_a_fragment_or_a_directive_loads_the_row(graphql, auth_headers):
    shop = shop_build(sellers=1)
    buyer = UserFactory()
    checkout = checkout_ready(buyer, [shop.variants[shop.sellers[0].pk][0]])
    token, headers = token_of(checkout), auth_headers(buyer)

    _plain, alone = ask(graphql, headers, token, "id")
    _fragment, with_fragment = ask(graphql, headers, token, "... on Seller { id }")
    _directive, with_directive = ask(graphql, headers, token, "id @include(if: true)")

    assert with_fragment == with_directive == alone + 1
