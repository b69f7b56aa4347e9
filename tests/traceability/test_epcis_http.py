"""GET /epcis/lots/<code> (a lot's EPCISDocument) and GET /epcis/events (the EPCIS 2.0
query by the REST binding's parameters, paged with nextPageToken)."""

import datetime
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from market.accounts.models import User
from market.core.pagination import MAX_PAGE_SIZE
from tests.factories import (
    GrowingAreaFactory,
    MembershipFactory,
    ProductFactory,
    UserFactory,
)
from traceability import events as builders
from traceability.epcis import documents, validation, vocabulary
from traceability.events import INTERNAL_NOTE
from traceability.models import TraceEvent
from traceability.services.events import event_declare_error, event_record
from traceability.services.lots import lot_create
from traceability.services.steps import biz_step_uri

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
NOTE = "Phun lúc chiều, gió nhẹ."


@pytest.fixture
def area():
    return GrowingAreaFactory()


@pytest.fixture
def staff(area):
    return MembershipFactory(seller=area.seller).user


def new_lot(staff, area, code, *, published=True, gtin=""):
    product = ProductFactory(seller=area.seller, is_published=published)
    return lot_create(
        by=staff,
        product_id=product.pk,
        code=code,
        growing_area_id=area.pk,
        gtin=gtin,
        event_time=timezone.now() - 60 * DAY,
    )


@pytest.fixture
def lot(staff, area):
    """Planted 60 days ago, harvested (with a note) 3 days ago, shipped 1 day ago, and an
    error declared in the shipping."""
    lot = new_lot(staff, area, "NT25-H01", gtin="08934567890120")
    event_record(
        by=staff,
        lot_id=lot.pk,
        step="harvesting",
        quantity_kg=100,
        event_time=timezone.now() - 3 * DAY,
        internal_note=NOTE,
    )
    shipping = event_record(
        by=staff, lot_id=lot.pk, step="shipping", quantity_kg=30, event_time=timezone.now() - DAY
    )
    event_declare_error(by=staff, event_id=shipping.pk, reason="incorrect_data")
    return lot


@pytest.fixture
def get(client, auth_headers):
    def send(url, user=None, **params):
        return client.get(url, params, **auth_headers(user))

    return send


# -- One lot's document -------------------------------------------------------------------


def test_the_lot_document_holds_the_chain_in_order_as_valid_epcis(get, lot):
    response = get(f"/epcis/lots/{lot.code}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    document = response.json()
    assert validation.validate_document(document) == []
    events = document["epcisBody"]["eventList"]
    stored = list(TraceEvent.objects.filter(lot=lot).order_by("sequence"))
    assert [e["eventID"] for e in events] == [e.document["eventID"] for e in stored]
    assert [e["bizStep"] for e in events] == [
        biz_step_uri("planting"),
        biz_step_uri("harvesting"),
        "shipping",
        "shipping",
    ]
    assert "errorDeclaration" in events[3]


def test_internal_notes_are_for_the_sellers_staff_auditors_and_operators(get, lot, staff):
    def note_in(user) -> bool:
        events = get(f"/epcis/lots/{lot.code}", user).json()["epcisBody"]["eventList"]
        return any(INTERNAL_NOTE in event for event in events)

    assert note_in(None) is False
    assert note_in(UserFactory()) is False
    assert note_in(MembershipFactory().user) is False
    assert note_in(staff) is True
    assert note_in(UserFactory(role=User.Role.AUDITOR)) is True
    assert note_in(UserFactory(role=User.Role.OPERATOR)) is True


def test_an_unknown_lot_and_a_lot_the_public_may_not_see_answer_404(get, staff, area):
    hidden = new_lot(staff, area, "NT25-D01", published=False)
    for url, user in (("/epcis/lots/NO-SUCH", None), (f"/epcis/lots/{hidden.code}", None)):
        response = get(url, user)
        assert response.status_code == 404
        assert response.json()["type"] == "epcisException:NoSuchResourceException"
    assert get(f"/epcis/lots/{hidden.code}", staff).status_code == 200


def test_the_lot_document_costs_the_same_queries_at_any_length(get, staff, area):
    short = new_lot(staff, area, "NT25-Q01")
    long = new_lot(staff, area, "NT25-Q02")
    for step_lot, times in ((short, 1), (long, 40)):
        for _ in range(times):
            event_record(
                by=staff,
                lot_id=step_lot.pk,
                step="inspecting",
                event_time=timezone.now() - DAY,
                internal_note=NOTE,
            )
    for user in (None, staff):
        counts = []
        for code in (short.code, long.code):
            with CaptureQueriesContext(connection) as queries:
                response = get(f"/epcis/lots/{code}", user)
            assert response.status_code == 200
            counts.append(len(queries))
        # The lot's id, its row if visible (one query: whether it or a lot made from it is
        # on sale), then its events in one query; for staff, also the token's user and
        # their sellers.
        assert counts == ([3, 3] if user is None else [5, 5])


# -- The query ------------------------------------------------------------------------------


def events_of(response) -> list[dict]:
    body = response.json()
    assert body["type"] == "EPCISQueryDocument"
    return body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


def ids(response) -> list[str]:
    return [event["eventID"] for event in events_of(response)]


def test_the_query_document_shape_and_visibility(get, lot, staff, area):
    hidden = new_lot(staff, area, "NT25-D02", published=False)
    response = get("/epcis/events")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    body = response.json()
    assert body["@context"][0] == vocabulary.EPCIS_CONTEXT
    assert body["epcisBody"]["queryResults"]["queryName"] == "SimpleEventQuery"
    public = events_of(response)
    assert len(public) == 4
    assert all(INTERNAL_NOTE not in event for event in public)
    hidden_id = TraceEvent.objects.get(lot=hidden).event_id
    assert hidden_id not in ids(response)
    assert hidden_id in ids(get("/epcis/events", staff))
    assert any(INTERNAL_NOTE in event for event in events_of(get("/epcis/events", staff)))
    auditor = UserFactory(role=User.Role.AUDITOR)
    assert hidden_id in ids(get("/epcis/events", auditor))
    stranger = MembershipFactory().user
    assert all(INTERNAL_NOTE not in event for event in events_of(get("/epcis/events", stranger)))


def test_events_are_ordered_by_event_time(get, lot):
    times = [documents.parse_event_time(e["eventTime"]) for e in events_of(get("/epcis/events"))]
    assert times == sorted(times)


def test_eq_biz_step_takes_cbv_words_our_uris_and_several_values(get, lot):
    def steps(**params):
        return [e["bizStep"] for e in events_of(get("/epcis/events", **params))]

    assert steps(EQ_bizStep="shipping") == ["shipping", "shipping"]
    assert steps(EQ_bizStep=biz_step_uri("harvesting")) == [biz_step_uri("harvesting")]
    assert steps(EQ_bizStep="ocop:BizStep-harvesting") == [biz_step_uri("harvesting")]
    assert len(steps(EQ_bizStep=f"shipping,{biz_step_uri('planting')}")) == 3
    assert len(steps(EQ_bizStep=["shipping", biz_step_uri("planting")])) == 3
    assert len(steps(EQ_bizStep=f"shipping|{biz_step_uri('planting')}")) == 3
    assert steps(EQ_bizStep="https://example.com/steps/pruning") == []


def test_event_time_bounds(get, lot):
    since = documents.format_event_time(timezone.now() - 2 * DAY)
    until = documents.format_event_time(timezone.now() - 2 * DAY)
    later = events_of(get("/epcis/events", GE_eventTime=since))
    assert [e["bizStep"] for e in later] == ["shipping", "shipping"]
    earlier = events_of(get("/epcis/events", LT_eventTime=until))
    assert [e["bizStep"] for e in earlier] == [biz_step_uri("planting"), biz_step_uri("harvesting")]
    # A "+" of the offset left unencoded arrives as a space and is still understood.
    assert len(events_of(get("/epcis/events", GE_eventTime=since.replace("+", " ")))) == 2
    utc = (timezone.now() - 2 * DAY).astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(events_of(get("/epcis/events", GE_eventTime=utc))) == 2


def test_eq_biz_location_and_event_type(get, lot, area):
    at_area = events_of(get("/epcis/events", EQ_bizLocation=builders.site_uri(area.code)))
    assert {e["bizLocation"]["id"] for e in at_area} == {builders.site_uri(area.code)}
    assert len(at_area) == 4  # shipping (and its declaration) left from the area too
    elsewhere = get("/epcis/events", EQ_bizLocation=builders.site_uri("VN-NTOR-9999"))
    assert events_of(elsewhere) == []
    assert len(events_of(get("/epcis/events", eventType="ObjectEvent"))) == 4
    assert events_of(get("/epcis/events", eventType="TransformationEvent")) == []


def test_match_any_epc_class_exact_and_with_a_wildcard(get, lot, staff, area):
    other = new_lot(staff, area, "NT25-P01")
    ours = builders.lot_class_uri(code=lot.code, gtin=lot.gtin)
    assert len(events_of(get("/epcis/events", MATCH_anyEPCClass=ours))) == 4
    other_uri = builders.lot_class_uri(code=other.code)
    assert len(events_of(get("/epcis/events", MATCH_anyEPCClass=other_uri))) == 1
    assert len(events_of(get("/epcis/events", MATCH_anyEPCClass=f"{ours},{other_uri}"))) == 5
    by_gtin = "https://id.gs1.org/01/08934567890120/10/*"
    assert len(events_of(get("/epcis/events", MATCH_anyEPCClass=by_gtin))) == 4
    assert (
        len(events_of(get("/epcis/events", MATCH_anyEPCClass="https://id.gs1.org/01/0893*"))) == 4
    )
    by_code = f"{vocabulary.vocabulary_base()}lot/NT25-P*"
    assert len(events_of(get("/epcis/events", MATCH_anyEPCClass=by_code))) == 1
    assert (
        events_of(get("/epcis/events", MATCH_anyEPCClass="urn:epc:class:lgtin:0614141.1.X")) == []
    )


def test_match_any_epc_class_finds_the_transformation_a_lot_went_into(get, staff, area, lot):
    from traceability.services.lots import lot_transform

    made = lot_transform(
        by=staff,
        output_product_id=ProductFactory(seller=area.seller).pk,
        code="NT25-S01",
        inputs=[{"lot_id": lot.pk, "quantity_kg": 10}],
        output_quantity_kg=2,
        event_time=timezone.now() - DAY / 2,
    )
    found = events_of(
        get(
            "/epcis/events",
            MATCH_anyEPCClass=builders.lot_class_uri(code=lot.code, gtin=lot.gtin),
            eventType="TransformationEvent",
        )
    )
    assert [e["eventID"] for e in found] == [TraceEvent.objects.get(lot=made).event_id]


def test_paging_through_with_next_page_token_until_the_end(get, staff, area, lot):
    for _ in range(7):
        event_record(by=staff, lot_id=lot.pk, step="inspecting", event_time=timezone.now() - DAY)
    expected = list(
        TraceEvent.objects.order_by("event_time", "pk").values_list("document__eventID", flat=True)
    )
    assert len(expected) == 11
    seen, params, pages = [], {"perPage": "3"}, 0
    url = "/epcis/events"
    while True:
        response = get(url, **params)
        assert response.status_code == 200
        seen += ids(response)
        pages += 1
        link = response.get("Link")
        if not link:
            break
        match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
        assert match
        parts = urlsplit(match.group(1))
        url, params = parts.path, dict(parse_qsl(parts.query))
        assert "nextPageToken" in params
    assert seen == expected
    assert pages == 4


def test_the_filters_carry_over_to_the_next_page(get, staff, lot):
    for _ in range(3):
        event_record(by=staff, lot_id=lot.pk, step="inspecting", event_time=timezone.now() - DAY)
    first = get("/epcis/events", EQ_bizStep="inspecting", perPage="2")
    assert len(ids(first)) == 2
    assert "EQ_bizStep=inspecting" in first["Link"]
    token = re.search(r"nextPageToken=([^&>]+)", first["Link"]).group(1)
    second = get("/epcis/events", EQ_bizStep="inspecting", perPage="2", nextPageToken=token)
    assert len(ids(second)) == 1
    assert "Link" not in second


def test_the_query_costs_the_same_queries_at_any_page_size(get, staff, lot):
    for _ in range(12):
        event_record(
            by=staff,
            lot_id=lot.pk,
            step="inspecting",
            event_time=timezone.now() - DAY,
            internal_note=NOTE,
        )
    counts = []
    for size in ("2", "15"):
        with CaptureQueriesContext(connection) as queries:
            assert len(ids(get("/epcis/events", staff, perPage=size))) == int(size)
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"GE_eventTime": "2025-03-01"}, "GE_eventTime"),
        ({"LT_eventTime": "2025-03-01T08:00:00+7:00"}, "LT_eventTime"),
        ({"GE_eventTime": "yesterday"}, "GE_eventTime"),
        ({"EQ_bizStep": "harvesting"}, "EQ_bizStep"),
        ({"EQ_bizStep": "shipping,"}, "EQ_bizStep"),
        ({"eventType": "PlantingEvent"}, "eventType"),
        ({"EQ_bizLocation": "VN-NTOR-0001"}, "EQ_bizLocation"),
        ({"MATCH_anyEPCClass": "https://id.gs1.org/01/*/10/X"}, "MATCH_anyEPCClass"),
        ({"perPage": "0"}, "perPage"),
        ({"perPage": str(MAX_PAGE_SIZE + 1)}, "perPage"),
        ({"perPage": "ten"}, "perPage"),
        ({"nextPageToken": "not-a-token"}, "nextPageToken"),
        ({"nextPageToken": "WzFd"}, "nextPageToken"),
        ({"EQ_bizstep": "shipping"}, "EQ_bizstep"),
    ],
)
def test_bad_parameters_answer_a_query_parameter_exception(get, lot, params, parameter):
    response = get("/epcis/events", **params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "epcisException:QueryParameterException"
    assert problem["status"] == 400
    assert problem["parameter"] == parameter
    assert problem["detail"]


def test_per_page_up_to_the_core_maximum(get, lot):
    assert get("/epcis/events", perPage=str(MAX_PAGE_SIZE)).status_code == 200
