"""A task crosses real Redis to a real worker process and its result comes back."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery.result import allow_join_result

from market.celery import app as celery_app
from market.core.tasks import ping

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker():
    queue = f"test-{uuid.uuid4().hex[:8]}"
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
        env={**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false"},
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
