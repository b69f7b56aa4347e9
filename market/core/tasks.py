from celery import shared_task


@shared_task(name="core.ping")
def ping(payload: str) -> dict:
    """Round-trip check for the task queue: answers with what it was sent."""
    return {"pong": payload}
