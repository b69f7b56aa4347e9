"""The demo's traceability, on PostgreSQL: made through the services, chains that verify,
a suspended area that takes its products' mark away, demo GTINs, and the reset."""

import datetime
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, InternalError, transaction
from django.utils import timezone
from stdnum import ean

from catalog.models import Product
from market.demo import loader, trace
from traceability import geography, selectors, validators
from traceability.models import (
    AuditEntry,
    GapCertificate,
    Lot,
    LotInput,
    Site,
    SiteStatusChange,
    Spraying,
    TraceEvent,
    Violation,
)
from traceability.services.lots import lot_verify
from traceability.services.sites import site_register
from traceability.services.steps import biz_step_uri

TRACE_MODELS = tuple(apps.get_app_config("traceability").get_models())
SUSPENDED_AREA = "DEMO-NTOR-0003"


def trace_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TRACE_MODELS}


@pytest.fixture
def loaded(db):
    return loader.load_demo()


def test_counts_of_the_demo_traceability(loaded):
    assert {kind: loaded[kind] for kind in trace.TRACE_KINDS} == {
        "growing_areas": 4,
        "packing_houses": 4,
        "gap_certificates": 2,
        "lots": 10,
        "trace_events": 48,
    }
    assert {kind: loaded["created"][kind] for kind in trace.TRACE_KINDS} == {
        kind: loaded[kind] for kind in trace.TRACE_KINDS
    }
    assert TraceEvent.objects.count() == 48
    assert Lot.objects.count() == 10
    assert Site.objects.filter(kind=Site.Kind.GROWING_AREA).count() == 4
    # One spraying per fresh lot, each with its product, ingredient, dose and PHI.
    assert Spraying.objects.count() == 9
    assert LotInput.objects.count() == 2


def test_loading_twice_changes_nothing(loaded):
    before = trace_counts()
    heads = dict(Lot.objects.values_list("code", "head_hash"))

    again = loader.load_demo()

    assert trace_counts() == before
    assert dict(Lot.objects.values_list("code", "head_hash")) == heads
    assert {kind: again["created"][kind] for kind in trace.TRACE_KINDS} == dict.fromkeys(
        trace.TRACE_KINDS, 0
    )
    assert {kind: again[kind] for kind in trace.TRACE_KINDS} == {
        kind: loaded[kind] for kind in trace.TRACE_KINDS
    }


def test_sites_have_valid_codes_places_in_their_communes_and_certificates(loaded):
    for site in Site.objects.all():
        assert re.fullmatch(validators.code_pattern(site.kind), site.code)
        assert site.code.startswith("DEMO-")
        assert site.province == "Khánh Hòa"
        assert site.ward.startswith(("Xã ", "Phường "))
        assert site.former_district in ("Ninh Hải", "Ninh Phước")
        # Ninh Thuận's land lies between 11.3° and 12.2° N, 108.5° and 109.3° E.
        assert 11.3 < float(site.latitude) < 12.2
        assert 108.5 < float(site.longitude) < 109.3
        assert geography.point_in_vietnam(site.latitude, site.longitude)
    with_boundary = Site.objects.exclude(boundary=None).get()
    geography.check_polygon(with_boundary.boundary)
    assert with_boundary.code == "DEMO-NTOR-0001"
    today = timezone.localdate()
    for certificate in GapCertificate.objects.all():
        assert certificate.scheme == GapCertificate.Scheme.VIETGAP
        assert certificate.number.startswith("DEMO-")
        assert certificate.valid_from <= today <= certificate.valid_until
    statuses = dict(Site.objects.values_list("code", "status"))
    assert statuses.pop(SUSPENDED_AREA) == Site.Status.SUSPENDED
    assert set(statuses.values()) == {Site.Status.ACTIVE}


def test_every_demo_chain_verifies(loaded):
    for lot in Lot.objects.all():
        assert lot_verify(lot_id=lot.pk) is None, lot.code


def test_histories_are_in_order_in_the_past_with_consistent_quantities(loaded):
    now = timezone.now()
    fresh_steps = ["planting", "spraying", "harvesting", "packing", "shipping"]
    for lot in Lot.objects.exclude(growing_area=None):
        events = list(lot.events.order_by("sequence"))
        assert [event.biz_step for event in events] == [biz_step_uri(s) for s in fresh_steps]
        times = [event.event_time for event in events]
        assert times == sorted(times)
        assert times[-1] < now
        harvest = events[2]
        assert lot.harvested_kg == harvest.quantity_kg
        shipped = events[4].quantity_kg
        used = sum(use.quantity_kg for use in lot.uses.all())
        assert lot.remaining_kg == lot.harvested_kg - shipped - used
        assert lot.best_before > lot.harvest_date
        # The pre-harvest interval of the spraying was respected: no violation.
        spraying = events[1].spraying
        assert spraying.harvest_allowed_from <= harvest.event_time
        assert spraying.active_ingredient
        assert spraying.dose
    # No harvest inside a pre-harvest interval (the demo's one violation is an inspection's).
    assert not Violation.objects.filter(kind=Violation.Kind.PRE_HARVEST_INTERVAL).exists()
    # Whatever is still on sale is still good: best-before ahead.
    today = timezone.localdate()
    for lot in Lot.objects.filter(remaining_kg__gt=0):
        assert lot.best_before >= today, lot.code


def test_the_suspended_area_takes_the_mark_away_and_the_others_keep_it(loaded):
    suspended = Site.objects.get(code=SUSPENDED_AREA)
    change = suspended.status_changes.order_by("-changed_at").first()
    assert change.to_status == Site.Status.SUSPENDED
    assert "dư lượng thuốc bảo vệ thực vật" in change.reason
    assert AuditEntry.objects.get(site=suspended, action=AuditEntry.Action.SITE_SUSPEND)
    for lot in Lot.objects.filter(growing_area=suspended):
        assert not lot.origin_verified
        assert "AREA_SUSPENDED" in lot.origin_problems
    assert set(
        Product.objects.filter(lots__growing_area=suspended).values_list("name", "origin_verified")
    ) == {("Hành tím Công Trường", False), ("Tỏi Công Trường", False)}
    verified = set(Product.objects.filter(origin_verified=True).values_list("name", flat=True))
    assert verified == {
        "Hành tím Thanh Hải",
        "Tỏi Thanh Hải",
        "Nho xanh NH01-48 Evergreen",
        "Nho đỏ Cardinal Evergreen",
        "Nho sấy Evergreen",
        "Măng tây xanh Quang Hưng",
    }


def test_the_dried_grape_lot_traces_back_to_fresh_lots_and_their_area(loaded):
    dried = Lot.objects.get(code="DEMO-EVG-NS-2501")
    assert dried.product.name == "Nho sấy Evergreen"
    assert dried.growing_area is None
    assert dried.origin_verified
    first = dried.events.get(sequence=1)
    assert first.event_type == TraceEvent.Type.TRANSFORMATION
    sources = {row.source.code: row.quantity_kg for row in dried.inputs.select_related("source")}
    assert sources == {"DEMO-EVG-NX-2501": 800, "DEMO-EVG-ND-2501": 400}
    assert dried.harvested_kg == 300
    assert dried.remaining_kg == 220
    areas = Site.objects.filter(pk__in=selectors.site_ids_in_provenance([dried.pk]))
    assert {site.code for site in areas if site.kind == Site.Kind.GROWING_AREA} == {
        "DEMO-NTOR-0002"
    }
    inputs = {uri["epcClass"] for uri in first.document["inputQuantityList"]}
    assert inputs == {
        f"{settings.TRACE_VOCABULARY_BASE}lot/DEMO-EVG-NX-2501",
        f"{settings.TRACE_VOCABULARY_BASE}lot/DEMO-EVG-ND-2501",
    }
    # The fresh lots went into it entirely.
    assert set(Lot.objects.filter(code__in=sources).values_list("remaining_kg", flat=True)) == {0}


def test_demo_gtins_are_valid_demo_numbers(loaded):
    with_gtin = list(Lot.objects.exclude(gtin=""))
    assert len(with_gtin) == 6
    assert len({lot.gtin for lot in with_gtin}) == 6
    for lot in with_gtin:
        assert lot.gtin_is_demo
        assert len(lot.gtin) == 14
        assert lot.gtin.startswith("0952")
        assert ean.is_valid(lot.gtin)
        validators.validate_gtin(lot.gtin)
    assert not Lot.objects.filter(gtin="", gtin_is_demo=True).exists()
    assert trace.demo_gtin(1) == "09520000000011"


def test_reset_deletes_the_demo_chains_and_loads_them_again(loaded):
    before = trace_counts()
    old_heads = set(Lot.objects.values_list("head_hash", flat=True))

    summary = loader.load_demo(reset=True)

    assert trace_counts() == before
    assert summary["created"]["lots"] == 10
    # New chains (new event ids), and they verify.
    assert not old_heads & set(Lot.objects.values_list("head_hash", flat=True))
    assert all(lot_verify(lot_id=pk) is None for pk in Lot.objects.values_list("pk", flat=True))
    # The triggers are back: the chain is append-only again.
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        TraceEvent.objects.all().delete()
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        SiteStatusChange.objects.update(reason="")


def test_reset_refuses_while_a_code_outside_the_demo_points_at_demo_rows(loaded):
    seller = Site.objects.get(code="DEMO-NTOR-0001").seller
    site_register(
        by=None,
        seller_id=seller.pk,
        kind=Site.Kind.PACKING_HOUSE,
        code="VN-NTPH-0999",
        name="Kho riêng",
        ward="Xã Vĩnh Hải",
        latitude="11.64",
        longitude="109.13",
    )
    before = trace_counts()

    with pytest.raises(loader.DemoDataError, match="not coded DEMO-"):
        loader.load_demo(reset=True)

    assert trace_counts() == before


def test_demo_dates_follow_the_day_of_loading(loaded):
    today = timezone.localdate()
    grape = Lot.objects.get(code="DEMO-EVG-ND-2502")
    assert grape.harvest_date == today - datetime.timedelta(days=1)
    assert grape.best_before == today + datetime.timedelta(days=6)
