"""How a captured EPCIS 2.0 event maps to the keywords of the services that record events
by hand (``traceability.services.capture`` runs them), and how problems are shaped as
``CaptureError``s pointing into the document.

What an event is about: exactly one ``quantityList`` element whose ``epcClass`` is a lot of
one of the caller's sellers, written as the lot's GS1 Digital Link URI (any host:
``https://…/01/<gtin>/10/<lot>``) or the project's lot URI (``traceability.events``). Its
place is ``bizLocation`` (or ``readPoint``), a site URI of the lot's seller. Extension
fields are the step's details (``ocop:productName``…, as ``event_record`` writes them) and
``ocop:internalNote``, under any prefix the document maps to the project's vocabulary.
Fields the marketplace would not record (``ilmd``, which it derives from the lot and the
harvest, ``epcList``, ``sourceList``…) are refused rather than silently dropped, and so is
an ``eventTimeZoneOffset`` other than Vietnam's ``+07:00``. ``recordTime`` is the
marketplace's, as EPCIS has the capturing repository set it.
"""

from dataclasses import dataclass
from urllib.parse import unquote

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from market.core.errors import PermissionDenied
from traceability import digital_link
from traceability.epcis import documents, validation, vocabulary
from traceability.events import INTERNAL_NOTE, KILOGRAM
from traceability.models import Lot, Site
from traceability.services.steps import DETAIL_KEYS, STEPS

DUPLICATE_EVENT = "DUPLICATE_EVENT"
UNKNOWN_LOT = "UNKNOWN_LOT"
UNKNOWN_SITE = "UNKNOWN_SITE"
UNKNOWN_STEP = "UNKNOWN_STEP"
UNKNOWN_EVENT = "UNKNOWN_EVENT"
UNSUPPORTED_FIELD = "UNSUPPORTED_FIELD"
UNSUPPORTED_EVENT_TYPE = "UNSUPPORTED_EVENT_TYPE"
UNSUPPORTED_UOM = "UNSUPPORTED_UOM"
WRONG_ACTION = "WRONG_ACTION"
ONE_LOT_PER_EVENT = "ONE_LOT_PER_EVENT"
MISSING_EVENT_ID = "MISSING_EVENT_ID"

# Fields of a captured ObjectEvent that the mapping reads; any other standard field is one
# the marketplace does not record.
_READ_FIELDS = frozenset(
    {
        "@context",
        "type",
        "eventID",
        "eventTime",
        "eventTimeZoneOffset",
        "recordTime",
        "action",
        "bizStep",
        "disposition",
        "readPoint",
        "bizLocation",
        "quantityList",
    }
)
# A declaration repeats the erroneous event: its what, when, where and why are the recorded
# event's, so only the declaration itself is read.
_DETAIL_OF_KEY = {key: detail for detail, key in DETAIL_KEYS.items()}
_NOTE_KEY = INTERNAL_NOTE.removeprefix(vocabulary.CONTEXT_PREFIX + ":")

# Where a service's field lies in a captured event (JSON pointer from the event).
EVENT_POINTERS = {
    "lot_id": "/quantityList/0/epcClass",
    "step": "/bizStep",
    "event_time": "/eventTime",
    "quantity_kg": "/quantityList/0/quantity",
    "site_id": "/bizLocation/id",
    "disposition": "/disposition",
    "internal_note": "/" + INTERNAL_NOTE,
    "event_id": "/eventID",
    "reason": "/errorDeclaration/reason",
    "declaration_time": "/errorDeclaration/declarationTime",
}


@dataclass(frozen=True)
class CaptureError:
    """One problem: ``index`` in ``epcisBody.eventList`` (None: the document), the event's
    ``eventID`` when it has one, ``pointer`` (RFC 6901) from the document's root."""

    index: int | None
    event_id: str | None
    pointer: str
    code: str
    message: str


# ---------------------------------------------------------------------------
# Reading the document


def _event_id_of(document, index: int | None) -> str | None:
    try:
        value = document["epcisBody"]["eventList"][index]["eventID"]
    except (KeyError, IndexError, TypeError):
        return None
    return value if isinstance(value, str) else None


def from_issue(issue: validation.ValidationIssue, document) -> CaptureError:
    event_id = _event_id_of(document, issue.index) if issue.index is not None else None
    return CaptureError(issue.index, event_id, issue.pointer, issue.code, issue.message)


def prefixes_of_our_vocabulary(context) -> set[str]:
    """The prefixes ``@context`` maps to the project's vocabulary (``ocop`` in ours)."""
    base = vocabulary.vocabulary_base()
    prefixes = set()
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, dict):
            for name, iri in entry.items():
                iri = iri.get("@id") if isinstance(iri, dict) else iri
                if iri == base:
                    prefixes.add(name)
    return prefixes


def _own_term(key: str, prefixes: set[str]) -> str | None:
    """The project term an extension key names (``ocop:dose``, ``<base>dose``), or None."""
    base = vocabulary.vocabulary_base()
    if key.startswith(base):
        return key.removeprefix(base)
    prefix, colon, rest = key.partition(":")
    return rest if colon and prefix in prefixes else None


def lot_key_of(epc_class) -> tuple[str, str | None] | None:
    """``(lot code, GTIN or None)`` of a lot's class URI: the project's lot URI, or a GS1
    Digital Link of a lot on any host (the same identifier once canonical); else None."""
    if not isinstance(epc_class, str):
        return None
    lot_base = vocabulary.vocabulary_base() + "lot/"
    if epc_class.startswith(lot_base):
        code = unquote(epc_class.removeprefix(lot_base))
        return (code, None) if code and "/" not in epc_class.removeprefix(lot_base) else None
    try:
        link = digital_link.parse(epc_class)
    except digital_link.DigitalLinkError:
        return None
    if not link.origin or link.serial or link.variant or link.attributes or link.params:
        return None
    return link.lot, link.gtin


def _site_code(uri) -> str | None:
    site_base = vocabulary.vocabulary_base() + "site/"
    if isinstance(uri, str) and uri.startswith(site_base):
        rest = uri.removeprefix(site_base)
        return unquote(rest) if rest and "/" not in rest else None
    return None


# ---------------------------------------------------------------------------
# One event's errors


class EventErrors:
    def __init__(self, index: int, event_id: str | None):
        self.index = index
        self.event_id = event_id
        self.items: list[CaptureError] = []

    def add(self, pointer: str, code: str, message: str) -> None:
        self.items.append(
            CaptureError(
                self.index,
                self.event_id,
                f"/epcisBody/eventList/{self.index}{pointer}",
                code,
                str(message),
            )
        )

    def from_service(self, error: Exception, pointers: dict[str, str]) -> None:
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for field, field_errors in error.error_dict.items():
                pointer = pointers.get(field) or _detail_pointer(field) or ""
                for item in field_errors:
                    message = item.message % item.params if item.params else item.message
                    self.add(pointer, item.code or "INVALID", message)
        elif isinstance(error, ValidationError):
            for message in error.messages:
                self.add("", error.code or "INVALID", message)
        elif isinstance(error, PermissionDenied):
            self.add(pointers.get("lot_id", ""), UNKNOWN_LOT, error.message)
        else:
            self.add(pointers.get(getattr(error, "field", "") or "", ""), error.code, error.message)


def _detail_pointer(field: str) -> str | None:
    detail = field.removeprefix("details.")
    if detail != field and detail in DETAIL_KEYS:
        return f"/{vocabulary.CONTEXT_PREFIX}:{DETAIL_KEYS[detail]}"
    return None


# ---------------------------------------------------------------------------
# One event's keywords


def record_arguments(event: dict, out: EventErrors, *, lots, own_prefixes) -> dict:
    """The keywords of ``event_record`` for ``event``, or problems added to ``out``."""
    arguments: dict = {}
    if event.get("type") != "ObjectEvent":
        out.add(
            "/type",
            UNSUPPORTED_EVENT_TYPE,
            _(
                "Only ObjectEvents are captured here; a lot made from other lots is recorded "
                "with lotTransform."
            ),
        )
        return arguments
    step = vocabulary.biz_step_name(event["bizStep"]) if "bizStep" in event else None
    if "bizStep" not in event:
        out.add(
            "/bizStep", validation.MISSING_FIELD, _("%(field)s is required.") % {"field": "bizStep"}
        )
    elif step not in STEPS:
        out.add(
            "/bizStep",
            UNKNOWN_STEP,
            _("This marketplace records the steps %(steps)s, not %(value)s.")
            % {"steps": ", ".join(STEPS), "value": event["bizStep"]},
        )
    else:
        arguments["step"] = step
        if event.get("action") != STEPS[step].action:
            out.add(
                "/action",
                WRONG_ACTION,
                _("A %(step)s event has the action %(action)s.")
                % {"step": step, "action": STEPS[step].action},
            )
    if event.get("eventTimeZoneOffset") != documents.EVENT_TIME_ZONE_OFFSET:
        out.add(
            "/eventTimeZoneOffset",
            validation.INVALID_TIME_ZONE_OFFSET,
            _("Events here happen in Vietnam: the offset is %(offset)s.")
            % {"offset": documents.EVENT_TIME_ZONE_OFFSET},
        )
    event_time = time_of(event, "eventTime", "/eventTime", out)
    if event_time is not None:
        arguments["event_time"] = event_time
    lot = _what(event, out, lots, arguments)
    if lot is not None:
        _where(event, out, lot, arguments)
    if "disposition" in event:
        arguments["disposition"] = event["disposition"]
    _extensions(event, out, step, own_prefixes, arguments)
    return arguments


def time_of(values: dict, key: str, pointer: str, out: EventErrors):
    """The RFC 3339 date-time ``values[key]``, or None with the problem added to ``out``."""
    try:
        return documents.parse_event_time(values.get(key))
    except ValueError:
        out.add(
            pointer,
            validation.INVALID_FORMAT,
            _("%(value)s is not a date and time in RFC 3339, such as 2025-03-01T08:30:00+07:00.")
            % {"value": values.get(key)},
        )
        return None


def _what(event: dict, out: EventErrors, lots, arguments: dict) -> Lot | None:
    elements = event.get("quantityList")
    if not isinstance(elements, list) or len(elements) != 1 or "epcList" in event:
        out.add(
            "/quantityList",
            ONE_LOT_PER_EVENT,
            _("An event is about one lot: one quantityList element, no epcList."),
        )
        return None
    element = elements[0]
    lot = lots.get(lot_key_of(element.get("epcClass")) or ("", None))
    if lot is None:
        out.add(
            "/quantityList/0/epcClass",
            UNKNOWN_LOT,
            _("%(value)s is not a lot of your seller.") % {"value": element.get("epcClass")},
        )
        return None
    arguments["lot_id"] = lot.pk
    if "quantity" in element:
        if element.get("uom") != KILOGRAM:
            out.add(
                "/quantityList/0/uom",
                UNSUPPORTED_UOM,
                _("Quantities are captured in kilograms (uom %(uom)s).") % {"uom": KILOGRAM},
            )
        # The JSON number as it is: the service reads it to the gram and refuses the rest.
        arguments["quantity_kg"] = element["quantity"]
    return lot


def _where(event: dict, out: EventErrors, lot: Lot, arguments: dict) -> None:
    places = {
        name: event[name].get("id")
        for name in ("bizLocation", "readPoint")
        if isinstance(event.get(name), dict)
    }
    if len(set(places.values())) > 1:
        out.add(
            "/readPoint/id",
            validation.INVALID_VALUE,
            _("The readPoint and the bizLocation are the same site here."),
        )
        return
    if not places:
        return
    name, uri = next(iter(places.items()))
    code = _site_code(uri)
    site_id = (
        Site.objects.filter(seller_id=lot.seller_id, code=code).values_list("pk", flat=True).first()
        if code
        else None
    )
    if site_id is None:
        out.add(
            f"/{name}/id",
            UNKNOWN_SITE,
            _("%(value)s is not a growing area or packing house of this lot's seller.")
            % {"value": uri},
        )
        return
    arguments["site_id"] = site_id


def _extensions(event: dict, out: EventErrors, step, own_prefixes, arguments: dict) -> None:
    details: dict = {}
    for key, value in event.items():
        if key in _READ_FIELDS:
            continue
        term = _own_term(key, own_prefixes)
        pointer = "/" + key.replace("~", "~0").replace("/", "~1")
        if term == _NOTE_KEY:
            arguments["internal_note"] = value
        elif (
            term in _DETAIL_OF_KEY and step in STEPS and _DETAIL_OF_KEY[term] in STEPS[step].details
        ):
            details[_DETAIL_OF_KEY[term]] = value
        else:
            out.add(
                pointer,
                UNSUPPORTED_FIELD,
                _("The marketplace does not record %(field)s on a captured event.")
                % {"field": key},
            )
    if details:
        arguments["details"] = details
