"""A small traceability world around ``roles['seller']`` for the GraphQL tests.

Built through the services (as the platform, ``by=None``), so every lot has a real chain:
an active area with a harvested lot (planted with an internal note), a packing house, a
pending, a suspended and an inspected-and-failed area, a GAP certificate, an open
violation and a second product to transform into.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from catalog.models import Product, ProductVariant
from market.core.models import ChangeRecord
from tests.factories import GrowingAreaFactory, PackingHouseFactory, ProductFactory, VariantFactory
from traceability import models
from traceability.services import audits, events, lots, sites

INTERNAL_NOTE = "Ghi chú nội bộ: lô thử nghiệm."


@dataclass
class World:
    area: models.Site
    house: models.Site
    pending_area: models.Site
    suspended_area: models.Site
    failed_area: models.Site
    product: Product
    variant: ProductVariant
    dried: Product
    lot: models.Lot
    harvest: models.TraceEvent
    certificate: models.GapCertificate
    violation: models.Violation


def build_world(seller) -> World:
    now = timezone.now()
    area = GrowingAreaFactory(seller=seller)
    house = PackingHouseFactory(seller=seller)
    pending_area = GrowingAreaFactory(seller=seller, status="pending")
    suspended_area = GrowingAreaFactory(seller=seller, status="suspended")
    failed_area = GrowingAreaFactory(seller=seller)
    product = ProductFactory(seller=seller, name="Nho xanh Phước Hậu")
    variant = VariantFactory(product=product)
    dried = ProductFactory(seller=seller, name="Nho sấy Phước Hậu")
    lot = lots.lot_create(
        by=None,
        product_id=product.pk,
        code="NT25-G0001",
        growing_area_id=area.pk,
        packing_house_id=house.pk,
        variant_ids=[variant.pk],
        event_time=now - datetime.timedelta(days=30),
        internal_note=INTERNAL_NOTE,
    )
    harvest = events.event_record(
        by=None,
        lot_id=lot.pk,
        step="harvesting",
        event_time=now - datetime.timedelta(days=1),
        quantity_kg=Decimal("120.500"),
    )
    certificate = sites.gap_certificate_add(
        by=None,
        site_id=area.pk,
        scheme="vietgap",
        number="VietGAP-TT-25-01",
        issuer="Trung tâm Chứng nhận Phù hợp",
        valid_from=timezone.localdate() - datetime.timedelta(days=100),
        valid_until=timezone.localdate() + datetime.timedelta(days=600),
    )
    inspection = audits.inspection_record(
        by=None,
        site_id=failed_area.pk,
        inspected_on=timezone.localdate(),
        inspector_name="Nguyễn Văn Kiểm",
        result="failed",
        findings="Thuốc ngoài danh mục.",
    )
    violation = inspection.violations.get()
    lot.refresh_from_db()
    ChangeRecord.objects.all().delete()
    return World(
        area=area,
        house=house,
        pending_area=pending_area,
        suspended_area=suspended_area,
        failed_area=failed_area,
        product=product,
        variant=variant,
        dried=dried,
        lot=lot,
        harvest=harvest,
        certificate=certificate,
        violation=violation,
    )
