"""An unexpected failure on /graphql/ answers GraphQL-shaped JSON, never an HTML page.

Each failure here is a real one, provoked through settings or the test
database's guard, not a stand-in: the upload directory that does not exist,
the database that this test may not reach.
"""

import json
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from market.accounts.jwt import ACCESS, encode

# The English message; without the header the answer is in Vietnamese, the default.
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
INTERNAL_ERROR = {
    "errors": [{"message": "Internal server error.", "extensions": {"code": "INTERNAL_ERROR"}}]
}

UPLOAD = """
mutation ($file: Upload!) {
  productImageCreate(product: "UHJvZHVjdDox", image: $file) { errors { code } }
}
"""


def post_with_a_file(client: Client):
    """A multipart request whose file Django must spool to FILE_UPLOAD_TEMP_DIR."""
    return client.post(
        "/graphql/",
        {
            "operations": json.dumps({"query": UPLOAD, "variables": {"file": None}}),
            "map": json.dumps({"0": ["variables.file"]}),
            "0": SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff" + b"0" * 4096, "image/jpeg"),
        },
        **ENGLISH,
    )


@pytest.fixture
def missing_upload_directory(settings, tmp_path):
    # Every upload goes to disk, into a directory that is not there: the open fails
    # inside Django's request parsing, in the view, before any GraphQL runs.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "gone")


def assert_internal_error(response):
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == INTERNAL_ERROR
    assert b"Traceback" not in response.content
    assert b"<html" not in response.content.lower()


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_an_exception_escaping_the_view_answers_json(
    settings, missing_upload_directory, caplog, debug
):
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)

    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = post_with_a_file(client)

    assert_internal_error(response)
    logged = [record for record in caplog.records if record.name == "django.request"]
    assert len(logged) == 1
    assert logged[0].exc_info[0] is FileNotFoundError
    assert logged[0].status_code == 500


def test_the_exception_still_reaches_django_s_signal(missing_upload_directory):
    # The test client re-raises what ``got_request_exception`` reports, as an error
    # tracker listening to the signal would record it.
    with pytest.raises(FileNotFoundError):
        post_with_a_file(Client())


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_an_exception_in_a_later_middleware_answers_json(settings, caplog, debug):
    # No django_db mark: the JWT middleware's look-up of the token's user is refused
    # by pytest-django's guard, as a database that is down would refuse it.
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    token = encode(user_id=1, token_type=ACCESS, ttl_seconds=300)["token"]

    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.post(
            "/graphql/",
            {"query": "{ shop { name } }"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            **ENGLISH,
        )

    assert_internal_error(response)
    assert any(record.exc_info for record in caplog.records if record.name == "django.request")


def test_failures_elsewhere_keep_django_s_own_pages(settings):
    # Only the GraphQL endpoint speaks JSON; the admin's 500 stays Django's page.
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    token = encode(user_id=1, token_type=ACCESS, ttl_seconds=300)["token"]

    response = client.get("/admin/login/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 500
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_resolver_that_fails_answers_a_typed_error(settings, caplog, debug):
    # Anonymous, so nothing before the resolver needs the database that is refused.
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)

    with caplog.at_level(logging.ERROR):
        response = client.post(
            "/graphql/",
            {"query": "{ products(first: 1) { totalCount } }"},
            content_type="application/json",
            **ENGLISH,
        )

    body = response.json()
    assert response.status_code == 200
    assert [error["extensions"] for error in body["errors"]] == [{"code": "INTERNAL_ERROR"}]
    assert body["errors"][0]["path"] == ["products"]
    if not debug:
        assert body["errors"][0]["message"] == "Internal server error."
    assert any(record.exc_info for record in caplog.records)


def test_mutations_that_cannot_open_their_transaction_answer_a_typed_error(caplog):
    # Several mutations share the operation's transaction, opened before they run.
    client = Client(raise_request_exception=False)
    both = "mutation { a: tokensRevokeAll { revokedCount } b: tokensRevokeAll { revokedCount } }"

    with caplog.at_level(logging.ERROR):
        response = client.post(
            "/graphql/", {"query": both}, content_type="application/json", **ENGLISH
        )

    assert response.status_code == 500
    assert response.json() == INTERNAL_ERROR
    assert any(record.exc_info for record in caplog.records)


def test_a_lone_mutation_that_cannot_open_its_transaction_answers_a_typed_error(caplog):
    # A lone mutation's transaction is its own, opened by BaseMutation once the caller
    # may call it: the failure is that field's, still typed and logged.
    client = Client(raise_request_exception=False)
    guest = 'mutation { checkoutCreate(input: {email: "khach@example.vn"}) { errors { code } } }'

    with caplog.at_level(logging.ERROR):
        response = client.post(
            "/graphql/", {"query": guest}, content_type="application/json", **ENGLISH
        )

    body = response.json()
    assert response.headers["Content-Type"].startswith("application/json")
    assert body["data"] == {"checkoutCreate": None}
    assert [(error["message"], error["extensions"]["code"]) for error in body["errors"]] == [
        ("Internal server error.", "INTERNAL_ERROR")
    ]
    assert any(record.exc_info for record in caplog.records)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("variables", "code"),
    [
        # graphene's Date.parse_value raises ValueError: bad input, not a bug.
        ({"day": "2025-13-45"}, "GRAPHQL_VALIDATION_FAILED"),
        ({"day": "9999-99-99"}, "GRAPHQL_VALIDATION_FAILED"),
        ({"day": 7}, "GRAPHQL_VALIDATION_FAILED"),
        ({}, "GRAPHQL_VALIDATION_FAILED"),
    ],
)
def test_a_variable_value_the_schema_refuses_is_a_validation_error(graphql, variables, code):
    query = """
    mutation ($day: Date!) {
      ocopCertificateSubmit(input: {product: "UHJvZHVjdDox", stars: 4,
        certificateNumber: "X", issuingDecision: "Y", productGroup: FOOD, issuedOn: $day}) {
        errors { code }
      }
    }
    """
    status, body = graphql(query, variables)

    assert status == 200
    assert [error["extensions"]["code"] for error in body["errors"]] == [code]
    assert "data" not in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ shop { name }", "GRAPHQL_PARSE_FAILED"),
        ("{ noSuchField }", "GRAPHQL_VALIDATION_FAILED"),
        ('{ product(id: 1, slug: "a") { name } }', None),
        ("query ($d: Date) { shop { name } }", "GRAPHQL_VALIDATION_FAILED"),
        ('{ products(first: 1, filter: {updatedAfter: "not a date"}) { totalCount } }', None),
    ],
)
def test_every_error_graphql_itself_raises_has_a_code(graphql, query, code):
    status, body = graphql(query)

    assert status == 200
    assert body["errors"]
    for error in body["errors"]:
        assert error["extensions"]["code"], error
        if code is not None:
            assert error["extensions"]["code"] == code, error
