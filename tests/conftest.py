import os
import socket

import pytest

REAL_SERVICES = ("DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL", "STRIPE_API_BASE")


def pytest_configure(config):
    missing = [name for name in REAL_SERVICES if not os.environ.get(name)]
    if missing or not os.environ["DATABASE_URL"].startswith("postgres"):
        raise pytest.UsageError(
            "The tests run against the real services: use `make test`, which starts them "
            f"with scripts/services.sh and sets {', '.join(REAL_SERVICES)} "
            f"(missing or not PostgreSQL: {', '.join(missing) or 'DATABASE_URL'})."
        )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """MD5 instead of the production hasher, which costs ~0.2 s per password on purpose.

    Factories, the ``roles`` fixture and the demo loader give every user a password.
    No test measures the production hasher; a test that needs another one sets
    ``settings.PASSWORD_HASHERS`` in its own fixture, which runs after this one
    (tests/accounts/test_throttle.py counts hashes that way).
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def throttle_state(settings):
    """Throttle counters of the tests' own prefix, empty when each test starts.

    Tests sign in many times from the test client's one address; counts left
    by one test (or an earlier run) must not refuse the next one. Cleared
    before, not after: a test may point REDIS_URL at a closed port.
    """
    from market.core import throttle

    settings.THROTTLE_KEY_PREFIX = "test-throttle"
    throttle.reset_all()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the marketplace's language, Vietnamese.

    LocaleMiddleware activates each request's language in the thread and leaves it
    there: after a request with ``Accept-Language: en``, a service called directly
    by the next test would otherwise answer in English.
    """
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def closed_port() -> int:
    """A loopback port that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def live_server_keeps_no_connection(request):
    """The live server answers each request in a new thread, whose persistent database
    connection (``CONN_MAX_AGE``) would stay open after it: with the live server,
    connections close at the end of each request, as they do without persistence."""
    if "live_server" not in request.fixturenames:
        yield
        return
    from django.db import connections

    shared = connections.settings["default"]
    kept = shared.get("CONN_MAX_AGE")
    shared["CONN_MAX_AGE"] = 0
    try:
        yield
    finally:
        shared["CONN_MAX_AGE"] = kept


@pytest.fixture
def graphql(client):
    """POST a GraphQL document to /graphql/ and return (status, body)."""

    def execute(query: str, variables: dict | None = None, **headers):
        response = client.post(
            "/graphql/",
            {"query": query, "variables": variables or {}},
            content_type="application/json",
            **headers,
        )
        return response.status_code, response.json()

    return execute


@pytest.fixture
def auth_headers():
    """Headers that authenticate as ``user`` with a fresh access token."""
    from market.accounts.jwt import ACCESS, encode

    def build(user) -> dict:
        if user is None:
            return {}
        token = encode(user_id=user.pk, token_type=ACCESS, ttl_seconds=300)["token"]
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    return build


ROLES = ("anonymous", "buyer", "other_staff", "own_staff", "own_owner", "auditor", "operator")


@pytest.fixture
def roles(db):
    """One user per role around ``roles['seller']``; 'anonymous' is None."""
    from market.accounts.models import User
    from market.sellers.models import SellerMembership
    from tests.factories import MembershipFactory, SellerFactory, UserFactory

    seller = SellerFactory()
    other_seller = SellerFactory()
    return {
        "seller": seller,
        "other_seller": other_seller,
        "anonymous": None,
        "buyer": UserFactory(),
        "other_staff": MembershipFactory(seller=other_seller).user,
        "own_staff": MembershipFactory(seller=seller).user,
        "own_owner": MembershipFactory(seller=seller, role=SellerMembership.Role.OWNER).user,
        "auditor": UserFactory(role=User.Role.AUDITOR),
        "operator": UserFactory(role=User.Role.OPERATOR),
    }
