import pytest
from graphql import get_introspection_query

pytestmark = pytest.mark.django_db


def test_introspection_answers(graphql):
    status, body = graphql(get_introspection_query(descriptions=True))

    assert status == 200
    assert "errors" not in body
    type_names = {t["name"] for t in body["data"]["__schema"]["types"]}
    assert {"Query", "Shop"} <= type_names


def test_shop_reports_currency_language_and_time_zone(graphql):
    status, body = graphql("{ shop { name defaultCurrency timeZone languages { code } } }")

    assert status == 200
    assert body["data"]["shop"]["defaultCurrency"] == "VND"
    assert body["data"]["shop"]["timeZone"] == "Asia/Ho_Chi_Minh"
    assert [lang["code"] for lang in body["data"]["shop"]["languages"]] == ["vi", "en"]


def test_graphiql_is_served_to_browsers(client):
    response = client.get("/graphql/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert b"graphiql" in response.content.lower()


def test_a_query_over_the_size_limit_is_refused(graphql, settings):
    settings.GRAPHQL_MAX_QUERY_BYTES = 1024
    status, _body = graphql("{ shop { name } }" + " " * 2000)
    assert status == 413


def test_malformed_json_is_a_400_not_a_500(client):
    response = client.post("/graphql/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_syntax_error_is_reported_as_an_error(graphql):
    status, body = graphql("{ shop { name ")
    assert status == 400
    assert "Syntax Error" in body["errors"][0]["message"]
