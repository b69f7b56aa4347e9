from celery import shared_task


@shared_task(name="core.ping")
def ping(payload: str) -> dict:
    """The worker's round-trip check: answers with what it was sent.

    The one task that crosses the broker, a worker and the result backend
    without touching a database, so it proves the queue alone works:
    ``tests/core/test_celery_worker.py`` uses it, and so can an operator
    (``celery -A market call core.ping --args='["hello"]'``). Keep it.
    """
    return {"pong": payload}
