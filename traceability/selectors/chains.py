"""Chains and timelines of lots' events, as each reader may read them."""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from traceability.models import Lot, TraceEvent
from traceability.selectors.visibility import sees_internal_records_of

# ---------------------------------------------------------------------------
# Chains and timelines
#
# A lot's timeline is its chain in the order of capture (sequence). The public never sees
# the seller's internal notes (``ocop:internalNote``); an event whose error was declared
# stays in the timeline, marked, beside the declaration (EPCIS never deletes).


def lot_timeline(lot: Lot, *, include_internal: bool = False) -> list[TraceEvent]:
    """The lot's events by sequence, with their sites, each marked ``declared_erroneous``.

    For the public (``include_internal=False``) each event's ``document`` is a copy without
    the internal note; the rows are never saved (the table refuses updates anyway).
    """
    from traceability.events import INTERNAL_NOTE

    events = list(
        TraceEvent.objects.filter(lot_id=lot.pk)
        .select_related("site")
        .annotate(
            declared_erroneous=Exists(TraceEvent.objects.filter(declares_error_in=OuterRef("pk")))
        )
        .order_by("sequence")
    )
    if not include_internal:
        for event in events:
            if INTERNAL_NOTE in event.document:
                event.document = {k: v for k, v in event.document.items() if k != INTERNAL_NOTE}
    return events


# ---------------------------------------------------------------------------
# Reads of the GraphQL API, batched: a page of lots or products costs the same queries at
# any size.


def lot_timelines(lots: Iterable[Lot], *, internal_of: set[int]) -> dict[int, list[TraceEvent]]:
    """``lot_timeline`` of several lots in one query; the internal note is kept only for
    the lots whose ids are in ``internal_of``."""
    ids = sorted({lot.pk for lot in lots})
    found: dict[int, list[TraceEvent]] = {pk: [] for pk in ids}
    if not ids:
        return found
    events = (
        TraceEvent.objects.filter(lot_id__in=ids)
        .select_related("site")
        .annotate(
            declared_erroneous=Exists(TraceEvent.objects.filter(declares_error_in=OuterRef("pk")))
        )
        .order_by("lot_id", "sequence")
    )
    for event in events:
        if event.lot_id not in internal_of:
            _drop_internal_note(event)
        found[event.lot_id].append(event)
    return found


def trace_events_read_by(user, ids: Iterable[int]) -> dict[int, TraceEvent]:
    """Events by id, as ``user`` reads them: the internal note only where
    ``sees_internal_records_of``. No visibility rule: callers reach them from a lot or an
    event the user may see, or check ``lot_visible_to`` first."""
    events = (
        TraceEvent.objects.filter(pk__in=list(ids))
        .select_related("lot", "site")
        .annotate(
            declared_erroneous=Exists(TraceEvent.objects.filter(declares_error_in=OuterRef("pk")))
        )
    )
    found = {}
    for event in events:
        if not sees_internal_records_of(user, event.lot.seller_id):
            _drop_internal_note(event)
        found[event.pk] = event
    return found


def _drop_internal_note(event: TraceEvent) -> None:
    """The copy of the document the public reads; the row is never saved."""
    from traceability.events import INTERNAL_NOTE

    if INTERNAL_NOTE in event.document:
        event.document = {k: v for k, v in event.document.items() if k != INTERNAL_NOTE}
