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


@pytest.fixture
def closed_port() -> int:
    """A loopback port that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
