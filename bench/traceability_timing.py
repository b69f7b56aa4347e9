"""The timed parts of the traceability benchmark.

Requests go to a gunicorn server over loopback, one new connection each (a sync worker
closes every connection), timed from sending to the last byte read. ``lot_verify`` is
also timed in this process, straight against the database. The suspension is timed from
the auditor's call to the moment the search index no longer shows any of the area's
products as verified, through the outbox, Redis and a real Celery worker.

Django is imported inside the functions: the script sets the environment first.
"""

import http.client
import json
import statistics
import time
from urllib.parse import quote

from harness import ROOT, BenchError, latency_summary

WARM_UP_REQUESTS = 20
POLL_SECONDS = 0.02
SUSPENSION_TIMEOUT_SECONDS = 120.0

LOT_VERIFY = """
mutation BenchLotVerify($lot: ID!) {
  lotVerify(lot: $lot) { verified brokenAt { sequence reason } errors { field code message } }
}
"""


def request(port: int, method: str, path: str, *, body=None, headers=None):
    """Milliseconds, status, headers and body of one request on a new connection."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body, headers or {})
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, response.status, dict(response.getheaders()), payload


def routed(path: str) -> bool:
    """Whether the app has a view at ``path`` (the endpoints are built alongside)."""
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def resolver_path(gtin: str, code: str) -> str:
    return f"/01/{gtin}/10/{quote(code, safe='')}"


def epcis_path(code: str) -> str:
    return f"/epcis/lots/{quote(code, safe='')}"


def _timed_gets(port: int, paths: list[str], headers: dict, expect: str) -> list[float]:
    """GET each path (the first ``WARM_UP_REQUESTS`` untimed); each must answer 200 with a
    content type containing ``expect``."""
    timings = []
    for index, path in enumerate(paths):
        elapsed, status, answer_headers, payload = request(port, "GET", path, headers=headers)
        content_type = answer_headers.get("Content-Type", "")
        if status != 200 or expect not in content_type:
            raise BenchError(
                f"GET {path} answered {status} {content_type}: "
                f"{payload[:300].decode(errors='replace')}"
            )
        if index >= WARM_UP_REQUESTS:
            timings.append(elapsed)
    return timings


def time_resolver(port: int, lots: list[tuple[str, str]], requests: int) -> dict:
    """The Digital Link resolver for random lots with a GTIN, as JSON-LD and as HTML."""
    paths = [resolver_path(gtin, code) for gtin, code in lots]
    paths = (paths * (1 + (WARM_UP_REQUESTS + requests) // len(paths)))[
        : WARM_UP_REQUESTS + requests
    ]
    jsonld = _timed_gets(port, paths, {"Accept": "application/ld+json"}, "json")
    html = _timed_gets(port, paths, {"Accept": "text/html", "Accept-Language": "vi"}, "text/html")
    return {
        "lots": len(lots),
        "jsonld_ms": latency_summary(jsonld),
        "html_ms": latency_summary(html),
    }


def time_epcis_export(port: int, codes: list[str], requests: int, headers: dict) -> dict:
    """``GET /epcis/lots/<code>`` of the long chains, round-robin; the document must hold
    every event of the lot."""
    paths = [epcis_path(code) for code in codes]
    _, status, _, payload = request(port, "GET", paths[0], headers=headers)
    if status != 200:
        raise BenchError(f"GET {paths[0]} answered {status}: {payload[:300]!r}")
    events = len(json.loads(payload)["epcisBody"]["eventList"])
    cycle = [paths[index % len(paths)] for index in range(WARM_UP_REQUESTS + requests)]
    timings = _timed_gets(port, cycle, headers, "json")
    return {
        "lots": len(codes),
        "events_in_document": events,
        "document_bytes": len(payload),
        "ms": latency_summary(timings),
    }


def queries_of(path: str, accept: str) -> int:
    """SQL queries of one GET in this process (Django's test client, the same database)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.get(path, HTTP_ACCEPT=accept)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, HTTP_ACCEPT=accept)
    if response.status_code != 200:
        raise BenchError(f"GET {path} answered {response.status_code} in process")
    return len(queries.captured_queries)


def verify_breakdown(lot_id: int, runs: int = 5) -> dict:
    """Where a verification's time goes: reading the rows, and ``verify_chain`` (the
    canonical hashing) over rows already read. Medians in ms."""
    from traceability.epcis import documents
    from traceability.models import TraceEvent

    reads, walks = [], []
    for _ in range(runs):
        started = time.perf_counter()
        rows = list(
            TraceEvent.objects.filter(lot_id=lot_id)
            .order_by("sequence")
            .values_list("sequence", "previous_hash", "hash", "document")
        )
        reads.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        if documents.verify_chain(rows) is not None:
            raise BenchError(f"the chain of lot {lot_id} does not verify")
        walks.append((time.perf_counter() - started) * 1000)
    return {
        "read_rows_ms": round(statistics.median(reads), 2),
        "verify_chain_ms": round(statistics.median(walks), 2),
    }


def time_verify_in_process(lot_ids: list[int], runs: int) -> dict:
    """``traceability.services.lots.lot_verify`` of the long chains, as the platform."""
    from traceability.services.lots import lot_verify

    for lot_id in lot_ids:
        if lot_verify(lot_id=lot_id) is not None:
            raise BenchError(f"the chain of lot {lot_id} does not verify")
    timings = []
    for run in range(runs):
        lot_id = lot_ids[run % len(lot_ids)]
        started = time.perf_counter()
        broken = lot_verify(lot_id=lot_id)
        timings.append((time.perf_counter() - started) * 1000)
        if broken is not None:
            raise BenchError(f"the chain of lot {lot_id} broke at {broken}")
    return latency_summary(timings)


def lot_verify_in_schema() -> dict:
    """Whether ``lotVerify`` is in the committed schema file and in the served schema."""
    from market.schema import schema

    served = "lotVerify" in schema.graphql_schema.mutation_type.fields
    committed = "lotVerify(" in (ROOT / "schema.graphql").read_text(encoding="utf-8")
    return {"in_schema_graphql": committed, "in_served_schema": served}


def time_verify_graphql(port: int, lot_ids: list[int], runs: int, token: str) -> dict:
    """The ``lotVerify`` mutation of the long chains, as an auditor, over HTTP."""
    from graphql_relay import to_global_id

    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    timings = []
    for run in range(WARM_UP_REQUESTS + runs):
        variables = {"lot": to_global_id("Lot", lot_ids[run % len(lot_ids)])}
        body = json.dumps({"query": LOT_VERIFY, "variables": variables}).encode()
        elapsed, status, _, payload = request(port, "POST", "/graphql/", body=body, headers=headers)
        answer = json.loads(payload) if status == 200 else {}
        result = (answer.get("data") or {}).get("lotVerify") or {}
        if answer.get("errors") or result.get("errors") or result.get("verified") is not True:
            raise BenchError(f"lotVerify answered {status}: {payload[:500]!r}")
        if run >= WARM_UP_REQUESTS:
            timings.append(elapsed)
    return latency_summary(timings)


# ---------------------------------------------------------------- suspension


def verified_in_index(product_ids: list[int]) -> int:
    """How many of these products the search index shows with a verified origin."""
    from search.client import get_client
    from search.indices import alias_name

    query = {
        "bool": {
            "filter": [
                {"ids": {"values": [str(pk) for pk in product_ids]}},
                {"term": {"origin_verified": True}},
            ]
        }
    }
    return get_client().count(index=alias_name(), query=query)["count"]


def _until_index_shows(product_ids: list[int], count: int, started: float) -> float:
    while verified_in_index(product_ids) != count:
        if time.monotonic() - started > SUSPENSION_TIMEOUT_SECONDS:
            raise BenchError(
                f"the index still disagrees after {SUSPENSION_TIMEOUT_SECONDS:.0f} s "
                "(is the worker running? see its log)"
            )
        time.sleep(POLL_SECONDS)
    return time.monotonic() - started


def time_suspension(*, auditor, area_id: int, product_ids: list[int]) -> dict:
    """Suspend the area, then reinstate it: seconds until the index shows it each time.

    The clock starts before the service call (its transaction and commit are part of the
    delay a buyer sees) and stops at the first count of the index that agrees.
    """
    from catalog.models import Product
    from traceability.services.sites import site_reinstate, site_suspend

    if verified_in_index(product_ids) != len(product_ids):
        raise BenchError("the index does not show every product of the area as verified")
    started = time.monotonic()
    site_suspend(by=auditor, site_id=area_id, reason="Đo hiệu năng: dư lượng vượt ngưỡng")
    committed = time.monotonic() - started
    still = Product.objects.filter(pk__in=product_ids, origin_verified=True).count()
    if still:
        raise BenchError(f"{still} products kept the mark in the database after the suspension")
    suspended = _until_index_shows(product_ids, 0, started)

    started = time.monotonic()
    site_reinstate(by=auditor, site_id=area_id, reason="Đo hiệu năng: tái kiểm tra đạt")
    reinstate_committed = time.monotonic() - started
    reinstated = _until_index_shows(product_ids, len(product_ids), started)
    return {
        "products": len(product_ids),
        "suspend_service_seconds": round(committed, 3),
        "suspend_to_index_seconds": round(suspended, 3),
        "reinstate_service_seconds": round(reinstate_committed, 3),
        "reinstate_to_index_seconds": round(reinstated, 3),
    }
