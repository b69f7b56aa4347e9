"""A global ID is accepted only in the spelling the API writes: one name per object."""

import base64

import pytest
from graphql_relay import to_global_id

from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

NODE = "query ($id: ID!) { node(id: $id) { id ... on Product { name } } }"
PRODUCT = "query ($id: ID!) { product(id: $id) { id name } }"


def raw(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def other_padding(encoded: str) -> str:
    """The same bytes with the padding dropped, or with padding where none belongs."""
    return encoded.rstrip("=") if encoded.endswith("=") else encoded + "=="


@pytest.fixture
def product():
    return ProductFactory(name="Nho sấy dẻo", is_published=True)


def test_the_canonical_id_resolves(graphql, product):
    status, body = graphql(NODE, {"id": to_global_id("Product", product.pk)})

    assert status == 200
    assert body["data"]["node"]["name"] == "Nho sấy dẻo"


@pytest.mark.parametrize(
    "spelling",
    [
        lambda pk: raw(f"Product:0{pk}"),  # zero padding
        lambda pk: raw(
            f"Product:{pk}".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        ),
        lambda pk: raw(f"Product: {pk}"),  # int() strips spaces
        lambda pk: raw(f"Product:{pk}\n"),
        lambda pk: raw(f"Product:+{pk}"),
        lambda pk: other_padding(raw(f"Product:{pk}")),
        lambda pk: raw(f"Product:{pk}") + "\n",
        lambda pk: "Product:²",
        lambda pk: raw("Product:²"),
        lambda pk: raw("Product:१"),  # a Devanagari digit
    ],
)
def test_other_spellings_of_the_same_id_are_refused(graphql, product, spelling):
    other = spelling(product.pk)
    for query, field in ((NODE, "node"), (PRODUCT, "product")):
        status, body = graphql(query, {"id": other})

        assert status == 200, body
        assert body["data"] in (None, {field: None})
        [error] = body["errors"]
        assert error["extensions"]["code"] == "INVALID_ID", error


def test_a_mutation_refuses_a_padded_id(graphql, auth_headers, roles):
    product = ProductFactory(seller=roles["seller"])
    mutation = """
    mutation ($id: ID!) { productDelete(id: $id) { errors { field code } } }
    """
    status, body = graphql(
        mutation, {"id": raw(f"Product:00{product.pk}")}, **auth_headers(roles["own_owner"])
    )

    assert status == 200
    assert body["data"]["productDelete"]["errors"] == [{"field": "id", "code": "INVALID_ID"}]
