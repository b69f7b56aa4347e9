"""Traceability writes through /graphql/: typed errors, nothing half-done, the payloads."""

import datetime
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from graphql_relay import to_global_id
from PIL import Image

from tests.traceability.graphql_world import build_world
from tests.traceability.test_chain import behind_the_applications_back
from traceability import models

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def world(roles):
    return build_world(roles["seller"])


@pytest.fixture
def as_staff(graphql, auth_headers, roles):
    def run(query, variables):
        status, body = graphql(query, variables, **auth_headers(roles["own_staff"]))
        assert status == 200
        assert "errors" not in body, body
        return body["data"]

    return run


def gid(type_name, pk):
    return to_global_id(type_name, pk)


REGISTER = """mutation($input: SiteRegisterInput!) { siteRegister(input: $input) {
  site { __typename code status ... on GrowingArea { areaHectares crops } }
  errors { field code message } } }"""


def register_input(roles, **changes):
    data = {
        "seller": gid("Seller", roles["seller"].pk),
        "kind": "GROWING_AREA",
        "code": "VN-NTOR-9100",
        "name": "Vùng tỏi Phước Dinh",
        "crops": ["Tỏi Phan Rang"],
        "areaHectares": "3.5",
        "ward": "Xã Phước Dinh",
        "latitude": "11.450000",
        "longitude": "108.980000",
    }
    data.update(changes)
    return {"input": data}


def test_staff_register_a_growing_area_waiting_for_approval(as_staff, roles):
    data = as_staff(REGISTER, register_input(roles))["siteRegister"]
    assert data["errors"] == []
    assert data["site"] == {
        "__typename": "GrowingArea",
        "code": "VN-NTOR-9100",
        "status": "PENDING",
        "areaHectares": "3.5",
        "crops": ["Tỏi Phan Rang"],
    }


def test_a_packing_house_answers_as_one(as_staff, roles):
    variables = register_input(
        roles, kind="PACKING_HOUSE", code="VN-NTPH-9100", crops=None, areaHectares=None
    )
    data = as_staff(REGISTER, variables)["siteRegister"]
    assert data["errors"] == []
    assert data["site"]["__typename"] == "PackingHouse"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "NT-0001"}, "code"),
        ({"latitude": "35.000000", "longitude": "139.700000"}, "latitude"),
        (
            {"boundary": {"type": "Polygon", "coordinates": [[[108.9, 11.5], [108.95, 11.5]]]}},
            "boundary",
        ),
    ],
)
def test_bad_sites_are_refused_by_field_and_change_nothing(as_staff, roles, changes, field):
    data = as_staff(REGISTER, register_input(roles, **changes))["siteRegister"]
    assert data["site"] is None
    assert field in {error["field"] for error in data["errors"]}, data["errors"]
    assert not models.Site.objects.filter(code=changes.get("code", "VN-NTOR-9100")).exists()


EVENT = """mutation($input: EventRecordInput!) { eventRecord(input: $input) {
  event { sequence bizStep quantityKg site { code } } lot { remainingKg }
  errors { field code } } }"""


def test_shipping_deducts_from_what_is_left(as_staff, world):
    variables = {
        "input": {
            "lot": gid("Lot", world.lot.pk),
            "step": "SHIPPING",
            "eventTime": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
            "quantityKg": "20.5",
        }
    }
    data = as_staff(EVENT, variables)["eventRecord"]
    assert data["errors"] == []
    assert data["event"]["sequence"] == 3
    assert data["event"]["quantityKg"] == "20.500"
    assert data["lot"]["remainingKg"] == "100.000"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"eventTime": "FUTURE", "step": "FERTILISING", "quantityKg": None}, "IN_FUTURE"),
        ({"quantityKg": "1000"}, "QUANTITY_EXCEEDED"),
    ],
)
def test_bad_events_are_refused_and_recorded_nowhere(as_staff, world, changes, code):
    event_time = timezone.now() - datetime.timedelta(hours=1)
    if changes.get("eventTime") == "FUTURE":
        event_time = timezone.now() + datetime.timedelta(days=1)
    data = {
        "lot": gid("Lot", world.lot.pk),
        "step": changes.get("step", "SHIPPING"),
        "eventTime": event_time.isoformat(),
    }
    if changes.get("quantityKg", "x") is not None:
        data["quantityKg"] = changes.get("quantityKg", "1")
    before = models.TraceEvent.objects.count()

    result = as_staff(EVENT, {"input": data})["eventRecord"]

    assert result["event"] is None
    assert code in [error["code"] for error in result["errors"]], result["errors"]
    assert models.TraceEvent.objects.count() == before


def test_a_declared_error_is_a_new_event_pointing_at_the_old(as_staff, world):
    query = """mutation($input: EventDeclareErrorInput!) { eventDeclareError(input: $input) {
      event { sequence declaresErrorIn { sequence declaredErroneous } } errors { field code } } }"""
    variables = {"input": {"event": gid("TraceEvent", world.harvest.pk), "reason": "DID_NOT_OCCUR"}}

    data = as_staff(query, variables)["eventDeclareError"]

    assert data["errors"] == []
    assert data["event"] == {
        "sequence": 3,
        "declaresErrorIn": {"sequence": 2, "declaredErroneous": True},
    }


def test_a_transformation_traces_back_to_its_inputs(as_staff, world):
    query = """mutation($input: LotTransformInput!) { lotTransform(input: $input) {
      lot { code harvestedKg growingArea { code } inputs { quantityKg lot { code remainingKg } } }
      errors { field code } } }"""
    variables = {
        "input": {
            "outputProduct": gid("Product", world.dried.pk),
            "code": "NT25-S0001",
            "inputs": [{"lot": gid("Lot", world.lot.pk), "quantityKg": "40"}],
            "outputQuantityKg": "9.5",
            "eventTime": (timezone.now() - datetime.timedelta(minutes=5)).isoformat(),
        }
    }

    data = as_staff(query, variables)["lotTransform"]

    assert data["errors"] == []
    assert data["lot"] == {
        "code": "NT25-S0001",
        "harvestedKg": "9.500",
        "growingArea": None,
        "inputs": [
            {"quantityKg": "40.000", "lot": {"code": "NT25-G0001", "remainingKg": "80.500"}}
        ],
    }


VERIFY = """mutation($lot: ID!) { lotVerify(lot: $lot) {
  verified brokenAt { sequence reason } lot { origin { verified reasons } } errors { code } } }"""


def test_lot_verify_reports_an_event_edited_behind_the_applications_back(
    graphql, auth_headers, roles, world
):
    headers = auth_headers(roles["auditor"])
    _, intact = graphql(VERIFY, {"lot": gid("Lot", world.lot.pk)}, **headers)
    behind_the_applications_back(
        "UPDATE traceability_traceevent SET document = document || '{\"x\": 1}' WHERE id = %s",
        [world.harvest.pk],
    )

    _, broken = graphql(VERIFY, {"lot": gid("Lot", world.lot.pk)}, **headers)

    assert intact["data"]["lotVerify"]["verified"] is True
    assert intact["data"]["lotVerify"]["brokenAt"] is None
    result = broken["data"]["lotVerify"]
    assert result["verified"] is False
    assert result["brokenAt"] == {"sequence": 2, "reason": "WRONG_HASH"}
    assert result["lot"]["origin"] == {"verified": False, "reasons": ["CHAIN_BROKEN"]}


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 60, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_an_inspection_takes_photos_and_a_failed_one_holds_the_lots_back(
    client, auth_headers, roles, world
):
    query = """mutation($input: InspectionRecordInput!, $photos: [Upload!]) {
      inspectionRecord(input: $input, photos: $photos) {
        inspection { result photos { url width height } site { code } } errors { field code } } }"""
    operations = {
        "query": query,
        "variables": {
            "input": {
                "site": gid("GrowingArea", world.area.pk),
                "inspectedOn": timezone.localdate().isoformat(),
                "inspectorName": "Lê Văn Tra",
                "result": "FAILED",
                "findings": "Dư lượng thuốc vượt ngưỡng.",
            },
            "photos": [None],
        },
    }
    response = client.post(
        "/graphql/",
        {
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.photos.0"]}),
            "0": SimpleUploadedFile("kiem-tra.png", png_bytes(), content_type="image/png"),
        },
        **auth_headers(roles["auditor"]),
    )

    body = response.json()
    data = body["data"]["inspectionRecord"]
    assert data["errors"] == []
    (photo,) = data["inspection"]["photos"]
    assert (photo["width"], photo["height"]) == (40, 30)
    assert photo["url"].startswith("http://testserver/")
    world.lot.refresh_from_db()
    assert world.lot.origin_problems == ["OPEN_VIOLATION"]


def test_site_decisions_keep_their_reasons_in_the_audit_log(graphql, auth_headers, roles, world):
    query = """mutation($id: ID!, $reason: String!) { siteSuspend(id: $id, reason: $reason) {
      site { status } errors { field code } } }"""
    headers = auth_headers(roles["auditor"])

    _, empty = graphql(query, {"id": gid("GrowingArea", world.area.pk), "reason": "  "}, **headers)
    _, done = graphql(
        query, {"id": gid("GrowingArea", world.area.pk), "reason": "Vi phạm PHI."}, **headers
    )
    _, again = graphql(
        query, {"id": gid("GrowingArea", world.area.pk), "reason": "Lần nữa."}, **headers
    )

    assert [e["code"] for e in empty["data"]["siteSuspend"]["errors"]] == ["REQUIRED"]
    assert done["data"]["siteSuspend"] == {"site": {"status": "SUSPENDED"}, "errors": []}
    assert [e["code"] for e in again["data"]["siteSuspend"]["errors"]] == ["INVALID_TRANSITION"]
    entry = models.AuditEntry.objects.filter(action="site_suspend").get()
    assert entry.reason == "Vi phạm PHI."
    assert entry.actor == roles["auditor"]


def test_an_id_of_another_type_is_refused_as_invalid(as_staff, world):
    query = """mutation($id: ID!, $input: SiteUpdateInput!) { siteUpdate(id: $id, input: $input) {
      site { name } errors { field code } } }"""
    variables = {"id": gid("Lot", world.lot.pk), "input": {"name": "x"}}

    data = as_staff(query, variables)["siteUpdate"]

    assert data["errors"] == [{"field": "id", "code": "INVALID_ID"}]


SUSPEND = """mutation($id: ID!, $reason: String!) { siteSuspend(id: $id, reason: $reason) {
  site { code } errors { field code } } }"""


def test_an_error_names_the_argument_the_client_sent(graphql, auth_headers, roles):
    """The service says ``site_id``; the client sent ``id``, and reads that back."""
    missing = gid("GrowingArea", 2**40)

    status, body = graphql(
        SUSPEND, {"id": missing, "reason": "Kiểm tra"}, **auth_headers(roles["operator"])
    )

    assert status == 200
    assert body["data"]["siteSuspend"]["errors"] == [{"field": "id", "code": "NOT_FOUND"}]


def test_an_error_in_the_input_names_the_input_field(graphql, auth_headers, roles):
    """``input.seller`` is decoded into the service's ``seller_id``; the error says ``seller``."""
    variables = register_input(roles, seller=gid("Seller", 2**40))

    status, body = graphql(REGISTER, variables, **auth_headers(roles["operator"]))

    assert status == 200
    errors = body["data"]["siteRegister"]["errors"]
    assert [(error["field"], error["code"]) for error in errors] == [("seller", "NOT_FOUND")]
    assert not models.Site.objects.filter(code=variables["input"]["code"]).exists()
