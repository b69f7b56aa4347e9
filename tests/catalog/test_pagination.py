"""Keyset pagination of products in every sort order, forwards and backwards."""

import base64
import datetime
import json

import pytest
from django.utils import timezone

from catalog.models import OcopCertificate, Product
from tests.factories import OcopCertificateFactory, ProductFactory, StockFactory, VariantFactory

pytestmark = pytest.mark.django_db


PAGE = """
query ($first: Int, $after: String, $last: Int, $before: String, $sortBy: ProductSortingInput) {
  products(first: $first, after: $after, last: $last, before: $before, sortBy: $sortBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges {
      cursor
      node {
        slug name createdAt publishedAt ocopStars
        pricing { priceRange { start { amount } } }
      }
    }
  }
}
"""

PAGE_SIZE = 4
NAMES = [
    "Nho sấy dẻo",
    "Táo xanh",
    "Tỏi Phan Rang",
    "Hành tím",
    "Măng tây xanh",
    "Mật nho",
    "Rượu vang nho",
    "Muối hầm",
    "Nước mắm cá cơm",
    "Bánh tráng",
    "Đường thốt nốt",
    "Yến sào",
    "Cừu Phước Dinh",
    "Rong sụn",
]


@pytest.fixture
def catalogue(roles):
    """Products with deliberate ties in every sort key, drafts among them.

    Ties make the primary key decide order inside a group, which is where a
    keyset walk drops or repeats rows when it is wrong.
    """
    seller = roles["seller"]
    base = timezone.now().replace(microsecond=0) - datetime.timedelta(days=30)
    today = timezone.localdate()
    for index, name in enumerate(NAMES):
        # Two products per name in a few cases: equal names, told apart by ID.
        product = ProductFactory(
            seller=seller,
            name=name if index % 5 else "Nho sấy dẻo",
            is_published=index % 6 != 0,
        )
        price = [40_000, 85_000, 85_000, 120_000][index % 4]
        StockFactory(variant=VariantFactory(product=product, price=price))
        if index % 3:
            OcopCertificateFactory(product=product, stars=3 + index % 2)
        if index % 7 == 0:
            # An expired certificate counts as none.
            OcopCertificateFactory(
                product=product,
                stars=5,
                status=OcopCertificate.Status.EXPIRED,
                issued_on=today - datetime.timedelta(days=1200),
                expires_on=today - datetime.timedelta(days=100),
            )
        created = base + datetime.timedelta(hours=index // 3)
        published = None if index % 6 == 0 else base + datetime.timedelta(days=index % 4)
        Product.objects.filter(pk=product.pk).update(created_at=created, published_at=published)
    ProductFactory(name="Không có biến thể")  # no variant: sorts as price 0
    return roles


def page(graphql, headers, **arguments):
    status, body = graphql(PAGE, arguments, **headers)
    assert status == 200
    assert "errors" not in body, body
    return body["data"]["products"]


def walk_forward(graphql, headers, sort_by):
    slugs, after, pages = [], None, 0
    while True:
        connection = page(graphql, headers, first=PAGE_SIZE, after=after, sortBy=sort_by)
        pages += 1
        slugs += [edge["node"]["slug"] for edge in connection["edges"]]
        assert connection["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not connection["pageInfo"]["hasNextPage"]:
            return slugs, connection["totalCount"], pages
        after = connection["pageInfo"]["endCursor"]


def walk_backward(graphql, headers, sort_by):
    slugs, before = [], None
    while True:
        connection = page(graphql, headers, last=PAGE_SIZE, before=before, sortBy=sort_by)
        slugs = [edge["node"]["slug"] for edge in connection["edges"]] + slugs
        assert connection["pageInfo"]["hasNextPage"] is (before is not None)
        if not connection["pageInfo"]["hasPreviousPage"]:
            return slugs
        before = connection["pageInfo"]["startCursor"]


def sort_value(node, field):
    return {
        "NAME": node["name"],
        "PRICE": (node["pricing"] or {"priceRange": {"start": {"amount": 0}}})["priceRange"][
            "start"
        ]["amount"],
        "CREATED_AT": datetime.datetime.fromisoformat(node["createdAt"]),
        "PUBLISHED_AT": datetime.datetime.fromisoformat(node["publishedAt"] or node["createdAt"]),
        "OCOP_STARS": node["ocopStars"] or 0,
    }[field]


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize("field", ["NAME", "PRICE", "CREATED_AT", "PUBLISHED_AT", "OCOP_STARS"])
@pytest.mark.parametrize("role", ["buyer", "operator"])
def test_walking_pages_both_ways_visits_every_product_once_in_order(
    graphql, auth_headers, catalogue, role, field, direction
):
    headers = auth_headers(catalogue[role])
    sort_by = {"field": field, "direction": direction}

    forward, total, pages = walk_forward(graphql, headers, sort_by)
    backward = walk_backward(graphql, headers, sort_by)
    everything = page(graphql, headers, first=100, sortBy=sort_by)

    visible = (
        Product.objects.all() if role == "operator" else Product.objects.filter(is_published=True)
    )
    expected_count = visible.count()
    assert total == everything["totalCount"] == expected_count
    assert len(forward) == len(set(forward)) == expected_count
    assert pages == -(-expected_count // PAGE_SIZE)
    assert backward == forward
    assert forward == [edge["node"]["slug"] for edge in everything["edges"]]
    values = [sort_value(edge["node"], field) for edge in everything["edges"]]
    if field != "NAME":  # names follow the database's collation, not Python's
        assert values == sorted(values, reverse=direction == "DESC")


def test_ties_keep_a_stable_order_by_primary_key(graphql, catalogue):
    edges = page(graphql, {}, first=100, sortBy={"field": "NAME", "direction": "ASC"})["edges"]
    tied = [edge["node"]["slug"] for edge in edges if edge["node"]["name"] == "Nho sấy dẻo"]

    expected = Product.objects.filter(name="Nho sấy dẻo", is_published=True).order_by("pk")
    assert len(tied) > 1
    assert tied == [product.slug for product in expected]


def test_default_order_is_by_name(graphql, catalogue):
    default = page(graphql, {}, first=100)
    by_name = page(graphql, {}, first=100, sortBy={"field": "NAME", "direction": "ASC"})

    assert default["edges"] == by_name["edges"]


def test_a_cursor_does_not_shift_when_rows_are_added_before_it(graphql, catalogue):
    sort_by = {"field": "CREATED_AT", "direction": "ASC"}
    first = page(graphql, {}, first=PAGE_SIZE, sortBy=sort_by)
    second = page(
        graphql, {}, first=PAGE_SIZE, after=first["pageInfo"]["endCursor"], sortBy=sort_by
    )
    product = ProductFactory(name="Sản phẩm mới")
    Product.objects.filter(pk=product.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=365)
    )

    again = page(graphql, {}, first=PAGE_SIZE, after=first["pageInfo"]["endCursor"], sortBy=sort_by)

    assert again["edges"] == second["edges"]
    assert again["totalCount"] == second["totalCount"] + 1


def forged(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({}, "INVALID_PAGINATION"),
        ({"first": 101}, "INVALID_PAGINATION"),
        ({"first": -1}, "INVALID_PAGINATION"),
        ({"first": 2, "last": 2}, "INVALID_PAGINATION"),
        ({"first": 2, "after": "không-phải-con-trỏ"}, "INVALID_PAGINATION"),
        ({"first": 2, "after": forged(["Nho", 1, 2])}, "INVALID_PAGINATION"),
        # Well-formed, but the values do not fit the sort keys' columns.
        (
            {
                "first": 2,
                "after": forged(["không phải số", "Nho", 1]),
                "sortBy": {"field": "PRICE", "direction": "ASC"},
            },
            "INVALID_PAGINATION",
        ),
        (
            {
                "first": 2,
                "before": forged(["không phải ngày", 1]),
                "sortBy": {"field": "CREATED_AT", "direction": "DESC"},
            },
            "INVALID_PAGINATION",
        ),
        (
            {"first": 2, "after": forged([None, 1])},
            "INVALID_PAGINATION",
        ),
    ],
)
def test_bad_pagination_arguments_are_typed_errors(graphql, catalogue, arguments, code):
    status, body = graphql(PAGE, arguments)

    assert status == 200
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == code


def test_a_cursor_from_another_sort_order_is_refused(graphql, catalogue):
    by_name = page(graphql, {}, first=2, sortBy={"field": "NAME", "direction": "ASC"})

    status, body = graphql(
        PAGE,
        {
            "first": 2,
            "after": by_name["pageInfo"]["endCursor"],
            "sortBy": {"field": "PRICE", "direction": "ASC"},
        },
    )

    assert status == 200
    assert body["errors"][0]["extensions"]["code"] == "INVALID_PAGINATION"


def test_in_stock_and_price_filters_paginate_with_a_matching_total(graphql):
    for index in range(9):
        product = ProductFactory(name=f"Nho sấy {index}")
        StockFactory(
            variant=VariantFactory(product=product, price=50_000 + 1_000 * index),
            quantity=index % 2,
        )
    query = """
    query ($after: String) {
      products(first: 2, after: $after, filter: {inStock: true, price: {gte: 51000}},
               sortBy: {field: PRICE, direction: DESC}) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { name } }
      }
    }
    """
    seen, after = [], None
    while True:
        _status, body = graphql(query, {"after": after})
        connection = body["data"]["products"]
        assert connection["totalCount"] == 4
        seen += [edge["node"]["name"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]

    assert seen == ["Nho sấy 7", "Nho sấy 5", "Nho sấy 3", "Nho sấy 1"]
