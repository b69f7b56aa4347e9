"""The first layer of EPCIS validation (``traceability.epcis.validation`` is the entry point):
GS1's official EPCIS 2.0 JSON schema, and its objections in the project's words.

The schema (``schema/EPCIS-JSON-Schema.json``, vendored unmodified) is checked with format
checking on: without a format checker and its packages (``rfc3339-validator`` for
``date-time``, ``rfc3986-validator`` for ``uri``) jsonschema skips ``format`` and lets invalid
dates and URIs through, so the module refuses to load without them. The schema also says which
fields are standard (``EVENT_FIELDS`` and the others): any other field is an extension, which
the project's rules check.

An objection is a ``(path, code, message)`` triple with a translated message; the entry point
merges them with the project's own.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError as SchemaError
from jsonschema.exceptions import best_match

from traceability.epcis import vocabulary

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "EPCIS-JSON-Schema.json"

# Codes of the schema's own objections.
MISSING_FIELD = "MISSING_FIELD"
UNKNOWN_FIELD = "UNKNOWN_FIELD"
NOT_ALLOWED = "NOT_ALLOWED"
INVALID_FORMAT = "INVALID_FORMAT"
INVALID_VALUE = "INVALID_VALUE"
INVALID_TYPE = "INVALID_TYPE"
SCHEMA_VIOLATION = "SCHEMA_VIOLATION"


def _load_validator() -> tuple[dict, Draft7Validator]:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    checker = Draft7Validator.FORMAT_CHECKER
    # jsonschema registers a format only when the package that checks it imports.
    missing = {"date-time", "uri"} - set(checker.checkers)
    if missing:
        raise ImproperlyConfigured(
            f"jsonschema cannot check the formats {sorted(missing)} of the EPCIS schema: "
            "install rfc3339-validator and rfc3986-validator (pyproject.toml pins them)."
        )
    return schema, Draft7Validator(schema, format_checker=checker)


SCHEMA, VALIDATOR = _load_validator()


def _resolve(reference: str) -> Any:
    node: Any = SCHEMA
    for part in reference.removeprefix("#/").split("/"):
        node = node[unquote(part)]
    return node


def _names_in(node: Any) -> set[str]:
    """Every string of the enums under ``node``, following ``$ref`` and combinators."""
    names: set[str] = set()
    pending = [node]
    while pending:
        current = pending.pop()
        if not isinstance(current, dict):
            continue
        if "$ref" in current:
            pending.append(_resolve(current["$ref"]))
        names.update(value for value in current.get("enum", ()) if isinstance(value, str))
        for combinator in ("anyOf", "allOf", "oneOf"):
            pending.extend(current.get(combinator, ()))
    return names


def _standard_fields(definition: str) -> frozenset[str]:
    """The field names the schema lists for ``definition`` (its ``propertyNames`` enums):
    any other field of such an object is an extension."""
    node = SCHEMA["definitions"][definition]
    names: set[str] = set()
    for part in [node, *node.get("allOf", ())]:
        if isinstance(part, dict) and "propertyNames" in part:
            names |= _names_in(part["propertyNames"])
    return frozenset(names)


EVENT_FIELDS = {event_type: _standard_fields(event_type) for event_type in vocabulary.EVENT_TYPES}
DOCUMENT_FIELDS = _standard_fields("epcisDocument")
HEADER_FIELDS = _standard_fields("epcisHeader")
ERROR_DECLARATION_FIELDS = _standard_fields("errorDeclaration")
SENSOR_ELEMENT_FIELDS = _standard_fields("sensorElement")
SENSOR_METADATA_FIELDS = _standard_fields("sensorMetadata")
SENSOR_REPORT_FIELDS = _standard_fields("sensorReport")
LOCATION_FIELDS = frozenset({"id"})
QUANTITY_ELEMENT_FIELDS = frozenset({"epcClass", "quantity", "uom"})
QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


def shown(value: Any) -> str:
    """``value`` as an issue's message quotes it: text as is, anything else as JSON, cut
    at 60 characters."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:60] + "…"


# -- The schema's objections, in the project's words --------------------------------------


def _leaves(error: SchemaError) -> Iterator[SchemaError]:
    if not error.context:
        yield error
        return
    for inner in error.context:
        yield from _leaves(inner)


def _signature(error: SchemaError) -> tuple:
    return (tuple(error.absolute_path), error.validator, error.message)


def _describe(error: SchemaError) -> list[tuple[tuple, str, str]]:
    path = tuple(error.absolute_path)
    keyword = error.validator
    instance = error.instance
    if "propertyNames" in error.schema_path:
        # The schema checks names one by one: ``instance`` is the refused name.
        return [
            (
                (*path, instance),
                UNKNOWN_FIELD,
                _(
                    "%(field)s is not a field EPCIS 2.0 defines here: an extension field is "
                    "named prefix:name, with the prefix declared in @context, or by a full URI."
                )
                % {"field": shown(instance)},
            )
        ]
    if keyword == "required":
        missing = [name for name in error.validator_value if name not in instance]
        return [
            ((*path, name), MISSING_FIELD, _("%(field)s is required.") % {"field": name})
            for name in missing
        ]
    if keyword == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        return [
            (
                (*path, name),
                UNKNOWN_FIELD,
                _("%(field)s is not a field allowed here.") % {"field": shown(name)},
            )
            for name in instance
            if name not in allowed
        ]
    if keyword == "format":
        if error.validator_value == "date-time":
            message = _(
                "%(value)s is not a date and time in RFC 3339, such as 2025-03-01T08:30:00+07:00."
            )
        else:
            message = _("%(value)s is not a URI.")
        return [(path, INVALID_FORMAT, message % {"value": shown(instance)})]
    if keyword in ("enum", "const", "pattern"):
        return [
            (
                path,
                INVALID_VALUE,
                _("%(value)s is not a value allowed here.") % {"value": shown(instance)},
            )
        ]
    if keyword == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return [(path, INVALID_TYPE, _("This must be a JSON %(type)s.") % {"type": expected})]
    if keyword == "minItems":
        return [
            (
                path,
                INVALID_VALUE,
                _("This list needs at least %(count)s items.") % {"count": error.validator_value},
            )
        ]
    if keyword == "uniqueItems":
        return [(path, INVALID_VALUE, _("This list holds the same item twice."))]
    if keyword == "not":
        return [(path, NOT_ALLOWED, _("This field is not allowed here."))]
    return [
        (
            path,
            SCHEMA_VIOLATION,
            _("This does not follow the EPCIS 2.0 schema (rule %(rule)s).") % {"rule": keyword},
        )
    ]


def schema_issues(instance: Any) -> list[tuple[tuple, str, str]]:
    errors = list(VALIDATOR.iter_errors(instance))
    reported = {_signature(error) for error in errors}
    issues: list[tuple[tuple, str, str]] = []
    for error in errors:
        if error.validator in ("anyOf", "oneOf") and error.context:
            if "propertyNames" in error.schema_path:
                issues.extend(_describe(error))
                continue
            leaves = list(_leaves(error))
            if any(_signature(leaf) in reported for leaf in leaves):
                continue  # a consequence of an error that is reported on its own
            path = tuple(error.absolute_path)
            if all(
                leaf.validator == "required" and tuple(leaf.absolute_path) == path
                for leaf in leaves
            ):
                fields = sorted(
                    {name for leaf in leaves for name in leaf.validator_value} - set(error.instance)
                )
                issues.append(
                    (
                        path,
                        MISSING_FIELD,
                        _("One of %(fields)s is required here.") % {"fields": ", ".join(fields)},
                    )
                )
                continue
            # The most telling of the alternatives that failed.
            error = best_match(error.context)
        issues.extend(_describe(error))
    return issues
