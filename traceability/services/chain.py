"""The shared ground of a lot's event chain: who may read or write it, the checks of an
event's values (times, quantities, text), and appending one event to the chain.

Every write appends one EPCIS 2.0 event (built by ``traceability.events``) to the lot's
hash chain while the lot's row is locked (``select_for_update``), so two writers on one
lot take turns and the sequence has no gap or duplicate: ``sequence`` is the lot's
``event_count + 1``, ``previous_hash`` its ``head_hash``, and ``hash`` the canonical hash
over both and the event (``traceability.epcis.documents.canonical_hash``).

Who: the lot's seller's staff, an operator, or the platform (``by=None``: the demo loader,
tasks). Anybody else is refused with the same answer whether or not the lot exists.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from market.core.errors import NotFound, PermissionDenied
from market.core.errors import invalid as _invalid
from market.core.permissions import (
    NOT_SELLER_STAFF,
    fetch_for_seller_staff,
    is_auditor,
    is_operator,
    require_authenticated,
    seller_ids_of,
)
from traceability.epcis import documents
from traceability.models import Lot, Site, TraceEvent

# The largest quantity one event may carry, in kilograms (the column holds 12 digits).
MAX_QUANTITY_KG = Decimal("999999999.999")


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# ---------------------------------------------------------------------------
# Lookups: permission before existence

_LOT_DOES_NOT_EXIST = gettext_lazy("Lot %(id)s does not exist.")


def _may_act_for_every_seller(by) -> bool:
    return by is None or is_operator(by)


def _require_actor(by) -> None:
    """``by=None`` is the platform itself; any other caller must be signed in."""
    if by is not None:
        require_authenticated(by)


def lot_for_writer(by, lot_id, *, field: str = "lot_id", lock: bool = True) -> Lot:
    """The lot, locked, if ``by`` may write its chain (its seller's staff, an operator, the
    platform). Anybody else gets the same refusal whether or not it exists."""
    return _lot_for(by, lot_id, field=field, lock=lock, sees_all=is_operator)


def lot_for_reader(by, lot_id, *, field: str = "lot_id", lock: bool = False) -> Lot:
    """As ``lot_for_writer``, auditors also allowed (they check chains, not write them)."""
    return _lot_for(
        by,
        lot_id,
        field=field,
        lock=lock,
        sees_all=lambda user: is_auditor(user) or is_operator(user),
    )


def _lot_for(by, lot_id, *, field: str, lock: bool, sees_all) -> Lot:
    return fetch_for_seller_staff(
        Lot.objects.select_related("growing_area", "packing_house"),
        lot_id,
        by=by,
        platform=True,
        sees_all=sees_all,
        lock=lock,
        not_found=NotFound(_LOT_DOES_NOT_EXIST % {"id": lot_id}, field=field),
    )


def site_of_seller(site_id, *, seller_id: int, kind: str | None, field: str) -> Site:
    """A site of this seller (of ``kind`` when given). Another seller's site answers as a
    missing one: the caller learns nothing about codes that are not theirs."""
    queryset = Site.objects.filter(seller_id=seller_id)
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    site = queryset.filter(pk=site_id).first() if is_int(site_id) else None
    if site is None:
        if kind == Site.Kind.GROWING_AREA:
            message = _("This seller has no growing area %(id)s.")
        elif kind == Site.Kind.PACKING_HOUSE:
            message = _("This seller has no packing house %(id)s.")
        else:
            message = _("This seller has no site %(id)s.")
        raise _invalid(field, message % {"id": site_id}, "NOT_FOUND")
    return site


# ---------------------------------------------------------------------------
# Values: times, quantities, text


def check_event_time(value, *, field: str = "event_time", not_before=None) -> datetime.datetime:
    """An aware time, not in the future beyond the clock skew, not before ``not_before``."""
    if not isinstance(value, datetime.datetime):
        raise _invalid(
            field, _("Give a date and time."), "REQUIRED" if value is None else "INVALID"
        )
    if timezone.is_naive(value):
        raise _invalid(field, _("The time must carry its time zone."), "INVALID")
    skew = datetime.timedelta(seconds=settings.TRACE_EVENT_CLOCK_SKEW_SECONDS)
    if value > timezone.now() + skew:
        raise _invalid(field, _("An event cannot happen in the future."), "IN_FUTURE")
    if not_before is not None and value < not_before:
        raise _invalid(
            field,
            _("This lot's history starts at %(start)s; an event cannot come before it.")
            % {"start": timezone.localtime(not_before).strftime("%Y-%m-%d %H:%M")},
            "BEFORE_LOT",
        )
    return value


def check_quantity(value, *, field: str = "quantity_kg") -> Decimal:
    """A positive number of kilograms with at most three decimals (grams)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise _invalid(field, _("Give a number of kilograms."), "INVALID")
    try:
        quantity = Decimal(str(value))
    except InvalidOperation:
        raise _invalid(field, _("Give a number of kilograms."), "INVALID") from None
    if not quantity.is_finite() or quantity <= 0:
        raise _invalid(field, _("The quantity must be above zero."), "INVALID")
    if quantity > MAX_QUANTITY_KG or quantity != quantity.quantize(Decimal("0.001")):
        raise _invalid(
            field,
            _("At most %(maximum)s kg, to the gram.") % {"maximum": MAX_QUANTITY_KG},
            "INVALID",
        )
    return quantity.quantize(Decimal("0.001"))


def check_text(value, *, field: str, max_length: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _invalid(field, _("Must be text."), "INVALID")
    value = value.strip()
    if required and not value:
        raise _invalid(field, _("This field is required."), "REQUIRED")
    if len(value) > max_length:
        raise _invalid(field, _("At most %(count)d characters.") % {"count": max_length}, "INVALID")
    return value


def first_event_time(lot: Lot):
    return (
        TraceEvent.objects.filter(lot=lot).order_by("sequence").values_list("event_time", flat=True)
    ).first()


def event_for_writer(by, event_id, *, field: str) -> TraceEvent:
    """The event (by primary key or by its ``urn:uuid:`` column) if ``by`` may write its
    lot's chain; the same refusal as a missing one for anybody else."""
    _require_actor(by)
    if is_int(event_id):
        lookup = {"pk": event_id}
    elif isinstance(event_id, str) and event_id.startswith("urn:uuid:"):
        lookup = {"event_id": event_id}
    else:
        lookup = None
    queryset = TraceEvent.objects.all()
    if not _may_act_for_every_seller(by):
        queryset = queryset.filter(lot__seller_id__in=seller_ids_of(by))
    event = queryset.filter(**lookup).first() if lookup else None
    if event is None:
        if not _may_act_for_every_seller(by):
            raise PermissionDenied(str(NOT_SELLER_STAFF))
        raise NotFound(_("Event %(id)s does not exist.") % {"id": event_id}, field=field)
    return event


# ---------------------------------------------------------------------------
# The chain


def chain_append(
    lot: Lot,
    document: dict,
    *,
    by,
    event_type: str,
    biz_step: str,
    event_time: datetime.datetime,
    record_time: datetime.datetime,
    site: Site | None = None,
    quantity_kg: Decimal | None = None,
    declares_error_in: TraceEvent | None = None,
    event_id: str | None = None,
    lot_fields: tuple[str, ...] = (),
) -> TraceEvent:
    """Append ``document`` to the chain of ``lot``, whose row the caller has locked, and save
    the lot's new head with ``lot_fields`` (other fields the caller changed)."""
    sequence = lot.event_count + 1
    event = TraceEvent.objects.create(
        lot=lot,
        sequence=sequence,
        event_id=event_id or document["eventID"],
        event_type=event_type,
        biz_step=biz_step,
        event_time=event_time,
        record_time=record_time,
        site=site,
        quantity_kg=quantity_kg,
        declares_error_in=declares_error_in,
        document=document,
        previous_hash=lot.head_hash,
        hash=documents.canonical_hash(lot.head_hash, sequence, document),
        recorded_by=by,
    )
    lot.event_count = sequence
    lot.head_hash = event.hash
    lot.save(update_fields=["event_count", "head_hash", "updated_at", *lot_fields])
    return event
