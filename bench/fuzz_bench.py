"""Fuzzing a served app: requests generated from the schema, as three roles, counted.

    .venv/bin/python bench/fuzz_bench.py [--requests 10000] [--max-seconds 1500] [--seed N]

Needs the PostgreSQL that ``scripts/services.sh up`` starts (127.0.0.1:5433,
user and password ``market``). The script creates its own database
(``market_bench_fuzz``), migrates it, loads the demo catalog and adds a buyer
and a staff member of a demo seller, then serves the app with gunicorn (one
sync worker, ``DEBUG=false``) on a free loopback port. It sends the requests
that ``tests.core.graphql_fuzz`` generates (the fuzz test's generator, fed
the global IDs of the demo's objects) one after the other, each as anonymous,
the buyer or the staff member, and prints one JSON object:

    {"requests", "seconds", "status_codes", "error_codes", "slowest", "server_errors",
     "server_error_examples"}

``server_errors`` counts answers with status 5xx, that are not JSON, that
carry an error without ``extensions.code`` or with ``INTERNAL_ERROR``, and
requests the server did not answer (a worker killed on its timeout); each
kind keeps a few examples to reproduce. It must be 0; the script exits 1
otherwise. It stops after ``--requests`` requests or ``--max-seconds``,
whichever comes first, and removes the server, the database and the media
directory at the end, on failure and on SIGTERM too. The result is also
written to ``bench/results/fuzz.json``.
"""

import argparse
import contextlib
import http.client
import json
import secrets
import sys
import time
from collections import Counter

import harness

RESULTS = harness.RESULTS_DIR / "fuzz.json"

BENCH_DATABASE = "market_bench_fuzz"
DEFAULT_SEED = 20250808
# More than gunicorn's 30 s worker timeout: a request that hangs is cut by the server.
REQUEST_TIMEOUT_SECONDS = 40
SLOWEST_KEPT = 5
EXAMPLES_KEPT = 5
STAFF_EMAIL = "fuzz-staff@example.vn"
BUYER_EMAIL = "fuzz-buyer@example.vn"


class StopFuzzing(Exception):
    """The time budget is spent: ends hypothesis' loop early."""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000, help="requests to send")
    parser.add_argument(
        "--max-seconds", type=float, default=1500, help="stop sending after this long"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="hypothesis' seed")
    harness.add_server_url_argument(parser)
    args = parser.parse_args(argv)
    if args.requests < 1 or args.max_seconds <= 0:
        parser.error("--requests and --max-seconds must be positive")
    return args


# ---------------------------------------------------------------- data


def load_data(token_seconds: int) -> tuple[dict[str, dict[str, str]], set[str], set[str]]:
    """The demo catalog and two users; the roles' headers, the objects' global IDs,
    and their slugs and emails."""
    from graphql_relay import to_global_id

    from catalog.models import Category, OcopCertificate, Product, ProductImage, ProductVariant
    from market.accounts.jwt import ACCESS, encode
    from market.accounts.models import User
    from market.demo.loader import load_demo
    from market.sellers.models import Seller, SellerMembership

    load_demo()
    seller = Seller.objects.order_by("pk").first()
    if seller is None:
        raise harness.BenchError("the demo loader made no seller")
    staff = User.objects.create_user(email=STAFF_EMAIL, password=secrets.token_urlsafe(16))
    SellerMembership.objects.create(seller=seller, user=staff, role=SellerMembership.Role.STAFF)
    buyer = User.objects.create_user(email=BUYER_EMAIL, password=secrets.token_urlsafe(16))

    def bearer(user) -> dict[str, str]:
        token = encode(user_id=user.pk, token_type=ACCESS, ttl_seconds=token_seconds)["token"]
        return {"Authorization": f"Bearer {token}"}

    headers = {"anonymous": {}, "buyer": bearer(buyer), "own_staff": bearer(staff)}
    known_ids = set()
    for type_name, model in (
        ("Product", Product),
        ("ProductVariant", ProductVariant),
        ("ProductImage", ProductImage),
        ("Category", Category),
        ("OcopCertificate", OcopCertificate),
        ("Seller", Seller),
        ("User", User),
    ):
        known_ids.update(
            to_global_id(type_name, pk) for pk in model.objects.values_list("pk", flat=True)
        )
    known_texts = set(User.objects.values_list("email", flat=True))
    for model in (Product, Category, Seller):
        known_texts.update(model.objects.values_list("slug", flat=True))
    return headers, known_ids, known_texts


# ---------------------------------------------------------------- sending


def post(port: int, body: bytes, headers: dict[str, str]) -> tuple[float, int, bytes]:
    """One request on a new connection; milliseconds, status and body. Raises OSError."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        connection.request(
            "POST", "/graphql/", body, {"Content-Type": "application/json", **headers}
        )
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    return (time.perf_counter() - started) * 1000, response.status, payload


class Tally:
    """What the answers were: counts, the slowest requests, examples of each failure."""

    def __init__(self):
        self.requests = 0
        self.status_codes: Counter[str] = Counter()
        self.error_codes: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.examples: dict[str, list[dict]] = {}
        self.slowest: list[dict] = []

    def failure(self, kind: str, request, detail) -> None:
        self.failures[kind] += 1
        kept = self.examples.setdefault(kind, [])
        if len(kept) < EXAMPLES_KEPT:
            kept.append(
                {
                    "role": request.role,
                    "query": request.query,
                    "variables": request.variables,
                    "answer": detail,
                }
            )

    def record(self, request, elapsed_ms: float | None, status: int | None, payload: bytes):
        self.requests += 1
        if status is None:
            self.status_codes["no answer"] += 1
            self.failure("no answer", request, payload.decode(errors="replace"))
            return
        self.status_codes[str(status)] += 1
        self.slowest.append({"ms": round(elapsed_ms, 1), "role": request.role, **request.body()})
        self.slowest = sorted(self.slowest, key=lambda entry: -entry["ms"])[:SLOWEST_KEPT]
        text = payload.decode(errors="replace")[:2000]
        if status >= 500:
            self.failure(f"HTTP {status}", request, text)
        try:
            answer = json.loads(payload)
        except ValueError:
            self.failure("not JSON", request, text)
            return
        for error in (answer.get("errors") if isinstance(answer, dict) else None) or []:
            code = (error.get("extensions") or {}).get("code")
            if not isinstance(code, str) or not code:
                self.error_codes["(none)"] += 1
                self.failure("error without a code", request, error)
            else:
                self.error_codes[code] += 1
                if code == "INTERNAL_ERROR":
                    # By the field that failed, list indexes left out: one kind per bug.
                    path = ".".join(
                        str(key) for key in error.get("path") or () if isinstance(key, str)
                    )
                    self.failure(f"INTERNAL_ERROR at {path or '(no path)'}", request, error)

    def summary(self, seconds: float) -> dict:
        return {
            "requests": self.requests,
            "seconds": round(seconds, 1),
            "status_codes": dict(sorted(self.status_codes.items())),
            "error_codes": dict(self.error_codes.most_common()),
            "slowest": self.slowest,
            "server_errors": sum(self.failures.values()),
            "server_errors_by_kind": dict(self.failures),
            "server_error_examples": self.examples,
        }


def fuzz(port: int, args, headers, known_ids, known_texts) -> Tally:
    from hypothesis import HealthCheck, Phase, given, seed, settings

    from market.schema import schema

    # The generator is the fuzz test's own, in the test package.
    harness.put_checkout_on_path()
    from tests.core.graphql_fuzz import requests

    tally = Tally()
    deadline = time.monotonic() + args.max_seconds

    @seed(args.seed)
    @settings(
        max_examples=args.requests,
        deadline=None,
        database=None,
        # Every request is kept, none is shrunk: failures are counted, not raised.
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(requests(schema.graphql_schema, known_ids, known_texts))
    def send(request):
        if time.monotonic() > deadline or tally.requests >= args.requests:
            raise StopFuzzing
        body = json.dumps(request.body()).encode()
        try:
            elapsed, status, payload = post(port, body, headers[request.role])
        except OSError as error:
            tally.record(request, None, None, repr(error).encode())
            return
        tally.record(request, elapsed, status, payload)

    with contextlib.suppress(StopFuzzing):
        send()
    return tally


# ---------------------------------------------------------------- main


def run(args: argparse.Namespace) -> dict:
    # The app's environment is PostgreSQL only (harness.OTHER_SERVICES): search
    # uses the database backend, Celery is eager and throttles count in memory.
    app = harness.throwaway_app(args.server_url, BENCH_DATABASE, "ocop-bench-fuzz-")
    with app as (env, work_dir):
        headers, known_ids, known_texts = load_data(token_seconds=int(args.max_seconds) + 600)
        with harness.served(env, work_dir / "gunicorn.log") as port:
            started = time.monotonic()
            tally = fuzz(port, args, headers, known_ids, known_texts)
            return tally.summary(time.monotonic() - started)


def main(argv=None) -> int:
    args = parse_args(argv)
    result = harness.run_reporting_failure(lambda: run(args))
    if result is None:
        return 1
    # ASCII: the examples may hold lone surrogates, which UTF-8 cannot write.
    text = json.dumps(result, indent=2)
    print(text, flush=True)
    harness.write_results(RESULTS, text)
    return 1 if result["server_errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
