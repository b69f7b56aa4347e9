"""Lots with real histories for the resolver's tests, recorded through the services.

A fresh grape lot grows on an active area with a VietGAP certificate, is sprayed (outside
its pre-harvest interval), harvested, packed and shipped, with an internal note on its
harvest; a dried-grape lot is made from two fresh lots of two areas.
"""

import datetime
from decimal import Decimal

from django.utils import timezone
from stdnum import ean

from tests.factories import (
    GrowingAreaFactory,
    OcopCertificateFactory,
    PackingHouseFactory,
    ProductFactory,
    SellerFactory,
)
from traceability.models import GapCertificate, Lot
from traceability.services.events import event_record
from traceability.services.lots import lot_create, lot_transform

INTERNAL_NOTE = "Ghi chú nội bộ: giá nhập 12.000 đ/kg, đừng công bố"
PRODUCT_NAME = "Nho xanh Ninh Thuận NH01-48"
DRIED_NAME = "Nho sấy dẻo Ninh Thuận"


def gtin14(body: str) -> str:
    """A GTIN-14 from 13 digits, with its GS1 check digit."""
    return body + ean.calc_check_digit(body)


def _days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def fresh_lot(*, seller=None, code="NT25-NHO-0001", gtin="", area=None, house=None, product=None):
    """A harvested, packed and shipped lot of fresh grapes."""
    seller = seller or SellerFactory(name="HTX Nho Phước Hậu")
    area = area or GrowingAreaFactory(seller=seller, name="Vùng nho Phước Hậu")
    house = house or PackingHouseFactory(seller=seller, name="Cơ sở đóng gói An Hải")
    product = product or ProductFactory(seller=seller, name=PRODUCT_NAME)
    GapCertificate.objects.get_or_create(
        site=area,
        scheme=GapCertificate.Scheme.VIETGAP,
        number=f"VietGAP-TT-{area.pk:04d}",
        defaults={
            "issuer": "Trung tâm Chứng nhận Phù hợp",
            "valid_from": timezone.localdate() - datetime.timedelta(days=200),
            "valid_until": timezone.localdate() + datetime.timedelta(days=500),
        },
    )
    lot = lot_create(
        by=None,
        product_id=product.pk,
        code=code,
        growing_area_id=area.pk,
        packing_house_id=house.pk,
        best_before=timezone.localdate() + datetime.timedelta(days=20),
        gtin=gtin,
        event_time=_days_ago(60),
    )
    event_record(
        by=None,
        lot_id=lot.pk,
        step="spraying",
        event_time=_days_ago(30),
        details={
            "product_name": "Score 250EC",
            "active_ingredient": "Difenoconazole",
            "dose": "0,5 ml/lít",
            "pre_harvest_interval_days": 7,
        },
    )
    event_record(
        by=None,
        lot_id=lot.pk,
        step="harvesting",
        event_time=_days_ago(3),
        quantity_kg=Decimal("120"),
        internal_note=INTERNAL_NOTE,
    )
    event_record(by=None, lot_id=lot.pk, step="packing", event_time=_days_ago(2), site_id=house.pk)
    event_record(
        by=None, lot_id=lot.pk, step="shipping", event_time=_days_ago(1), quantity_kg=Decimal("20")
    )
    return Lot.objects.get(pk=lot.pk)


def dried_lot(*, code="NT25-SAY-0001", gtin=""):
    """Dried grapes made from two fresh lots grown on two areas of one seller."""
    seller = SellerFactory(name="HTX Nho sấy Thái An")
    house = PackingHouseFactory(seller=seller, name="Xưởng sấy Thái An")
    first = fresh_lot(seller=seller, code=code + "-A", house=house)
    second = fresh_lot(
        seller=seller,
        code=code + "-B",
        house=house,
        area=GrowingAreaFactory(seller=seller, name="Vùng nho Nhơn Hải", ward="Xã Nhơn Hải"),
        product=first.product,
    )
    dried = ProductFactory(seller=seller, name=DRIED_NAME)
    OcopCertificateFactory(product=dried, stars=4)
    lot = lot_transform(
        by=None,
        output_product_id=dried.pk,
        code=code,
        inputs=[
            {"lot_id": first.pk, "quantity_kg": Decimal("40")},
            {"lot_id": second.pk, "quantity_kg": Decimal("35")},
        ],
        output_quantity_kg=Decimal("15"),
        event_time=_days_ago(0.5),
        packing_house_id=house.pk,
        best_before=timezone.localdate() + datetime.timedelta(days=180),
        gtin=gtin,
    )
    return Lot.objects.get(pk=lot.pk), first, second
