"""``search`` and ``searchSuggest`` through /graphql/, with either backend behind them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from tests.search.queries import SEARCH_FACETS

pytestmark = pytest.mark.django_db

SEARCH = (
    """
query Search($query: String!, $filter: SearchFilterInput, $sortBy: SearchSortEnum,
             $first: Int, $after: String) {
  search(query: $query, filter: $filter, sortBy: $sortBy, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor highlightedName node { name slug seller { name } } }
    facets { ...SearchFacetCounts }
  }
}
"""
    + SEARCH_FACETS
)


# A storefront's results page: the product cards and the facet names.
RESULTS_PAGE = """
query Results($query: String!, $first: Int) {
  search(query: $query, first: $first) {
    totalCount
    edges {
      highlightedName
      node {
        name
        seller { name }
        category { name }
        ocopStars
        pricing { priceRange { start { amount } } }
        thumbnail(size: 256)
        variants { sku quantityAvailable }
      }
    }
    facets {
      categories { category { name } count }
      sellers { seller { name } count }
    }
  }
}
"""


@pytest.fixture(params=["elasticsearch", "database"])
def backend_setting(request, settings):
    if request.param == "database":
        settings.ELASTICSEARCH_URL = None
    return request.param


def search(graphql, **variables):
    status, body = graphql(SEARCH, variables)
    assert status == 200, body
    return body


def test_both_backends_answer_the_same_api(graphql, catalogue, backend_setting):
    body = search(graphql, query="nuoc mam")

    result = body["data"]["search"]
    names = {edge["node"]["name"] for edge in result["edges"]}
    assert names == {"Nước mắm nhĩ Cà Ná", "Nước mắm cá cơm Phan Rang"}
    assert result["totalCount"] == 2
    assert all("<em>" in edge["highlightedName"] for edge in result["edges"])
    in_stock = {row["inStock"]: row["count"] for row in result["facets"]["inStock"]}
    assert in_stock == {True: 1, False: 1}


def test_filter_by_seller_kind_and_facets_ignore_their_own_filter(
    graphql, catalogue, backend_setting
):
    body = search(graphql, query="ninh thuan", filter={"sellerKinds": ["HOUSEHOLD"]}, first=50)

    result = body["data"]["search"]
    sellers = {edge["node"]["seller"]["name"] for edge in result["edges"]}
    assert sellers == {"Hộ kinh doanh Bà Hai"}
    kinds = {row["kind"]: row["count"] for row in result["facets"]["sellerKinds"]}
    # The seller-kind facet counts over every kind, not only the chosen one.
    assert set(kinds) >= {"HOUSEHOLD", "COOPERATIVE", "ENTERPRISE"}


def test_pages_follow_the_cursor_without_repeating(graphql, catalogue, backend_setting):
    first_page = search(graphql, query="ninh thuan", first=3, sortBy="PRICE_ASC")["data"]["search"]
    second_page = search(
        graphql,
        query="ninh thuan",
        first=3,
        sortBy="PRICE_ASC",
        after=first_page["pageInfo"]["endCursor"],
    )["data"]["search"]

    first_slugs = [edge["node"]["slug"] for edge in first_page["edges"]]
    second_slugs = [edge["node"]["slug"] for edge in second_page["edges"]]
    assert len(first_slugs) == 3
    assert first_page["pageInfo"]["hasNextPage"] is True
    assert not set(first_slugs) & set(second_slugs)


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"query": "tỏi", "first": 1000}, "INVALID_PAGINATION"),
        ({"query": "tỏi", "after": "not-a-cursor"}, "INVALID_CURSOR"),
        ({"query": "tỏi", "filter": {"categories": ["bm90LWFuLWlk"]}}, "INVALID_FILTER"),
        ({"query": "tỏi", "filter": {"ocopStars": [7]}}, "INVALID_FILTER"),
    ],
)
def test_bad_input_is_a_typed_error_not_a_500(graphql, catalogue, variables, code):
    status, body = graphql(SEARCH, variables)

    assert status == 200
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == code


@pytest.mark.parametrize("query", ["", "!!! ??? ***", "x" * 10_000, 'nuoc" OR 1=1 ) (mam'])
def test_absurd_queries_give_a_result_never_an_error(graphql, catalogue, query):
    body = search(graphql, query=query)
    assert "errors" not in body
    assert body["data"]["search"]["totalCount"] >= 0


def test_category_filter_accepts_global_ids(graphql, catalogue, backend_setting):
    category_id = to_global_id("Category", catalogue.categories.vegetables.pk)

    body = search(graphql, query="ninh thuan", filter={"categories": [category_id]})

    slugs = {edge["node"]["slug"] for edge in body["data"]["search"]["edges"]}
    assert slugs == {catalogue.shallots.slug, catalogue.garlic.slug}


def test_suggestions_complete_a_prefix_without_diacritics(graphql, catalogue, backend_setting):
    status, body = graphql('{ searchSuggest(prefix: "nuoc ma", first: 5) }')

    assert status == 200, body
    suggestions = body["data"]["searchSuggest"]
    assert "Nước mắm nhĩ Cà Ná" in suggestions
    assert all(name.startswith("Nước mắm") for name in suggestions)


def test_a_page_of_results_costs_the_same_queries_at_any_size(graphql, catalogue, backend_setting):
    def queries_for(first: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            status, body = graphql(RESULTS_PAGE, {"query": "ninh thuan", "first": first})
        assert status == 200, body
        assert len(body["data"]["search"]["edges"]) == min(first, len(catalogue.live))
        return len(queries)

    assert queries_for(1) == queries_for(len(catalogue.live))
    # Products, categories and sellers (the facets' loaders serve the cards too),
    # OCOP stars, variants with stock, pictures; the database backend adds its
    # count, its page and one query per facet (seven).
    assert queries_for(1) == {"elasticsearch": 6, "database": 15}[backend_setting]
