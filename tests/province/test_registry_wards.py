"""The registry's ward cell in one spelling per ward (the province's list,
``market.core.addresses.ward_named``), so the dashboard counts a ward once however the
department's clerks wrote it; the former district filled from the list when the cell is
blank."""

import pytest

from province.models import RegistryEntry
from province.services.registry import registry_import
from tests.province.registry_files import csv_bytes, row, upload

pytestmark = pytest.mark.django_db


def imported(*rows):
    outcome = registry_import(by=None, file=upload(csv_bytes(rows)), dry_run=False)
    assert outcome.record.applied, outcome.record.row_errors
    return {
        entry.certificate_number: (entry.ward, entry.former_district)
        for entry in RegistryEntry.objects.all()
    }


def test_spellings_of_one_commune_land_as_its_listed_name():
    places = imported(
        row("DEMO-NT-0001", **{"Xã/phường": "Cà Ná", "Huyện (cũ)": "Thuận Nam"}),
        row("DEMO-NT-0002", **{"Xã/phường": "xã cà ná", "Huyện (cũ)": "Thuận Nam"}),
        row("DEMO-NT-0003", **{"Xã/phường": "X. CÀ NÁ", "Huyện (cũ)": "Thuận Nam"}),
    )
    assert set(places.values()) == {("Xã Cà Ná", "Thuận Nam")}


def test_a_blank_former_district_is_filled_from_the_list_and_a_given_one_is_kept():
    places = imported(
        row("DEMO-NT-0001", **{"Xã/phường": "Phan Rang", "Huyện (cũ)": ""}),
        row("DEMO-NT-0002", **{"Xã/phường": "Phường Phan Rang", "Huyện (cũ)": "TP Phan Rang"}),
        # Not on the list, so nothing to fill: kept as written, cleaned.
        row("DEMO-NT-0003", **{"Xã/phường": "Xã  Tân Phú", "Huyện (cũ)": ""}),
        row("DEMO-NT-0004", **{"Xã/phường": "", "Huyện (cũ)": ""}),
    )
    assert places == {
        "DEMO-NT-0001": ("Phường Phan Rang", "Phan Rang–Tháp Chàm"),
        "DEMO-NT-0002": ("Phường Phan Rang", "TP Phan Rang"),
        "DEMO-NT-0003": ("Xã Tân Phú", ""),
        "DEMO-NT-0004": ("", ""),
    }


def test_a_re_import_in_another_spelling_changes_nothing():
    imported(row("DEMO-NT-0001", **{"Xã/phường": "Cà Ná", "Huyện (cũ)": ""}))
    content = csv_bytes([row("DEMO-NT-0001", **{"Xã/phường": "xã cà ná", "Huyện (cũ)": ""})])

    outcome = registry_import(by=None, file=upload(content), dry_run=False)

    assert [r.action for r in outcome.rows] == ["unchanged"]
    assert RegistryEntry.objects.get().ward == "Xã Cà Ná"
