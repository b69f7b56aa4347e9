"""The hash chain: links, the database's refusal of edits, tampering found by lot_verify,
two writers at once, and a verification whose cost does not grow with the chain."""

import datetime
import json
import threading

import pytest
from django.db import IntegrityError, InternalError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from market.core.errors import PermissionDenied
from tests.factories import GrowingAreaFactory, MembershipFactory, ProductFactory, UserFactory
from traceability.epcis import documents
from traceability.models import Lot, TraceEvent
from traceability.services.events import event_record
from traceability.services.lots import lot_create, lot_verify

DAY = datetime.timedelta(days=1)
TRIGGER = "traceability_traceevent_append_only"


def new_lot(code="NT25-A01"):
    area = GrowingAreaFactory()
    staff = MembershipFactory(seller=area.seller).user
    lot = lot_create(
        by=staff,
        product_id=ProductFactory(seller=area.seller).pk,
        code=code,
        growing_area_id=area.pk,
        event_time=timezone.now() - 60 * DAY,
    )
    return lot, staff


def grow(lot, staff, count):
    for index in range(count):
        event_record(
            by=staff,
            lot_id=lot.pk,
            step="fertilising",
            event_time=timezone.now() - DAY,
            details={"dose": f"{index} kg/sào"},
        )


def behind_the_applications_back(sql, params=()):
    """Run SQL with the append-only trigger off (as a table owner could), then on again.

    The test's transaction holds deferred foreign-key checks, which PostgreSQL must run
    before it alters the table: they are made immediate first, then deferred again.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE traceability_traceevent DISABLE TRIGGER {TRIGGER}")
        cursor.execute(sql, params)
        cursor.execute(f"ALTER TABLE traceability_traceevent ENABLE TRIGGER {TRIGGER}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def link(broken):
    return None if broken is None else (broken.sequence, broken.why)


@pytest.mark.django_db
def test_sequences_and_hashes_link_up():
    lot, staff = new_lot()
    grow(lot, staff, 4)
    rows = list(TraceEvent.objects.filter(lot=lot).order_by("sequence"))
    assert [row.sequence for row in rows] == [1, 2, 3, 4, 5]
    previous = ""
    for row in rows:
        assert row.previous_hash == previous
        assert row.hash == documents.canonical_hash(previous, row.sequence, row.document)
        previous = row.hash
    lot.refresh_from_db()
    assert (lot.event_count, lot.head_hash) == (5, previous)
    assert lot_verify(lot_id=lot.pk) is None
    lot.refresh_from_db()
    assert lot.chain_checked_at is not None
    assert lot.chain_broken_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE traceability_traceevent SET document = '{}'::jsonb WHERE lot_id = %s",
        "UPDATE traceability_traceevent SET hash = 'x' WHERE lot_id = %s",
        "DELETE FROM traceability_traceevent WHERE lot_id = %s",
    ],
)
def test_the_database_refuses_to_change_an_event(sql):
    lot, _ = new_lot()
    with (
        pytest.raises((IntegrityError, InternalError)) as refused,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [lot.pk])
    assert "append-only" in str(refused.value)
    assert TraceEvent.objects.filter(lot=lot).count() == 1


@pytest.mark.django_db
def test_the_orm_cannot_change_an_event_either():
    lot, _ = new_lot()
    event = lot.events.get()
    event.document = {**event.document, "bizStep": "shipping"}
    with pytest.raises(IntegrityError), transaction.atomic():
        event.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        TraceEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.django_db
def test_an_edited_event_is_reported_with_its_sequence():
    lot, staff = new_lot()
    grow(lot, staff, 5)
    behind_the_applications_back(
        "UPDATE traceability_traceevent SET document = jsonb_set(document, '{ocop:dose}', "
        "'\"9 kg/sào\"') WHERE lot_id = %s AND sequence = 4",
        [lot.pk],
    )
    assert link(lot_verify(lot_id=lot.pk)) == (4, "WRONG_HASH")
    lot.refresh_from_db()
    assert lot.chain_broken_at is not None
    assert "CHAIN_BROKEN" in lot.origin_problems
    assert not lot.origin_verified
    first_seen = lot.chain_broken_at
    assert link(lot_verify(lot_id=lot.pk)) == (4, "WRONG_HASH")
    lot.refresh_from_db()
    assert lot.chain_broken_at == first_seen


@pytest.mark.django_db
def test_a_forged_event_with_a_recomputed_hash_breaks_the_next_link():
    lot, staff = new_lot()
    grow(lot, staff, 3)
    row = TraceEvent.objects.get(lot=lot, sequence=2)
    forged = {**row.document, "ocop:dose": "50 kg/sào"}
    behind_the_applications_back(
        "UPDATE traceability_traceevent SET document = %s::jsonb, hash = %s WHERE id = %s",
        [
            json.dumps(forged),
            documents.canonical_hash(row.previous_hash, 2, forged),
            row.pk,
        ],
    )
    assert link(lot_verify(lot_id=lot.pk)) == (3, "WRONG_PREVIOUS")


@pytest.mark.django_db
def test_a_deleted_event_is_reported():
    lot, staff = new_lot()
    grow(lot, staff, 4)
    behind_the_applications_back(
        "DELETE FROM traceability_traceevent WHERE lot_id = %s AND sequence = 3", [lot.pk]
    )
    assert link(lot_verify(lot_id=lot.pk)) == (3, "WRONG_SEQUENCE")


@pytest.mark.django_db
def test_reordered_events_are_reported():
    lot, staff = new_lot()
    grow(lot, staff, 4)
    # One statement at a time: the server binds the parameters (DATABASE_PREPARED_STATEMENTS),
    # and a statement with parameters is one command.
    behind_the_applications_back(
        "UPDATE traceability_traceevent SET sequence = CASE sequence WHEN 2 THEN 1000 "
        "WHEN 3 THEN 2 END WHERE lot_id = %s AND sequence IN (2, 3)",
        [lot.pk],
    )
    behind_the_applications_back(
        "UPDATE traceability_traceevent SET sequence = 3 WHERE lot_id = %s AND sequence = 1000",
        [lot.pk],
    )
    broken = link(lot_verify(lot_id=lot.pk))
    assert broken[0] == 2
    assert broken[1] in ("WRONG_PREVIOUS", "WRONG_HASH")


@pytest.mark.django_db
def test_deleting_the_last_events_is_reported():
    lot, staff = new_lot()
    grow(lot, staff, 4)
    behind_the_applications_back(
        "DELETE FROM traceability_traceevent WHERE lot_id = %s AND sequence >= 4", [lot.pk]
    )
    assert link(lot_verify(lot_id=lot.pk))[0] == 4


@pytest.mark.django_db
def test_a_stranger_cannot_verify_another_sellers_lot():
    lot, _ = new_lot()
    stranger = MembershipFactory().user
    answers = []
    for lot_id in (lot.pk, 10**9):
        with pytest.raises(PermissionDenied) as error:
            lot_verify(lot_id=lot_id, by=stranger)
        answers.append((error.value.code, error.value.message))
    assert answers[0] == answers[1]
    assert lot_verify(lot_id=lot.pk, by=UserFactory(role="auditor")) is None


@pytest.mark.django_db
def test_verifying_costs_the_same_for_10_and_100_events():
    counts = []
    for code, length in (("SHORT", 10), ("LONG", 100)):
        lot, staff = new_lot(code)
        grow(lot, staff, length - 1)
        with CaptureQueriesContext(connection) as queries:
            assert lot_verify(lot_id=lot.pk) is None
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_leave_one_unbroken_chain():
    lot, staff = new_lot()
    per_thread = 15
    start = threading.Barrier(2)
    failures = []

    def writer():
        try:
            start.wait()
            grow(lot, staff, per_thread)
        except Exception as error:  # reported below, with the thread's own failure
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    sequences = list(
        TraceEvent.objects.filter(lot=lot).order_by("sequence").values_list("sequence", flat=True)
    )
    assert sequences == list(range(1, 2 * per_thread + 2))
    assert Lot.objects.get(pk=lot.pk).event_count == 2 * per_thread + 1
    assert lot_verify(lot_id=lot.pk) is None
