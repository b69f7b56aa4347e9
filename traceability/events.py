"""The EPCIS 2.0 event dicts of a lot's chain, built from plain values (no database).

The services (``traceability.services.lots`` and ``.events``) decide what is allowed and
call these; everything here is a pure function of its arguments and the vocabulary.

Identifiers, decided here and nowhere else:

- a lot, as a class of goods counted in kilograms (not serialised items): its GS1 Digital
  Link URI on ``id.gs1.org`` when it has a GTIN (``https://id.gs1.org/01/<gtin>/10/<lot>``,
  the canonical form EPCIS 2.0 accepts beside EPC URNs), else the project URI
  ``<TRACE_VOCABULARY_BASE>lot/<lot code>``;
- a site (growing area, packing house): ``<TRACE_VOCABULARY_BASE>site/<code>``, the code
  being the plant-protection code (sites have no GLN in this project, so no SGLN);
- an event: ``urn:uuid:<uuid4>``.

Fields outside the standard are ``ocop:`` keys (the prefix is declared in the document's
``@context`` by ``traceability.epcis.documents``): ILMD of a harvest or a transformation,
the spraying's product and PHI, and the seller's internal note (``ocop:internalNote``),
which public readers never see (``traceability.selectors.lot_timeline``).
"""

import datetime
import uuid
from decimal import Decimal
from urllib.parse import quote

from django.conf import settings

from traceability.epcis import documents, vocabulary

KILOGRAM = "KGM"  # UN/CEFACT Recommendation 20
INTERNAL_NOTE = "ocop:internalNote"
GS1_DIGITAL_LINK_DOMAIN = "https://id.gs1.org"


def new_event_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def site_uri(code: str) -> str:
    return f"{settings.TRACE_VOCABULARY_BASE}site/{quote(code, safe='')}"


def lot_class_uri(*, code: str, gtin: str = "") -> str:
    """The lot's class identifier in ``epcClass`` (see the module's docstring)."""
    if gtin:
        return f"{GS1_DIGITAL_LINK_DOMAIN}/01/{gtin}/10/{quote(code, safe='')}"
    return f"{settings.TRACE_VOCABULARY_BASE}lot/{quote(code, safe='')}"


def harvest_ilmd(
    harvest_date: datetime.date, area_code: str, quantity_kg: Decimal, best_before=None
) -> dict:
    """The ILMD of a harvest: when, where (the growing area) and how much, and the lot's
    best-before when it has one."""
    ilmd = {
        "harvestDate": harvest_date.isoformat(),
        "growingArea": site_uri(area_code),
        "growingAreaCode": area_code,
        "harvestedQuantityKg": float(quantity_kg),
    }
    if best_before:
        ilmd["bestBefore"] = best_before.isoformat()
    return ilmd


def quantity_element(epc_class: str, quantity_kg: Decimal | None) -> dict:
    element = {"epcClass": epc_class}
    if quantity_kg is not None:
        # A JSON number: it survives PostgreSQL's jsonb and RFC 8785 unchanged (float repr).
        element.update(quantity=float(quantity_kg), uom=KILOGRAM)
    return element


def _when(event_id: str, event_time: datetime.datetime, record_time: datetime.datetime) -> dict:
    return {
        "eventID": event_id,
        "eventTime": documents.format_event_time(event_time),
        "eventTimeZoneOffset": documents.EVENT_TIME_ZONE_OFFSET,
        "recordTime": documents.format_event_time(record_time),
    }


def _where_why(
    biz_step: str, disposition: str | None, read_point: str | None, biz_location: str | None
) -> dict:
    fields: dict = {"bizStep": biz_step}
    if disposition:
        fields["disposition"] = disposition
    if read_point:
        fields["readPoint"] = {"id": read_point}
    if biz_location:
        fields["bizLocation"] = {"id": biz_location}
    return fields


def _completed(
    event: dict, where_why: dict, ilmd: dict | None, extensions: dict | None, internal_note: str
) -> dict:
    """``event`` with its where and why, then its ILMD and extensions as ``ocop:`` keys, then
    the seller's internal note."""
    event.update(where_why)
    if ilmd:
        event["ilmd"] = {f"ocop:{key}": value for key, value in ilmd.items()}
    event.update({f"ocop:{key}": value for key, value in (extensions or {}).items()})
    if internal_note:
        event[INTERNAL_NOTE] = internal_note
    return event


def object_event(
    *,
    event_id: str,
    event_time: datetime.datetime,
    record_time: datetime.datetime,
    action: str,
    biz_step: str,
    epc_class: str,
    quantity_kg: Decimal | None = None,
    disposition: str | None = None,
    read_point: str | None = None,
    biz_location: str | None = None,
    ilmd: dict | None = None,
    extensions: dict | None = None,
    internal_note: str = "",
) -> dict:
    """An ObjectEvent about the lot's class; ``ilmd`` and ``extensions`` keys get ``ocop:``."""
    event = {"type": "ObjectEvent", **_when(event_id, event_time, record_time), "action": action}
    event["quantityList"] = [quantity_element(epc_class, quantity_kg)]
    where_why = _where_why(biz_step, disposition, read_point, biz_location)
    return _completed(event, where_why, ilmd, extensions, internal_note)


def transformation_event(
    *,
    event_id: str,
    event_time: datetime.datetime,
    record_time: datetime.datetime,
    inputs: list[tuple[str, Decimal]],
    output: tuple[str, Decimal],
    biz_location: str | None = None,
    ilmd: dict | None = None,
    internal_note: str = "",
) -> dict:
    """A TransformationEvent: ``inputs`` as (class URI, kg) pairs into ``output``."""
    event = {"type": "TransformationEvent", **_when(event_id, event_time, record_time)}
    event["inputQuantityList"] = [quantity_element(uri, kg) for uri, kg in inputs]
    event["outputQuantityList"] = [quantity_element(*output)]
    # Made here: commissioned, and active from now on.
    commissioning, active = vocabulary.cbv_term("commissioning"), vocabulary.cbv_term("active")
    where_why = _where_why(commissioning, active, biz_location, biz_location)
    return _completed(event, where_why, ilmd, None, internal_note)


def error_declaration(
    erroneous: dict,
    *,
    declaration_time: datetime.datetime,
    record_time: datetime.datetime,
    reason: str,
    corrective_event_ids: list[str],
) -> dict:
    """The EPCIS 2.0 declaration of an error in ``erroneous`` (an event dict).

    As the standard asks, it repeats the erroneous event (its type, ``eventID``, what,
    when, where and why) with its own ``recordTime`` and an ``errorDeclaration``.
    """
    event = {key: value for key, value in erroneous.items() if key != "errorDeclaration"}
    event["recordTime"] = documents.format_event_time(record_time)
    declaration = {
        "declarationTime": documents.format_event_time(declaration_time),
        "reason": reason,
    }
    if corrective_event_ids:
        declaration["correctiveEventIDs"] = list(corrective_event_ids)
    event["errorDeclaration"] = declaration
    return event
