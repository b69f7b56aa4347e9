"""Recording events: what each step needs, times, quantities, the PHI, error declarations,
the public timeline, and a constant cost per event."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from market.core.errors import PermissionDenied
from tests.factories import (
    GrowingAreaFactory,
    MembershipFactory,
    PackingHouseFactory,
    ProductFactory,
)
from traceability import events as builders
from traceability import selectors
from traceability.models import Lot, Spraying, TraceEvent, Violation
from traceability.services.events import event_declare_error, event_record
from traceability.services.lots import lot_create

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
SPRAY = {
    "product_name": "Ridomil Gold 68WG",
    "active_ingredient": "Metalaxyl-M + Mancozeb",
    "dose": "2,5 g/lít",
    "pre_harvest_interval_days": 7,
}


def codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


@pytest.fixture
def area():
    return GrowingAreaFactory()


@pytest.fixture
def staff(area):
    return MembershipFactory(seller=area.seller).user


@pytest.fixture
def lot(staff, area):
    product = ProductFactory(seller=area.seller)
    return lot_create(
        by=staff,
        product_id=product.pk,
        code="NT25-A01",
        growing_area_id=area.pk,
        event_time=timezone.now() - 60 * DAY,
    )


def record(staff, lot, step, days_ago=1, **fields):
    return event_record(
        by=staff,
        lot_id=lot.pk,
        step=step,
        event_time=timezone.now() - days_ago * DAY,
        **fields,
    )


def refused(staff, lot, step, **fields) -> dict:
    before = TraceEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        record(staff, lot, step, **fields)
    assert TraceEvent.objects.count() == before
    return codes(error.value)


# ---------------------------------------------------------------------------
# Steps and times


def test_an_unknown_step_is_refused(staff, lot):
    assert refused(staff, lot, "harvest") == {"step": ["UNKNOWN_STEP"]}


def test_a_future_time_is_refused_beyond_the_clock_skew(staff, lot, settings):
    settings.TRACE_EVENT_CLOCK_SKEW_SECONDS = 300
    now = timezone.now()
    with pytest.raises(ValidationError) as error:
        event_record(
            by=staff, lot_id=lot.pk, step="planting", event_time=now + datetime.timedelta(minutes=6)
        )
    assert codes(error.value) == {"event_time": ["IN_FUTURE"]}
    event = event_record(
        by=staff, lot_id=lot.pk, step="planting", event_time=now + datetime.timedelta(minutes=4)
    )
    assert event.sequence == 2


@pytest.mark.parametrize(
    ("event_time", "expected"),
    [
        (None, ["REQUIRED"]),
        ("2025-06-01T08:00:00+07:00", ["INVALID"]),
        (datetime.datetime(2025, 6, 1, 8), ["INVALID"]),  # noqa: DTZ001 (naive on purpose)
    ],
)
def test_an_event_time_is_an_aware_datetime(staff, lot, event_time, expected):
    with pytest.raises(ValidationError) as error:
        event_record(by=staff, lot_id=lot.pk, step="planting", event_time=event_time)
    assert codes(error.value) == {"event_time": expected}


def test_events_may_be_captured_late_but_not_before_the_lot(staff, lot):
    later = record(staff, lot, "fertilising", days_ago=5, details={"product_name": "NPK 16-16-8"})
    earlier = record(staff, lot, "fertilising", days_ago=30)
    assert (later.sequence, earlier.sequence) == (2, 3)
    assert earlier.event_time < later.event_time
    assert refused(staff, lot, "fertilising", days_ago=61) == {"event_time": ["BEFORE_LOT"]}


def test_another_sellers_lot_is_refused_as_a_missing_one(lot):
    stranger = MembershipFactory().user
    answers = []
    for lot_id in (lot.pk, 10**9):
        with pytest.raises(PermissionDenied) as error:
            event_record(by=stranger, lot_id=lot_id, step="planting", event_time=timezone.now())
        answers.append((error.value.code, error.value.message))
    assert answers[0] == answers[1]
    assert lot.events.count() == 1


@pytest.mark.parametrize(
    ("step", "fields", "expected"),
    [
        ("planting", {"quantity_kg": 3}, {"quantity_kg": ["INVALID"]}),
        ("harvesting", {}, {"quantity_kg": ["REQUIRED"]}),
        ("harvesting", {"quantity_kg": -1}, {"quantity_kg": ["INVALID"]}),
        ("harvesting", {"quantity_kg": True}, {"quantity_kg": ["INVALID"]}),
        ("harvesting", {"quantity_kg": "nan"}, {"quantity_kg": ["INVALID"]}),
        ("spraying", {}, {"details.product_name": ["REQUIRED"]}),
        (
            "spraying",
            {"details": {**SPRAY, "pre_harvest_interval_days": "7"}},
            {"details.pre_harvest_interval_days": ["INVALID"]},
        ),
        ("spraying", {"details": {**SPRAY, "colour": "xanh"}}, {"details.colour": ["INVALID"]}),
        ("inspecting", {"details": {"result": "ok"}}, {"details.result": ["INVALID"]}),
        ("shipping", {"quantity_kg": 1}, {"step": ["NOT_HARVESTED"]}),
        ("planting", {"disposition": "harvested"}, {"disposition": ["INVALID"]}),
        ("planting", {"internal_note": "x" * 2001}, {"internal_note": ["INVALID"]}),
    ],
)
def test_what_each_step_needs(staff, lot, step, fields, expected):
    assert refused(staff, lot, step, **fields) == expected


# ---------------------------------------------------------------------------
# Harvests, sprayings and the pre-harvest interval


def test_a_harvest_sets_the_lots_quantities_and_master_data(staff, lot, area):
    event = record(staff, lot, "harvesting", days_ago=2, quantity_kg="1250.5")
    lot.refresh_from_db()
    assert (lot.harvested_kg, lot.remaining_kg) == (Decimal("1250.5"), Decimal("1250.5"))
    assert lot.harvest_date == timezone.localdate(timezone.now() - 2 * DAY)
    document = event.document
    assert document["action"] == "ADD"
    assert document["quantityList"][0]["quantity"] == 1250.5
    assert document["quantityList"][0]["uom"] == "KGM"
    assert document["ilmd"]["ocop:harvestDate"] == lot.harvest_date.isoformat()
    assert document["ilmd"]["ocop:growingArea"] == builders.site_uri(area.code)
    assert lot.origin_verified, lot.origin_problems


@pytest.mark.parametrize("status", ["pending", "suspended", "revoked"])
def test_no_harvest_from_an_area_that_is_not_active(staff, lot, area, status):
    area.status = status
    area.save()
    assert refused(staff, lot, "harvesting", quantity_kg=10) == {"step": ["AREA_NOT_ACTIVE"]}
    lot.refresh_from_db()
    assert lot.harvested_kg == 0


def test_a_spraying_records_its_pre_harvest_interval(staff, lot, area):
    event = record(staff, lot, "spraying", days_ago=20, details=SPRAY)
    spraying = Spraying.objects.get(event=event)
    assert spraying.area == area
    assert spraying.harvest_allowed_from == event.event_time + 7 * DAY
    assert event.document["ocop:activeIngredient"] == SPRAY["active_ingredient"]
    assert event.document["ocop:preHarvestIntervalDays"] == 7
    assert event.document["ocop:harvestAllowedFrom"].endswith("+07:00")


def test_a_harvest_inside_the_interval_opens_a_violation(staff, lot, area):
    record(staff, lot, "spraying", days_ago=20, details=SPRAY)  # allowed from day -13
    record(staff, lot, "harvesting", days_ago=14, quantity_kg=10)
    violation = Violation.objects.get()
    assert (violation.kind, violation.site, violation.lot_id, violation.status) == (
        "pre_harvest_interval",
        area,
        lot.pk,
        "open",
    )
    lot.refresh_from_db()
    assert "OPEN_VIOLATION" in lot.origin_problems


def test_a_harvest_after_the_interval_opens_none(staff, lot):
    record(staff, lot, "spraying", days_ago=20, details=SPRAY)
    record(staff, lot, "harvesting", days_ago=12, quantity_kg=10)
    assert not Violation.objects.exists()


def test_a_spraying_on_the_same_area_for_another_lot_counts(staff, lot, area):
    other = lot_create(
        by=staff,
        product_id=lot.product_id,
        code="NT25-A02",
        growing_area_id=area.pk,
        event_time=timezone.now() - 60 * DAY,
    )
    record(staff, other, "spraying", days_ago=5, details=SPRAY)
    record(staff, lot, "harvesting", days_ago=1, quantity_kg=10)
    assert Violation.objects.get().lot_id == lot.pk


def test_a_spraying_captured_after_the_harvest_it_overlaps_opens_a_violation(staff, lot):
    record(staff, lot, "harvesting", days_ago=14, quantity_kg=10)
    record(staff, lot, "spraying", days_ago=20, details=SPRAY)
    assert Violation.objects.get().lot_id == lot.pk


def test_a_spraying_declared_erroneous_no_longer_counts(staff, lot):
    spraying = record(staff, lot, "spraying", days_ago=20, details=SPRAY)
    event_declare_error(by=staff, event_id=spraying.pk, reason="did_not_occur")
    record(staff, lot, "harvesting", days_ago=14, quantity_kg=10)
    assert not Violation.objects.exists()


# ---------------------------------------------------------------------------
# Packing, shipping, receiving


@pytest.fixture
def house(area):
    return PackingHouseFactory(seller=area.seller)


def test_packing_happens_at_a_packing_house(staff, lot, house):
    record(staff, lot, "harvesting", days_ago=3, quantity_kg=100)
    event = record(staff, lot, "packing", days_ago=2, site_id=house.pk, quantity_kg=100)
    assert event.document["bizStep"] == "packing"
    assert event.document["bizLocation"] == {"id": builders.site_uri(house.code)}
    assert event.site == house
    lot.refresh_from_db()
    assert lot.packing_house == house


def test_packing_at_an_inactive_or_foreign_house_is_refused(staff, lot, house):
    record(staff, lot, "harvesting", days_ago=3, quantity_kg=100)
    foreign = PackingHouseFactory()
    assert refused(staff, lot, "packing", site_id=foreign.pk) == {"site_id": ["NOT_FOUND"]}
    house.status = "suspended"
    house.save()
    assert refused(staff, lot, "packing", site_id=house.pk) == {"site_id": ["SITE_NOT_ACTIVE"]}


def test_shipping_never_goes_beyond_what_is_left(staff, lot):
    record(staff, lot, "harvesting", days_ago=3, quantity_kg="100")
    first = record(staff, lot, "shipping", days_ago=2, quantity_kg="60.5")
    assert first.document["disposition"] == "in_transit"
    assert refused(staff, lot, "shipping", quantity_kg="39.501") == {
        "quantity_kg": ["QUANTITY_EXCEEDED"]
    }
    record(staff, lot, "shipping", days_ago=1, quantity_kg="39.5")
    lot.refresh_from_db()
    assert (lot.harvested_kg, lot.remaining_kg) == (Decimal("100"), Decimal("0"))
    assert refused(staff, lot, "shipping", quantity_kg="0.001") == {
        "quantity_kg": ["QUANTITY_EXCEEDED"]
    }
    receipt = record(staff, lot, "receiving", quantity_kg=100)
    assert receipt.document["bizStep"] == "receiving"
    assert refused(staff, lot, "receiving", quantity_kg="100.001") == {
        "quantity_kg": ["QUANTITY_EXCEEDED"]
    }


# ---------------------------------------------------------------------------
# Error declarations and the public timeline


def test_an_error_declaration_is_a_new_event_in_the_same_chain(staff, lot):
    wrong = record(staff, lot, "harvesting", days_ago=3, quantity_kg=1000)
    corrective = record(staff, lot, "inspecting", days_ago=1, details={"findings": "100 kg"})
    declaration = event_declare_error(
        by=staff, event_id=wrong.event_id, reason="incorrect_data", corrective=[corrective.pk]
    )
    assert (declaration.sequence, declaration.declares_error_in) == (4, wrong)
    document = declaration.document
    assert document["eventID"] == wrong.document["eventID"] != declaration.event_id
    assert document["errorDeclaration"]["reason"] == "incorrect_data"
    assert document["errorDeclaration"]["correctiveEventIDs"] == [corrective.event_id]
    assert document["quantityList"] == wrong.document["quantityList"]
    assert TraceEvent.objects.get(pk=wrong.pk).document == wrong.document
    with pytest.raises(ValidationError) as error:
        event_declare_error(by=staff, event_id=wrong.pk, reason="did_not_occur")
    assert codes(error.value) == {"event_id": ["ALREADY_DECLARED"]}
    with pytest.raises(ValidationError) as error:
        event_declare_error(by=staff, event_id=corrective.pk, reason="it was wrong")
    assert codes(error.value) == {"reason": ["INVALID"]}
    timeline = selectors.lot_timeline(lot)
    assert [(e.sequence, e.declared_erroneous) for e in timeline] == [
        (1, False),
        (2, True),
        (3, False),
        (4, False),
    ]


def test_another_sellers_event_is_refused_as_a_missing_one(staff, lot):
    event = record(staff, lot, "planting")
    stranger = MembershipFactory().user
    answers = []
    for event_id in (event.pk, 10**9):
        with pytest.raises(PermissionDenied) as error:
            event_declare_error(by=stranger, event_id=event_id, reason="did_not_occur")
        answers.append((error.value.code, error.value.message))
    assert answers[0] == answers[1]


def test_the_public_timeline_hides_internal_notes(staff, lot):
    record(staff, lot, "fertilising", internal_note="Bón thiếu ở hàng 3, bù tuần sau")
    public = selectors.lot_timeline(lot)
    internal = selectors.lot_timeline(lot, include_internal=True)
    assert [e.sequence for e in public] == [1, 2]
    assert "ocop:internalNote" not in public[1].document
    assert internal[1].document["ocop:internalNote"] == "Bón thiếu ở hàng 3, bù tuần sau"
    stored = TraceEvent.objects.get(lot=lot, sequence=2).document
    assert stored["ocop:internalNote"] == "Bón thiếu ở hàng 3, bù tuần sau"


# ---------------------------------------------------------------------------
# Cost


def test_recording_an_event_costs_the_same_however_long_the_chain(staff, lot):
    record(staff, lot, "harvesting", days_ago=30, quantity_kg=1000)
    counts = []
    for extra in (0, 20):
        for _ in range(extra):
            record(staff, lot, "shipping", days_ago=20, quantity_kg=1)
        with CaptureQueriesContext(connection) as queries:
            record(staff, lot, "shipping", days_ago=10, quantity_kg=1)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert Lot.objects.get(pk=lot.pk).event_count == 2 + 1 + 20 + 1
