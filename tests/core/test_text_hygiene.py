"""Text from clients is one spelling with nothing hidden: NFC, no controls, no bidi tricks."""

import pytest
from graphql_relay import to_global_id

from catalog.models import Product
from market.accounts.models import User
from market.sellers.models import Seller
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

PRODUCT_CREATE = """
mutation ($input: ProductCreateInput!) {
  productCreate(input: $input) {
    product { name description attributes { name value } }
    errors { field code message }
  }
}
"""

SELLER_CREATE = """
mutation ($input: SellerCreateInput!) {
  sellerCreate(input: $input) { seller { name } errors { field code } }
}
"""


@pytest.fixture
def create_product(graphql, auth_headers, roles):
    category = CategoryFactory()

    def create(**fields):
        values = {"name": "Nho sấy dẻo", "category": to_global_id("Category", category.pk)}
        values.update(fields)
        _status, body = graphql(
            PRODUCT_CREATE, {"input": values}, **auth_headers(roles["own_staff"])
        )
        return body["data"]["productCreate"]

    return create


def field_codes(payload) -> list[tuple[str, str]]:
    return [(error["field"], error["code"]) for error in payload["errors"]]


@pytest.mark.parametrize("name", ["\u200b\u200b", " \ufeff\u200b ", "\u2060", "   "])
def test_a_name_of_only_invisible_characters_is_required(create_product, name):
    payload = create_product(name=name)

    assert field_codes(payload) == [("name", "REQUIRED")]
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "Nho \u202egnp.exe\u202c sấy",  # right-to-left override
        "Nho \u2067sấy\u2069",  # right-to-left isolate
        "Nho\x00 sấy",  # NUL: PostgreSQL refuses it in text
        "Nho\x1b[31m sấy",  # terminal escape
        "Nho\u0085sấy",  # a C1 control
        "Nho \udcff sấy",  # a lone surrogate: not text at all
    ],
)
def test_hidden_and_control_characters_are_a_field_error(create_product, name):
    payload = create_product(name=name)

    assert payload["product"] is None
    assert field_codes(payload) == [("name", "INVALID_TEXT")]
    assert "U+" in payload["errors"][0]["message"]
    assert not Product.objects.exists()


def test_a_control_character_in_a_nested_field_names_its_path(create_product):
    payload = create_product(attributes=[{"name": "Xuất xứ", "value": "Ninh\x07 Thuận"}])

    assert field_codes(payload) == [("attributes.0.value", "INVALID_TEXT")]


def test_text_is_stored_in_nfc_and_trimmed(create_product):
    decomposed = "Nho sa\u0302\u0301y de\u0309o\u200b "
    payload = create_product(name=decomposed, description="Ngọt tự nhiên.\nKhông đường.\n")

    assert payload["errors"] == []
    product = Product.objects.get()
    assert product.name == "Nho sấy dẻo"
    assert product.description == "Ngọt tự nhiên.\nKhông đường."


def test_too_many_or_too_long_product_facts_are_refused(create_product):
    many = [{"name": f"Thông tin {i}", "value": "có"} for i in range(31)]
    long_value = [{"name": "Bảo quản", "value": "x" * 501}]

    assert field_codes(create_product(attributes=many)) == [("attributes", "INVALID")]
    assert field_codes(create_product(attributes=long_value)) == [("attributes", "INVALID")]
    assert not Product.objects.exists()


def test_seller_names_get_the_same_rules(graphql, auth_headers, roles):
    headers = auth_headers(roles["operator"])
    before = Seller.objects.count()

    _s, hidden = graphql(
        SELLER_CREATE, {"input": {"name": "HTX \u202eNho", "kind": "COOPERATIVE"}}, **headers
    )
    _s, blank = graphql(
        SELLER_CREATE, {"input": {"name": "\u200b", "kind": "COOPERATIVE"}}, **headers
    )

    assert [(e["field"], e["code"]) for e in hidden["data"]["sellerCreate"]["errors"]] == [
        ("name", "INVALID_TEXT")
    ]
    assert blank["data"]["sellerCreate"]["errors"][0]["field"] == "name"
    assert Seller.objects.count() == before


def test_passwords_are_checked_but_never_changed(graphql):
    # "ệ" written decomposed: NFC would turn it into other bytes and lock the owner out.
    password = "Vu\u0300ng-tro\u0302\u0300ng-ca\u0301t-55"
    register = """
    mutation ($email: String!, $password: String!) {
      accountRegister(input: {email: $email, password: $password}) { errors { code } }
    }
    """
    sign_in = """
    mutation ($email: String!, $password: String!) {
      tokenCreate(email: $email, password: $password) { token errors { field code } }
    }
    """
    _s, registered = graphql(register, {"email": "mua@example.vn", "password": password})
    assert registered["data"]["accountRegister"]["errors"] == []

    _s, body = graphql(sign_in, {"email": "mua@example.vn", "password": password})
    assert body["data"]["tokenCreate"]["token"]

    _s, surrogate = graphql(sign_in, {"email": "mua@example.vn", "password": "ab\udcff"})
    assert surrogate["data"]["tokenCreate"]["errors"] == [
        {"field": "password", "code": "INVALID_TEXT"}
    ]
    assert User.objects.get(email="mua@example.vn").check_password(password)


QUERIES_TAKING_TEXT = [
    "query ($q: String!) { search(query: $q) { totalCount } }",
    "query ($q: String!) { searchSuggest(prefix: $q) }",
    "query ($q: String!) { products(first: 2, filter: {search: $q}) { totalCount } }",
    "query ($q: String!) { product(slug: $q) { name } }",
    "query ($q: String!) { sellers(first: 2, filter: {search: $q}) { totalCount } }",
]


@pytest.mark.parametrize("query", QUERIES_TAKING_TEXT)
@pytest.mark.parametrize("text", ["nho\x00", "nho \udcff sấy"])
def test_a_query_variable_no_database_takes_is_refused_before_it_runs(graphql, query, text):
    status, body = graphql(query, {"q": text})

    assert status == 200
    assert body.get("data") is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_TEXT"
    assert "$q" in error["message"]


def test_an_escaped_nul_in_a_query_literal_is_refused(graphql):
    status, body = graphql('{ search(query: "nho\\u0000") { totalCount } }')

    assert status == 200
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_TEXT"
    assert "1:17" in error["message"]


def test_ordinary_vietnamese_queries_still_run(graphql):
    status, body = graphql(QUERIES_TAKING_TEXT[0], {"q": "nước mắm\tcá cơm"})

    assert status == 200
    assert "errors" not in body
