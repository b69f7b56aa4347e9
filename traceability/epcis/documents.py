"""EPCIS 2.0 documents of recorded events, the hash chain of a lot, and event times.

A lot's events form a hash chain: event ``n`` (from 1) stores ``previous_hash`` (the hash
of event ``n - 1``, empty for the first) and ``hash`` = SHA-256, in hex, of the RFC 8785
canonical JSON of ``{"previous": previous_hash, "sequence": n, "event": event}``. Changing
an event, its number or its place breaks the chain at that event; changing it and its hash
breaks it at the next one; ``verify_chain`` tells where.

Event times are written in Vietnam's time (``+07:00``; the country keeps no daylight
saving time) and stored in UTC.
"""

import datetime
import hashlib
import re
import zoneinfo
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import rfc8785
from django.utils import timezone

from traceability.epcis import vocabulary

VIETNAM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")

WRONG_SEQUENCE = "WRONG_SEQUENCE"
WRONG_PREVIOUS = "WRONG_PREVIOUS"
WRONG_HASH = "WRONG_HASH"
WRONG_HEAD = "WRONG_HEAD"

# RFC 3339 date-time (section 5.6), with the offset that makes it one instant.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})")
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


# Vietnam's offset all year round, as eventTimeZoneOffset writes it.
EVENT_TIME_ZONE_OFFSET = "+07:00"


class BrokenLink(NamedTuple):
    """The first broken link of a chain: the event's sequence number and why, one of
    ``WRONG_SEQUENCE``, ``WRONG_PREVIOUS``, ``WRONG_HASH``, ``WRONG_HEAD``."""

    sequence: int
    why: str


def format_event_time(value: datetime.datetime) -> str:
    """An aware datetime as EPCIS writes it, in Vietnam's time:
    ``2025-03-01T08:30:00+07:00`` (microseconds kept when there are some)."""
    if timezone.is_naive(value):
        raise ValueError("An event time must be an aware datetime.")
    return value.astimezone(VIETNAM).isoformat()


def _offset_text(offset: datetime.timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def event_time_zone_offset(value: datetime.datetime | None = None) -> str:
    """The ``eventTimeZoneOffset`` of Vietnam at ``value`` (now by default): ``+07:00``."""
    moment = value if value is not None else timezone.now()
    if timezone.is_naive(moment):
        raise ValueError("An event time must be an aware datetime.")
    return _offset_text(moment.astimezone(VIETNAM).utcoffset())


def parse_time_zone_offset(offset: str) -> datetime.timedelta:
    """``+07:00`` → 7 hours; ``ValueError`` unless written sign, HH, colon, MM (±14:00)."""
    match = _OFFSET.fullmatch(offset) if isinstance(offset, str) else None
    if not match:
        raise ValueError(f"{offset!r} is not a time zone offset written like +07:00.")
    sign, hours, minutes = match.groups()
    delta = datetime.timedelta(hours=int(hours), minutes=int(minutes))
    if int(minutes) > 59 or delta > datetime.timedelta(hours=14):
        raise ValueError(f"{offset!r} is not a time zone offset between -14:00 and +14:00.")
    return -delta if sign == "-" else delta


def parse_event_time(event_time: str, time_zone_offset: str | None = None) -> datetime.datetime:
    """An EPCIS ``eventTime`` (RFC 3339, with its own offset or ``Z``) as an aware datetime
    in UTC. ``time_zone_offset``, the event's ``eventTimeZoneOffset``, is checked when
    given: it tells where the event happened, not when, so it does not move the instant.
    Raises ``ValueError``."""
    if time_zone_offset is not None:
        parse_time_zone_offset(time_zone_offset)
    if not isinstance(event_time, str) or not _RFC3339.fullmatch(event_time):
        raise ValueError(f"{event_time!r} is not an RFC 3339 date-time with an offset.")
    normalised = event_time.upper().replace("Z", "+00:00")
    # Python reads at most microseconds: digits beyond them are dropped, not rounded.
    normalised = re.sub(r"(\.\d{6})\d+", r"\1", normalised)
    moment = datetime.datetime.fromisoformat(normalised)
    return moment.astimezone(datetime.UTC)


def epcis_document(
    events: Iterable[dict[str, Any]],
    *,
    created_at: datetime.datetime | None = None,
    document_id: str | None = None,
) -> dict[str, Any]:
    """An ``EPCISDocument`` holding ``events`` as they are (each already an EPCIS 2.0
    event dict), with the EPCIS 2.0 and project contexts, ``schemaVersion`` "2.0" and
    ``creationDate`` (now by default)."""
    document: dict[str, Any] = {
        "@context": vocabulary.document_context(),
        "type": "EPCISDocument",
        "schemaVersion": vocabulary.SCHEMA_VERSION,
        "creationDate": format_event_time(created_at or timezone.now()),
        "epcisBody": {"eventList": list(events)},
    }
    if document_id is not None:
        document["id"] = document_id
    return document


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JSON Canonicalization Scheme) bytes of ``value``."""
    return rfc8785.dumps(value)


def canonical_hash(previous_hash: str, sequence: int, event_dict: dict[str, Any]) -> str:
    """SHA-256, in hex, of the canonical JSON of
    ``{"previous": previous_hash, "sequence": sequence, "event": event_dict}``."""
    payload = {"previous": previous_hash, "sequence": sequence, "event": event_dict}
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def verify_chain(
    rows: Iterable[Sequence[Any]],
    *,
    head_hash: str | None = None,
    first_sequence: int = 1,
    first_previous: str = "",
) -> BrokenLink | None:
    """The first broken link of a lot's chain, or None when it holds.

    ``rows`` are ``(sequence, previous_hash, hash, event_dict)`` in sequence order. Each
    row must be numbered one after the last (``first_sequence`` for the first), name the
    last row's hash (``first_previous`` for the first) and carry its own canonical hash.
    ``WRONG_SEQUENCE`` names the sequence that was expected where another one came (the
    first missing event when some were deleted); the other reasons name the row found.
    With ``head_hash`` (the hash the lot records for its last event) a chain whose last
    rows were removed, or whose last row was rewritten with a new hash, is broken too:
    ``WRONG_HEAD`` at the last sequence seen (``first_sequence - 1`` when none)."""
    expected_sequence = first_sequence
    expected_previous = first_previous
    last_hash = first_previous
    for sequence, previous_hash, hash_, event_dict in rows:
        if sequence != expected_sequence:
            # The link that should be here is missing (or moved): name the one expected.
            return BrokenLink(expected_sequence, WRONG_SEQUENCE)
        if previous_hash != expected_previous:
            return BrokenLink(sequence, WRONG_PREVIOUS)
        try:
            recomputed = canonical_hash(previous_hash, sequence, event_dict)
        except rfc8785.CanonicalizationError:
            return BrokenLink(sequence, WRONG_HASH)
        if hash_ != recomputed:
            return BrokenLink(sequence, WRONG_HASH)
        expected_sequence = sequence + 1
        expected_previous = hash_
        last_hash = hash_
    if head_hash is not None and head_hash != last_hash:
        return BrokenLink(expected_sequence - 1, WRONG_HEAD)
    return None
