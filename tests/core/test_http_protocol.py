"""/graphql/ as HTTP clients see it: media types and status codes by the
GraphQL-over-HTTP spec, and every refusal a JSON GraphQL error with a code,
never a 500 or HTML."""

import json

import pytest

from market.core.graphql.http import MAX_JSON_DEPTH, negotiate

pytestmark = pytest.mark.django_db

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
BROWSER_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
MUTATION = 'mutation { tokenCreate(email: "khong@example.vn", password: "x") { token } }'


def post(client, body, *, content_type=JSON, accept=None, **headers):
    if accept is not None:
        headers["HTTP_ACCEPT"] = accept
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    # CONTENT_TYPE also for an empty body, which the test client would send without one.
    return client.post(
        "/graphql/", data, content_type=content_type, CONTENT_TYPE=content_type, **headers
    )


def media_type(response) -> str:
    return response["Content-Type"].split(";")[0]


def error_of(response) -> dict:
    """The one error of a JSON error answer, checked for the shape every refusal has."""
    assert media_type(response) in (JSON, GRAPHQL_RESPONSE), response["Content-Type"]
    body = response.json()
    [error] = body["errors"]
    assert error["message"]
    assert error["extensions"]["code"]
    assert "data" not in body
    return error


# ------------------------------------------------------------- negotiation


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        (JSON, JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, {JSON}", GRAPHQL_RESPONSE),
        (f"{JSON}, {GRAPHQL_RESPONSE}", JSON),
        (f"{GRAPHQL_RESPONSE}, {JSON};q=0.9", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, {JSON}", JSON),
        (f"{JSON};q=0.2, */*", GRAPHQL_RESPONSE),
        (f"{JSON}; charset=utf-8", JSON),
        ("APPLICATION/GRAPHQL-RESPONSE+JSON", GRAPHQL_RESPONSE),
        (f"{JSON}, multipart/mixed", JSON),  # what GraphiQL's fetcher sends
        ("text/plain", None),
        (f"{JSON};q=0, {GRAPHQL_RESPONSE};q=0", None),
        (f"*/*, {JSON};q=0, {GRAPHQL_RESPONSE};q=0", None),
        (f"{JSON};q=2", JSON),  # a malformed quality: the range is ignored, none is left
        ("garbage", JSON),  # nothing readable: as if no Accept was sent
    ],
)
def test_accept_negotiation(accept, expected):
    assert negotiate(accept, (JSON, GRAPHQL_RESPONSE)) == expected


def test_graphql_response_json_is_served_to_a_client_that_accepts_it(client):
    response = post(client, {"query": "{ __typename }"}, accept=GRAPHQL_RESPONSE)

    assert response.status_code == 200
    assert response["Content-Type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert response.json() == {"data": {"__typename": "Query"}}
    assert "Accept" in response["Vary"]


@pytest.mark.parametrize("accept", [None, "*/*", JSON, BROWSER_ACCEPT])
def test_application_json_is_the_default(client, accept):
    response = post(client, {"query": "{ __typename }"}, accept=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == f"{JSON}; charset=utf-8"
    assert response.json() == {"data": {"__typename": "Query"}}


def test_an_unacceptable_media_type_is_406(client):
    response = post(client, {"query": "{ __typename }"}, accept="text/plain")

    assert response.status_code == 406
    assert error_of(response)["extensions"]["code"] == "NOT_ACCEPTABLE"
    assert media_type(response) == JSON


# ------------------------------------------------------------ status codes

REQUEST_ERRORS = {
    "parse": ({"query": "{ shop { name "}, "GRAPHQL_PARSE_FAILED"),
    "validation": ({"query": "{ noSuchField }"}, "GRAPHQL_VALIDATION_FAILED"),
    "variable coercion": (
        {"query": "query Q($id: ID!) { node(id: $id) { id } }", "variables": {"id": None}},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "unknown operation": (
        {"query": "query A { __typename }", "operationName": "B"},
        "GRAPHQL_VALIDATION_FAILED",
    ),
}


@pytest.mark.parametrize("case", REQUEST_ERRORS)
def test_a_request_error_is_200_in_application_json(client, case):
    body, code = REQUEST_ERRORS[case]

    response = post(client, body, accept=JSON)

    assert response.status_code == 200
    assert media_type(response) == JSON
    assert error_of(response)["extensions"]["code"] == code


@pytest.mark.parametrize("case", REQUEST_ERRORS)
def test_a_request_error_is_400_in_graphql_response_json(client, case):
    body, code = REQUEST_ERRORS[case]

    response = post(client, body, accept=GRAPHQL_RESPONSE)

    assert response.status_code == 400
    assert media_type(response) == GRAPHQL_RESPONSE
    assert error_of(response)["extensions"]["code"] == code


def test_a_field_error_keeps_the_data_and_200_in_both_media_types(client):
    query = {"query": 'query { node(id: "garbage") { id } }'}
    for accept in (JSON, GRAPHQL_RESPONSE):
        response = post(client, query, accept=accept)

        assert response.status_code == 200
        body = response.json()
        assert body["data"] == {"node": None}
        assert body["errors"][0]["extensions"]["code"] == "INVALID_ID"


# ----------------------------------------------------------------- methods


def test_get_runs_a_query(client):
    response = client.get("/graphql/", {"query": "{ __typename }"}, HTTP_ACCEPT=GRAPHQL_RESPONSE)

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


def test_get_takes_variables_as_a_json_string(client):
    response = client.get(
        "/graphql/",
        {
            "query": "query Q($n: String!) { __type(name: $n) { name } }",
            "variables": '{"n": "Shop"}',
        },
    )

    assert response.json() == {"data": {"__type": {"name": "Shop"}}}


@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE])
def test_get_refuses_a_mutation_with_405(client, accept):
    response = client.get("/graphql/", {"query": MUTATION}, HTTP_ACCEPT=accept)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert error_of(response)["extensions"]["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize("method", ["put", "patch", "delete", "head", "options"])
def test_other_methods_are_405_with_allow(client, method):
    response = getattr(client, method)("/graphql/")

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    if method != "head":
        assert error_of(response)["extensions"]["code"] == "METHOD_NOT_ALLOWED"


# ----------------------------------------------------- bodies and parameters


@pytest.mark.parametrize(
    "body",
    [
        {"query": 123},
        {"query": ["{ __typename }"]},
        {"query": {"obj": "ect"}},
        {"query": False},
        {"query": "{ __typename }", "operationName": 123},
        {"query": "{ __typename }", "operationName": ["A"]},
        {"query": "{ __typename }", "variables": 0},
        {"query": "{ __typename }", "variables": ["array"]},
        {"query": "{ __typename }", "variables": True},
        {"query": "{ __typename }", "variables": "not json"},
        {"query": "{ __typename }", "variables": "[1, 2]"},
        {"query": "{ __typename }", "variables": '"a string"'},
        {"query": "{ __typename }", "extensions": "string"},
        {"query": "{ __typename }", "extensions": [1]},
        {"notquery": "{ __typename }"},
        {"query": ""},
        {"query": None},
        [{"query": "{ __typename }"}],
        "a string",
        123,
        None,
    ],
    ids=repr,
)
@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE])
def test_a_parameter_of_the_wrong_type_is_a_typed_400(client, body, accept):
    response = post(client, json.dumps(body), accept=accept)

    assert response.status_code == 400, response.content
    assert media_type(response) == accept
    assert error_of(response)["extensions"]["code"] == "BAD_REQUEST"


def test_variables_as_a_string_holding_an_object_are_read(client):
    response = post(
        client,
        {
            "query": "query Q($n: String!) { __type(name: $n) { name } }",
            "variables": '{"n": "Shop"}',
        },
    )

    assert response.json() == {"data": {"__type": {"name": "Shop"}}}


@pytest.mark.parametrize("body", ["{not json", '{ "not a JSON', "", "{}}"])
def test_malformed_json_is_a_json_400(client, body):
    response = post(client, body)

    assert response.status_code == 400
    error = error_of(response)
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "JSON" in error["message"]


def test_an_integer_too_long_to_read_is_a_json_400(client):
    response = post(client, '{"query": "{ __typename }", "variables": {"n": ' + "9" * 5000 + "}}")

    assert response.status_code == 400
    assert error_of(response)["extensions"]["code"] == "BAD_REQUEST"


def deeply_nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("levels", [100_000, 1_000, MAX_JSON_DEPTH + 1])
def test_variables_nested_too_deep_are_a_json_400(client, levels):
    body = '{"query": "{ __typename }", "variables": {"x": ' + deeply_nested(levels) + "}}"

    response = post(client, body, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    error = error_of(response)
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "levels deep" in error["message"]


def test_variables_nested_too_deep_in_a_url_are_a_json_400(client):
    response = client.get(
        "/graphql/",
        {"query": "{ __typename }", "variables": '{"x": ' + deeply_nested(100_000) + "}"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert "levels deep" in error_of(response)["message"]


def test_operations_nested_too_deep_in_a_multipart_request_are_a_json_400(client):
    response = client.post(
        "/graphql/",
        {
            "operations": '{"query": "{ __typename }", "variables": '
            + deeply_nested(100_000)
            + "}",
            "map": "{}",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert "levels deep" in error_of(response)["message"]


def test_a_query_over_the_size_limit_is_a_json_413(client, settings):
    settings.GRAPHQL_MAX_QUERY_BYTES = 1024

    response = post(client, {"query": "{ __typename }" + " " * 2000})

    assert response.status_code == 413
    error = error_of(response)
    assert error["extensions"]["code"] == "QUERY_TOO_LARGE"
    assert "1024" in error["message"]


def test_a_body_over_django_s_limit_is_a_json_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = post(client, {"query": "{ __typename }", "variables": {"x": "a" * 2000}})

    assert response.status_code == 413
    assert error_of(response)["extensions"]["code"] == "REQUEST_TOO_LARGE"


def test_a_lone_surrogate_in_the_query_is_a_json_400(client):
    response = post(client, '{"query": "{ __typename } # \\udcff"}')

    assert response.status_code == 400
    assert "Unicode" in error_of(response)["message"]


def test_a_body_that_is_not_utf8_is_a_json_400(client):
    response = post(client, b'{"query": "{ __typename } # \xff"}')

    assert response.status_code == 400
    assert error_of(response)["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("content_type", ["text/plain", "", "application/xml"])
def test_a_body_of_another_media_type_is_a_json_415(client, content_type):
    response = post(client, {"query": "{ __typename }"}, content_type=content_type)

    assert response.status_code == 415
    assert error_of(response)["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_a_json_body_in_another_charset_is_a_json_415(client):
    response = post(client, {"query": "{ __typename }"}, content_type=f"{JSON}; charset=latin-1")

    assert response.status_code == 415
    assert error_of(response)["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_a_json_body_in_utf8_is_read(client):
    response = post(client, {"query": "{ __typename }"}, content_type=f"{JSON}; charset=UTF-8")

    assert response.json() == {"data": {"__typename": "Query"}}


def test_a_form_post_and_a_graphql_body_are_read(client):
    form = client.post(
        "/graphql/", "query=%7B+__typename+%7D", content_type="application/x-www-form-urlencoded"
    )
    graphql = post(client, "{ __typename }", content_type="application/graphql")

    assert form.json() == graphql.json() == {"data": {"__typename": "Query"}}


# ---------------------------------------------------------------- GraphiQL


def test_with_graphiql_off_a_browser_gets_json(client, settings):
    settings.GRAPHIQL = False

    empty = client.get("/graphql/", HTTP_ACCEPT=BROWSER_ACCEPT)
    query = client.get("/graphql/", {"query": "{ __typename }"}, HTTP_ACCEPT=BROWSER_ACCEPT)

    assert empty.status_code == 400
    assert error_of(empty)["extensions"]["code"] == "BAD_REQUEST"
    assert query.status_code == 200
    assert media_type(query) == JSON
    assert query.json() == {"data": {"__typename": "Query"}}


def test_with_graphiql_on_a_browser_gets_the_page_with_the_project_s_own_files(client, settings):
    settings.GRAPHIQL = True

    response = client.get("/graphql/", HTTP_ACCEPT=BROWSER_ACCEPT)

    assert response.status_code == 200
    assert media_type(response) == "text/html"
    page = response.content.decode()
    assert "cdn" not in page.lower()
    assert "/static/graphiql/graphiql-4.0.3/graphiql.min.js" in page
    assert "/static/graphiql/start.js" in page
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy


def test_with_graphiql_on_a_client_asking_for_json_or_raw_still_gets_json(client, settings):
    settings.GRAPHIQL = True

    raw = client.get(
        "/graphql/", {"query": "{ __typename }", "raw": ""}, HTTP_ACCEPT=BROWSER_ACCEPT
    )
    wildcard = client.get("/graphql/", {"query": "{ __typename }"}, HTTP_ACCEPT="*/*")
    posted = post(client, {"query": "{ __typename }"}, accept=BROWSER_ACCEPT)

    for response in (raw, wildcard, posted):
        assert response.json() == {"data": {"__typename": "Query"}}
