"""``products(filter: {verifiedOrigin: …})``: catalog's read of traceability's cached flag.

The flag (``Product.origin_verified``) is set here directly; traceability's services that
keep it current are tested in tests/traceability and tests/e2e/test_origin_propagation.py.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Product
from catalog.selectors import ProductFilter, product_list
from tests.factories import ProductFactory, SellerFactory

pytestmark = pytest.mark.django_db

PRODUCTS = """
query Products($first: Int!, $filter: ProductFilterInput) {
  products(first: $first, filter: $filter) {
    totalCount
    edges { node { slug seller { name } } }
  }
}
"""


@pytest.fixture
def products():
    sellers = [SellerFactory() for _ in range(3)]
    verified = [ProductFactory(seller=sellers[n % 3], origin_verified=True) for n in range(12)]
    unverified = [ProductFactory(seller=sellers[n % 3]) for n in range(5)]
    # A draft is not listed to buyers, verified or not.
    ProductFactory(origin_verified=True, is_published=False, published_at=None)
    return verified, unverified


def _slugs(body) -> set[str]:
    assert "errors" not in body, body
    return {edge["node"]["slug"] for edge in body["data"]["products"]["edges"]}


@pytest.mark.parametrize("flag", [True, False])
def test_the_filter_lists_verified_or_unverified_products(graphql, products, flag):
    verified, unverified = products

    status, body = graphql(PRODUCTS, {"first": 50, "filter": {"verifiedOrigin": flag}})

    assert status == 200
    expected = verified if flag else unverified
    assert _slugs(body) == {product.slug for product in expected}
    assert body["data"]["products"]["totalCount"] == len(expected)


def test_without_the_filter_both_are_listed(graphql, products):
    verified, unverified = products

    _, body = graphql(PRODUCTS, {"first": 50, "filter": {"verifiedOrigin": None}})

    assert _slugs(body) == {product.slug for product in verified + unverified}


def test_the_rule_is_the_queryset_method(products):
    verified, unverified = products

    assert set(Product.objects.live().origin_verified()) == set(verified)
    assert set(Product.objects.live().origin_verified(False)) == set(unverified)
    listed = product_list(AnonymousUser(), ProductFilter(verified_origin=True))
    assert set(listed) == set(verified)


def test_a_page_costs_the_same_queries_at_two_sizes(graphql, products):
    def queries_for(first: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            _, body = graphql(PRODUCTS, {"first": first, "filter": {"verifiedOrigin": True}})
        assert len(_slugs(body)) == first
        return len(queries)

    # The count and the page (its sellers come with it): the filter is a column of the rows.
    assert queries_for(2) == queries_for(10) == 2


@pytest.mark.parametrize("value", ["yes", "true", 1, [True], {"value": True}])
def test_a_non_boolean_is_refused_before_any_query(graphql, products, value):
    with CaptureQueriesContext(connection) as queries:
        status, body = graphql(PRODUCTS, {"first": 5, "filter": {"verifiedOrigin": value}})

    assert status == 200
    assert "data" not in body
    error = body["errors"][0]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "filter.verifiedOrigin" in error["message"]
    assert len(queries) == 0
