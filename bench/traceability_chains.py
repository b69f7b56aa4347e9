"""The event chains of the traceability benchmark's lots, as the services write them.

Each event is the dict ``traceability.services.lots`` and ``.events`` record for that
step, built with the same builders (``traceability.events``); each is appended to its
lot's hash chain with ``canonical_hash`` over the previous hash, its sequence and the
event, and the lot's ``event_count`` and ``head_hash`` follow, so ``lot_verify`` walks
these chains as it walks the service's own. Rows are collected for ``COPY``.

Django is imported inside the functions: the script sets the environment first.
"""

import datetime
import json
import random
from decimal import Decimal

FERTILISERS = [("Phân hữu cơ vi sinh", "500 kg/ha"), ("NPK 16-16-8", "300 kg/ha")]
SPRAYS = [("Antracol 70WP", "Propineb", "2,5 g/lít"), ("Ridomil Gold", "Metalaxyl-M", "2 g/lít")]
PHI_DAYS = 7


class ChainWriter:
    """Builds a lot's events as the services would and appends them to its hash chain."""

    def __init__(self, now: datetime.datetime, rng: random.Random):
        from traceability.services.steps import biz_step_uri

        self.now = now
        self.rng = rng
        self.steps = {
            name: biz_step_uri(name)
            for name in (
                "planting",
                "fertilising",
                "spraying",
                "inspecting",
                "harvesting",
                "packing",
                "shipping",
            )
        }
        self.rows: list[tuple] = []

    def _record_time(self, event_time):
        return min(self.now, event_time + datetime.timedelta(minutes=self.rng.randint(0, 90)))

    def append(self, lot, event_type, biz_step, event_time, record_time, document, site, kg):
        from traceability.epcis import documents

        sequence = lot.event_count + 1
        digest = documents.canonical_hash(lot.head_hash, sequence, document)
        self.rows.append(
            (
                lot,
                sequence,
                document["eventID"],
                event_type,
                biz_step,
                event_time,
                record_time,
                site.pk if site is not None else None,
                kg,
                json.dumps(document, ensure_ascii=False, separators=(",", ":")),
                lot.head_hash,
                digest,
            )
        )
        lot.event_count, lot.head_hash = sequence, digest

    def object_event(self, lot, step, event_time, *, site, action="OBSERVE", kg=None, **extra):
        from traceability import events as builders
        from traceability.epcis import vocabulary

        record_time = self._record_time(event_time)
        place = builders.site_uri(site.code) if site is not None else None
        disposition = extra.pop("disposition", None)
        document = builders.object_event(
            event_id=builders.new_event_id(),
            event_time=event_time,
            record_time=record_time,
            action=action,
            biz_step=self.steps[step],
            epc_class=builders.lot_class_uri(code=lot.code, gtin=lot.gtin),
            quantity_kg=kg,
            disposition=vocabulary.cbv_term(disposition) if disposition else None,
            read_point=place,
            biz_location=place,
            **extra,
        )
        self.append(
            lot, "ObjectEvent", self.steps[step], event_time, record_time, document, site, kg
        )

    def planting(self, lot, product, area, event_time):
        from traceability import events as builders

        ilmd = {"product": product.name}
        if area is not None:
            ilmd.update(growingArea=builders.site_uri(area.code), growingAreaCode=area.code)
        if lot.best_before is not None:
            ilmd["bestBefore"] = lot.best_before.isoformat()
        self.object_event(lot, "planting", event_time, site=area, action="ADD", ilmd=ilmd)

    def care(self, lot, area, event_time):
        draw = self.rng.random()
        if draw < 0.5:
            name, dose = self.rng.choice(FERTILISERS)
            extensions = {"productName": name, "dose": dose}
            self.object_event(lot, "fertilising", event_time, site=area, extensions=extensions)
        elif draw < 0.8:
            from traceability.epcis import documents

            name, ingredient, dose = self.rng.choice(SPRAYS)
            allowed = event_time + datetime.timedelta(days=PHI_DAYS)
            extensions = {
                "productName": name,
                "activeIngredient": ingredient,
                "dose": dose,
                "preHarvestIntervalDays": PHI_DAYS,
                "harvestAllowedFrom": documents.format_event_time(allowed),
            }
            self.object_event(lot, "spraying", event_time, site=area, extensions=extensions)
        else:
            extensions = {"inspectionResult": "passed", "findings": "Đạt yêu cầu VietGAP."}
            self.object_event(lot, "inspecting", event_time, site=area, extensions=extensions)

    def harvest(self, lot, area, event_time, kg: Decimal):
        from django.utils import timezone

        from traceability import events as builders

        lot.harvest_date = timezone.localdate(event_time)
        lot.harvested_kg = lot.remaining_kg = kg
        ilmd = builders.harvest_ilmd(lot.harvest_date, area.code, kg, lot.best_before)
        self.object_event(
            lot, "harvesting", event_time, site=area, action="ADD", kg=kg, disposition="active",
            ilmd=ilmd,
        )  # fmt: skip

    def pack(self, lot, house, event_time):
        self.object_event(lot, "packing", event_time, site=house, disposition="in_progress")

    def ship(self, lot, house, event_time, kg: Decimal):
        lot.remaining_kg -= kg
        self.object_event(lot, "shipping", event_time, site=house, kg=kg, disposition="in_transit")

    def transformation(self, lot, product, house, event_time, inputs, kg: Decimal):
        from django.utils import timezone

        from traceability import events as builders

        record_time = self._record_time(event_time)
        lot.harvest_date = timezone.localdate(event_time)
        lot.harvested_kg = lot.remaining_kg = kg
        place = builders.site_uri(house.code)
        ilmd = {"product": product.name, "madeOn": lot.harvest_date.isoformat()}
        if lot.best_before is not None:
            ilmd["bestBefore"] = lot.best_before.isoformat()
        document = builders.transformation_event(
            event_id=builders.new_event_id(),
            event_time=event_time,
            record_time=record_time,
            inputs=[
                (builders.lot_class_uri(code=source.lot.code, gtin=source.lot.gtin), quantity)
                for source, quantity in inputs
            ],
            output=(builders.lot_class_uri(code=lot.code, gtin=lot.gtin), kg),
            biz_location=place,
            ilmd=ilmd,
        )
        self.append(
            lot, "TransformationEvent", document["bizStep"], event_time, record_time, document,
            house, kg,
        )  # fmt: skip


def _days(value: float) -> datetime.timedelta:
    return datetime.timedelta(days=value)


def _kg(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(rng.randint(int(low * 1000), int(high * 1000))) / 1000


def _spread(start, end, count: int, rng: random.Random) -> list:
    """``count`` increasing times between ``start`` and ``end``, to the second."""
    span = (end - start).total_seconds()
    offsets = sorted(rng.uniform(0, span) for _ in range(count))
    return [
        (start + datetime.timedelta(seconds=offset)).replace(microsecond=0) for offset in offsets
    ]


def write_chain(writer: ChainWriter, plan, number: int):
    """The lot of ``plan`` (not saved) with its events appended to ``writer``."""
    from django.utils import timezone

    from traceability.models import Lot

    rng, now = writer.rng, writer.now
    product = plan.product
    lot = Lot(
        seller_id=product.seller_id,
        product=product,
        code=f"NT{timezone.localdate(now):%y}-{number:07d}",
        growing_area=plan.area,
        packing_house=plan.house,
        gtin=product.bench_gtin,
        harvested_kg=Decimal(0),
        remaining_kg=Decimal(0),
    )
    lot.event_count, lot.head_hash = 0, ""
    plan.lot = lot
    today = timezone.localdate(now)

    if plan.kind == "processed":
        source, _kg_used = plan.inputs[0]
        made_at = source.harvested_at + _days(rng.uniform(1, 5))
        lot.best_before = today + _days(rng.randint(180, 540))
        writer.transformation(lot, product, plan.house, made_at, plan.inputs, _kg(rng, 6, 9))
        pack_at, ship_at = _spread(made_at + _days(0.1), now - _days(0.5), 2, rng)
        writer.pack(lot, plan.house, pack_at)
        writer.ship(
            lot, plan.house, ship_at, (lot.remaining_kg * Decimal("0.3")).quantize(Decimal("0.001"))
        )
        plan.harvested_at = made_at
        return lot

    if plan.kind == "long":
        start = now - _days(400)
        harvest_at = now - _days(200)
        shipments = max(0, plan.events - 3 - (plan.events * 2) // 5)
        care = plan.events - 3 - shipments
    elif plan.harvested:
        start = now - _days(rng.uniform(330, 400) if plan.expired else rng.uniform(150, 300))
        harvest_at = start + _days(rng.uniform(90, 120))
        care, shipments = plan.events - 4, 1
    else:
        start = now - _days(rng.uniform(30, 90))
        care, shipments = plan.events - 1, 0
    start = start.replace(microsecond=0)

    if plan.harvested:
        harvest_day = timezone.localdate(harvest_at)
        lot.best_before = (
            harvest_day + _days(60) if plan.expired else today + _days(rng.randint(60, 365))
        )
    writer.planting(lot, product, plan.area, start)
    care_end = harvest_at - _days(PHI_DAYS + 3) if plan.harvested else now - _days(1)
    for moment in _spread(start + _days(1), care_end, care, rng):
        writer.care(lot, plan.area, moment)
    if not plan.harvested:
        return lot
    harvested = _kg(rng, 15_000, 25_000) if plan.kind == "long" else _kg(rng, 200, 600)
    writer.harvest(lot, plan.area, harvest_at.replace(microsecond=0), harvested)
    plan.harvested_at = harvest_at
    after = _spread(harvest_at + _days(0.05), now - _days(0.5), 1 + shipments, rng)
    writer.pack(lot, plan.house, after[0])
    for moment in after[1:]:
        share = Decimal("0.0002") if plan.kind == "long" else Decimal(rng.randint(5, 30)) / 100
        writer.ship(lot, plan.house, moment, (harvested * share).quantize(Decimal("0.001")))
    return lot
