"""Health of the real parts the app depends on.

Each check answers for one part and only when that part is configured; a part
that is not configured (no REDIS_URL, say) is reported as such and does not
make the app unhealthy, because the embedded default stands in for it.
"""

from dataclasses import dataclass

import redis
import stripe
from django.conf import settings
from django.db import connections
from elasticsearch import Elasticsearch


@dataclass(frozen=True)
class ComponentHealth:
    status: str  # "up", "down" or "not_configured"
    detail: str = ""

    @property
    def failing(self) -> bool:
        return self.status == "down"


def _down(exc: Exception) -> ComponentHealth:
    return ComponentHealth("down", f"{type(exc).__name__}: {exc}"[:300])


def check_database() -> ComponentHealth:
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return _down(exc)
    return ComponentHealth("up", connection.vendor)


def check_redis() -> ComponentHealth:
    if not settings.REDIS_URL:
        return ComponentHealth("not_configured", "Celery runs eagerly")
    timeout = settings.HEALTH_CHECK_TIMEOUT
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout
    )
    try:
        client.ping()
        version = client.info("server").get("redis_version", "")
    except redis.RedisError as exc:
        return _down(exc)
    finally:
        client.close()
    return ComponentHealth("up", f"redis {version}")


def check_search() -> ComponentHealth:
    if not settings.ELASTICSEARCH_URL:
        return ComponentHealth("not_configured", "database search backend")
    client = Elasticsearch(
        settings.ELASTICSEARCH_URL, request_timeout=settings.HEALTH_CHECK_TIMEOUT, max_retries=0
    )
    try:
        health = client.cluster.health()
    except Exception as exc:
        return _down(exc)
    finally:
        client.close()
    if health["status"] == "red":
        return ComponentHealth("down", "cluster status red")
    return ComponentHealth("up", f"cluster {health['status']}")


def check_stripe() -> ComponentHealth:
    if not settings.STRIPE_API_BASE:
        return ComponentHealth("not_configured", "card payments disabled")
    client = stripe.StripeClient(
        settings.STRIPE_SECRET_KEY or "sk_test_unset",
        base_addresses={"api": settings.STRIPE_API_BASE},
        http_client=stripe.RequestsClient(timeout=settings.HEALTH_CHECK_TIMEOUT),
        max_network_retries=0,
    )
    try:
        client.v1.balance.retrieve()
    except stripe.StripeError as exc:
        return _down(exc)
    return ComponentHealth("up", "stripe api")


CHECKS = {
    "database": check_database,
    "redis": check_redis,
    "search": check_search,
    "stripe": check_stripe,
}


def overall_health() -> dict[str, ComponentHealth]:
    return {name: check() for name, check in CHECKS.items()}
