"""Demo traceability: growing areas, packing houses, lots and their event chains.

Unlike the catalog part of the demo, which is seed data written through the ORM, every
row here goes through the traceability services (``site_register``, ``site_approve``,
``gap_certificate_add``, ``lot_create``, ``event_record``, ``lot_transform``,
``site_suspend``) as the platform (``by=None``) or, for the decisions, as the demo
auditor: the chains are real hash chains, the quantities obey the same rules as anyone's,
and the verified-origin flags are the services' own. ``data/traceability.json`` gives the
records; every time in it is a number of days before the day of loading, so a fresh load
always shows recent harvests and best-before dates still ahead.

Idempotence is by code: a site or a lot whose code exists is left as it is (an append-only
chain is never rewritten), and only what is new is counted. So an area is suspended
only by the load that registered it, after its lots were harvested (nothing may be
harvested from a suspended area).

Demo GTINs use GS1 prefix 952, which GS1 reserves for demonstrations and examples and
never allocates to a company: they cannot collide with a real trade item's GTIN (GS1
Vietnam's 893 is allocated to real companies; the restricted-circulation prefixes 02 and
20 to 29 mean variable-measure or in-store numbers to scanners and retailers). Each is
``0`` (indicator) + ``952`` + a nine-digit demo item number + the check digit from
python-stdnum, and the lot says ``gtin_is_demo``.

``trace_delete`` removes the demo's own traceability rows (codes ``DEMO-`` of the demo
sellers and products) for ``load_demo --reset``, with the append-only triggers lifted for
that one transaction (``market.core.append_only.append_only_lifted``).
"""

import datetime
import json
from decimal import Decimal
from pathlib import Path

from django.db import ProgrammingError
from django.db.models import Q
from django.utils import timezone
from stdnum import ean

from catalog.models import Product, ProductVariant
from market.core.append_only import append_only_lifted
from market.core.slugs import slugify_name
from market.demo.files import DATA_DIR, DemoDataError
from market.sellers.models import Seller
from traceability.models import (
    AuditEntry,
    GapCertificate,
    Inspection,
    Lot,
    LotInput,
    Site,
    SiteStatusChange,
    Spraying,
    TraceEvent,
    Violation,
)
from traceability.services import events, lots, sites

TRACEABILITY_JSON = DATA_DIR / "traceability.json"
DEMO_CODE_PREFIX = "DEMO-"
# GS1 prefix 952: "used for demonstrations and examples of the GS1 system".
DEMO_GTIN_PREFIX = "0952"
TRACE_KINDS = ("growing_areas", "packing_houses", "gap_certificates", "lots", "trace_events")
APPEND_ONLY_TABLES = (
    TraceEvent._meta.db_table,
    SiteStatusChange._meta.db_table,
    AuditEntry._meta.db_table,
)


def read_traceability(path: Path = TRACEABILITY_JSON) -> dict:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def demo_gtin(item: int) -> str:
    """The GTIN-14 of demo item ``item``: 0, GS1's demo prefix 952, the item, the check."""
    body = f"{DEMO_GTIN_PREFIX}{item:09d}"
    return body + ean.calc_check_digit(body)


def _at(today: datetime.date, days_ago: int, hour: int) -> datetime.datetime:
    day = today - datetime.timedelta(days=days_ago)
    return datetime.datetime.combine(
        day, datetime.time(hour, 0), tzinfo=timezone.get_current_timezone()
    )


class _Loader:
    def __init__(self, data: dict, tally, auditor):
        self.data = data
        self.tally = tally
        self.auditor = auditor
        self.today = timezone.localdate()
        self.sites: dict[str, Site] = {}
        self.lots: dict[str, Lot] = {}
        self.new_sites: list[tuple[Site, dict]] = []

    def run(self) -> None:
        for entry in self.data["sites"]:
            self._site(entry)
        for entry in self.data["lots"]:
            self._lot(entry)
        for entry in self.data["transformations"]:
            self._transformation(entry)
        # Last: a suspended area takes no harvest, and its lots' flags follow it.
        for site, entry in self.new_sites:
            if entry.get("suspend"):
                sites.site_suspend(by=self.auditor, site_id=site.pk, reason=entry["suspend"])

    def _site(self, entry: dict) -> None:
        kind_tally = (
            "growing_areas" if entry["kind"] == Site.Kind.GROWING_AREA else "packing_houses"
        )
        site = Site.objects.filter(code=entry["code"]).first()
        created = site is None
        if created:
            seller = Seller.objects.get(name=entry["seller"])
            site = sites.site_register(
                by=None,
                seller_id=seller.pk,
                kind=entry["kind"],
                code=entry["code"],
                name=entry["name"],
                crops=entry.get("crops", ()),
                area_hectares=entry.get("area_hectares"),
                street=entry.get("street", ""),
                ward=entry["ward"],
                former_district=entry.get("former_district", ""),
                latitude=entry["latitude"],
                longitude=entry["longitude"],
                boundary=entry.get("boundary"),
            )
            site = sites.site_approve(by=self.auditor, site_id=site.pk)
            self.new_sites.append((site, entry))
        self.tally.add(kind_tally, created)
        self.sites[site.code] = site
        for certificate in entry.get("gap_certificates", ()):
            exists = GapCertificate.objects.filter(
                scheme=certificate["scheme"], number=certificate["number"]
            ).exists()
            if not exists:
                sites.gap_certificate_add(
                    by=None,
                    site_id=site.pk,
                    scheme=certificate["scheme"],
                    number=certificate["number"],
                    issuer=certificate["issuer"],
                    valid_from=self.today
                    - datetime.timedelta(days=certificate["valid_from_days_ago"]),
                    valid_until=self.today
                    + datetime.timedelta(days=certificate["valid_until_days_ahead"]),
                )
            self.tally.add("gap_certificates", not exists)

    def _product(self, name: str) -> Product:
        # The catalog part of the demo names its products' slugs so.
        return Product.objects.get(slug=slugify_name(name))

    def _variant_ids(self, product: Product, skus) -> list[int]:
        return list(
            ProductVariant.objects.filter(product=product, sku__in=skus).values_list(
                "pk", flat=True
            )
        )

    def _existing(self, code: str) -> Lot | None:
        lot = Lot.objects.filter(code=code).first()
        if lot is not None:
            self.tally.add("lots", False)
            self.tally.present["trace_events"] += lot.event_count
            self.lots[code] = lot
        return lot

    def _lot(self, entry: dict) -> None:
        if self._existing(entry["code"]) is not None:
            return
        product = self._product(entry["product"])
        steps = entry["events"]
        planting, later = steps[0], steps[1:]
        if planting["step"] != "planting":
            raise DemoDataError(f"Lot {entry['code']}: the first event must be the planting.")
        harvest = next(step for step in later if step["step"] == "harvesting")
        harvested_on = _at(self.today, harvest["days_ago"], harvest["hour"]).date()
        best_before = harvested_on + datetime.timedelta(
            days=entry["best_before_days_after_harvest"]
        )
        lot = lots.lot_create(
            by=None,
            product_id=product.pk,
            code=entry["code"],
            growing_area_id=self.sites[entry["growing_area"]].pk,
            packing_house_id=self.sites[entry["packing_house"]].pk,
            variant_ids=self._variant_ids(product, entry.get("variants", ())),
            best_before=best_before,
            gtin=demo_gtin(entry["gtin_item"]) if "gtin_item" in entry else "",
            gtin_is_demo="gtin_item" in entry,
            event_time=_at(self.today, planting["days_ago"], planting["hour"]),
        )
        self.tally.add("lots", True)
        self.tally.add("trace_events", True)
        self._events(lot, later)
        self.lots[lot.code] = lot

    def _transformation(self, entry: dict) -> None:
        if self._existing(entry["code"]) is not None:
            return
        product = self._product(entry["product"])
        made_at = _at(self.today, entry["days_ago"], entry["hour"])
        lot = lots.lot_transform(
            by=None,
            output_product_id=product.pk,
            code=entry["code"],
            inputs=[
                {"lot_id": self.lots[item["lot"]].pk, "quantity_kg": item["quantity_kg"]}
                for item in entry["inputs"]
            ],
            output_quantity_kg=entry["output_quantity_kg"],
            event_time=made_at,
            packing_house_id=self.sites[entry["packing_house"]].pk,
            best_before=made_at.date()
            + datetime.timedelta(days=entry["best_before_days_after_making"]),
            gtin=demo_gtin(entry["gtin_item"]) if "gtin_item" in entry else "",
            gtin_is_demo="gtin_item" in entry,
            variant_ids=self._variant_ids(product, entry.get("variants", ())),
        )
        self.tally.add("lots", True)
        self.tally.add("trace_events", True)
        self._events(lot, entry.get("events", ()))
        self.lots[lot.code] = lot

    def _events(self, lot: Lot, steps) -> None:
        for step in steps:
            details = None
            if step["step"] == "spraying":
                details = dict(self.data["sprayings"][step["spraying"]])
            events.event_record(
                by=None,
                lot_id=lot.pk,
                step=step["step"],
                event_time=_at(self.today, step["days_ago"], step["hour"]),
                quantity_kg=Decimal(step["quantity_kg"]) if "quantity_kg" in step else None,
                details=details,
            )
            self.tally.add("trace_events", True)


def trace_load(*, tally, auditor, data: dict | None = None) -> list[int]:
    """Load the demo's traceability; returns the ids of the products it has lots of."""
    loader = _Loader(data or read_traceability(), tally, auditor)
    loader.run()
    return sorted({lot.product_id for lot in loader.lots.values()})


def trace_delete(*, seller_slugs) -> None:
    """Delete the demo's own traceability rows, append-only ones included.

    Only sites and lots whose code starts with ``DEMO-`` and that belong to the demo's
    sellers go, with what hangs on them (events, sprayings, inputs, certificates, status
    history, audit entries, inspections and violations of those sites or lots). A row
    outside the demo that still points at one of them (a lot of someone's own code on a
    demo area) makes the delete fail with ``ProtectedError``, as the catalog's does.
    """
    demo_sites = Site.objects.filter(
        code__startswith=DEMO_CODE_PREFIX, seller__slug__in=seller_slugs
    )
    demo_lots = Lot.objects.filter(code__startswith=DEMO_CODE_PREFIX, seller__slug__in=seller_slugs)
    if not demo_sites.exists() and not demo_lots.exists():
        return
    try:
        with append_only_lifted(APPEND_ONLY_TABLES):
            AuditEntry.objects.filter(site__in=demo_sites).delete()
            Violation.objects.filter(Q(site__in=demo_sites) | Q(lot__in=demo_lots)).delete()
            Inspection.objects.filter(site__in=demo_sites).delete()
            Spraying.objects.filter(Q(area__in=demo_sites) | Q(event__lot__in=demo_lots)).delete()
            LotInput.objects.filter(Q(lot__in=demo_lots) | Q(source__in=demo_lots)).delete()
            demo_events = TraceEvent.objects.filter(lot__in=demo_lots)
            # Error declarations point at the events they declare (PROTECT): they go first.
            demo_events.filter(declares_error_in__isnull=False).delete()
            demo_events.delete()
            demo_lots.delete()
            # Certificates and the status history go with their site.
            demo_sites.delete()
    except ProgrammingError as error:
        raise DemoDataError(
            "Cannot reset the demo's traceability rows: their event tables are append-only "
            "and lifting that for the reset needs the database user that owns the tables "
            f"(the one that ran the migrations). The database said: {error}"
        ) from error
