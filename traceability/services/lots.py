"""Lots: created (planted, or made from other lots by a transformation) and verified.

Every lot's chain starts at sequence 1 with the event that brought it into being: an
ObjectEvent ADD with our own ``planting`` bizStep for a lot that grows, or the
TransformationEvent (CBV ``commissioning``) for a lot made from others. The rules of the
chain itself (who, times, locking) are ``traceability.services.chain``'s.

Sites at creation: the growing area and the packing house are the product's seller's, of
the right kind, and not revoked. A pending or suspended area may be planted (the lot is not
verified until the area is active, and harvesting needs it active); a revoked code is
finished and names nothing new.
"""

import datetime
import json
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, ProductVariant
from market.core.errors import NotFound
from market.core.errors import invalid as _invalid
from market.core.permissions import fetch_for_seller_staff
from market.core.transactions import service_transaction
from traceability import events as builders
from traceability import validators
from traceability.epcis import documents
from traceability.models import Lot, LotInput, Site, TraceEvent
from traceability.services import origin
from traceability.services.chain import (
    chain_append,
    check_event_time,
    check_quantity,
    check_text,
    is_int,
    lot_for_reader,
    site_of_seller,
)
from traceability.services.steps import biz_step_uri

MAX_TRANSFORMATION_INPUTS = 50


def _product_for_staff(by, product_id, *, field: str) -> Product:
    """The product if ``by`` may make lots of it; the same refusal otherwise, found or not."""
    return fetch_for_seller_staff(
        Product.objects.all(),
        product_id,
        by=by,
        platform=True,
        not_found=NotFound(_("Product %(id)s does not exist.") % {"id": product_id}, field=field),
    )


def _site_for_new_lot(site_id, *, seller_id: int, kind: str, field: str) -> Site | None:
    if site_id is None:
        return None
    site = site_of_seller(site_id, seller_id=seller_id, kind=kind, field=field)
    if site.status == Site.Status.REVOKED:
        raise _invalid(field, _("Code %(code)s was revoked.") % {"code": site.code}, "SITE_REVOKED")
    return site


def _check_lot_fields(*, code, best_before, gtin, gtin_is_demo) -> tuple[str, str]:
    code = check_text(code, field="code", max_length=20, required=True)
    try:
        validators.validate_lot_code(code)
    except Exception as error:  # Django's ValidationError, keyed by the service's field
        raise _invalid("code", error.messages[0], "INVALID_LOT_CODE") from None
    if Lot.objects.filter(code=code).exists():
        raise _invalid("code", _("Another lot already has this code."), "UNIQUE")
    gtin = gtin or ""
    if not isinstance(gtin, str):
        raise _invalid("gtin", _("Must be text."), "INVALID")
    try:
        validators.validate_gtin(gtin)
    except Exception as error:
        raise _invalid("gtin", error.messages[0], "INVALID_GTIN") from None
    if best_before is not None and (
        not isinstance(best_before, datetime.date) or isinstance(best_before, datetime.datetime)
    ):
        raise _invalid("best_before", _("Give a date."), "INVALID")
    if not isinstance(gtin_is_demo, bool):
        raise _invalid("gtin_is_demo", _("Must be true or false."), "INVALID")
    return code, gtin


def _insert_lot(product: Product, variants, *, by, **fields) -> Lot:
    """A new lot of ``product``'s seller, sold as ``variants``, recorded as made by ``by``."""
    lot = Lot(seller_id=product.seller_id, product=product, created_by=by, **fields)
    _save_new_lot(lot)
    if variants:
        lot.variants.set(variants)
    return lot


def _save_new_lot(lot: Lot) -> None:
    try:
        with transaction.atomic():
            lot.save()
    except IntegrityError:
        if not Lot.objects.filter(code=lot.code).exists():
            raise
        raise _invalid("code", _("Another lot already has this code."), "UNIQUE") from None


@service_transaction
def lot_create(
    *,
    by,
    product_id: int,
    code: str,
    growing_area_id: int | None = None,
    packing_house_id: int | None = None,
    variant_ids=(),
    best_before: datetime.date | None = None,
    gtin: str = "",
    gtin_is_demo: bool = False,
    event_time: datetime.datetime | None = None,
    internal_note: str = "",
) -> Lot:
    """A new lot, planted at ``event_time`` (now by default) on its growing area.

    ``by``: staff of the product's seller, an operator, or the platform (``by=None``).
    """
    product = _product_for_staff(by, product_id, field="product_id")
    code, gtin = _check_lot_fields(
        code=code, best_before=best_before, gtin=gtin, gtin_is_demo=gtin_is_demo
    )
    area = _site_for_new_lot(
        growing_area_id,
        seller_id=product.seller_id,
        kind=Site.Kind.GROWING_AREA,
        field="growing_area_id",
    )
    house = _site_for_new_lot(
        packing_house_id,
        seller_id=product.seller_id,
        kind=Site.Kind.PACKING_HOUSE,
        field="packing_house_id",
    )
    variants = _variants_of(product, variant_ids)
    now = timezone.now()
    planted_at = check_event_time(event_time if event_time is not None else now)
    note = check_text(internal_note, field="internal_note", max_length=2000, required=False)

    lot = _insert_lot(
        product,
        variants,
        by=by,
        code=code,
        growing_area=area,
        packing_house=house,
        best_before=best_before,
        gtin=gtin,
        gtin_is_demo=gtin_is_demo,
    )
    place = builders.site_uri(area.code) if area is not None else None
    ilmd = {"product": product.name}
    if area is not None:
        ilmd.update(growingArea=place, growingAreaCode=area.code)
    if best_before is not None:
        ilmd["bestBefore"] = best_before.isoformat()
    biz_step = biz_step_uri("planting")
    document = builders.object_event(
        event_id=builders.new_event_id(),
        event_time=planted_at,
        record_time=now,
        action="ADD",
        biz_step=biz_step,
        epc_class=builders.lot_class_uri(code=lot.code, gtin=lot.gtin),
        read_point=place,
        biz_location=place,
        ilmd=ilmd,
        internal_note=note,
    )
    chain_append(
        lot,
        document,
        by=by,
        event_type=TraceEvent.Type.OBJECT,
        biz_step=biz_step,
        event_time=planted_at,
        record_time=now,
        site=area,
    )
    origin.origin_refresh(lot_ids=[lot.pk])
    lot.refresh_from_db(fields=["origin_verified", "origin_problems"])
    return lot


def _variants_of(product: Product, variant_ids) -> list[ProductVariant]:
    if variant_ids is None:
        return []
    ids = list(variant_ids)
    if not all(is_int(pk) for pk in ids):
        raise _invalid("variant_ids", _("Give variant IDs."), "INVALID")
    found = {v.pk: v for v in ProductVariant.objects.filter(product=product, pk__in=ids)}
    for index, pk in enumerate(ids):
        if pk not in found:
            raise _invalid(
                f"variant_ids.{index}",
                _("Product %(product)s has no variant %(id)s.") % {"product": product.pk, "id": pk},
                "NOT_FOUND",
            )
    return list(found.values())


# ---------------------------------------------------------------------------
# Transformations


def _check_inputs(inputs) -> list[tuple[int, Decimal]]:
    if not isinstance(inputs, list | tuple) or not inputs:
        raise _invalid("inputs", _("Name the lots this one is made from."), "REQUIRED")
    if len(inputs) > MAX_TRANSFORMATION_INPUTS:
        raise _invalid(
            "inputs",
            _("At most %(count)d input lots.") % {"count": MAX_TRANSFORMATION_INPUTS},
            "INVALID",
        )
    cleaned: list[tuple[int, Decimal]] = []
    seen: set[int] = set()
    for index, item in enumerate(inputs):
        if not isinstance(item, dict) or not is_int(item.get("lot_id")):
            raise _invalid(f"inputs.{index}.lot_id", _("Give a lot ID."), "INVALID")
        lot_id = item["lot_id"]
        if lot_id in seen:
            raise _invalid(f"inputs.{index}.lot_id", _("This lot is named twice."), "DUPLICATE")
        seen.add(lot_id)
        quantity = check_quantity(item.get("quantity_kg"), field=f"inputs.{index}.quantity_kg")
        cleaned.append((lot_id, quantity))
    return cleaned


@service_transaction
def lot_transform(
    *,
    by,
    output_product_id: int,
    code: str,
    inputs,
    output_quantity_kg,
    event_time: datetime.datetime,
    packing_house_id: int | None = None,
    best_before: datetime.date | None = None,
    gtin: str = "",
    gtin_is_demo: bool = False,
    variant_ids=(),
    internal_note: str = "",
) -> Lot:
    """A lot of ``output_product_id`` made from input lots of the same seller.

    ``inputs`` are ``{"lot_id", "quantity_kg"}``; each input's remaining kilograms go down
    by its quantity (never below zero). Input lots are locked in id order, as every other
    writer that locks several lots does, so two transformations cannot deadlock. The
    TransformationEvent is the first event of the new lot's chain; the input lots' use of it
    is recorded as ``LotInput`` rows pointing at it.
    """
    product = _product_for_staff(by, output_product_id, field="output_product_id")
    items = _check_inputs(inputs)
    output_quantity = check_quantity(output_quantity_kg, field="output_quantity_kg")
    code, gtin = _check_lot_fields(
        code=code, best_before=best_before, gtin=gtin, gtin_is_demo=gtin_is_demo
    )
    house = _site_for_new_lot(
        packing_house_id,
        seller_id=product.seller_id,
        kind=Site.Kind.PACKING_HOUSE,
        field="packing_house_id",
    )
    variants = _variants_of(product, variant_ids)
    made_at = check_event_time(event_time)
    made_on = timezone.localdate(made_at)
    if best_before is not None and best_before < made_on:
        raise _invalid(
            "best_before", _("The best-before date cannot come before the making."), "INVALID"
        )
    note = check_text(internal_note, field="internal_note", max_length=2000, required=False)

    wanted = dict(items)
    sources = {
        lot.pk: lot
        for lot in Lot.objects.select_for_update()
        .filter(pk__in=wanted, seller_id=product.seller_id)
        .order_by("pk")
    }
    for index, (lot_id, quantity) in enumerate(items):
        source = sources.get(lot_id)
        if source is None:
            # Another seller's lot answers as a missing one.
            raise _invalid(
                f"inputs.{index}.lot_id",
                _("This seller has no lot %(id)s.") % {"id": lot_id},
                "NOT_FOUND",
            )
        if quantity > source.remaining_kg:
            raise _invalid(
                f"inputs.{index}.quantity_kg",
                _("Only %(left)s kg of lot %(code)s are left.")
                % {"left": source.remaining_kg, "code": source.code},
                "QUANTITY_EXCEEDED",
            )

    lot = _insert_lot(
        product,
        variants,
        by=by,
        code=code,
        packing_house=house,
        harvest_date=made_on,
        harvested_kg=output_quantity,
        remaining_kg=output_quantity,
        best_before=best_before,
        gtin=gtin,
        gtin_is_demo=gtin_is_demo,
    )
    now = timezone.now()
    place = builders.site_uri(house.code) if house is not None else None
    ilmd = {"product": product.name, "madeOn": made_on.isoformat()}
    if best_before is not None:
        ilmd["bestBefore"] = best_before.isoformat()
    document = builders.transformation_event(
        event_id=builders.new_event_id(),
        event_time=made_at,
        record_time=now,
        inputs=[
            (builders.lot_class_uri(code=sources[pk].code, gtin=sources[pk].gtin), quantity)
            for pk, quantity in items
        ],
        output=(builders.lot_class_uri(code=lot.code, gtin=lot.gtin), output_quantity),
        biz_location=place,
        ilmd=ilmd,
        internal_note=note,
    )
    event = chain_append(
        lot,
        document,
        by=by,
        event_type=TraceEvent.Type.TRANSFORMATION,
        biz_step=document["bizStep"],
        event_time=made_at,
        record_time=now,
        site=house,
        quantity_kg=output_quantity,
    )
    LotInput.objects.bulk_create(
        [
            LotInput(lot=lot, source_id=pk, quantity_kg=quantity, event=event)
            for pk, quantity in items
        ]
    )
    for pk, quantity in items:
        Lot.objects.filter(pk=pk).update(remaining_kg=F("remaining_kg") - quantity)
    origin.origin_refresh(lot_ids=[*wanted, lot.pk])
    lot.refresh_from_db(fields=["origin_verified", "origin_problems"])
    return lot


# ---------------------------------------------------------------------------
# Verification

# Rows read from the database per round trip while walking a chain.
VERIFY_CHUNK_SIZE = 2000


_EVENTS = connection.ops.quote_name(TraceEvent._meta.db_table)
# The document as its text, parsed once here: the ORM's converters cost more per row than
# the parse itself. The (lot_id, sequence) unique index gives the rows in order.
_CHAIN_ROWS_SQL = (
    f"SELECT sequence, previous_hash, hash, CAST(document AS TEXT) FROM {_EVENTS} "  # noqa: S608
    "WHERE lot_id = %s ORDER BY sequence"
)


def _chain_rows(cursor, lot_id: int):
    """``(sequence, previous_hash, hash, event_dict)`` of the lot's events in chain order,
    read ``VERIFY_CHUNK_SIZE`` at a time from a server-side cursor."""
    cursor.execute(_CHAIN_ROWS_SQL, [lot_id])
    while chunk := cursor.fetchmany(VERIFY_CHUNK_SIZE):
        for sequence, previous_hash, hash_, document in chunk:
            yield sequence, previous_hash, hash_, json.loads(document)


class _Walk:
    """The chain's rows as they stream past, remembering how many and the last hash."""

    def __init__(self, rows):
        self._rows = rows
        self.count = 0
        self.last_hash = ""

    def __iter__(self):
        for row in self._rows:
            self.count += 1
            self.last_hash = row[2]
            yield row


@service_transaction
def lot_verify(*, lot_id: int, by=None):
    """Walk the lot's chain; return its first broken link (``documents.verify_chain``'s
    answer: the sequence and why) or ``None`` when every link holds.

    ``by``: the lot's seller's staff, an auditor, an operator, or the platform (``None``).
    Sets ``chain_checked_at``; ``chain_broken_at`` is set when the walk finds a break (kept
    from the first walk that found it) and cleared when it finds none. The rows are read as
    tuples in chunks: no model objects, no query per row. A chain that verifies but ends
    before the lot's recorded head (its last events deleted) is broken at the first missing
    sequence.
    """
    lot = lot_for_reader(by, lot_id, lock=True)
    with connection.chunked_cursor() as cursor:
        walked = _Walk(_chain_rows(cursor, lot.pk))
        broken = documents.verify_chain(walked)
    if broken is None and (walked.count, walked.last_hash) != (lot.event_count, lot.head_hash):
        # The rows that are left link up, but the lot's head says more were recorded.
        broken = documents.BrokenLink(sequence=walked.count + 1, why="WRONG_SEQUENCE")
    now = timezone.now()
    was_broken = lot.chain_broken_at is not None
    lot.chain_checked_at = now
    if broken is not None:
        lot.chain_broken_at = lot.chain_broken_at or now
    else:
        lot.chain_broken_at = None
    lot.save(update_fields=["chain_checked_at", "chain_broken_at", "updated_at"])
    if was_broken != (broken is not None):
        origin.origin_refresh(lot_ids=[lot.pk])
    return broken
