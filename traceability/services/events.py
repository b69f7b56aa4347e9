"""A lot's event chain: recording events and declaring errors in them.

Times: an event time carries its time zone, is not ahead of the server's clock by more than
``settings.TRACE_EVENT_CLOCK_SKEW_SECONDS``, and not before the lot's first event (its
planting or making). It may come before the lot's latest event: EPCIS separates when a
thing happened (``eventTime``) from when it was captured (``recordTime``) and allows late
capture, as when a paper notebook is typed in after the harvest. The chain's order is the
order of capture; the timeline reads by sequence. Rules that compare times (the PHI) are
checked in both directions, so a spraying captured after the harvest it overlaps still
opens the violation.

Who may write a chain, the checks of values and the append itself (one event under the
lot's row lock, hash-chained) are ``traceability.services.chain``'s; what each step requires
is ``traceability.services.steps``'s.

An error declaration (``event_declare_error``) repeats the erroneous event with an
``errorDeclaration``, as EPCIS 2.0 asks; quantities already applied stay as they are (the
correction is the corrective event that follows), and a declared spraying no longer counts
for the PHI.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from market.core.errors import invalid as _invalid
from traceability import events as builders
from traceability.epcis import documents, vocabulary
from traceability.models import Spraying, TraceEvent
from traceability.services import origin
from traceability.services.chain import (
    chain_append,
    check_event_time,
    check_text,
    event_for_writer,
    first_event_time,
    is_int,
    lot_for_writer,
)
from traceability.services.steps import (
    DETAIL_KEYS,
    STEPS,
    apply_harvest,
    biz_step_uri,
    check_details,
    check_disposition,
    check_quantity_for,
    open_phi_violations_for_harvest,
    open_phi_violations_for_spraying,
    place_of,
)

MAX_INTERNAL_NOTE_LENGTH = 2000


def event_record(
    *,
    by,
    lot_id: int,
    step: str,
    event_time: datetime.datetime,
    quantity_kg=None,
    site_id: int | None = None,
    disposition: str | None = None,
    details: dict | None = None,
    internal_note: str = "",
    event_id: str | None = None,
) -> TraceEvent:
    """Record one event of ``step`` (see ``STEPS`` and the module's docstring) on a lot.

    ``event_id`` keeps the EPCIS ``eventID`` of a captured event (``services.capture``),
    so a replayed document is recognised; a new ``urn:uuid:`` by default."""
    with transaction.atomic():
        lot = lot_for_writer(by, lot_id)
        if step not in STEPS:
            raise _invalid(
                "step",
                _("Unknown step %(step)s; use one of %(steps)s.")
                % {"step": step, "steps": ", ".join(STEPS)},
                "UNKNOWN_STEP",
            )
        spec = STEPS[step]
        event_time = check_event_time(event_time, not_before=first_event_time(lot))
        note = check_text(
            internal_note,
            field="internal_note",
            max_length=MAX_INTERNAL_NOTE_LENGTH,
            required=False,
        )
        cleaned = check_details(spec, details)
        chosen_disposition = check_disposition(disposition, spec.disposition)
        if spec.needs_harvest and lot.harvested_kg <= 0:
            raise _invalid(
                "step",
                _("Nothing of this lot was harvested yet."),
                "NOT_HARVESTED",
            )
        site = place_of(spec, lot, site_id)
        quantity = check_quantity_for(spec, lot, quantity_kg)

        lot_fields: tuple[str, ...] = ()
        ilmd = None
        extensions = {DETAIL_KEYS[key]: value for key, value in cleaned.items()}
        allowed_from = None
        if step == "harvesting":
            lot_fields = apply_harvest(lot, event_time, quantity)
            ilmd = builders.harvest_ilmd(lot.harvest_date, site.code, quantity, lot.best_before)
        elif step == "spraying":
            allowed_from = event_time + datetime.timedelta(
                days=cleaned["pre_harvest_interval_days"]
            )
            extensions["harvestAllowedFrom"] = documents.format_event_time(allowed_from)
        elif step == "shipping":
            lot.remaining_kg -= quantity
            lot_fields = ("remaining_kg",)
        elif step == "packing" and lot.packing_house_id is None:
            lot.packing_house = site
            lot_fields = ("packing_house",)

        record_time = timezone.now()
        place = builders.site_uri(site.code) if site is not None else None
        biz_step = biz_step_uri(step)
        document = builders.object_event(
            event_id=event_id or builders.new_event_id(),
            event_time=event_time,
            record_time=record_time,
            action=spec.action,
            biz_step=biz_step,
            epc_class=builders.lot_class_uri(code=lot.code, gtin=lot.gtin),
            quantity_kg=quantity,
            disposition=chosen_disposition,
            read_point=place,
            biz_location=place,
            ilmd=ilmd,
            extensions=extensions,
            internal_note=note,
        )
        event = chain_append(
            lot,
            document,
            by=by,
            event_type=TraceEvent.Type.OBJECT,
            biz_step=biz_step,
            event_time=event_time,
            record_time=record_time,
            site=site,
            quantity_kg=quantity,
            lot_fields=lot_fields,
        )
        if step == "spraying":
            spraying = Spraying.objects.create(
                event=event,
                area=site,
                product_name=cleaned["product_name"],
                active_ingredient=cleaned["active_ingredient"],
                dose=cleaned["dose"],
                pre_harvest_interval_days=cleaned["pre_harvest_interval_days"],
                sprayed_at=event_time,
                harvest_allowed_from=allowed_from,
            )
            open_phi_violations_for_spraying(spraying)
        elif step == "harvesting":
            open_phi_violations_for_harvest(lot, event)
        origin.origin_refresh(lot_ids=[lot.pk])
        return event


# ---------------------------------------------------------------------------
# Corrections

ERROR_REASONS = ("did_not_occur", "incorrect_data")


def event_declare_error(
    *, by, event_id, reason: str, corrective=None, declaration_time=None
) -> TraceEvent:
    """Declare an error in an event: a new event in the same chain, never an update.

    ``event_id`` is the event's primary key or its ``urn:uuid:``; ``reason`` a CBV error
    reason (did_not_occur, incorrect_data); ``corrective`` the events (same ways, same lot)
    recorded to correct it. The declaration repeats the erroneous event's EPCIS ``eventID``
    (as the standard asks); its row gets an identifier of its own in ``TraceEvent.event_id``.
    """
    with transaction.atomic():
        erroneous = event_for_writer(by, event_id, field="event_id")
        lot = lot_for_writer(by, erroneous.lot_id)
        if erroneous.declares_error_in_id is not None:
            raise _invalid("event_id", _("This event is itself an error declaration."), "INVALID")
        if TraceEvent.objects.filter(declares_error_in=erroneous).exists():
            raise _invalid(
                "event_id", _("An error was already declared in this event."), "ALREADY_DECLARED"
            )
        if reason not in ERROR_REASONS:
            raise _invalid(
                "reason",
                _("The reason is did_not_occur or incorrect_data."),
                "INVALID",
            )
        corrective_ids = []
        for index, item in enumerate(corrective or ()):
            field = f"corrective.{index}"
            if is_int(item):
                found = TraceEvent.objects.filter(pk=item, lot=lot).first()
            elif isinstance(item, str):
                found = TraceEvent.objects.filter(event_id=item, lot=lot).first()
            else:
                found = None
            if found is None or found.pk == erroneous.pk:
                raise _invalid(field, _("This lot has no such event to correct with."), "NOT_FOUND")
            corrective_ids.append(found.document["eventID"])
        now = timezone.now()
        declared_at = check_event_time(
            declaration_time or now, field="declaration_time", not_before=erroneous.record_time
        )
        document = builders.error_declaration(
            erroneous.document,
            declaration_time=declared_at,
            record_time=now,
            reason=vocabulary.cbv_term(reason),
            corrective_event_ids=corrective_ids,
        )
        event = chain_append(
            lot,
            document,
            by=by,
            event_type=erroneous.event_type,
            biz_step=erroneous.biz_step,
            event_time=erroneous.event_time,
            record_time=now,
            site=erroneous.site,
            quantity_kg=erroneous.quantity_kg,
            declares_error_in=erroneous,
            event_id=builders.new_event_id(),
        )
        origin.origin_refresh(lot_ids=[lot.pk])
        return event
