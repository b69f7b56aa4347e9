"""The verified-origin caches: every reason, propagation through transformations to
products and the outbox, reinstating, expiry, and a cost that does not grow with lots."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Product
from market.core.models import ChangeRecord
from tests.factories import GrowingAreaFactory, PackingHouseFactory, ProductFactory
from tests.traceability.trace_setup import harvested_lot, made_from
from traceability import selectors, tasks
from traceability.models import Lot, Violation
from traceability.services import audits, sites
from traceability.services.origin import origin_refresh, origin_refresh_for_sites

pytestmark = pytest.mark.django_db


def problems(lot) -> list[str]:
    lot.refresh_from_db()
    return lot.origin_problems


def product_ids_recorded() -> set[int]:
    return set(ChangeRecord.objects.filter(topic="product").values_list("object_id", flat=True))


def test_a_harvested_lot_of_an_active_area_is_verified_and_so_is_its_product():
    lot = harvested_lot()
    assert lot.origin_verified
    assert lot.origin_problems == []
    lot.product.refresh_from_db()
    assert lot.product.origin_verified
    assert lot.product_id in product_ids_recorded()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"harvested_kg": Decimal("0"), "remaining_kg": Decimal("0")}, ["NOT_HARVESTED"]),
        ({"growing_area": None}, ["NO_AREA"]),
        ({"best_before": datetime.date(2020, 1, 1)}, ["EXPIRED"]),
        ({"chain_broken_at": datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)}, ["CHAIN_BROKEN"]),
    ],
)
def test_each_reason_of_the_lot_itself(fields, expected):
    if fields.get("growing_area", "") is None:
        fields["seller"] = GrowingAreaFactory().seller
    lot = harvested_lot(**fields)
    assert (lot.origin_verified, lot.origin_problems) == (False, expected)


@pytest.mark.parametrize("status", ["pending", "suspended", "revoked"])
def test_an_area_or_packing_house_not_active_is_a_reason(status):
    area = GrowingAreaFactory(status=status)
    house = PackingHouseFactory(seller=area.seller, status=status)
    lot = harvested_lot(growing_area=area, packing_house=house)
    assert lot.origin_problems == [f"AREA_{status.upper()}", f"PACKING_HOUSE_{status.upper()}"]


def test_best_before_today_is_not_expired():
    lot = harvested_lot(best_before=timezone.localdate())
    assert lot.origin_verified


def test_open_violations_of_the_lot_or_of_its_area_are_reasons_and_closing_restores(roles):
    lot = harvested_lot()
    other = harvested_lot(growing_area=lot.growing_area, seller=lot.seller)
    of_lot = audits.violation_open(
        site=lot.growing_area, kind=Violation.Kind.PRE_HARVEST_INTERVAL, lot=lot
    )
    assert problems(lot) == ["OPEN_VIOLATION"]
    assert problems(other) == []
    of_area = audits.violation_open(site=lot.growing_area, kind=Violation.Kind.FAILED_INSPECTION)
    assert problems(lot) == ["OPEN_VIOLATION"]
    assert problems(other) == ["OPEN_VIOLATION"]
    assert selectors.lots_with_open_violations().count() == 2
    audits.violation_close(by=roles["auditor"], violation_id=of_area.pk, note="Đã tái kiểm tra")
    assert problems(lot) == ["OPEN_VIOLATION"]
    assert problems(other) == []
    audits.violation_close(by=roles["auditor"], violation_id=of_lot.pk, note="Đã hủy lô")
    assert problems(lot) == []
    assert problems(other) == []


def test_inputs_pass_on_their_areas_and_violations():
    fresh_a, fresh_b = harvested_lot(), harvested_lot()
    dried = made_from([fresh_a, fresh_b])
    assert dried.origin_verified
    fresh_a.growing_area.status = "suspended"
    fresh_a.growing_area.save()
    origin_refresh(lot_ids=[fresh_a.pk])
    assert problems(fresh_a) == ["AREA_SUSPENDED"]
    assert problems(dried) == ["INPUT_AREA_SUSPENDED"]
    assert problems(fresh_b) == []
    audits.violation_open(
        site=fresh_b.growing_area, kind=Violation.Kind.PRE_HARVEST_INTERVAL, lot=fresh_b
    )
    assert problems(dried) == ["INPUT_AREA_SUSPENDED", "INPUT_OPEN_VIOLATION"]


def test_a_product_is_verified_while_one_verified_lot_has_quantity_left():
    product = ProductFactory()
    area = GrowingAreaFactory(seller=product.seller)
    empty = harvested_lot(product=product, growing_area=area, remaining_kg=Decimal("0"))
    product.refresh_from_db()
    assert empty.origin_verified
    assert not product.origin_verified
    harvested_lot(product=product, growing_area=area)
    product.refresh_from_db()
    assert product.origin_verified


def setup_suspension():
    """An area with two products' lots, a dried product made from one, and bystanders."""
    area = GrowingAreaFactory()
    grapes = ProductFactory(seller=area.seller)
    shallots = ProductFactory(seller=area.seller)
    dried = ProductFactory(seller=area.seller)
    untouched = ProductFactory(seller=area.seller)
    also_elsewhere = ProductFactory(seller=area.seller)
    elsewhere = GrowingAreaFactory(seller=area.seller)
    lots = {
        "grapes": harvested_lot(growing_area=area, product=grapes),
        "shallots": harvested_lot(growing_area=area, product=shallots),
        "untouched": harvested_lot(growing_area=elsewhere, product=untouched),
        "both_a": harvested_lot(growing_area=area, product=also_elsewhere),
        "both_b": harvested_lot(growing_area=elsewhere, product=also_elsewhere),
    }
    lots["dried"] = made_from([lots["grapes"], lots["untouched"]], product=dried)
    lots["dried_twice"] = made_from([lots["dried"]], product=dried)
    products = {
        "grapes": grapes,
        "shallots": shallots,
        "dried": dried,
        "untouched": untouched,
        "also_elsewhere": also_elsewhere,
    }
    ChangeRecord.objects.all().delete()
    return area, lots, products


def test_suspension_reaches_every_lot_from_the_area_and_made_from_them(
    roles, django_capture_on_commit_callbacks
):
    area, lots, products = setup_suspension()
    with django_capture_on_commit_callbacks(execute=False):
        sites.site_suspend(by=roles["auditor"], site_id=area.pk, reason="Dư lượng vượt mức")
    verified = {name: Lot.objects.get(pk=lot.pk).origin_verified for name, lot in lots.items()}
    assert verified == {
        "grapes": False,
        "shallots": False,
        "both_a": False,
        "dried": False,
        "dried_twice": False,
        "untouched": True,
        "both_b": True,
    }
    assert problems(lots["dried_twice"]) == ["INPUT_AREA_SUSPENDED"]
    flags = dict(Product.objects.values_list("pk", "origin_verified"))
    assert {name: flags[p.pk] for name, p in products.items()} == {
        "grapes": False,
        "shallots": False,
        "dried": False,
        "untouched": True,
        "also_elsewhere": True,
    }
    # Change records for exactly the products whose flag changed.
    lost = {products[name].pk for name in ("grapes", "shallots", "dried")}
    assert product_ids_recorded() == lost

    ChangeRecord.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False):
        sites.site_reinstate(by=roles["auditor"], site_id=area.pk, reason="Đã khắc phục")
    assert all(Lot.objects.get(pk=lot.pk).origin_verified for lot in lots.values())
    assert all(Product.objects.filter(origin_verified=True, pk=p.pk) for p in products.values())
    assert product_ids_recorded() == lost


def test_revocation_is_the_same_and_final(roles, django_capture_on_commit_callbacks):
    area, lots, products = setup_suspension()
    with django_capture_on_commit_callbacks(execute=False):
        sites.site_revoke(by=roles["auditor"], site_id=area.pk, reason="Gian lận hồ sơ")
    assert problems(lots["dried"]) == ["INPUT_AREA_REVOKED"]
    products["grapes"].refresh_from_db()
    assert not products["grapes"].origin_verified


def test_a_refresh_that_changes_nothing_records_nothing():
    area, _lots, _ = setup_suspension()
    origin_refresh_for_sites(site_ids=[area.pk])
    assert product_ids_recorded() == set()


def test_a_failed_inspection_unverifies_the_area_lots_until_closed(roles):
    area, lots, _products = setup_suspension()
    inspection = audits.inspection_record(
        by=roles["auditor"],
        site_id=area.pk,
        inspected_on=timezone.localdate(),
        inspector_name="Nguyễn Văn An",
        result="failed",
        findings="Phát hiện thuốc ngoài danh mục",
    )
    assert problems(lots["grapes"]) == ["OPEN_VIOLATION"]
    assert problems(lots["dried"]) == ["INPUT_OPEN_VIOLATION"]
    violation = Violation.objects.get(inspection=inspection)
    audits.violation_close(by=roles["auditor"], violation_id=violation.pk, note="Đã khắc phục")
    assert problems(lots["grapes"]) == []
    assert problems(lots["dried"]) == []


def test_the_daily_task_marks_lots_whose_best_before_passed(monkeypatch):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    lots = [harvested_lot(best_before=timezone.localdate()) for _ in range(3)]
    fresh = harvested_lot(best_before=timezone.localdate() + datetime.timedelta(days=30))
    assert all(lot.origin_verified for lot in lots)
    Lot.objects.filter(pk__in=[lot.pk for lot in lots]).update(best_before=yesterday)
    monkeypatch.setattr("traceability.services.origin.EXPIRY_BATCH_SIZE", 2)
    assert tasks.refresh_expired_origins.delay().get() == 3
    assert all(problems(lot) == ["EXPIRED"] for lot in lots)
    assert problems(fresh) == []
    assert not Product.objects.get(pk=lots[0].product_id).origin_verified
    assert tasks.refresh_expired_origins.delay().get() == 0


def test_the_daily_task_is_scheduled_after_midnight_in_vietnam(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["traceability-refresh-expired-origins"]
    assert entry["task"] == "traceability.refresh_expired_origins"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {10})
    assert settings.CELERY_TIMEZONE == "Asia/Ho_Chi_Minh"


def count_refresh_queries(lot_count: int) -> int:
    """Queries of suspending an area with ``lot_count`` lots, each made into another."""
    area = GrowingAreaFactory()
    sources = [
        harvested_lot(growing_area=area, product=ProductFactory(seller=area.seller))
        for _ in range(lot_count)
    ]
    made = [made_from([source], product=source.product) for source in sources]
    area.status = "suspended"
    area.save()
    with CaptureQueriesContext(connection) as queries:
        origin_refresh_for_sites(site_ids=[area.pk])
    assert not Lot.objects.filter(growing_area=area, origin_verified=True).exists()
    touched = Lot.objects.filter(pk__in=[lot.pk for lot in sources + made])
    assert not touched.filter(origin_verified=True).exists()
    return len(queries)


def test_the_refresh_costs_the_same_queries_for_5_and_50_lots():
    few, many = count_refresh_queries(5), count_refresh_queries(50)
    assert few == many
    assert few == 12


def test_provenance_selectors():
    fresh_a, fresh_b = harvested_lot(), harvested_lot()
    dried = made_from([fresh_a, fresh_b])
    syrup = made_from([dried])
    assert selectors.lot_ids_in_provenance([syrup.pk]) == {
        syrup.pk,
        dried.pk,
        fresh_a.pk,
        fresh_b.pk,
    }
    assert set(selectors.lot_ids_descending_from([fresh_a.pk])) == {fresh_a.pk, dried.pk, syrup.pk}
    assert selectors.site_ids_in_provenance([syrup.pk]) == {
        fresh_a.growing_area_id,
        fresh_b.growing_area_id,
    }
