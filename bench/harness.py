"""Set-up and tear-down shared by the benchmarks in bench/.

The app's environment, a throwaway PostgreSQL database, ``manage.py migrate``,
Elasticsearch reachable and a run's indices deleted after it, a gunicorn server with one
sync worker on a free loopback port, timed GraphQL POSTs to it, and the run of a script
(clean-up steps, signals, failures, the results file, the targets).

Django is imported only inside the functions that need it: the scripts set
the environment first, then call ``django.setup()``.
"""

import argparse
import atexit
import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
DEFAULT_SERVER_URL = "postgres://market:market@127.0.0.1:5433/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_ELASTICSEARCH_URL = "http://127.0.0.1:9200"
# Left unconfigured unless a benchmark names one again: the figures are those of
# Django, graphene and PostgreSQL, Celery runs eagerly (no broker) and throttles
# count in the worker's memory.
OTHER_SERVICES = ("REDIS_URL", "ELASTICSEARCH_URL", "STRIPE_API_BASE", "STRIPE_SECRET_KEY")


class BenchError(Exception):
    """The benchmark could not set up or reach its server."""


def exit_on_signal(signum, _frame):
    # Turn SIGTERM (or SIGHUP) into an exception, so that the finally blocks clean up.
    raise SystemExit(128 + signum)


# ---------------------------------------------------------------- running a script


def add_server_url_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_SERVER_URL),
        help="PostgreSQL to create the benchmark database on (env BENCH_POSTGRES_URL)",
    )


def add_redis_url_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL")
        or os.environ.get("REDIS_URL")
        or DEFAULT_REDIS_URL,
        help="Redis of the Celery worker (env BENCH_REDIS_URL, then REDIS_URL); its default "
        "queue is purged first",
    )


def add_elasticsearch_url_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--elasticsearch-url",
        default=os.environ.get("ELASTICSEARCH_URL") or DEFAULT_ELASTICSEARCH_URL,
        help="Elasticsearch to index into (env ELASTICSEARCH_URL)",
    )


def run_reporting_failure(run: Callable[[], object], signals=(signal.SIGTERM,)):
    """``run()``, or None when it fails with a ``BenchError`` (said on stderr).

    The signals become ``SystemExit``, so that the finally blocks clean up.
    """
    for signum in signals:
        signal.signal(signum, exit_on_signal)
    try:
        return run()
    except BenchError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return None


def write_results(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")


class Cleanup:
    """Undo steps, run once in reverse order: from ``finally``, or from atexit
    if the interpreter is leaving some other way."""

    def __init__(self):
        self._steps: list[tuple[str, Callable[[], None]]] = []

    def add(self, label: str, step: Callable[[], None]) -> None:
        self._steps.append((label, step))

    def run(self) -> None:
        while self._steps:
            label, step = self._steps.pop()
            try:
                step()
            except Exception as error:
                # One failed step must not leave the others (the database) behind.
                print(f"cleanup: {label} failed: {error!r}", file=sys.stderr)


def run_benchmark(run: Callable[[Cleanup], dict], results: Path, *, check: bool) -> int:
    """A benchmark script's exit status: ``run(cleanup)``, its undo steps run whatever
    happens (SIGTERM and SIGHUP included), its result written to ``results`` and printed.
    1 when it failed, or when ``check`` asks and a target of ``result["targets_met"]`` is
    missed (each said on stderr)."""
    cleanup = Cleanup()
    atexit.register(cleanup.run)

    def run_and_clean_up() -> dict:
        try:
            return run(cleanup)
        finally:
            cleanup.run()

    result = run_reporting_failure(run_and_clean_up, signals=(signal.SIGTERM, signal.SIGHUP))
    if result is None:
        return 1
    write_results(results, json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, ensure_ascii=False), flush=True)
    missed = [name for name, met in result["targets_met"].items() if not met]
    if missed:
        print(f"targets missed: {', '.join(missed)}", file=sys.stderr)
    return 1 if missed and check else 0


def app_environment(url: str, **settings: str) -> dict[str, str]:
    """The environment of both the app server and this process; ``settings`` are added last."""
    env = dict(os.environ)
    for name in OTHER_SERVICES:
        env.pop(name, None)
    env.update(
        DATABASE_URL=url,
        DEBUG="false",
        # DEBUG=false refuses the public development key (market.env.env_secret_key); this
        # process shares the key with the server, so tokens it signs are accepted there.
        SECRET_KEY=secrets.token_urlsafe(50),
        CELERY_TASK_ALWAYS_EAGER="true",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="market.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    env.update(settings)
    return env


def put_checkout_on_path() -> None:
    """Let a benchmark import from the test package, which is not installed with the project:
    it is found from the checkout."""
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


@contextlib.contextmanager
def throwaway_app(
    server_url: str, database: str, work_prefix: str, **settings: str
) -> Iterator[tuple[dict, Path]]:
    """A work directory with a media root, ``database`` created and migrated, Django set up.

    Yields the app's environment (``settings`` added) and the work directory; the database
    and the directory are removed on leaving, also on failure.
    """
    work_dir = Path(tempfile.mkdtemp(prefix=work_prefix))
    media_root = work_dir / "media"
    media_root.mkdir()
    env = app_environment(
        database_url(server_url, database), MEDIA_ROOT=str(media_root), **settings
    )
    created = False
    try:
        recreate_database(server_url, database)
        created = True
        migrate(env)
        setup_django(env)
        yield env, work_dir
    finally:
        if created:
            drop_database(server_url, database)
        shutil.rmtree(work_dir, ignore_errors=True)


# ---------------------------------------------------------------- database


def database_url(server_url: str, name: str) -> str:
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


def recreate_database(server_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True) as connection:
        # A run killed with SIGKILL cannot clean up: start from nothing.
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(server_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    # This process's own connections first, so they are not left pointing at a
    # dropped database; Django may not be set up yet, hence the suppress.
    with contextlib.suppress(Exception):
        from django.db import connections

        connections.close_all()
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def migrate(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BenchError(f"migrate failed:\n{result.stdout}\n{result.stderr}")


# ---------------------------------------------------------------- Elasticsearch


def check_elasticsearch(elasticsearch_url: str) -> None:
    from elasticsearch import Elasticsearch

    client = Elasticsearch(elasticsearch_url, request_timeout=10)
    try:
        client.cluster.health()
    except Exception as error:
        raise BenchError(
            f"Elasticsearch at {elasticsearch_url} does not answer ({error}); "
            "start it with scripts/services.sh up"
        ) from error
    finally:
        client.close()


def delete_indices(elasticsearch_url: str, prefix: str) -> list[str]:
    """Every index of this run, deleted by name (the cluster refuses wildcard deletes)."""
    from elasticsearch import Elasticsearch

    client = Elasticsearch(elasticsearch_url, request_timeout=30)
    try:
        names = sorted(client.indices.get(index=f"{prefix}-*", expand_wildcards="all").keys())
        if names:
            client.indices.delete(index=",".join(names), ignore_unavailable=True)
        return names
    finally:
        client.close()


def indexed_app(
    cleanup: Cleanup, env: dict[str, str], server_url: str, database: str, es_url: str, prefix: str
) -> None:
    """Elasticsearch answering, ``database`` created and migrated, Django set up; the
    database and the indices under ``prefix`` removed by ``cleanup``."""
    check_elasticsearch(es_url)
    recreate_database(server_url, database)
    cleanup.add("database", lambda: drop_database(server_url, database))
    # Registered before anything is indexed: the demo loader's delivery creates the first index.
    cleanup.add("indices", lambda: delete_indices(es_url, prefix))
    migrate(env)
    setup_django(env)


# ---------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    env: dict[str, str], port: int, log_path: Path, *, workers: int = 1
) -> subprocess.Popen:
    log = log_path.open("wb")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "market.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        # Its own process group, so that stopping it takes the worker too.
        start_new_session=True,
    )


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)


def wait_until_healthy(
    server: subprocess.Popen, port: int, log_path: Path, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with {server.returncode}:\n{log_path.read_text()}")
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                connection.request("GET", "/health/")
                if connection.getresponse().status == 200:
                    return
            finally:
                connection.close()
        time.sleep(0.2)
    raise BenchError(
        f"gunicorn did not answer /health/ within {timeout:.0f} s:\n{log_path.read_text()}"
    )


def serve(env: dict[str, str], log_path: Path, *, workers: int = 1) -> tuple[subprocess.Popen, int]:
    """gunicorn on a free port once it answers ``/health/``; the server and its port.

    This process's database connections are closed first: the server's worker
    must not share them, and a benchmark's bulk load must not hold them open.
    """
    from django.db import connections

    connections.close_all()
    port = free_port()
    server = start_server(env, port, log_path, workers=workers)
    try:
        wait_until_healthy(server, port, log_path)
    except BaseException:
        stop_server(server)
        raise
    return server, port


@contextlib.contextmanager
def served(env: dict[str, str], log_path: Path, *, workers: int = 1) -> Iterator[int]:
    """``serve`` for a ``with`` block: yields the port, stops the server on leaving."""
    server, port = serve(env, log_path, workers=workers)
    try:
        yield port
    finally:
        stop_server(server)


def start_worker(env: dict[str, str], log_path: Path, *, name: str) -> subprocess.Popen:
    """A Celery worker on Redis (``env``'s ``REDIS_URL``, this process set up with it), as
    tests/e2e/test_origin_propagation.py starts one; in its own process group, so
    ``stop_server`` stops it."""
    from market.celery import app as celery_app
    from market.core.tasks import ping

    # Tasks left on this Redis database by an earlier run would be delivered first.
    celery_app.control.purge()
    log = log_path.open("wb")
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "market", "worker", "--pool=solo",
            "--loglevel=WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip",
            "-n", f"{name}-{uuid.uuid4().hex[:8]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        if ping.apply_async(args=["ready"]).get(timeout=60) != {"pong": "ready"}:
            raise BenchError("the Celery worker answered the wrong thing")
    except Exception as error:
        stop_server(worker)
        raise BenchError(
            f"the Celery worker did not answer ({error!r}):\n{log_path.read_text()}"
        ) from error
    return worker


def request(
    port: int, method: str, path: str, *, headers: dict | None = None, body: bytes | None = None
) -> tuple[float, int, bytes]:
    """One request on a new connection (a sync worker closes each): milliseconds, status
    and body. The clock stops at the last byte read."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body, headers or {})
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    return (time.perf_counter() - started) * 1000, response.status, payload


def post_graphql(port: int, body: bytes) -> tuple[float, dict]:
    """A GraphQL POST (``request``); milliseconds and answer, which must have no errors."""
    elapsed, status, payload = request(
        port, "POST", "/graphql/", headers={"Content-Type": "application/json"}, body=body
    )
    answer = json.loads(payload) if status == 200 else {}
    if status != 200 or answer.get("errors"):
        raise BenchError(f"HTTP {status}: {payload[:500].decode(errors='replace')}")
    return elapsed, answer


def python_speed_ms() -> float:
    """CPU milliseconds of a fixed pure-Python workload, the best of three: how fast the
    machine is right now. Its speed moves by a fifth within an hour here, so a throughput
    is read beside this number (lower is faster)."""

    def work() -> float:
        started = time.process_time()
        total = 0
        for value in range(1_000_000):
            total += value * value % 7
        return (time.process_time() - started) * 1000

    return round(min(work() for _ in range(3)), 1)


def latency_summary(timings: list[float]) -> dict:
    """Count, median, p95, p99 and maximum of ``timings`` (milliseconds), rounded; the
    percentiles interpolated (``statistics.quantiles``, inclusive) as every bench reports them."""
    cuts = statistics.quantiles(timings, n=100, method="inclusive") if len(timings) > 1 else []
    at = (lambda p: cuts[p - 1]) if cuts else (lambda _p: timings[0])
    return {
        "n": len(timings),
        "p50": round(statistics.median(timings), 2),
        "p95": round(at(95), 2),
        "p99": round(at(99), 2),
        "max": round(max(timings), 2),
    }
