"""The second layer of EPCIS validation (``traceability.epcis.validation`` is the entry point):
the project's rules on top of GS1's schema (``shared/DOMAIN.md``).

The EPCIS 2.0 context; only the five standard event types; ``eventTimeZoneOffset`` written
``+07:00``; bizStep and disposition either a bare CBV word or a URI of another vocabulary (bare
unknown words and CBV terms written as URIs are refused); extension fields (ILMD included)
named by a CURIE whose prefix ``@context`` declares, or by a full URI; quantity elements of
``epcClass``, ``quantity`` (above zero) and ``uom`` (a UN/CEFACT code, only with a quantity)
only; an ``errorDeclaration`` with its reason and the ``eventID`` of the event it corrects.

Nothing is fetched: a remote ``@context`` other than the EPCIS one is refused rather than
downloaded (its prefixes could not be known otherwise).
"""

import json
import math
import re
from typing import Any

from django.utils.translation import gettext as _

from traceability.epcis import vocabulary
from traceability.epcis.schema_check import (
    ERROR_DECLARATION_FIELDS,
    EVENT_FIELDS,
    LOCATION_FIELDS,
    NOT_ALLOWED,
    QUANTITY_ELEMENT_FIELDS,
    QUANTITY_LISTS,
    SENSOR_ELEMENT_FIELDS,
    SENSOR_METADATA_FIELDS,
    SENSOR_REPORT_FIELDS,
    shown,
)

# Codes of the project's rules.
INVALID_DOCUMENT = "INVALID_DOCUMENT"
UNSUPPORTED_DOCUMENT_TYPE = "UNSUPPORTED_DOCUMENT_TYPE"
UNSUPPORTED_SCHEMA_VERSION = "UNSUPPORTED_SCHEMA_VERSION"
MISSING_EPCIS_CONTEXT = "MISSING_EPCIS_CONTEXT"
UNSUPPORTED_CONTEXT = "UNSUPPORTED_CONTEXT"
INVALID_CONTEXT = "INVALID_CONTEXT"
NO_EVENTS = "NO_EVENTS"
TOO_MANY_EVENTS = "TOO_MANY_EVENTS"
INVALID_EVENT = "INVALID_EVENT"
UNSUPPORTED_EVENT_TYPE = "UNSUPPORTED_EVENT_TYPE"
INVALID_TIME_ZONE_OFFSET = "INVALID_TIME_ZONE_OFFSET"
UNKNOWN_BIZ_STEP = "UNKNOWN_BIZ_STEP"
UNKNOWN_DISPOSITION = "UNKNOWN_DISPOSITION"
CBV_URI_NOT_ALLOWED = "CBV_URI_NOT_ALLOWED"
NOT_NAMESPACED = "NOT_NAMESPACED"
UNDECLARED_PREFIX = "UNDECLARED_PREFIX"
INVALID_QUANTITY = "INVALID_QUANTITY"
INVALID_UOM = "INVALID_UOM"
INVALID_ERROR_DECLARATION = "INVALID_ERROR_DECLARATION"


class Collector:
    """Issues of the project's rules for one validated root (a document or an event)."""

    def __init__(self):
        self.issues: list[tuple[tuple, str, str]] = []

    def add(self, path: tuple, code: str, message: str) -> None:
        self.issues.append((path, code, message))


# The schema's pattern of eventTimeZoneOffset: sign, two-digit hours, colon, minutes.
_TIME_ZONE_OFFSET = re.compile(r"[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00)")
# UN/CEFACT Recommendation 20 codes as EPCIS uses them: 2 or 3 capitals and digits, a
# capital first (KGM kilogram, TNE tonne, H87 piece, C62 one).
_UOM = re.compile(r"[A-Z][A-Z0-9]{1,2}")
_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9._-]*")


def context_prefixes(context: Any, path: tuple, out: Collector) -> tuple[bool, set[str]]:
    """Whether ``context`` names the EPCIS 2.0 context, and the prefixes it declares."""
    entries = context if isinstance(context, list) else [context]
    has_epcis = False
    prefixes: set[str] = set()
    for position, entry in enumerate(entries):
        where = (*path, position) if isinstance(context, list) else path
        if isinstance(entry, str):
            if entry in vocabulary.EPCIS_CONTEXTS:
                has_epcis = True
            else:
                out.add(
                    where,
                    UNSUPPORTED_CONTEXT,
                    _(
                        "The context %(context)s is not accepted: name the EPCIS 2.0 context "
                        "and declare your own prefixes inline."
                    )
                    % {"context": shown(entry)},
                )
        elif isinstance(entry, dict):
            for name, definition in entry.items():
                if name.startswith("@"):
                    continue
                iri = definition.get("@id") if isinstance(definition, dict) else definition
                if not isinstance(iri, str) or ":" not in iri:
                    continue
                if name in vocabulary.EPCIS_CONTEXT_PREFIXES:
                    out.add(
                        (*where, name),
                        INVALID_CONTEXT,
                        _(
                            "The prefix %(prefix)s belongs to the EPCIS context and cannot be "
                            "redefined."
                        )
                        % {"prefix": name},
                    )
                    continue
                prefixes.add(name)
    if has_epcis:
        prefixes |= vocabulary.EPCIS_CONTEXT_PREFIXES
    return has_epcis, prefixes


def _name_problem(name: str, prefixes: set[str]) -> tuple[str, str] | None:
    prefix, colon, rest = name.partition(":")
    if colon and rest and (rest.startswith("//") or prefix.lower() == "urn"):
        return None  # a full URI; the schema checks its syntax
    if not colon or not rest or not _PREFIX.fullmatch(prefix):
        return (
            NOT_NAMESPACED,
            _(
                "%(field)s is not a field EPCIS 2.0 defines here: an extension field is "
                "named prefix:name, with the prefix declared in @context, or by a full URI."
            )
            % {"field": shown(name)},
        )
    if prefix not in prefixes:
        return (
            UNDECLARED_PREFIX,
            _("The prefix %(prefix)s of %(field)s is not declared in @context.")
            % {"prefix": prefix, "field": shown(name)},
        )
    return None


def _check_extension(value: Any, path: tuple, prefixes: set[str], out: Collector) -> None:
    """Inside an extension value, every object key is a namespaced name too (JSON-LD
    would drop a plain one), except JSON-LD keywords such as ``@value``."""
    if isinstance(value, dict):
        for name, inner in value.items():
            if name.startswith("@"):
                continue
            problem = _name_problem(name, prefixes)
            if problem:
                out.add((*path, name), *problem)
            _check_extension(inner, (*path, name), prefixes, out)
    elif isinstance(value, list):
        for position, inner in enumerate(value):
            _check_extension(inner, (*path, position), prefixes, out)


def check_fields(
    obj: Any, standard: frozenset[str], path: tuple, prefixes: set[str], out: Collector
) -> None:
    """Fields of ``obj`` beyond ``standard`` are extensions: namespaced, all the way down."""
    if not isinstance(obj, dict):
        return
    for name, value in obj.items():
        if name in standard:
            continue
        problem = _name_problem(name, prefixes)
        if problem:
            out.add((*path, name), *problem)
        _check_extension(value, (*path, name), prefixes, out)


def _cbv_word(value: str) -> str:
    # "https://ref.gs1.org/cbv/BizStep-packing", "urn:epcglobal:cbv:bizstep:packing" → packing
    return re.split(r"[:/]", value)[-1].split("-", 1)[-1]


def _check_vocabulary_value(
    value: Any,
    path: tuple,
    terms: frozenset[str],
    unknown_code: str,
    unknown_message: str,
    prefixes: set[str],
    out: Collector,
) -> None:
    if not isinstance(value, str) or value in terms:
        return
    if value.lower().startswith(vocabulary.CBV_URI_PREFIXES):
        word = _cbv_word(value)
        out.add(
            path,
            CBV_URI_NOT_ALLOWED,
            _("%(value)s is a CBV term written as a URI: EPCIS 2.0 writes it as the word %(word)s.")
            % {"value": shown(value), "word": word}
            if word in terms
            else _("%(value)s is in the CBV's namespace but is not a CBV term.")
            % {"value": shown(value)},
        )
        return
    prefix, colon, rest = value.partition(":")
    if not colon or not rest:
        out.add(path, unknown_code, unknown_message % {"value": shown(value)})
    elif not (rest.startswith("//") or prefix.lower() == "urn") and prefix not in prefixes:
        out.add(
            path,
            UNDECLARED_PREFIX,
            _("The prefix %(prefix)s of %(value)s is not declared in @context.")
            % {"prefix": prefix, "value": shown(value)},
        )


def _unknown_biz_step_message(value: Any) -> str:
    if isinstance(value, str) and value in vocabulary.PROJECT_BIZ_STEPS:
        return _(
            "%(value)s is not a CBV business step; the project's own step is the URI %(uri)s."
        ) % {"value": value, "uri": vocabulary.own_biz_step(value)}
    return _(
        "%(value)s is not a CBV business step; a step of another vocabulary is written as a URI."
    )


def _check_quantities(event: dict, path: tuple, out: Collector) -> None:
    for list_name in QUANTITY_LISTS:
        elements = event.get(list_name)
        if not isinstance(elements, list):
            continue
        for position, element in enumerate(elements):
            where = (*path, list_name, position)
            if not isinstance(element, dict):
                continue
            extra = sorted(set(element) - QUANTITY_ELEMENT_FIELDS)
            if extra:
                out.add(
                    where,
                    INVALID_QUANTITY,
                    _("A quantity element holds only epcClass, quantity and uom, not %(fields)s.")
                    % {"fields": ", ".join(extra)},
                )
            # EPCIS: both may be left out (a count of instances); uom only with a quantity.
            if "quantity" in element:
                quantity = element["quantity"]
                if (
                    isinstance(quantity, bool)
                    or not isinstance(quantity, int | float)
                    or not math.isfinite(quantity)
                    or quantity <= 0
                ):
                    out.add(
                        (*where, "quantity"),
                        INVALID_QUANTITY,
                        _("The quantity is a number above zero."),
                    )
            elif "uom" in element:
                out.add(
                    (*where, "quantity"),
                    INVALID_QUANTITY,
                    _("A quantity element with a unit (uom) needs its quantity."),
                )
            uom = element.get("uom")
            if "uom" in element and not (isinstance(uom, str) and _UOM.fullmatch(uom)):
                out.add(
                    (*where, "uom"),
                    INVALID_UOM,
                    _(
                        "The unit (uom) is a UN/CEFACT code of 2 or 3 capitals and digits, "
                        "such as KGM for kilograms."
                    ),
                )


def _check_error_declaration(event: dict, path: tuple, prefixes: set[str], out: Collector) -> None:
    declaration = event.get("errorDeclaration")
    if not isinstance(declaration, dict):
        return
    where = (*path, "errorDeclaration")
    if "eventID" not in event:
        out.add(
            (*path, "eventID"),
            INVALID_ERROR_DECLARATION,
            _("An event that declares an error carries the eventID of the event it corrects."),
        )
    if "reason" not in declaration:
        out.add(
            (*where, "reason"),
            INVALID_ERROR_DECLARATION,
            _("An error declaration needs a reason: did_not_occur, incorrect_data or a URI."),
        )
    else:
        _check_vocabulary_value(
            declaration["reason"],
            (*where, "reason"),
            vocabulary.CBV_ERROR_REASONS,
            INVALID_ERROR_DECLARATION,
            _("%(value)s is not a CBV error reason (did_not_occur, incorrect_data) nor a URI."),
            prefixes,
            out,
        )
    corrective = declaration.get("correctiveEventIDs")
    if "correctiveEventIDs" in declaration and (
        not isinstance(corrective, list)
        or not corrective
        or len({json.dumps(item) for item in corrective}) != len(corrective)
    ):
        out.add(
            (*where, "correctiveEventIDs"),
            INVALID_ERROR_DECLARATION,
            _("correctiveEventIDs is a list of the correcting events' IDs, each once."),
        )
    check_fields(declaration, ERROR_DECLARATION_FIELDS, where, prefixes, out)


def check_event(event: Any, path: tuple, prefixes: set[str], out: Collector) -> None:
    if not isinstance(event, dict):
        out.add(path, INVALID_EVENT, _("An event is a JSON object."))
        return
    if "@context" in event:
        _has_epcis, own = context_prefixes(event["@context"], (*path, "@context"), out)
        prefixes = prefixes | own
    if "type" not in event:
        return  # the schema reports the missing type
    event_type = event["type"]
    if event_type not in vocabulary.EVENT_TYPES:
        out.add(
            (*path, "type"),
            UNSUPPORTED_EVENT_TYPE,
            _(
                "%(value)s is not an event type this marketplace records: ObjectEvent, "
                "AggregationEvent, TransactionEvent, TransformationEvent or AssociationEvent."
            )
            % {"value": shown(event_type)},
        )
        return
    offset = event.get("eventTimeZoneOffset")
    if offset is not None and not (isinstance(offset, str) and _TIME_ZONE_OFFSET.fullmatch(offset)):
        out.add(
            (*path, "eventTimeZoneOffset"),
            INVALID_TIME_ZONE_OFFSET,
            _(
                "%(value)s is not a time zone offset: write a sign, two-digit hours, a colon "
                "and minutes, such as +07:00."
            )
            % {"value": shown(offset)},
        )
    if "bizStep" in event:
        _check_vocabulary_value(
            event["bizStep"],
            (*path, "bizStep"),
            vocabulary.CBV_BIZ_STEPS,
            UNKNOWN_BIZ_STEP,
            _unknown_biz_step_message(event["bizStep"]),
            prefixes,
            out,
        )
    disposition_message = _(
        "%(value)s is not a CBV disposition; one of another vocabulary is written as a URI."
    )
    if "disposition" in event:
        _check_vocabulary_value(
            event["disposition"],
            (*path, "disposition"),
            vocabulary.CBV_DISPOSITIONS,
            UNKNOWN_DISPOSITION,
            disposition_message,
            prefixes,
            out,
        )
    persistent = event.get("persistentDisposition")
    if isinstance(persistent, dict):
        for side in ("set", "unset"):
            values = persistent.get(side)
            for position, value in enumerate(values if isinstance(values, list) else ()):
                _check_vocabulary_value(
                    value,
                    (*path, "persistentDisposition", side, position),
                    vocabulary.CBV_DISPOSITIONS,
                    UNKNOWN_DISPOSITION,
                    disposition_message,
                    prefixes,
                    out,
                )
    if event_type == "ObjectEvent" and "ilmd" in event and event.get("action") != "ADD":
        out.add(
            (*path, "ilmd"),
            NOT_ALLOWED,
            _("Lot master data (ilmd) belongs to an ObjectEvent whose action is ADD."),
        )
    _check_quantities(event, path, out)
    _check_error_declaration(event, path, prefixes, out)
    check_fields(event, EVENT_FIELDS[event_type], path, prefixes, out)
    for location in ("readPoint", "bizLocation"):
        check_fields(event.get(location), LOCATION_FIELDS, (*path, location), prefixes, out)
    check_fields(event.get("ilmd"), frozenset(), (*path, "ilmd"), prefixes, out)
    sensors = event.get("sensorElementList")
    for position, sensor in enumerate(sensors if isinstance(sensors, list) else ()):
        where = (*path, "sensorElementList", position)
        check_fields(sensor, SENSOR_ELEMENT_FIELDS, where, prefixes, out)
        if not isinstance(sensor, dict):
            continue
        check_fields(
            sensor.get("sensorMetadata"),
            SENSOR_METADATA_FIELDS,
            (*where, "sensorMetadata"),
            prefixes,
            out,
        )
        reports = sensor.get("sensorReport")
        for number, report in enumerate(reports if isinstance(reports, list) else ()):
            check_fields(
                report, SENSOR_REPORT_FIELDS, (*where, "sensorReport", number), prefixes, out
            )


def check_context_named(root: dict, has_epcis: bool, out: Collector) -> None:
    if "@context" in root and not has_epcis:
        out.add(
            ("@context",),
            MISSING_EPCIS_CONTEXT,
            _("@context must name the EPCIS 2.0 context %(context)s.")
            % {"context": vocabulary.EPCIS_CONTEXT},
        )
