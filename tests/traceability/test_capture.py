"""POST /epcis/capture: EPCIS 2.0 documents from a seller's farm software, recorded whole
through the chains' own services or not at all, with the problems listed per event."""

import copy
import datetime
import json
import uuid

import pytest
from django.utils import timezone

from tests.factories import (
    GrowingAreaFactory,
    MembershipFactory,
    PackingHouseFactory,
    ProductFactory,
    UserFactory,
)
from traceability import events as builders
from traceability.epcis import documents, vocabulary
from traceability.models import Lot, Spraying, TraceEvent, Violation
from traceability.services.capture import THROTTLE_SCOPE
from traceability.services.events import event_record
from traceability.services.lots import lot_create
from traceability.services.steps import biz_step_uri

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
URL = "/epcis/capture"


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
        code="NT25-C01",
        growing_area_id=area.pk,
        gtin="08934567890120",
        event_time=timezone.now() - 60 * DAY,
    )


def when(days_ago: float) -> str:
    return documents.format_event_time(timezone.now() - days_ago * DAY)


def event_of(lot: Lot, step: str, *, days_ago: float = 1, quantity=None, **fields) -> dict:
    element = {"epcClass": builders.lot_class_uri(code=lot.code, gtin=lot.gtin)}
    if quantity is not None:
        element.update(quantity=quantity, uom="KGM")
    event = {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:{uuid.uuid4()}",
        "eventTime": when(days_ago),
        "eventTimeZoneOffset": "+07:00",
        "action": "ADD" if step == "harvesting" else "OBSERVE",
        "bizStep": biz_step_uri(step),
        "quantityList": [element],
    }
    if lot.growing_area and step in ("planting", "fertilising", "spraying", "harvesting"):
        place = builders.site_uri(lot.growing_area.code)
        event.update(readPoint={"id": place}, bizLocation={"id": place})
    event.update(fields)
    return event


def document_of(*events) -> dict:
    return documents.epcis_document(list(events))


@pytest.fixture
def post(client, auth_headers):
    def send(user, body, content_type="application/ld+json", **headers):
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        return client.post(
            URL, data=data, content_type=content_type, **auth_headers(user), **headers
        )

    return send


def errors_of(response) -> list[tuple]:
    return [(e["index"], e["path"], e["code"]) for e in response.json()["errors"]]


def count() -> int:
    return TraceEvent.objects.count()


# -- Recording -------------------------------------------------------------------------


def test_a_document_is_recorded_into_the_chain_hashed(post, staff, lot):
    harvest = event_of(lot, "harvesting", quantity=120.5, days_ago=3)
    harvest[vocabulary.term("internalNote")] = "Hái sáng sớm, trời mát."
    shipping = event_of(lot, "shipping", quantity=20, days_ago=1)
    response = post(staff, document_of(harvest, shipping))
    assert response.status_code == 201, response.content
    recorded = response.json()["recorded"]
    assert [(r["index"], r["eventID"], r["sequence"]) for r in recorded] == [
        (0, harvest["eventID"], 2),
        (1, shipping["eventID"], 3),
    ]
    lot.refresh_from_db()
    assert (lot.harvested_kg, lot.remaining_kg, lot.event_count) == (120.5, 100.5, 3)
    stored = TraceEvent.objects.get(event_id=harvest["eventID"])
    assert stored.document["eventID"] == harvest["eventID"]
    assert stored.document[vocabulary.term("internalNote")] == "Hái sáng sớm, trời mát."
    assert stored.document["ilmd"]["ocop:harvestedQuantityKg"] == 120.5
    assert stored.hash == recorded[0]["hash"] == lot_event_hash(stored)
    assert lot.head_hash == recorded[1]["hash"]


def lot_event_hash(event: TraceEvent) -> str:
    return documents.canonical_hash(event.previous_hash, event.sequence, event.document)


def test_spraying_details_become_the_spraying_and_the_phi_rule_holds(post, staff, lot):
    spraying = event_of(
        lot,
        "spraying",
        days_ago=3,
        **{
            "ocop:productName": "Ridomil Gold 68WG",
            "ocop:activeIngredient": "Metalaxyl-M + Mancozeb",
            "ocop:dose": "2,5 g/lít",
            "ocop:preHarvestIntervalDays": 7,
        },
    )
    harvest = event_of(lot, "harvesting", quantity=50, days_ago=1)
    response = post(staff, document_of(spraying, harvest))
    assert response.status_code == 201, response.content
    assert Spraying.objects.get(event__event_id=spraying["eventID"]).pre_harvest_interval_days == 7
    assert Violation.objects.filter(lot=lot, kind=Violation.Kind.PRE_HARVEST_INTERVAL).exists()


def test_a_gs1_digital_link_of_another_host_and_our_lot_uri_both_name_the_lot(post, staff, lot):
    by_host = event_of(lot, "harvesting", quantity=10, days_ago=2)
    by_host["quantityList"][0]["epcClass"] = "https://qr.htx-nho.vn/01/08934567890120/10/NT25-C01"
    by_our_uri = event_of(lot, "inspecting")
    by_our_uri["quantityList"] = [{"epcClass": f"{vocabulary.vocabulary_base()}lot/NT25-C01"}]
    by_our_uri.pop("readPoint", None)
    response = post(staff, document_of(by_host, by_our_uri))
    assert response.status_code == 201, response.content


def test_an_error_declaration_is_recorded_through_the_service(post, staff, lot):
    harvest = event_record(
        by=staff,
        lot_id=lot.pk,
        step="harvesting",
        quantity_kg=10,
        event_time=timezone.now() - DAY,
    )
    declaration = copy.deepcopy(harvest.document)
    declaration["errorDeclaration"] = {"declarationTime": when(0), "reason": "incorrect_data"}
    response = post(staff, document_of(declaration))
    assert response.status_code == 201, response.content
    assert TraceEvent.objects.filter(declares_error_in=harvest).count() == 1
    again = post(staff, document_of(declaration))
    assert again.status_code == 400
    assert errors_of(again) == [(0, "/epcisBody/eventList/0/eventID", "ALREADY_DECLARED")]


# -- Invalid documents: nothing recorded -----------------------------------------------


def _invalid_cases(lot):
    def changed(**changes):
        event = event_of(lot, "harvesting", quantity=10)
        for name, value in changes.items():
            if value is None:
                event.pop(name)
            else:
                event[name] = value
        return document_of(event)

    wrong_type = document_of(event_of(lot, "harvesting", quantity=10))
    wrong_type["type"] = "EPCISQueryDocument"
    bad_uom = event_of(lot, "harvesting", quantity=10)
    bad_uom["quantityList"][0]["uom"] = "kg"
    return [
        (wrong_type, None, "/type", "UNSUPPORTED_DOCUMENT_TYPE"),
        (changed(eventTime=None), 0, "/epcisBody/eventList/0/eventTime", "MISSING_FIELD"),
        (
            changed(eventTimeZoneOffset="+7:00"),
            0,
            "/epcisBody/eventList/0/eventTimeZoneOffset",
            "INVALID_TIME_ZONE_OFFSET",
        ),
        (changed(bizStep="harvesting"), 0, "/epcisBody/eventList/0/bizStep", "UNKNOWN_BIZ_STEP"),
        (changed(harvestNote="sáng"), 0, "/epcisBody/eventList/0/harvestNote", "NOT_NAMESPACED"),
        (document_of(bad_uom), 0, "/epcisBody/eventList/0/quantityList/0/uom", "INVALID_UOM"),
    ]


@pytest.mark.parametrize("case", range(6))
def test_an_invalid_epcis_document_is_refused_whole(post, staff, lot, case):
    body, index, pointer, code = _invalid_cases(lot)[case]
    before = count()
    response = post(staff, body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "epcisException:ValidationException"
    assert (index, pointer, code) in errors_of(response)
    assert count() == before


def test_a_document_about_another_sellers_lot_is_refused_and_records_nothing(post, lot):
    other = GrowingAreaFactory()
    stranger = MembershipFactory(seller=other.seller).user
    good_for_stranger = lot_create(
        by=stranger,
        product_id=ProductFactory(seller=other.seller).pk,
        code="NT25-X01",
        growing_area_id=other.pk,
        event_time=timezone.now() - 30 * DAY,
    )
    before = count()
    response = post(
        stranger,
        document_of(
            event_of(good_for_stranger, "harvesting", quantity=5),
            event_of(lot, "harvesting", quantity=5),
        ),
    )
    assert response.status_code == 400
    assert errors_of(response) == [
        (1, "/epcisBody/eventList/1/quantityList/0/epcClass", "UNKNOWN_LOT")
    ]
    assert count() == before
    lot.refresh_from_db()
    assert lot.harvested_kg == 0


def test_a_partly_bad_document_records_nothing_and_lists_each_bad_event(post, staff, lot):
    good = event_of(lot, "harvesting", quantity=10, days_ago=2)
    future = event_of(
        lot,
        "inspecting",
        eventTime=documents.format_event_time(timezone.now() + datetime.timedelta(hours=2)),
    )
    too_much = event_of(lot, "shipping", quantity=11)
    unknown_step = event_of(lot, "inspecting", bizStep="storing")
    response = post(staff, document_of(good, future, too_much, unknown_step))
    assert response.status_code == 400
    assert errors_of(response) == [
        (1, "/epcisBody/eventList/1/eventTime", "IN_FUTURE"),
        (2, "/epcisBody/eventList/2/quantityList/0/quantity", "QUANTITY_EXCEEDED"),
        (3, "/epcisBody/eventList/3/bizStep", "UNKNOWN_STEP"),
    ]
    assert [e["eventID"] for e in response.json()["errors"]] == [
        future["eventID"],
        too_much["eventID"],
        unknown_step["eventID"],
    ]
    assert count() == 1  # the planting of the lot only
    lot.refresh_from_db()
    assert (lot.harvested_kg, lot.event_count) == (0, 1)


def test_quantity_beyond_the_harvest_is_refused(post, staff, lot):
    event_record(
        by=staff, lot_id=lot.pk, step="harvesting", quantity_kg=40, event_time=timezone.now() - DAY
    )
    response = post(staff, document_of(event_of(lot, "shipping", quantity=40.001)))
    assert response.status_code == 400
    assert errors_of(response) == [
        (0, "/epcisBody/eventList/0/quantityList/0/quantity", "QUANTITY_EXCEEDED")
    ]


def test_a_harvest_on_an_area_that_is_not_active_is_refused(post, staff, lot, area):
    area.status = "suspended"
    area.save(update_fields=["status"])
    response = post(staff, document_of(event_of(lot, "harvesting", quantity=5)))
    assert response.status_code == 400
    assert errors_of(response) == [(0, "/epcisBody/eventList/0/bizStep", "AREA_NOT_ACTIVE")]


def test_fields_the_marketplace_would_not_record_are_refused_not_dropped(post, staff, lot):
    with_ilmd = event_of(lot, "harvesting", quantity=5, ilmd={"ocop:harvestDate": "2025-03-01"})
    with_extra = event_of(lot, "inspecting", **{"ocop:productName": "Ridomil"})
    elsewhere = event_of(lot, "packing", bizLocation={"id": builders.site_uri("VN-NTPH-9999")})
    response = post(staff, document_of(with_ilmd, with_extra, elsewhere))
    assert errors_of(response) == [
        (0, "/epcisBody/eventList/0/ilmd", "UNSUPPORTED_FIELD"),
        (1, "/epcisBody/eventList/1/ocop:productName", "UNSUPPORTED_FIELD"),
        (2, "/epcisBody/eventList/2/bizLocation/id", "UNKNOWN_SITE"),
    ]


def test_packing_at_a_packing_house_of_the_seller(post, staff, lot, area):
    house = PackingHouseFactory(seller=area.seller)
    harvest = event_of(lot, "harvesting", quantity=5, days_ago=2)
    packing = event_of(
        lot, "packing", quantity=5, bizLocation={"id": builders.site_uri(house.code)}
    )
    response = post(staff, document_of(harvest, packing))
    assert response.status_code == 201, response.content
    lot.refresh_from_db()
    assert lot.packing_house == house


def test_a_replayed_document_records_nothing_twice(post, staff, lot):
    body = document_of(
        event_of(lot, "harvesting", quantity=10, days_ago=2), event_of(lot, "shipping", quantity=3)
    )
    assert post(staff, body).status_code == 201
    before = count()
    again = post(staff, body)
    assert again.status_code == 409
    assert [code for _i, _p, code in errors_of(again)] == ["DUPLICATE_EVENT", "DUPLICATE_EVENT"]
    assert count() == before
    lot.refresh_from_db()
    assert lot.remaining_kg == 7


def test_one_eventid_twice_in_a_document(post, staff, lot):
    first = event_of(lot, "harvesting", quantity=10, days_ago=2)
    second = event_of(lot, "shipping", quantity=3, eventID=first["eventID"])
    response = post(staff, document_of(first, second))
    assert errors_of(response) == [(1, "/epcisBody/eventList/1/eventID", "DUPLICATE_EVENT")]
    assert count() == 1


def test_an_event_without_eventid_is_refused(post, staff, lot):
    event = event_of(lot, "harvesting", quantity=10)
    del event["eventID"]
    response = post(staff, document_of(event))
    assert errors_of(response) == [(0, "/epcisBody/eventList/0/eventID", "MISSING_EVENT_ID")]


# -- The HTTP edges ---------------------------------------------------------------------


def test_an_oversized_body_is_refused_before_it_is_read(post, staff, lot, settings):
    settings.TRACE_CAPTURE_MAX_BYTES = 2048
    body = document_of(
        event_of(lot, "harvesting", quantity=10, **{"ocop:internalNote": "x" * 4000})
    )
    response = post(staff, body)
    assert response.status_code == 413
    assert response.json()["type"] == "epcisException:CaptureLimitExceededException"
    assert count() == 1


def test_too_many_events_are_refused(post, staff, lot, settings):
    settings.TRACE_CAPTURE_MAX_EVENTS = 2
    events = [event_of(lot, "inspecting") for _ in range(3)]
    response = post(staff, document_of(*events))
    assert errors_of(response) == [(None, "/epcisBody/eventList", "TOO_MANY_EVENTS")]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_wrong_content_type_is_refused(post, staff, lot, content_type):
    response = post(staff, document_of(event_of(lot, "inspecting")), content_type=content_type)
    assert response.status_code == 415
    assert "application/ld+json" in response["Accept-Post"]
    assert count() == 1


def test_json_content_type_is_accepted_and_bad_json_is_a_400(post, staff, lot):
    assert (
        post(staff, document_of(event_of(lot, "inspecting")), "application/json").status_code == 201
    )
    response = post(staff, b'{"type": "EPCISDocument", ', "application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_JSON"
    assert post(staff, b'{"quantity": NaN}').json()["code"] == "INVALID_JSON"


def test_signed_out_and_buyers_and_auditors_may_not_capture(post, lot, client):
    body = document_of(event_of(lot, "harvesting", quantity=5))
    signed_out = post(None, body)
    assert signed_out.status_code == 401
    assert signed_out["WWW-Authenticate"].startswith("Bearer")
    for role in ("buyer", "auditor"):
        response = post(UserFactory(**({"role": role} if role == "auditor" else {})), body)
        assert response.status_code == 403, role
        assert response.json()["type"] == "epcisException:SecurityException"
    assert count() == 1


def test_a_session_cookie_does_not_sign_anyone_in(client, staff, lot):
    client.force_login(staff)
    response = client.post(
        URL,
        data=json.dumps(document_of(event_of(lot, "inspecting"))),
        content_type="application/ld+json",
    )
    assert response.status_code == 401
    assert count() == 1


def test_get_is_not_allowed(client):
    assert client.get(URL).status_code == 405


def test_capture_is_throttled_per_user(post, staff, lot, settings):
    settings.TRACE_CAPTURE_RATE = "2/minute"
    body = lambda: document_of(event_of(lot, "inspecting"))  # noqa: E731
    assert post(staff, body()).status_code == 201
    assert post(staff, body()).status_code == 201
    refused = post(staff, body())
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert THROTTLE_SCOPE.startswith("epcis-capture")
    assert count() == 3
