"""The outbox of changes: lower apps record what changed, a higher app acts on it.

Sellers and catalog must tell search that a seller or a product changed, but
they sit below search and may not import it. They record the change here
instead, inside their own transaction; after the commit the task named by
``settings.CHANGE_DELIVERY_TASK`` is queued (``search.tasks.deliver_outbox``),
which reads the rows, expands a seller or a category into its products and
refreshes the index. If Redis refuses the task or Elasticsearch is down, the
rows simply wait for the periodic delivery.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from market.core.models import ChangeRecord

logger = logging.getLogger(__name__)

# What a change record is about; the consumer decides what each means to it.
PRODUCT = "product"
SELLER = "seller"
CATEGORY = "category"


def change_record(*, topic: str, object_ids: Iterable[int]) -> int:
    """Record that these objects of ``topic`` changed; returns how many were recorded."""
    ids = sorted({int(object_id) for object_id in object_ids})
    if not ids:
        return 0
    ChangeRecord.objects.bulk_create([ChangeRecord(topic=topic, object_id=pk) for pk in ids])
    transaction.on_commit(change_delivery_enqueue)
    return len(ids)


def change_delivery_enqueue() -> None:
    """Queue the delivery task; a broker failure must not fail the committed request."""
    try:
        # retry=False: a dead broker should cost the request one refused
        # connection, not kombu's retry schedule; the rows wait in the outbox.
        import_string(settings.CHANGE_DELIVERY_TASK).apply_async(retry=False)
    except Exception:
        logger.exception("could not queue change delivery; the outbox keeps the changes")
