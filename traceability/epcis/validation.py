"""Validation of EPCIS 2.0 JSON-LD documents and events, before anything is recorded.

Two layers, both always on, each a module of its own:

1. ``schema_check``: GS1's official EPCIS 2.0 JSON schema, with format checking on, and its
   objections in the project's words.
2. ``project_rules``: the project's rules on top (``shared/DOMAIN.md``): context and schema
   version, event types, time zone offsets, vocabulary, namespaced extensions, quantities and
   error declarations.

This module puts them together and is what callers import: the codes of both layers are
re-exported here.

Each problem is a ``ValidationIssue(index, pointer, code, message)``: ``index`` is the
event's position in ``epcisBody.eventList`` (None for the document itself, or for a single
event), ``pointer`` an RFC 6901 JSON pointer from the root of what was validated, ``code``
one of the constants below, ``message`` translated. Where a project rule and the schema
both object to the same place, the project's more precise issue is the one reported.
"""

from collections.abc import Iterable
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from traceability.epcis import vocabulary
from traceability.epcis.project_rules import (
    CBV_URI_NOT_ALLOWED,
    INVALID_CONTEXT,
    INVALID_DOCUMENT,
    INVALID_ERROR_DECLARATION,
    INVALID_EVENT,
    INVALID_QUANTITY,
    INVALID_TIME_ZONE_OFFSET,
    INVALID_UOM,
    MISSING_EPCIS_CONTEXT,
    NO_EVENTS,
    NOT_NAMESPACED,
    TOO_MANY_EVENTS,
    UNDECLARED_PREFIX,
    UNKNOWN_BIZ_STEP,
    UNKNOWN_DISPOSITION,
    UNSUPPORTED_CONTEXT,
    UNSUPPORTED_DOCUMENT_TYPE,
    UNSUPPORTED_EVENT_TYPE,
    UNSUPPORTED_SCHEMA_VERSION,
    Collector,
    check_context_named,
    check_event,
    check_fields,
    context_prefixes,
)
from traceability.epcis.schema_check import (
    DOCUMENT_FIELDS,
    ERROR_DECLARATION_FIELDS,
    EVENT_FIELDS,
    HEADER_FIELDS,
    INVALID_FORMAT,
    INVALID_TYPE,
    INVALID_VALUE,
    LOCATION_FIELDS,
    MISSING_FIELD,
    NOT_ALLOWED,
    QUANTITY_ELEMENT_FIELDS,
    QUANTITY_LISTS,
    SCHEMA,
    SCHEMA_PATH,
    SCHEMA_VIOLATION,
    SENSOR_ELEMENT_FIELDS,
    SENSOR_METADATA_FIELDS,
    SENSOR_REPORT_FIELDS,
    UNKNOWN_FIELD,
    VALIDATOR,
    schema_issues,
    shown,
)

__all__ = [
    "CBV_URI_NOT_ALLOWED",
    "DOCUMENT_FIELDS",
    "ERROR_DECLARATION_FIELDS",
    "EVENT_FIELDS",
    "HEADER_FIELDS",
    "INVALID_CONTEXT",
    "INVALID_DOCUMENT",
    "INVALID_ERROR_DECLARATION",
    "INVALID_EVENT",
    "INVALID_FORMAT",
    "INVALID_QUANTITY",
    "INVALID_TIME_ZONE_OFFSET",
    "INVALID_TYPE",
    "INVALID_UOM",
    "INVALID_VALUE",
    "LOCATION_FIELDS",
    "MISSING_EPCIS_CONTEXT",
    "MISSING_FIELD",
    "NOT_ALLOWED",
    "NOT_NAMESPACED",
    "NO_EVENTS",
    "QUANTITY_ELEMENT_FIELDS",
    "QUANTITY_LISTS",
    "SCHEMA",
    "SCHEMA_PATH",
    "SCHEMA_VIOLATION",
    "SENSOR_ELEMENT_FIELDS",
    "SENSOR_METADATA_FIELDS",
    "SENSOR_REPORT_FIELDS",
    "TOO_MANY_EVENTS",
    "UNDECLARED_PREFIX",
    "UNKNOWN_BIZ_STEP",
    "UNKNOWN_DISPOSITION",
    "UNKNOWN_FIELD",
    "UNSUPPORTED_CONTEXT",
    "UNSUPPORTED_DOCUMENT_TYPE",
    "UNSUPPORTED_EVENT_TYPE",
    "UNSUPPORTED_SCHEMA_VERSION",
    "ValidationIssue",
    "issues_by_event",
    "validate_document",
    "validate_event",
]

# The configured validator (format checking on), under the name it has always had here.
_VALIDATOR = VALIDATOR


class ValidationIssue(NamedTuple):
    index: int | None
    pointer: str
    code: str
    message: str


# -- Putting them together ----------------------------------------------------------------


def _pointer(path: Iterable[Any]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _merge(
    project: list[tuple[tuple, str, str]],
    schema: list[tuple[tuple, str, str]],
    index_of: Any,
) -> list[ValidationIssue]:
    """Project issues first; a schema issue at or under a place a project rule already
    explained is left out; one issue per place and code."""
    project_pointers = [_pointer(path) for path, _code, _message in project]

    def covered(pointer: str) -> bool:
        return any(
            pointer == other or pointer.startswith(other + "/") for other in project_pointers
        )

    seen: set[tuple[str, str]] = set()
    issues: list[ValidationIssue] = []
    for source, items in (("project", project), ("schema", schema)):
        for path, code, message in items:
            pointer = _pointer(path)
            if source == "schema" and covered(pointer):
                continue
            if (pointer, code) in seen:
                continue
            seen.add((pointer, code))
            issues.append(ValidationIssue(index_of(path), pointer, code, message))
    issues.sort(key=lambda issue: (-1 if issue.index is None else issue.index, issue.pointer))
    return issues


def _event_index(path: tuple) -> int | None:
    if len(path) >= 3 and path[:2] == ("epcisBody", "eventList") and isinstance(path[2], int):
        return path[2]
    return None


def validate_document(document: Any, *, max_events: int | None = None) -> list[ValidationIssue]:
    """The issues of an ``EPCISDocument`` (empty when it may be recorded as a whole).

    ``max_events`` refuses a longer ``eventList`` before reading any of its events."""
    if not isinstance(document, dict):
        return [
            ValidationIssue(None, "", INVALID_DOCUMENT, _("An EPCIS document is a JSON object."))
        ]
    if document.get("type") != "EPCISDocument":
        return [
            ValidationIssue(
                None,
                "/type",
                UNSUPPORTED_DOCUMENT_TYPE,
                _("%(value)s is not an EPCIS document: its type must be EPCISDocument.")
                % {"value": shown(document.get("type"))},
            )
        ]
    out = Collector()
    has_epcis, prefixes = context_prefixes(document.get("@context"), ("@context",), out)
    check_context_named(document, has_epcis, out)
    version = document.get("schemaVersion")
    if version is not None and version != vocabulary.SCHEMA_VERSION:
        out.add(
            ("schemaVersion",),
            UNSUPPORTED_SCHEMA_VERSION,
            _("Only EPCIS %(version)s documents are accepted (schemaVersion %(version)s).")
            % {"version": vocabulary.SCHEMA_VERSION},
        )
    check_fields(document, DOCUMENT_FIELDS, (), prefixes, out)
    check_fields(document.get("epcisHeader"), HEADER_FIELDS, ("epcisHeader",), prefixes, out)
    body = document.get("epcisBody")
    events = body.get("eventList") if isinstance(body, dict) else None
    if isinstance(events, list):
        if max_events is not None and len(events) > max_events:
            return [
                ValidationIssue(
                    None,
                    "/epcisBody/eventList",
                    TOO_MANY_EVENTS,
                    _("A document may hold at most %(limit)s events; send it in parts.")
                    % {"limit": max_events},
                )
            ]
        if not events:
            out.add(("epcisBody", "eventList"), NO_EVENTS, _("The document holds no event."))
        for position, event in enumerate(events):
            check_event(event, ("epcisBody", "eventList", position), prefixes, out)
    return _merge(out.issues, schema_issues(document), _event_index)


def validate_event(event: Any) -> list[ValidationIssue]:
    """The issues of one EPCIS 2.0 event sent on its own (with its own ``@context``);
    pointers start at the event, and every index is None."""
    if not isinstance(event, dict):
        return [ValidationIssue(None, "", INVALID_EVENT, _("An event is a JSON object."))]
    out = Collector()
    if event.get("type") not in vocabulary.EVENT_TYPES:
        check_event(event, (), set(), out)
        return _merge(out.issues, [], lambda path: None)
    has_epcis, prefixes = context_prefixes(event.get("@context"), ("@context",), out)
    check_context_named(event, has_epcis, out)
    event_without_context = {name: value for name, value in event.items() if name != "@context"}
    check_event(event_without_context, (), prefixes, out)
    return _merge(out.issues, schema_issues(event), lambda path: None)


def issues_by_event(issues: Iterable[ValidationIssue]) -> dict[int | None, list[ValidationIssue]]:
    """The issues grouped by event index (None: the document itself), in order."""
    grouped: dict[int | None, list[ValidationIssue]] = {}
    for issue in issues:
        grouped.setdefault(issue.index, []).append(issue)
    return grouped
