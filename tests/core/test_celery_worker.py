"""A task crosses real Redis to a real worker process and its result comes back."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from celery.result import allow_join_result

from market.celery import app as celery_app
from market.core.tasks import database_ping, ping

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(request):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    # A test that asks for the test database gives the worker that database too.
    database = (
        {"DATABASE_URL": request.getfixturevalue("on_the_test_database")}
        if "on_the_test_database" in request.fixturenames
        else {}
    )
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
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env={**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false", **database},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def not_eager():
    was_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = was_eager


def test_task_runs_in_a_real_worker_through_redis(worker, not_eager):
    assert celery_app.conf.broker_url.startswith("redis://")

    payload = f"xin chào {time.time()}"
    result = ping.apply_async(args=[payload], queue=worker)

    # Eager ``delay()`` marks joins as refused in a process-wide flag that it saves and
    # restores per call; threads of earlier concurrency tests interleaving there can leave it
    # set. This test is not inside a task, so it says so.
    with allow_join_result():
        assert result.get(timeout=60) == {"pong": payload}
    assert result.successful()


@pytest.fixture
def on_the_test_database(db) -> str:
    """The worker's ``DATABASE_URL``: the test database, which this process set up."""
    from django.db import connection

    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))


def test_the_worker_keeps_its_database_connection_between_tasks(
    on_the_test_database, worker, not_eager
):
    # Celery's own fixup would close it after every task: a new server process each time.
    with allow_join_result():
        first = database_ping.apply_async(queue=worker).get(timeout=60)
        ping.apply_async(args=["between"], queue=worker).get(timeout=60)
        second = database_ping.apply_async(queue=worker).get(timeout=60)

    assert first["vendor"] == "postgresql"
    assert isinstance(first["backend_pid"], int)
    assert second == first


@pytest.mark.django_db
def test_an_eager_task_leaves_its_callers_connection_alone():
    from django.db import connection

    connection.ensure_connection()
    kept, connection.close_at = connection.close_at, time.monotonic() - 1
    try:
        # Past its age, a worker would drop it; inside a caller's transaction it must stay.
        assert ping.delay("tại chỗ").get() == {"pong": "tại chỗ"}
        assert not connection.closed_in_transaction
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        connection.close_at = kept
