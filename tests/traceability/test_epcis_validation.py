"""EPCIS 2.0 JSON-LD validation: GS1's schema with formats checked, and the project's rules,
with one list of issues per event so that a capture can answer for each bad event."""

import copy
import json

import pytest
from django.utils import translation
from jsonschema import Draft7Validator

from traceability.epcis import documents, validation, vocabulary
from traceability.epcis.validation import ValidationIssue, validate_document, validate_event

LOT_CLASS = "https://id.gs1.org/01/08934567890120/10/NT2501A"
AREA = "https://ocop.ninhthuan.gov.vn/voc/site/VN-NTOR-0001"


def harvest_event(**changes):
    event = {
        "type": "ObjectEvent",
        "eventID": "urn:uuid:6a4ec2a4-0c6d-4bd6-9d3b-6d0b7d1c3f10",
        "eventTime": "2025-03-01T07:30:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "ADD",
        "bizStep": vocabulary.own_biz_step("harvesting"),
        "disposition": "active",
        "quantityList": [{"epcClass": LOT_CLASS, "quantity": 120.5, "uom": "KGM"}],
        "readPoint": {"id": AREA},
        "bizLocation": {"id": AREA},
        "ilmd": {"ocop:harvestDate": "2025-03-01", "ocop:crop": {"ocop:name": "Nho xanh"}},
        "ocop:internalNote": "Hái sáng sớm",
    }
    event.update(changes)
    return event


def spraying_event(**changes):
    event = {
        "type": "ObjectEvent",
        "eventTime": "2025-02-20T06:00:00.250+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": vocabulary.term("BizStep-spraying"),
        "quantityList": [{"epcClass": LOT_CLASS}],
        "readPoint": {"id": AREA},
        "ocop:spraying": {
            "ocop:productName": "Abamectin 3.6EC",
            "ocop:activeIngredient": "Abamectin",
            "ocop:dose": "0,5 l/ha",
            "ocop:preHarvestIntervalDays": 7,
        },
    }
    event.update(changes)
    return event


def transformation_event():
    return {
        "type": "TransformationEvent",
        "eventTime": "2025-03-10T09:00:00Z",
        "eventTimeZoneOffset": "+07:00",
        "bizStep": "commissioning",
        "inputQuantityList": [{"epcClass": LOT_CLASS, "quantity": 100, "uom": "KGM"}],
        "outputQuantityList": [
            {
                "epcClass": "https://ocop.ninhthuan.gov.vn/voc/lot/NS2503",
                "quantity": 22.0,
                "uom": "KGM",
            }
        ],
    }


def document(*events, **changes):
    doc = documents.epcis_document(list(events) or [harvest_event()])
    doc.update(changes)
    return doc


def single(event):
    return {"@context": vocabulary.document_context(), **event}


def codes_at(issues):
    return {(issue.index, issue.pointer, issue.code) for issue in issues}


def test_a_valid_document_and_its_events_have_no_issues():
    doc = document(harvest_event(), spraying_event(), transformation_event())
    assert validate_document(doc) == []
    for event in doc["epcisBody"]["eventList"]:
        assert validate_event(single(event)) == []


def test_the_documents_the_project_builds_pass_the_raw_schema_too():
    doc = document(harvest_event(), spraying_event(), transformation_event())
    assert list(validation._VALIDATOR.iter_errors(doc)) == []


def test_format_checking_is_on():
    # Without a format checker jsonschema passes both; the project must not.
    assert {"date-time", "uri"} <= set(Draft7Validator.FORMAT_CHECKER.checkers)
    plain = Draft7Validator(validation.SCHEMA)
    doc = document(harvest_event(eventTime="2025-02-30T08:00:00+07:00"))
    assert list(plain.iter_errors(doc)) == []
    assert codes_at(validate_document(doc)) == {
        (0, "/epcisBody/eventList/0/eventTime", validation.INVALID_FORMAT)
    }


def test_validation_changes_nothing():
    doc = document(harvest_event(bizStep="harvesting", foo=1), spraying_event())
    before = copy.deepcopy(doc)
    validate_document(doc)
    assert doc == before


EVENT_IS_BAD = [
    # When.
    ({"eventTime": None}, "/eventTime", validation.INVALID_TYPE),
    ({"eventTime": "2025-13-01T08:00:00+07:00"}, "/eventTime", validation.INVALID_FORMAT),
    ({"eventTime": "2025-03-01T08:00:00"}, "/eventTime", validation.INVALID_FORMAT),
    ({"eventTime": "2025-03-01"}, "/eventTime", validation.INVALID_FORMAT),
    ({"eventTime": "01/03/2025 08:00"}, "/eventTime", validation.INVALID_FORMAT),
    ({"recordTime": "yesterday"}, "/recordTime", validation.INVALID_FORMAT),
    ({"eventTimeZoneOffset": "+7:00"}, "/eventTimeZoneOffset", validation.INVALID_TIME_ZONE_OFFSET),
    ({"eventTimeZoneOffset": "+0700"}, "/eventTimeZoneOffset", validation.INVALID_TIME_ZONE_OFFSET),
    (
        {"eventTimeZoneOffset": "+15:00"},
        "/eventTimeZoneOffset",
        validation.INVALID_TIME_ZONE_OFFSET,
    ),
    ({"eventTimeZoneOffset": "07:00"}, "/eventTimeZoneOffset", validation.INVALID_TIME_ZONE_OFFSET),
    ({"eventTimeZoneOffset": 7}, "/eventTimeZoneOffset", validation.INVALID_TIME_ZONE_OFFSET),
    # Why: bare unknown words, CBV terms written as URIs, undeclared prefixes.
    ({"bizStep": "harvesting"}, "/bizStep", validation.UNKNOWN_BIZ_STEP),
    ({"bizStep": "Packing"}, "/bizStep", validation.UNKNOWN_BIZ_STEP),
    ({"bizStep": "urn:epcglobal:cbv:bizstep:packing"}, "/bizStep", validation.CBV_URI_NOT_ALLOWED),
    (
        {"bizStep": "http://ns.gs1.org/cbv/BizStep-packing"},
        "/bizStep",
        validation.CBV_URI_NOT_ALLOWED,
    ),
    (
        {"bizStep": "https://ref.gs1.org/cbv/BizStep-packing"},
        "/bizStep",
        validation.CBV_URI_NOT_ALLOWED,
    ),
    ({"bizStep": "cbv:BizStep-packing"}, "/bizStep", validation.CBV_URI_NOT_ALLOWED),
    ({"bizStep": "farm:BizStep-harvesting"}, "/bizStep", validation.UNDECLARED_PREFIX),
    ({"bizStep": 3}, "/bizStep", validation.INVALID_TYPE),
    ({"disposition": "fresh"}, "/disposition", validation.UNKNOWN_DISPOSITION),
    (
        {"disposition": "https://ref.gs1.org/cbv/Disp-active"},
        "/disposition",
        validation.CBV_URI_NOT_ALLOWED,
    ),
    ({"action": "CREATE"}, "/action", validation.INVALID_VALUE),
    # Extension fields and ILMD: namespaced, with a declared prefix, all the way down.
    ({"note": "x"}, "/note", validation.NOT_NAMESPACED),
    ({"farm:note": "x"}, "/farm:note", validation.UNDECLARED_PREFIX),
    ({"ocop:crop": {"name": "Nho"}}, "/ocop:crop/name", validation.NOT_NAMESPACED),
    ({"ilmd": {"harvestDate": "2025-03-01"}}, "/ilmd/harvestDate", validation.NOT_NAMESPACED),
    (
        {"ilmd": {"farm:harvestDate": "2025-03-01"}},
        "/ilmd/farm:harvestDate",
        validation.UNDECLARED_PREFIX,
    ),
    (
        {"ilmd": {"ocop:crop": [{"variety": "NH01-48"}]}},
        "/ilmd/ocop:crop/0/variety",
        validation.NOT_NAMESPACED,
    ),
    ({"ilmd": {"_:b0": 1}}, "/ilmd/_:b0", validation.NOT_NAMESPACED),
    ({"readPoint": {"id": AREA, "gps": "11.6,108.9"}}, "/readPoint/gps", validation.NOT_NAMESPACED),
    ({"readPoint": {"id": "VN-NTOR-0001"}}, "/readPoint/id", validation.INVALID_FORMAT),
    ({"readPoint": {}}, "/readPoint/id", validation.MISSING_FIELD),
    # What: quantity elements.
    (
        {"quantityList": [{"epcClass": LOT_CLASS, "quantity": 1, "uom": "KGM", "lot": "A"}]},
        "/quantityList/0",
        validation.INVALID_QUANTITY,
    ),
    (
        {"quantityList": [{"epcClass": LOT_CLASS, "quantity": 0, "uom": "KGM"}]},
        "/quantityList/0/quantity",
        validation.INVALID_QUANTITY,
    ),
    (
        {"quantityList": [{"epcClass": LOT_CLASS, "quantity": -3, "uom": "KGM"}]},
        "/quantityList/0/quantity",
        validation.INVALID_QUANTITY,
    ),
    (
        {"quantityList": [{"epcClass": LOT_CLASS, "quantity": "12", "uom": "KGM"}]},
        "/quantityList/0/quantity",
        validation.INVALID_QUANTITY,
    ),
    (
        {"quantityList": [{"epcClass": LOT_CLASS, "quantity": True, "uom": "KGM"}]},
        "/quantityList/0/quantity",
        validation.INVALID_QUANTITY,
    ),
    (
        {"quantityList": [{"epcClass": LOT_CLASS, "uom": "KGM"}]},
        "/quantityList/0/quantity",
        validation.INVALID_QUANTITY,
    ),
    (
        {"quantityList": [{"epcClass": LOT_CLASS, "quantity": 1, "uom": "kg"}]},
        "/quantityList/0/uom",
        validation.INVALID_UOM,
    ),
    (
        {"quantityList": [{"epcClass": LOT_CLASS, "quantity": 1, "uom": "KGMS"}]},
        "/quantityList/0/uom",
        validation.INVALID_UOM,
    ),
    (
        {"quantityList": [{"epcClass": LOT_CLASS, "quantity": 1, "uom": "K"}]},
        "/quantityList/0/uom",
        validation.INVALID_UOM,
    ),
    (
        {"quantityList": [{"epcClass": LOT_CLASS, "quantity": 1, "uom": "58"}]},
        "/quantityList/0/uom",
        validation.INVALID_UOM,
    ),
    (
        {"quantityList": [{"quantity": 1, "uom": "KGM"}]},
        "/quantityList/0/epcClass",
        validation.MISSING_FIELD,
    ),
    (
        {"quantityList": [{"epcClass": "NT2501A", "quantity": 1, "uom": "KGM"}]},
        "/quantityList/0/epcClass",
        validation.INVALID_FORMAT,
    ),
    ({"quantityList": [], "epcList": None}, "/epcList", validation.INVALID_TYPE),
    (
        {
            "epcList": [
                "urn:epc:id:sgtin:0614141.107346.2017",
                "urn:epc:id:sgtin:0614141.107346.2017",
            ]
        },
        "/epcList",
        validation.INVALID_VALUE,
    ),
    # Corrections: errorDeclaration's shape.
    (
        {"errorDeclaration": {"reason": "incorrect_data"}},
        "/errorDeclaration/declarationTime",
        validation.MISSING_FIELD,
    ),
    (
        {"errorDeclaration": {"declarationTime": "2025-03-02T08:00:00+07:00"}},
        "/errorDeclaration/reason",
        validation.INVALID_ERROR_DECLARATION,
    ),
    (
        {"errorDeclaration": {"declarationTime": "2025-03-02T08:00:00+07:00", "reason": "typo"}},
        "/errorDeclaration/reason",
        validation.INVALID_ERROR_DECLARATION,
    ),
    (
        {"errorDeclaration": {"declarationTime": "2025-03-02", "reason": "incorrect_data"}},
        "/errorDeclaration/declarationTime",
        validation.INVALID_FORMAT,
    ),
    (
        {
            "errorDeclaration": {
                "declarationTime": "2025-03-02T08:00:00+07:00",
                "reason": "incorrect_data",
                "correctiveEventIDs": [],
            }
        },
        "/errorDeclaration/correctiveEventIDs",
        validation.INVALID_ERROR_DECLARATION,
    ),
    (
        {
            "errorDeclaration": {
                "declarationTime": "2025-03-02T08:00:00+07:00",
                "reason": "incorrect_data",
                "correctiveEventIDs": ["urn:uuid:1", "urn:uuid:1"],
            }
        },
        "/errorDeclaration/correctiveEventIDs",
        validation.INVALID_ERROR_DECLARATION,
    ),
    (
        {
            "errorDeclaration": {
                "declarationTime": "2025-03-02T08:00:00+07:00",
                "reason": "incorrect_data",
                "correctiveEventIDs": ["event 2"],
            }
        },
        "/errorDeclaration/correctiveEventIDs/0",
        validation.INVALID_FORMAT,
    ),
    (
        {
            "errorDeclaration": {
                "declarationTime": "2025-03-02T08:00:00+07:00",
                "reason": "incorrect_data",
                "why": "typo",
            }
        },
        "/errorDeclaration/why",
        validation.NOT_NAMESPACED,
    ),
    # The event's type.
    ({"type": "HarvestEvent"}, "/type", validation.UNSUPPORTED_EVENT_TYPE),
    ({"type": "https://farm.example/HarvestEvent"}, "/type", validation.UNSUPPORTED_EVENT_TYPE),
]


@pytest.mark.parametrize(("changes", "pointer", "code"), EVENT_IS_BAD)
def test_a_bad_event_gets_its_issue_at_its_place(changes, pointer, code):
    bad = harvest_event(**changes)
    issues = validate_document(document(harvest_event(), bad))
    assert (1, "/epcisBody/eventList/1" + pointer, code) in codes_at(issues)
    assert all(issue.index == 1 for issue in issues)
    assert all(issue.message and "%(" not in issue.message for issue in issues)
    # The same event sent alone is refused at the same place, from its own root.
    assert (None, pointer, code) in codes_at(validate_event(single(bad)))


@pytest.mark.parametrize("missing", ["eventTime", "eventTimeZoneOffset", "action", "type"])
def test_a_missing_required_field_is_named(missing):
    event = harvest_event()
    del event[missing]
    issues = validate_document(document(event))
    assert (0, f"/epcisBody/eventList/0/{missing}", validation.MISSING_FIELD) in codes_at(issues)


def test_an_object_event_says_what_it_is_about():
    event = harvest_event()
    del event["quantityList"]
    [issue] = validate_document(document(event))
    assert issue[:3] == (0, "/epcisBody/eventList/0", validation.MISSING_FIELD)
    assert "epcList" in issue.message
    assert "quantityList" in issue.message


@pytest.mark.parametrize("action", ["OBSERVE", "DELETE"])
def test_ilmd_belongs_to_add_events(action):
    [issue] = validate_document(document(harvest_event(action=action)))
    assert issue[:3] == (0, "/epcisBody/eventList/0/ilmd", validation.NOT_ALLOWED)
    assert "ADD" in issue.message


def test_a_transformation_needs_inputs_and_outputs_or_an_id():
    event = transformation_event()
    del event["outputQuantityList"]
    del event["inputQuantityList"]
    issues = validate_document(document(event))
    assert issues
    assert {issue.index for issue in issues} == {0}


def test_a_bare_project_step_is_told_its_uri():
    [issue] = validate_document(document(harvest_event(bizStep="spraying")))
    assert issue.code == validation.UNKNOWN_BIZ_STEP
    assert vocabulary.own_biz_step("spraying") in issue.message


def test_a_cbv_uri_is_told_its_bare_word():
    [issue] = validate_document(
        document(harvest_event(bizStep="urn:epcglobal:cbv:bizstep:packing"))
    )
    assert "packing" in issue.message.split("word")[-1]


def test_full_uris_and_declared_prefixes_are_accepted_as_extensions():
    event = harvest_event(
        **{
            "https://farm.example/voc/tractor": "Kubota",
            "urn:farm:field": 3,
            "gs1:netContent": {"@value": "1 kg"},
            "farm:note": "x",
        }
    )
    doc = document(event)
    doc["@context"] = [*doc["@context"], {"farm": "https://farm.example/voc/"}]
    assert validate_document(doc) == []


def test_each_bad_event_gets_its_own_issues_and_good_ones_none():
    events = [
        harvest_event(),
        harvest_event(bizStep="harvesting"),
        spraying_event(),
        spraying_event(
            eventTimeZoneOffset="+7:00",
            quantityList=[{"epcClass": LOT_CLASS, "quantity": 2, "uom": "kg"}],
        ),
        "not an event",
        transformation_event(),
    ]
    issues = validate_document(document(*events))
    grouped = validation.issues_by_event(issues)
    assert set(grouped) == {1, 3, 4}
    assert [issue.code for issue in grouped[1]] == [validation.UNKNOWN_BIZ_STEP]
    assert {issue.code for issue in grouped[3]} == {
        validation.INVALID_TIME_ZONE_OFFSET,
        validation.INVALID_UOM,
    }
    assert [issue[:3] for issue in grouped[4]] == [
        (4, "/epcisBody/eventList/4", validation.INVALID_EVENT)
    ]
    assert all(isinstance(issue, ValidationIssue) for issue in issues)
    index, pointer, code, message = issues[0]
    assert message == issues[0].message
    assert (index, pointer, code) == (
        1,
        "/epcisBody/eventList/1/bizStep",
        validation.UNKNOWN_BIZ_STEP,
    )


def test_one_issue_per_place():
    # The schema also objects to "+7:00" and to "harvesting": the project's issue stands alone.
    issues = validate_document(
        document(harvest_event(bizStep="harvesting", eventTimeZoneOffset="+7:00"))
    )
    assert [issue.code for issue in issues] == [
        validation.UNKNOWN_BIZ_STEP,
        validation.INVALID_TIME_ZONE_OFFSET,
    ]


def test_json_pointers_escape_slashes_and_tildes():
    issues = validate_document(document(harvest_event(**{"a/b~c": 1})))
    assert [issue.pointer for issue in issues] == ["/epcisBody/eventList/0/a~1b~0c"]


@pytest.mark.parametrize(
    ("changes", "pointer", "code"),
    [
        ({"schemaVersion": "1.2"}, "/schemaVersion", validation.UNSUPPORTED_SCHEMA_VERSION),
        ({"schemaVersion": 2}, "/schemaVersion", validation.UNSUPPORTED_SCHEMA_VERSION),
        ({"creationDate": "2025-03-01 08:00"}, "/creationDate", validation.INVALID_FORMAT),
        (
            {"@context": [{"ocop": "https://ocop.ninhthuan.gov.vn/voc/"}]},
            "/@context",
            validation.MISSING_EPCIS_CONTEXT,
        ),
        (
            {"@context": ["https://example.com/my-context.jsonld", vocabulary.EPCIS_CONTEXT]},
            "/@context/0",
            validation.UNSUPPORTED_CONTEXT,
        ),
        (
            {"@context": [vocabulary.EPCIS_CONTEXT, {"gs1": "https://evil.example/"}]},
            "/@context/1/gs1",
            validation.INVALID_CONTEXT,
        ),
        ({"@context": 42}, "/@context", validation.MISSING_EPCIS_CONTEXT),
        ({"epcisBody": {"eventList": []}}, "/epcisBody/eventList", validation.NO_EVENTS),
        ({"epcisBody": {}}, "/epcisBody/eventList", validation.MISSING_FIELD),
        (
            {"epcisBody": {"eventList": {"type": "ObjectEvent"}}},
            "/epcisBody/eventList",
            validation.INVALID_TYPE,
        ),
        ({"sender": "HTX Nho", "farmSoftware": "x"}, "/farmSoftware", validation.NOT_NAMESPACED),
        ({"epcisHeader": {"version": 1}}, "/epcisHeader/version", validation.NOT_NAMESPACED),
        ({"id": "document 1"}, "/id", validation.INVALID_FORMAT),
    ],
)
def test_a_bad_document_gets_document_level_issues(changes, pointer, code):
    issues = validate_document(document(harvest_event(), **changes))
    assert (None, pointer, code) in codes_at(issues)


@pytest.mark.parametrize("missing", ["@context", "schemaVersion", "creationDate", "epcisBody"])
def test_a_document_needs_its_envelope(missing):
    doc = document()
    del doc[missing]
    assert (None, f"/{missing}", validation.MISSING_FIELD) in codes_at(validate_document(doc))


@pytest.mark.parametrize("value", [None, [], "EPCISDocument", 3])
def test_a_document_that_is_not_an_object(value):
    assert codes_at(validate_document(value)) == {(None, "", validation.INVALID_DOCUMENT)}


@pytest.mark.parametrize("document_type", ["ObjectEvent", "EPCISQueryDocument", None])
def test_only_epcis_documents_are_documents(document_type):
    assert codes_at(validate_document(document(type=document_type))) == {
        (None, "/type", validation.UNSUPPORTED_DOCUMENT_TYPE)
    }


def test_too_many_events_are_refused_before_they_are_read():
    doc = document(*[harvest_event(bizStep="harvesting")] * 5)
    assert codes_at(validate_document(doc, max_events=4)) == {
        (None, "/epcisBody/eventList", validation.TOO_MANY_EVENTS)
    }
    assert len(validate_document(doc, max_events=5)) == 5


def test_an_event_of_a_document_may_bring_its_own_context():
    event = harvest_event(**{"farm:note": "x", "@context": [{"farm": "https://farm.example/"}]})
    other = harvest_event(**{"farm:note": "x"})
    issues = validate_document(document(event, other))
    assert codes_at(issues) == {
        (1, "/epcisBody/eventList/1/farm:note", validation.UNDECLARED_PREFIX)
    }


def test_a_single_event_needs_the_epcis_context():
    event = harvest_event()
    assert (None, "/@context", validation.MISSING_FIELD) in codes_at(validate_event(event))
    without_epcis = {"@context": {"ocop": vocabulary.vocabulary_base()}, **event}
    assert (None, "/@context", validation.MISSING_EPCIS_CONTEXT) in codes_at(
        validate_event(without_epcis)
    )
    assert codes_at(validate_event("event")) == {(None, "", validation.INVALID_EVENT)}
    assert codes_at(validate_event(single(harvest_event(type="EPCISDocument")))) == {
        (None, "/type", validation.UNSUPPORTED_EVENT_TYPE)
    }


def test_messages_follow_the_language():
    doc = document(harvest_event(eventTimeZoneOffset="+7:00"))
    with translation.override("en"):
        [issue] = validate_document(doc)
    assert issue.message == (
        "+7:00 is not a time zone offset: write a sign, two-digit hours, a colon and "
        "minutes, such as +07:00."
    )


def test_long_values_are_cut_short_in_messages():
    [issue] = validate_document(document(harvest_event(bizStep="x" * 500)))
    assert len(issue.message) < 250


def test_issues_are_plain_data():
    issues = validate_document(document(harvest_event(bizStep="harvesting")))
    assert json.loads(json.dumps([issue._asdict() for issue in issues]))[0]["code"] == (
        validation.UNKNOWN_BIZ_STEP
    )
