"""CORS on /graphql/ for the storefront origins in CORS_ALLOWED_ORIGINS, and for no
other origin or path. Sign-in is a bearer token, so credentials are never allowed."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
STOREFRONT = "https://cho.ocop.example.vn"
STRANGER = "https://evil.example.com"


@pytest.fixture(autouse=True)
def storefront_origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [STOREFRONT, "http://localhost:3000"]


def preflight(client, origin, path="/graphql/"):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )


def graphql_post(client, origin, **headers):
    return client.post(
        "/graphql/",
        {"query": "{ __typename }"},
        content_type="application/json",
        HTTP_ORIGIN=origin,
        **headers,
    )


def test_a_preflight_from_an_allowed_origin_allows_the_bearer_token_and_json(client):
    response = preflight(client, STOREFRONT)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == STOREFRONT
    allowed_headers = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed_headers
    allowed_methods = {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST"} <= allowed_methods
    assert "Access-Control-Allow-Credentials" not in response


def test_a_preflight_from_another_origin_is_not_allowed(client):
    response = preflight(client, STRANGER)

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Headers" not in response


def test_a_request_from_an_allowed_origin_may_be_read_by_its_page(client):
    response = graphql_post(client, STOREFRONT)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == STOREFRONT
    assert "Access-Control-Allow-Credentials" not in response
    assert "origin" in response["Vary"].lower()
    assert response.json() == {"data": {"__typename": "Query"}}


def test_a_request_from_another_origin_carries_no_cors_header(client):
    response = graphql_post(client, STRANGER)

    assert "Access-Control-Allow-Origin" not in response


def test_a_refused_token_is_readable_by_the_storefront(client):
    # The JWT middleware answers 401 itself; the storefront must still see why.
    response = graphql_post(client, STOREFRONT, HTTP_AUTHORIZATION="Bearer not-a-token")

    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == STOREFRONT


def test_other_paths_get_no_cors_headers(client):
    response = preflight(client, STOREFRONT, path="/health/")
    feed = client.get("/feeds/products.json", HTTP_ORIGIN=STOREFRONT)

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in feed


def test_the_origins_come_from_the_environment():
    script = "from django.conf import settings; print(','.join(settings.CORS_ALLOWED_ORIGINS))"
    completed = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "market.settings",
            "DEBUG": "true",
            "CORS_ALLOWED_ORIGINS": f"{STOREFRONT}, https://app.example.vn",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert completed.stdout.split() == [f"{STOREFRONT},https://app.example.vn"]


def test_by_default_the_local_storefront_is_allowed():
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.CORS_ALLOWED_ORIGINS)",
        ],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "market.settings", "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert completed.stdout.strip() == "['http://localhost:3000']"
