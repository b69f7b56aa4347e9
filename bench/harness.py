"""Set-up and tear-down shared by the benchmarks in bench/.

A throwaway PostgreSQL database, ``manage.py migrate``, a gunicorn server with
one sync worker on a free loopback port, and timed GraphQL POSTs to it.

Django is imported only inside the functions that need it: the scripts set
the environment first, then call ``django.setup()``.
"""

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


class BenchError(Exception):
    """The benchmark could not set up or reach its server."""


def exit_on_signal(signum, _frame):
    # Turn SIGTERM (or SIGHUP) into an exception, so that the finally blocks clean up.
    raise SystemExit(128 + signum)


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


# ---------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    log = log_path.open("wb")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "market.wsgi:application",
            "--workers",
            "1",
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


def post_graphql(port: int, body: bytes) -> tuple[float, dict]:
    """One request on a new connection (a sync worker closes each); milliseconds and answer.

    The clock stops at the last byte read: parsing the answer is not timed.
    """
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/graphql/", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    elapsed = (time.perf_counter() - started) * 1000
    answer = json.loads(payload) if response.status == 200 else {}
    if response.status != 200 or answer.get("errors"):
        raise BenchError(f"HTTP {response.status}: {payload[:500].decode(errors='replace')}")
    return elapsed, answer
