import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
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


def test_graphiql_is_served_to_browsers(client, settings):
    settings.GRAPHIQL = True
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
    # application/json keeps request errors at 200, as the GraphQL-over-HTTP spec advises.
    assert status == 200
    assert "data" not in body
    assert "Syntax Error" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


@pytest.mark.parametrize("bad_id", ["garbage", "UHJvZHVjdDphYmM=", "Tm9TdWNoVHlwZTox", ""])
def test_node_with_a_meaningless_id_is_a_typed_error(graphql, bad_id):
    status, body = graphql("query N($id: ID!) { node(id: $id) { id } }", {"id": bad_id})

    assert status == 200
    assert body["data"]["node"] is None
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ID"


def test_a_session_cookie_does_not_sign_in_to_the_csrf_exempt_endpoint(client, graphql):
    from tests.factories import UserFactory

    client.force_login(UserFactory(email="phien@example.vn"))

    status, body = graphql("{ me { email } }")

    assert status == 200
    assert body["data"]["me"] is None


def test_a_bearer_token_signs_in(graphql, auth_headers):
    from tests.factories import UserFactory

    user = UserFactory(email="token@example.vn")

    status, body = graphql("{ me { email } }", **auth_headers(user))

    assert status == 200
    assert body["data"]["me"] == {"email": "token@example.vn"}


GUEST_CHECKOUT = 'checkoutCreate(input: {email: "khach@example.vn"}) { errors { code } }'


def savepoints_of(client, document: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/graphql/", {"query": document}, content_type="application/json")
    assert response.status_code == 200
    assert "errors" not in response.json(), response.json()
    return sum(query["sql"].startswith("SAVEPOINT") for query in queries.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_one_mutation_is_its_own_transaction_and_several_share_one(client):
    # ATOMIC_MUTATIONS wraps an operation's mutations in one transaction; for a lone
    # mutation BaseMutation's own transaction is the outermost, and the service inside it
    # needs no savepoint either (market.core.transactions).
    one = savepoints_of(client, f"mutation {{ {GUEST_CHECKOUT} }}")
    two = savepoints_of(client, f"mutation {{ a: {GUEST_CHECKOUT} b: {GUEST_CHECKOUT} }}")

    assert (one, two) == (0, 2)  # none; then each mutation's, so a refusal undoes only it
