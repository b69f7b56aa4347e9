"""Test setup shared by the sites helper's tests: harvested lots, transformations.

A transformation needs a ``TraceEvent`` for its ``LotInput`` rows; the setup inserts a
minimal one with a dummy hash, since these tests are about origins, not chains.
"""

import itertools
import uuid
from decimal import Decimal

from django.utils import timezone

from tests.factories import LotFactory
from traceability.models import Lot, LotInput, TraceEvent
from traceability.services.origin import origin_refresh

_sequence = itertools.count(1)


def harvested_lot(**fields) -> Lot:
    """A lot with quantity left, its cached origin computed."""
    fields.setdefault("harvested_kg", Decimal("100"))
    fields.setdefault("remaining_kg", fields["harvested_kg"])
    lot = LotFactory(**fields)
    origin_refresh(lot_ids=[lot.pk])
    lot.refresh_from_db()
    return lot


def made_from(sources: list[Lot], **fields) -> Lot:
    """A lot made from ``sources`` (dried grapes from fresh ones), with no area of its own."""
    fields.setdefault("growing_area", None)
    fields.setdefault("seller", sources[0].seller)
    fields.setdefault("harvested_kg", Decimal("10"))
    fields.setdefault("remaining_kg", fields["harvested_kg"])
    lot = LotFactory(**fields)
    event = TraceEvent.objects.create(
        lot=lot,
        sequence=1,
        event_id=f"urn:uuid:{uuid.uuid4()}",
        event_type=TraceEvent.Type.TRANSFORMATION,
        biz_step="commissioning",
        event_time=timezone.now(),
        document={"type": "TransformationEvent", "n": next(_sequence)},
        hash="0" * 64,
    )
    LotInput.objects.bulk_create(
        LotInput(lot=lot, source=source, quantity_kg=Decimal("1"), event=event)
        for source in sources
    )
    origin_refresh(lot_ids=[lot.pk])
    lot.refresh_from_db()
    return lot
