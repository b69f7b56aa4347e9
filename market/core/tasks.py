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


@shared_task(name="core.database_ping")
def database_ping() -> dict:
    """The worker's database check: which server process its connection is (PostgreSQL's
    ``pg_backend_pid()``, null on SQLite). Two calls answering the same process show the
    worker keeps its connection between tasks (``market.celery``); an operator can run it
    (``celery -A market call core.database_ping``)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return {"vendor": connection.vendor, "backend_pid": None}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return {"vendor": connection.vendor, "backend_pid": cursor.fetchone()[0]}
