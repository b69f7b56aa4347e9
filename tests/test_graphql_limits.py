"""Depth and cost limits refuse abusive queries with a clear error, before they run."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def nested_children(depth: int) -> str:
    selection = "name"
    for _ in range(depth):
        selection = f"children {{ {selection} }}"
    return f'{{ category(slug: "khong-co") {{ {selection} }} }}'


def test_query_within_the_depth_limit_runs(graphql, settings):
    status, body = graphql(nested_children(settings.GRAPHQL_MAX_DEPTH - 2))

    assert status == 200
    assert "errors" not in body
    assert body["data"] == {"category": None}


def test_query_deeper_than_the_limit_is_refused_with_a_clear_error(graphql, settings):
    with CaptureQueriesContext(connection) as queries:
        status, body = graphql(nested_children(settings.GRAPHQL_MAX_DEPTH + 5))

    assert status == 400
    assert body.get("data") is None
    [error] = body["errors"]
    assert "exceeds maximum operation depth" in error["message"]
    assert len(queries) == 0, "a refused query must not touch the database"


def test_query_whose_cost_multiplies_past_the_limit_is_refused(graphql):
    query = """
    { products(first: 100) { edges { node {
        category { products(first: 100) { edges { node { name variants { sku } } } } }
    } } } }
    """
    status, body = graphql(query)

    assert status == 400
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert "exceeds the maximum" in error["message"]


def test_page_size_sent_as_a_variable_is_priced_by_its_value(graphql):
    query = """
    query Page($first: Int) { products(first: $first) { edges { node {
        category { products(first: $first) { edges { node { name variants { sku } } } } }
    } } } }
    """
    status, body = graphql(query, {"first": 100})
    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"

    status, body = graphql(query, {"first": 5})
    assert status == 200, body
    assert "errors" not in body


def test_fragments_are_priced_too(graphql):
    query = """
    fragment Deep on Product {
        category { products(first: 100) { edges { node { name variants { sku } } } } }
    }
    { products(first: 100) { edges { node { ...Deep } } } }
    """
    status, body = graphql(query)
    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
