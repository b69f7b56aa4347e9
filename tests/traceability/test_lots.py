"""Lots: creation (the first event of every chain), transformations and provenance."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from market.core.errors import NotFound, PermissionDenied
from tests.factories import (
    GrowingAreaFactory,
    MembershipFactory,
    PackingHouseFactory,
    ProductFactory,
    UserFactory,
    VariantFactory,
)
from traceability import events as builders
from traceability import selectors
from traceability.models import Lot, LotInput, TraceEvent
from traceability.services.chain import lot_for_writer
from traceability.services.events import event_record
from traceability.services.lots import lot_create, lot_transform

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


@pytest.fixture
def area():
    return GrowingAreaFactory()


@pytest.fixture
def staff(area):
    return MembershipFactory(seller=area.seller).user


@pytest.fixture
def product(area):
    return ProductFactory(seller=area.seller)


@pytest.fixture
def stranger():
    """Staff of another seller, with a product of their own."""
    return MembershipFactory().user


def planted(staff, product, area, code="NT25-A01", **fields):
    fields.setdefault("event_time", timezone.now() - 60 * DAY)
    return lot_create(by=staff, product_id=product.pk, code=code, growing_area_id=area.pk, **fields)


def harvested(staff, product, area, code, kg):
    lot = planted(staff, product, area, code=code)
    event_record(
        by=staff,
        lot_id=lot.pk,
        step="harvesting",
        event_time=timezone.now() - 10 * DAY,
        quantity_kg=kg,
    )
    lot.refresh_from_db()
    return lot


# ---------------------------------------------------------------------------
# lot_create


def test_a_new_lot_starts_its_chain_with_a_planting_add(staff, product, area):
    house = PackingHouseFactory(seller=area.seller)
    variant = VariantFactory(product=product)
    lot = planted(
        staff,
        product,
        area,
        packing_house_id=house.pk,
        variant_ids=[variant.pk],
        best_before=timezone.localdate() + 90 * DAY,
        gtin="08934567890120",
    )
    assert (lot.seller_id, lot.growing_area_id, lot.packing_house_id) == (
        area.seller_id,
        area.pk,
        house.pk,
    )
    assert list(lot.variants.all()) == [variant]
    (event,) = TraceEvent.objects.filter(lot=lot)
    assert (event.sequence, event.previous_hash, lot.event_count, lot.head_hash) == (
        1,
        "",
        1,
        event.hash,
    )
    document = event.document
    assert document["type"] == "ObjectEvent"
    assert document["action"] == "ADD"
    assert document["bizStep"] == event.biz_step
    assert document["bizStep"].endswith("planting")
    assert "://" in document["bizStep"]
    assert document["eventID"].startswith("urn:uuid:")
    assert document["eventTime"].endswith("+07:00")
    assert document["eventTimeZoneOffset"] == "+07:00"
    site_uri = builders.site_uri(area.code)
    assert document["readPoint"] == {"id": site_uri} == document["bizLocation"]
    assert document["quantityList"] == [
        {"epcClass": f"https://id.gs1.org/01/08934567890120/10/{lot.code}"}
    ]
    assert document["ilmd"]["ocop:growingAreaCode"] == area.code
    assert event.site_id == area.pk
    assert event.recorded_by == staff


def test_a_lot_without_gtin_is_named_by_a_project_uri(staff, product, area, settings):
    lot = planted(staff, product, area, code="NT25/B+1")
    epc_class = lot.events.get().document["quantityList"][0]["epcClass"]
    assert epc_class == f"{settings.TRACE_VOCABULARY_BASE}lot/NT25%2FB%2B1"


def test_another_sellers_product_is_refused_as_a_missing_one(stranger, product):
    with pytest.raises(PermissionDenied) as theirs:
        lot_create(by=stranger, product_id=product.pk, code="X1")
    with pytest.raises(PermissionDenied) as missing:
        lot_create(by=stranger, product_id=10**9, code="X1")
    assert (theirs.value.code, theirs.value.message) == (missing.value.code, missing.value.message)
    assert not Lot.objects.exists()


def test_signed_out_callers_are_refused(product):
    with pytest.raises(PermissionDenied) as refused:
        lot_create(by=AnonymousUser(), product_id=product.pk, code="X1")
    assert refused.value.code == "AUTHENTICATION_REQUIRED"


def test_an_operator_is_told_when_the_product_is_missing():
    operator = UserFactory(role="operator")
    with pytest.raises(NotFound):
        lot_create(by=operator, product_id=10**9, code="X1")


def test_sites_of_another_seller_answer_as_missing_ones(staff, product):
    theirs = GrowingAreaFactory()
    for site_id in (theirs.pk, 10**9):
        with pytest.raises(ValidationError) as refused:
            lot_create(by=staff, product_id=product.pk, code="X1", growing_area_id=site_id)
        assert codes(refused.value) == {"growing_area_id": ["NOT_FOUND"]}
    house = PackingHouseFactory(seller=product.seller)
    with pytest.raises(ValidationError) as refused:
        lot_create(by=staff, product_id=product.pk, code="X1", growing_area_id=house.pk)
    assert codes(refused.value) == {"growing_area_id": ["NOT_FOUND"]}
    assert not Lot.objects.exists()


def test_a_pending_area_may_be_planted_but_not_a_revoked_one(staff, product, area):
    area.status = "pending"
    area.save()
    lot = planted(staff, product, area)
    assert lot.origin_verified is False
    area.status = "revoked"
    area.save()
    with pytest.raises(ValidationError) as refused:
        planted(staff, product, area, code="NT25-A02")
    assert codes(refused.value) == {"growing_area_id": ["SITE_REVOKED"]}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"code": ""}, {"code": ["REQUIRED"]}),
        ({"code": "lô số 1"}, {"code": ["INVALID_LOT_CODE"]}),
        ({"code": "X" * 21}, {"code": ["INVALID"]}),
        ({"gtin": "08934567890121"}, {"gtin": ["INVALID_GTIN"]}),
        ({"best_before": "2030-01-01"}, {"best_before": ["INVALID"]}),
        ({"event_time": timezone.now() + DAY}, {"event_time": ["IN_FUTURE"]}),
        ({"event_time": datetime.datetime(2025, 1, 1)}, {"event_time": ["INVALID"]}),  # noqa: DTZ001
        ({"variant_ids": [10**9]}, {"variant_ids.0": ["NOT_FOUND"]}),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(staff, product, area, fields, expected):
    arguments = {"code": "NT25-A01", "event_time": timezone.now() - DAY, **fields}
    with pytest.raises(ValidationError) as refused:
        lot_create(by=staff, product_id=product.pk, growing_area_id=area.pk, **arguments)
    assert codes(refused.value) == expected
    assert not Lot.objects.exists()
    assert not TraceEvent.objects.exists()


def test_a_variant_of_another_product_is_refused(staff, product, area):
    other = VariantFactory(product=ProductFactory(seller=product.seller))
    with pytest.raises(ValidationError) as refused:
        planted(staff, product, area, variant_ids=[other.pk])
    assert codes(refused.value) == {"variant_ids.0": ["NOT_FOUND"]}


def test_a_lot_code_is_unique(staff, product, area):
    planted(staff, product, area)
    with pytest.raises(ValidationError) as refused:
        planted(staff, product, area)
    assert codes(refused.value) == {"code": ["UNIQUE"]}


def test_another_sellers_lot_is_refused_as_a_missing_one(staff, product, area, stranger):
    lot = planted(staff, product, area)
    with pytest.raises(PermissionDenied) as theirs:
        lot_for_writer(stranger, lot.pk)
    with pytest.raises(PermissionDenied) as missing:
        lot_for_writer(stranger, 10**9)
    assert (theirs.value.code, theirs.value.message) == (missing.value.code, missing.value.message)


# ---------------------------------------------------------------------------
# lot_transform


@pytest.fixture
def dried(area):
    return ProductFactory(seller=area.seller, name="Nho sấy dẻo")


def test_a_transformation_makes_a_lot_from_its_inputs(staff, product, area, dried):
    first = harvested(staff, product, area, "FRESH-1", "120")
    second = harvested(staff, product, area, "FRESH-2", "80.5")
    house = PackingHouseFactory(seller=area.seller)
    made = lot_transform(
        by=staff,
        output_product_id=dried.pk,
        code="DRIED-1",
        inputs=[
            {"lot_id": second.pk, "quantity_kg": "80.5"},
            {"lot_id": first.pk, "quantity_kg": 100},
        ],
        output_quantity_kg="35.25",
        event_time=timezone.now() - DAY,
        packing_house_id=house.pk,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.remaining_kg, second.remaining_kg) == (Decimal("20"), Decimal("0"))
    assert (made.harvested_kg, made.remaining_kg) == (Decimal("35.25"), Decimal("35.25"))
    assert made.growing_area_id is None
    assert made.harvest_date == timezone.localdate() - DAY
    (event,) = made.events.all()
    assert (event.sequence, event.event_type) == (1, "TransformationEvent")
    document = event.document
    assert document["bizStep"] == "commissioning"
    assert document["inputQuantityList"] == [
        {"epcClass": builders.lot_class_uri(code="FRESH-2"), "quantity": 80.5, "uom": "KGM"},
        {"epcClass": builders.lot_class_uri(code="FRESH-1"), "quantity": 100.0, "uom": "KGM"},
    ]
    assert document["outputQuantityList"] == [
        {"epcClass": builders.lot_class_uri(code="DRIED-1"), "quantity": 35.25, "uom": "KGM"}
    ]
    assert document["bizLocation"] == {"id": builders.site_uri(house.code)}
    assert set(LotInput.objects.values_list("source_id", "quantity_kg", "event_id")) == {
        (first.pk, Decimal("100"), event.pk),
        (second.pk, Decimal("80.5"), event.pk),
    }
    assert made.origin_verified, made.origin_problems


def test_transforming_more_than_is_left_is_refused(staff, product, area, dried):
    fresh = harvested(staff, product, area, "FRESH-1", "50")
    with pytest.raises(ValidationError) as refused:
        lot_transform(
            by=staff,
            output_product_id=dried.pk,
            code="DRIED-1",
            inputs=[{"lot_id": fresh.pk, "quantity_kg": "50.001"}],
            output_quantity_kg=10,
            event_time=timezone.now(),
        )
    assert codes(refused.value) == {"inputs.0.quantity_kg": ["QUANTITY_EXCEEDED"]}
    fresh.refresh_from_db()
    assert fresh.remaining_kg == Decimal("50")
    assert not Lot.objects.filter(code="DRIED-1").exists()


def test_inputs_of_another_seller_answer_as_missing_ones(staff, dried, stranger):
    other_area = GrowingAreaFactory(seller=stranger.seller_memberships.get().seller)
    theirs = harvested(
        stranger, ProductFactory(seller=other_area.seller), other_area, "THEIRS-1", "10"
    )
    for lot_id in (theirs.pk, 10**9):
        with pytest.raises(ValidationError) as refused:
            lot_transform(
                by=staff,
                output_product_id=dried.pk,
                code="DRIED-1",
                inputs=[{"lot_id": lot_id, "quantity_kg": 1}],
                output_quantity_kg=1,
                event_time=timezone.now(),
            )
        assert codes(refused.value) == {"inputs.0.lot_id": ["NOT_FOUND"]}
    theirs.refresh_from_db()
    assert theirs.remaining_kg == Decimal("10")


@pytest.mark.parametrize(
    ("inputs", "output", "expected"),
    [
        ([], 1, {"inputs": ["REQUIRED"]}),
        ([{"lot_id": "1", "quantity_kg": 1}], 1, {"inputs.0.lot_id": ["INVALID"]}),
        ("same twice", 1, {"inputs.1.lot_id": ["DUPLICATE"]}),
        ("zero", 1, {"inputs.0.quantity_kg": ["INVALID"]}),
        ("ok", 0, {"output_quantity_kg": ["INVALID"]}),
        ("ok", "1.0001", {"output_quantity_kg": ["INVALID"]}),
    ],
)
def test_bad_transformations_are_refused(staff, product, area, dried, inputs, output, expected):
    fresh = harvested(staff, product, area, "FRESH-1", "50")
    shapes = {
        "same twice": [{"lot_id": fresh.pk, "quantity_kg": 1}] * 2,
        "zero": [{"lot_id": fresh.pk, "quantity_kg": 0}],
        "ok": [{"lot_id": fresh.pk, "quantity_kg": 1}],
    }
    with pytest.raises(ValidationError) as refused:
        lot_transform(
            by=staff,
            output_product_id=dried.pk,
            code="DRIED-1",
            inputs=shapes[inputs] if isinstance(inputs, str) else inputs,
            output_quantity_kg=output,
            event_time=timezone.now(),
        )
    assert codes(refused.value) == expected


def test_provenance_walks_every_level_with_its_areas(staff, product, area, dried):
    other_area = GrowingAreaFactory(seller=area.seller)
    first = harvested(staff, product, area, "FRESH-1", "50")
    second = harvested(staff, product, other_area, "FRESH-2", "50")
    middle = lot_transform(
        by=staff,
        output_product_id=dried.pk,
        code="DRIED-1",
        inputs=[{"lot_id": first.pk, "quantity_kg": 10}, {"lot_id": second.pk, "quantity_kg": 5}],
        output_quantity_kg=4,
        event_time=timezone.now(),
    )
    top = lot_transform(
        by=staff,
        output_product_id=dried.pk,
        code="GIFT-1",
        inputs=[{"lot_id": middle.pk, "quantity_kg": 2}],
        output_quantity_kg=2,
        event_time=timezone.now(),
    )
    (node,) = selectors.lot_provenance(top)
    assert (node.lot.code, node.quantity_kg) == ("DRIED-1", Decimal("2"))
    assert [(n.lot.code, n.lot.growing_area.code, n.inputs) for n in node.inputs] == [
        ("FRESH-1", area.code, []),
        ("FRESH-2", other_area.code, []),
    ]
    assert selectors.lot_provenance(first) == []
