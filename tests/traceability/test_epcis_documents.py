"""EPCIS documents, the canonical hash chain of a lot, and event times."""

import datetime
import hashlib
from decimal import Decimal

import pytest

from traceability.epcis import documents, validation, vocabulary
from traceability.epcis.documents import BrokenLink, canonical_hash, verify_chain

UTC = datetime.UTC
VIETNAM = datetime.timezone(datetime.timedelta(hours=7))


def event(number: int) -> dict:
    return {
        "type": "ObjectEvent",
        "eventTime": f"2025-03-{number:02d}T08:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "quantityList": [{"epcClass": "https://id.gs1.org/01/08934567890120/10/NT2501A"}],
        "ocop:note": f"Kiểm tra lần {number}",
    }


def chain(length: int) -> list[tuple]:
    rows, previous = [], ""
    for sequence in range(1, length + 1):
        body = event(sequence)
        digest = canonical_hash(previous, sequence, body)
        rows.append((sequence, previous, digest, body))
        previous = digest
    return rows


def test_document_has_the_epcis_envelope_and_validates():
    created = datetime.datetime(2025, 3, 1, 1, 30, tzinfo=UTC)
    doc = documents.epcis_document(
        [event(1), event(2)], created_at=created, document_id="urn:uuid:9a1c-lot"
    )
    assert doc["@context"] == [vocabulary.EPCIS_CONTEXT, {"ocop": vocabulary.vocabulary_base()}]
    assert doc["type"] == "EPCISDocument"
    assert doc["schemaVersion"] == "2.0"
    assert doc["creationDate"] == "2025-03-01T08:30:00+07:00"
    assert doc["id"] == "urn:uuid:9a1c-lot"
    assert doc["epcisBody"]["eventList"] == [event(1), event(2)]
    assert validation.validate_document(doc) == []


def test_document_defaults_to_now_and_takes_any_iterable():
    doc = documents.epcis_document(event(number) for number in (1, 2, 3))
    assert len(doc["epcisBody"]["eventList"]) == 3
    assert doc["creationDate"].endswith("+07:00")
    assert "id" not in doc


def test_canonical_hash_is_sha256_of_rfc8785_json():
    body = {"b": 1.0, "a": "Nho xanh", "c": [12.50, 1e21]}
    expected = b'{"event":{"a":"Nho xanh","b":1,"c":[12.5,1e+21]},"previous":"","sequence":1}'
    assert documents.canonical_json({"sequence": 1, "previous": "", "event": body}) == expected
    assert canonical_hash("", 1, body) == hashlib.sha256(expected).hexdigest()


def test_canonical_hash_ignores_key_order_but_not_content():
    first = {"a": 1, "b": {"x": "á", "y": [1, 2]}}
    second = {"b": {"y": [1, 2], "x": "á"}, "a": 1}
    assert canonical_hash("p", 3, first) == canonical_hash("p", 3, second)
    assert canonical_hash("p", 3, first) != canonical_hash("p", 4, first)
    assert canonical_hash("p", 3, first) != canonical_hash("q", 3, first)
    assert canonical_hash("p", 3, first) != canonical_hash("p", 3, {**first, "a": 2})
    # Unicode is hashed as written: NFC and NFD are different events.
    assert canonical_hash("", 1, {"n": "Mọi"}) != canonical_hash("", 1, {"n": "Mo\u0323i"})


def test_canonical_hash_refuses_what_json_cannot_hold():
    with pytest.raises(ValueError):  # noqa: PT011 - rfc8785's CanonicalizationError
        canonical_hash("", 1, {"quantity": Decimal("1.5")})
    with pytest.raises(ValueError):  # noqa: PT011
        canonical_hash("", 1, {"quantity": float("nan")})


def test_an_intact_chain_verifies():
    rows = chain(6)
    assert verify_chain(rows) is None
    assert verify_chain(iter(rows), head_hash=rows[-1][2]) is None
    assert verify_chain([]) is None
    assert verify_chain([], head_hash="") is None


def test_an_edited_event_breaks_the_chain_at_that_event():
    rows = chain(5)
    sequence, previous, digest, body = rows[2]
    rows[2] = (sequence, previous, digest, {**body, "ocop:note": "Đã sửa"})
    assert verify_chain(rows) == BrokenLink(3, documents.WRONG_HASH)


def test_an_edited_event_with_a_recomputed_hash_breaks_the_next_link():
    rows = chain(5)
    sequence, previous, _digest, body = rows[2]
    forged = {**body, "quantityList": [{"epcClass": "urn:epc:class:lgtin:893456.789012.X"}]}
    rows[2] = (sequence, previous, canonical_hash(previous, sequence, forged), forged)
    assert verify_chain(rows) == BrokenLink(4, documents.WRONG_PREVIOUS)


def test_an_edited_last_event_is_caught_by_the_head():
    rows = chain(4)
    head = rows[-1][2]
    sequence, previous, _digest, body = rows[-1]
    forged = {**body, "bizStep": "shipping"}
    rows[-1] = (sequence, previous, canonical_hash(previous, sequence, forged), forged)
    assert verify_chain(rows) is None  # without the head, a rewritten tail cannot be seen
    assert verify_chain(rows, head_hash=head) == BrokenLink(4, documents.WRONG_HEAD)


def test_removed_events_break_the_chain():
    rows = chain(5)
    # The first missing sequence is named.
    assert verify_chain(rows[:2] + rows[3:]) == BrokenLink(3, documents.WRONG_SEQUENCE)
    assert verify_chain(rows[1:]) == BrokenLink(1, documents.WRONG_SEQUENCE)
    head = rows[-1][2]
    assert verify_chain(rows[:3], head_hash=head) == BrokenLink(3, documents.WRONG_HEAD)
    assert verify_chain([], head_hash=head) == BrokenLink(0, documents.WRONG_HEAD)


def test_reordered_renumbered_or_relinked_rows_break_the_chain():
    rows = chain(4)
    assert verify_chain([rows[0], rows[2], rows[1], rows[3]]) == BrokenLink(
        2, documents.WRONG_SEQUENCE
    )
    sequence, previous, digest, body = rows[1]
    renumbered = [rows[0], (7, previous, digest, body)]
    assert verify_chain(renumbered) == BrokenLink(2, documents.WRONG_SEQUENCE)
    relinked = [rows[0], (sequence, "0" * 64, digest, body)]
    assert verify_chain(relinked) == BrokenLink(2, documents.WRONG_PREVIOUS)
    first_sequence, _previous, first_digest, first_body = rows[0]
    wrong_start = [(first_sequence, "f" * 64, first_digest, first_body)]
    assert verify_chain(wrong_start) == BrokenLink(1, documents.WRONG_PREVIOUS)


def test_a_row_that_cannot_be_hashed_is_a_wrong_hash():
    rows = chain(2)
    sequence, previous, digest, _body = rows[1]
    rows[1] = (sequence, previous, digest, {"quantity": Decimal("1")})
    assert verify_chain(rows) == BrokenLink(2, documents.WRONG_HASH)


def test_a_chain_may_start_elsewhere():
    rows = [(5, "abc", canonical_hash("abc", 5, event(5)), event(5))]
    assert verify_chain(rows, first_sequence=5, first_previous="abc") is None
    assert verify_chain(rows) == BrokenLink(1, documents.WRONG_SEQUENCE)


def test_format_event_time_writes_vietnams_offset():
    moment = datetime.datetime(2025, 3, 1, 1, 30, tzinfo=UTC)
    assert documents.format_event_time(moment) == "2025-03-01T08:30:00+07:00"
    precise = datetime.datetime(2025, 12, 31, 17, 0, 0, 123456, tzinfo=UTC)
    assert documents.format_event_time(precise) == "2026-01-01T00:00:00.123456+07:00"
    assert documents.event_time_zone_offset(moment) == "+07:00"
    with pytest.raises(ValueError, match="aware"):
        documents.format_event_time(datetime.datetime(2025, 3, 1, 8, 30))  # noqa: DTZ001
    with pytest.raises(ValueError, match="aware"):
        documents.event_time_zone_offset(datetime.datetime(2025, 3, 1))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("event_time", "offset", "expected"),
    [
        ("2025-03-01T08:30:00+07:00", "+07:00", datetime.datetime(2025, 3, 1, 1, 30, tzinfo=UTC)),
        ("2025-03-01T01:30:00Z", "+07:00", datetime.datetime(2025, 3, 1, 1, 30, tzinfo=UTC)),
        ("2025-03-01t01:30:00z", None, datetime.datetime(2025, 3, 1, 1, 30, tzinfo=UTC)),
        (
            "2025-03-01T08:30:00.123456789+07:00",
            "+07:00",
            datetime.datetime(2025, 3, 1, 1, 30, 0, 123456, tzinfo=UTC),
        ),
        ("2025-02-28T20:00:00-05:00", "-05:00", datetime.datetime(2025, 3, 1, 1, 0, tzinfo=UTC)),
    ],
)
def test_parse_event_time_gives_utc(event_time, offset, expected):
    parsed = documents.parse_event_time(event_time, offset)
    assert parsed == expected
    assert parsed.utcoffset() == datetime.timedelta(0)


@pytest.mark.parametrize(
    ("event_time", "offset"),
    [
        ("2025-03-01T08:30:00", "+07:00"),  # no offset: not one instant
        ("2025-03-01", None),
        ("2025-02-30T08:30:00+07:00", None),
        ("2025-03-01T24:30:00+07:00", None),
        ("20250301T083000+0700", None),
        ("2025-03-01T08:30:00+07:00", "+7:00"),
        ("2025-03-01T08:30:00+07:00", "+15:00"),
        ("2025-03-01T08:30:00+07:00", "+07:60"),
        ("2025-03-01T08:30:00+07:00", 7),
        (None, None),
    ],
)
def test_parse_event_time_refuses_what_is_not_rfc_3339(event_time, offset):
    with pytest.raises(ValueError):  # noqa: PT011 - each says what it expected
        documents.parse_event_time(event_time, offset)


def test_formatted_times_parse_back():
    moment = datetime.datetime(2025, 7, 4, 23, 59, 59, 999999, tzinfo=VIETNAM)
    text = documents.format_event_time(moment)
    assert documents.parse_event_time(text, documents.event_time_zone_offset(moment)) == moment


def test_parse_time_zone_offset():
    assert documents.parse_time_zone_offset("+07:00") == datetime.timedelta(hours=7)
    assert documents.parse_time_zone_offset("-09:30") == -datetime.timedelta(hours=9, minutes=30)
    assert documents.parse_time_zone_offset("+14:00") == datetime.timedelta(hours=14)
