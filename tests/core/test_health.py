import copy

import pytest
from django.db.utils import ConnectionHandler

from market.core import health

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_headers(auth_headers):
    from market.accounts.models import User
    from tests.factories import UserFactory

    return auth_headers(UserFactory(role=User.Role.OPERATOR))


def get_health(client, **headers):
    response = client.get("/health/", **headers)
    return response.status_code, response.json()


def test_every_real_service_reports_up(client, operator_headers):
    status, body = get_health(client, **operator_headers)

    assert status == 200, body
    assert body["status"] == "up"
    assert body["failing"] == []
    for name in ("database", "redis", "search", "stripe"):
        assert body["components"][name]["status"] == "up", (name, body)
    assert body["components"]["database"]["detail"] == "postgresql"


@pytest.mark.parametrize(
    ("component", "setting", "scheme"),
    [
        ("redis", "REDIS_URL", "redis"),
        ("search", "ELASTICSEARCH_URL", "http"),
        ("stripe", "STRIPE_API_BASE", "http"),
    ],
)
def test_a_service_on_a_closed_port_is_reported_down(
    client, settings, closed_port, component, setting, scheme, operator_headers
):
    setattr(settings, setting, f"{scheme}://127.0.0.1:{closed_port}")

    status, body = get_health(client, **operator_headers)

    assert status == 503
    assert body["status"] == "down"
    assert body["failing"] == [component]
    assert body["components"][component]["status"] == "down"
    others = set(body["components"]) - {component}
    assert all(body["components"][name]["status"] == "up" for name in others), body


def test_database_on_a_closed_port_is_reported_down(
    client, monkeypatch, closed_port, operator_headers
):
    from django.db import connections

    unreachable = copy.deepcopy(connections.settings)
    unreachable["default"]["PORT"] = closed_port
    unreachable["default"]["OPTIONS"] = {"connect_timeout": 2}
    handler = ConnectionHandler(unreachable)
    monkeypatch.setattr(health, "connections", handler)
    try:
        status, body = get_health(client, **operator_headers)
    finally:
        handler.close_all()

    assert status == 503
    assert body["failing"] == ["database"]
    assert "OperationalError" in body["components"]["database"]["detail"]


def test_unconfigured_services_do_not_fail_health(client, settings):
    settings.REDIS_URL = None
    settings.ELASTICSEARCH_URL = None
    settings.STRIPE_API_BASE = None

    status, body = get_health(client)

    assert status == 200
    assert {body["components"][n]["status"] for n in ("redis", "search", "stripe")} == {
        "not_configured"
    }


@pytest.mark.parametrize("who", ["anonymous", "buyer", "own_owner", "auditor"])
def test_only_operators_see_the_details_of_a_failure(
    client, settings, closed_port, auth_headers, roles, who
):
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port}"

    status, body = get_health(client, **auth_headers(roles[who]))

    assert status == 503
    assert body["failing"] == ["search"]
    assert body["components"]["search"] == {"status": "down"}
    assert all(set(part) == {"status"} for part in body["components"].values()), body
    assert str(closed_port) not in str(body)
