"""The Celery application; tasks live in each app's ``tasks.py``."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "market.settings")

app = Celery("market")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(task=None, **_signal) -> None:
    """Before and after a task in a worker, what Django does around a request: drop the
    connections past ``CONN_MAX_AGE`` or found broken, keep the others for the next task
    (``CELERY_DB_REUSE_MAX`` stops Celery closing them all). An eager task runs inside its
    caller's request or transaction, whose connection is not its to close."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
