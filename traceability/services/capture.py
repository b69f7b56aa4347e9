"""Capture of EPCIS 2.0 documents sent by a seller's farm software (``POST /epcis/capture``).

A document is recorded whole or not at all. It is first validated as EPCIS 2.0
(``traceability.epcis.validation``: GS1's JSON schema with format checks, and the project's
rules); then each event is mapped to the service that records such an event by hand, in one
transaction, so every rule of the chains holds for captured events too (times not in the
future, quantities within the harvest, harvests only on active areas, the PHI):

- an ObjectEvent of a known step (``services.steps.STEPS``: the bizStep as a bare CBV
  word or the project's URI) → ``event_record``, keeping the document's ``eventID``;
- an event carrying an ``errorDeclaration`` → ``event_declare_error`` of the recorded event
  of that ``eventID`` (the declaration repeats it, as EPCIS asks).

How an event maps to those keywords, and the codes of its problems, are
``traceability.services.capture_mapping``'s.

Every problem is a ``CaptureError`` (index, eventID, JSON pointer, code, message); all the
events are checked, so one answer lists every bad event. A replayed document (its
``eventID`` already recorded) records nothing: each such event is ``DUPLICATE_EVENT``.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from market.core import throttle
from market.core.errors import DomainError, PermissionDenied
from market.core.permissions import NOT_SELLER_STAFF, require_authenticated, seller_ids_of
from traceability.epcis import validation
from traceability.models import Lot, TraceEvent
from traceability.services.capture_mapping import (
    DUPLICATE_EVENT,
    EVENT_POINTERS,
    MISSING_EVENT_ID,
    UNKNOWN_EVENT,
    CaptureError,
    EventErrors,
    from_issue,
    lot_key_of,
    prefixes_of_our_vocabulary,
    record_arguments,
    time_of,
)
from traceability.services.events import event_declare_error, event_record

THROTTLE_SCOPE = "epcis-capture/user"
MAX_EVENT_ID_LENGTH = TraceEvent._meta.get_field("event_id").max_length


@dataclass(frozen=True)
class CapturedEvent:
    index: int
    event_id: str
    lot_code: str
    sequence: int
    hash: str


class CaptureRefused(Exception):
    """Nothing was recorded; ``errors`` says why, event by event."""

    def __init__(self, errors: list[CaptureError]):
        super().__init__(f"{len(errors)} capture errors")
        self.errors = errors

    @property
    def only_duplicates(self) -> bool:
        return all(error.code == DUPLICATE_EVENT for error in self.errors)


def capture_authorize(*, by) -> None:
    """Signed in as a seller's staff (``PermissionDenied`` otherwise, its code telling
    signed out from another role), then one attempt of ``TRACE_CAPTURE_RATE`` per user
    (``throttle.Throttled``). Called before the body is read."""
    _require_capturer(by)
    throttle.attempt([throttle.Limit(THROTTLE_SCOPE, settings.TRACE_CAPTURE_RATE, (str(by.pk),))])


def _require_capturer(by) -> None:
    require_authenticated(by)
    if not seller_ids_of(by):
        raise PermissionDenied(str(NOT_SELLER_STAFF))


def document_capture(*, by, document) -> list[CapturedEvent]:
    """Record every event of ``document`` (parsed JSON) into the chains, or nothing:
    ``CaptureRefused`` lists the problems."""
    _require_capturer(by)
    issues = validation.validate_document(document, max_events=settings.TRACE_CAPTURE_MAX_EVENTS)
    events = document.get("epcisBody", {}).get("eventList") if not issues else None
    if issues:
        raise CaptureRefused([from_issue(issue, document) for issue in issues])
    own_prefixes = prefixes_of_our_vocabulary(document.get("@context"))
    errors: list[CaptureError] = []
    recorded: list[CapturedEvent] = []
    with transaction.atomic():
        lots = _lots_named(by, events)
        known_ids = _recorded_event_ids(events)
        seen_ids: set[str] = set()
        for index, event in enumerate(events):
            event_errors, captured = _capture_one(
                by,
                index,
                event,
                lots=lots,
                known_ids=known_ids,
                seen_ids=seen_ids,
                own_prefixes=own_prefixes,
            )
            errors.extend(event_errors)
            if captured is not None:
                recorded.append(captured)
        if errors:
            raise CaptureRefused(errors)  # leaving the block rolls every event back
    return recorded


# ---------------------------------------------------------------------------
# What the document names, looked up once


def _lots_named(by, events: list) -> dict[tuple[str, str | None], Lot]:
    """The caller's lots the events name, by ``lot_key_of``, in one query; another seller's
    lot is not among them, so it reads as unknown."""
    keys = set()
    for event in events:
        elements = event.get("quantityList") if isinstance(event, dict) else None
        for element in elements if isinstance(elements, list) else ():
            key = lot_key_of(element.get("epcClass") if isinstance(element, dict) else None)
            if key:
                keys.add(key)
    found = Lot.objects.filter(
        code__in={code for code, _gtin in keys}, seller_id__in=seller_ids_of(by)
    ).only("pk", "code", "gtin", "seller_id")
    lots = {}
    for lot in found:
        lots[(lot.code, None)] = lot
        if lot.gtin:
            lots[(lot.code, lot.gtin)] = lot
    return lots


def _recorded_event_ids(events: list) -> set[str]:
    ids = [e.get("eventID") for e in events if isinstance(e, dict)]
    ids = [value for value in ids if isinstance(value, str)]
    return set(TraceEvent.objects.filter(event_id__in=ids).values_list("event_id", flat=True))


# ---------------------------------------------------------------------------
# One event


def _capture_one(
    by, index, event, *, lots, known_ids, seen_ids, own_prefixes
) -> tuple[list[CaptureError], CapturedEvent | None]:
    event_id = event.get("eventID") if isinstance(event.get("eventID"), str) else None
    out = EventErrors(index, event_id)
    if "errorDeclaration" in event:
        return _capture_declaration(by, index, event, out)
    if event_id is None:
        out.add(
            "/eventID",
            MISSING_EVENT_ID,
            _(
                "Give each event its eventID (a urn:uuid:), so a document sent twice is "
                "recorded once."
            ),
        )
    elif len(event_id) > MAX_EVENT_ID_LENGTH:
        out.add(
            "/eventID",
            validation.INVALID_VALUE,
            _("An eventID is at most %(count)d characters.") % {"count": MAX_EVENT_ID_LENGTH},
        )
    elif event_id in known_ids or event_id in seen_ids:
        out.add(
            "/eventID",
            DUPLICATE_EVENT,
            _("The event %(id)s is already recorded.") % {"id": event_id}
            if event_id in known_ids
            else _("The event %(id)s appears twice in this document.") % {"id": event_id},
        )
        return out.items, None
    if event_id:
        seen_ids.add(event_id)
    arguments = record_arguments(event, out, lots=lots, own_prefixes=own_prefixes)
    if out.items:
        return out.items, None
    try:
        with transaction.atomic():
            recorded = event_record(by=by, event_id=event_id, **arguments)
    except (ValidationError, DomainError) as error:
        out.from_service(error, EVENT_POINTERS)
        return out.items, None
    except IntegrityError:
        # The same eventID recorded by a parallel request since it was looked up.
        out.add(
            "/eventID",
            DUPLICATE_EVENT,
            _("The event %(id)s is already recorded.") % {"id": event_id},
        )
        return out.items, None
    return [], CapturedEvent(index, event_id, recorded.lot.code, recorded.sequence, recorded.hash)


def _capture_declaration(by, index, event, out: EventErrors):
    declaration = event["errorDeclaration"]
    pointers = {
        **EVENT_POINTERS,
        **{
            f"corrective.{number}": f"/errorDeclaration/correctiveEventIDs/{number}"
            for number in range(len(declaration.get("correctiveEventIDs", ())))
        },
    }
    if out.event_id is None:
        out.add(
            "/eventID",
            MISSING_EVENT_ID,
            _("An error declaration names the eventID of the event it corrects."),
        )
        return out.items, None
    declared_at = time_of(declaration, "declarationTime", "/errorDeclaration/declarationTime", out)
    if declared_at is None:
        return out.items, None
    try:
        with transaction.atomic():
            recorded = event_declare_error(
                by=by,
                event_id=out.event_id,
                reason=declaration.get("reason"),
                corrective=declaration.get("correctiveEventIDs") or (),
                declaration_time=declared_at,
            )
    except PermissionDenied:
        out.add(
            "/eventID",
            UNKNOWN_EVENT,
            _("%(id)s is not an event of your seller's lots.") % {"id": out.event_id},
        )
        return out.items, None
    except (ValidationError, DomainError) as error:
        out.from_service(error, pointers)
        return out.items, None
    return [], CapturedEvent(
        index, out.event_id, recorded.lot.code, recorded.sequence, recorded.hash
    )
