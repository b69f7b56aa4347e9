"""A suspended growing area takes the verified-origin mark off its products everywhere.

Through the real path: the auditor's decision commits the products' new flags and
their outbox rows, the commit queues the delivery task on Redis, a real Celery worker
process delivers it to a real Elasticsearch index, and a buyer's search stops showing
the products as verified within five seconds. Reinstating the area brings the mark back.
"""

import contextlib
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery.result import allow_join_result
from django.db import connection
from elasticsearch import Elasticsearch
from elasticsearch.dsl import connections

from market.celery import app as celery_app
from market.core.tasks import ping
from search import services
from search.backends.elastic import ElasticsearchBackend
from search.client import ALIAS, get_client
from search.indices import alias_name
from tests.factories import GrowingAreaFactory, UserFactory
from tests.traceability.trace_setup import harvested_lot, made_from
from traceability.services.sites import site_reinstate, site_suspend

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 5.0
POLL_SECONDS = 0.1

PRODUCTS = """
query ($filter: ProductFilterInput) {
  products(first: 50, filter: $filter) { edges { node { slug } } }
}
"""


def _forget_client() -> None:
    with contextlib.suppress(KeyError):
        connections.remove_connection(ALIAS)


@pytest.fixture
def index_prefix(settings):
    prefix = f"test-ocop-{uuid.uuid4().hex[:12]}"
    settings.SEARCH_INDEX_PREFIX = prefix
    _forget_client()
    yield prefix
    _forget_client()
    client = Elasticsearch(os.environ["ELASTICSEARCH_URL"])
    # Deleting by wildcard is refused (action.destructive_requires_name), so by name.
    names = list(client.indices.get(index=f"{prefix}-*", expand_wildcards="all").keys())
    if names:
        client.indices.delete(index=",".join(names), ignore_unavailable=True)
    client.close()


def _test_database_url() -> str:
    """The URL of the database this test runs in (pytest-django's test database)."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def worker(index_prefix, tmp_path):
    """A Celery worker process on the default queue of this run's Redis database,
    reading this test's database and writing this test's indices."""
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "market",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-n",
            f"origin-{uuid.uuid4().hex[:8]}@%h",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DATABASE_URL": _test_database_url(),
            "SEARCH_INDEX_PREFIX": index_prefix,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    was_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        # The worker answers before the clock of the test starts.
        # (``allow_join_result``: see tests/core/test_celery_worker.py.)
        with allow_join_result():
            assert ping.apply_async(args=["ready"]).get(timeout=60) == {"pong": "ready"}
        yield process
    finally:
        celery_app.conf.task_always_eager = was_eager
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _verified_in_search(product_ids: set[int]) -> set[int]:
    """Which of these products a buyer's search shows with a verified origin."""
    result = ElasticsearchBackend().search(
        query="Ninh Thuận", filters={"verified_origin": True}, first=100
    )
    return set(result.ids) & product_ids


def _wait_until(condition) -> float:
    """Seconds until ``condition()`` holds, polling; fails past the deadline."""
    started = time.monotonic()
    while not condition():
        elapsed = time.monotonic() - started
        assert elapsed < DEADLINE_SECONDS, f"not reached within {DEADLINE_SECONDS} s"
        time.sleep(POLL_SECONDS)
    return time.monotonic() - started


def test_suspending_an_area_unmarks_every_dependent_product_in_search_within_five_seconds(
    worker, graphql
):
    auditor = UserFactory(role="auditor")
    suspended_area = GrowingAreaFactory()
    other_area = GrowingAreaFactory(seller=suspended_area.seller)
    fresh = [harvested_lot(growing_area=suspended_area) for _ in range(3)]
    # Dried grapes made from the first fresh lot: they depend on the area through it.
    processed = made_from([fresh[0]])
    # A product with a lot from another area as well keeps its mark.
    mixed = harvested_lot(growing_area=suspended_area)
    harvested_lot(growing_area=other_area, product=mixed.product)
    untouched = harvested_lot(growing_area=other_area)

    affected = {lot.product_id for lot in [*fresh, processed]}
    kept = {mixed.product_id, untouched.product_id}
    everything = affected | kept
    services.deliver_outbox()
    get_client().indices.refresh(index=alias_name())
    assert _verified_in_search(everything) == everything

    started = time.monotonic()
    site_suspend(by=auditor, site_id=suspended_area.pk, reason="Dư lượng thuốc vượt ngưỡng")
    # GraphQL reads the database: the mark is gone as soon as the decision commits.
    status, body = graphql(PRODUCTS, {"filter": {"verifiedOrigin": True}})
    assert status == 200, body
    assert "errors" not in body, body
    slugs = {edge["node"]["slug"] for edge in body["data"]["products"]["edges"]}
    assert slugs == {lot.product.slug for lot in (mixed, untouched)}

    # Search follows through the outbox and the worker (the index refreshes each second).
    _wait_until(lambda: _verified_in_search(everything) == kept)
    assert time.monotonic() - started < DEADLINE_SECONDS

    started = time.monotonic()
    site_reinstate(by=auditor, site_id=suspended_area.pk, reason="Tái kiểm tra đạt")
    _wait_until(lambda: _verified_in_search(everything) == everything)
    assert time.monotonic() - started < DEADLINE_SECONDS
    assert worker.poll() is None, "the worker stopped"
