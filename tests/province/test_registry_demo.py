"""The demo's registry (market/demo/data/ocop_registry.csv), imported by the demo loader."""

import csv
import datetime

import pytest
from django.utils import timezone

from market.demo.loader import REGISTRY_CSV, load_demo
from province.models import RegistryEntry, RegistryImport

pytestmark = pytest.mark.django_db

Status = RegistryEntry.MatchStatus


def test_every_number_and_decision_of_the_demo_registry_is_marked_demo():
    with REGISTRY_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert 15 <= len(rows) <= 25
    assert all(row["Số giấy chứng nhận"].startswith("DEMO-") for row in rows)
    assert all(row["Quyết định"].startswith("DEMO") for row in rows)


def test_the_demo_loads_its_registry_matched_and_suggested():
    summary = load_demo()

    assert summary["registry_entries"] == 16
    assert RegistryImport.objects.filter(applied=True).count() == 1
    statuses = dict(RegistryEntry.objects.values_list("certificate_number", "match_status"))
    matched = [n for n, status in statuses.items() if status == Status.MATCHED]
    suggested = sorted(n for n, status in statuses.items() if status == Status.SUGGESTED)
    assert len(matched) == 5
    assert suggested == ["DEMO-QĐ-NT-0104/2024", "DEMO-QĐ-NT-0106/2024"]
    assert list(statuses.values()).count(Status.UNMATCHED) == 9
    # Loading again changes nothing in the registry.
    load_demo()
    assert RegistryEntry.objects.count() == 16
    assert RegistryImport.objects.latest("pk").rows_unchanged == 16


def test_one_demo_entry_expires_within_ninety_days_of_the_demo_s_writing():
    # The file is dated: on 2026-12-01 (when it was written) one certificate had less than
    # 90 days left; the dashboard's own tests count expiries on fixtures of their own.
    with REGISTRY_CSV.open(encoding="utf-8", newline="") as handle:
        issued = [
            datetime.date(*reversed([int(part) for part in row["Ngày cấp"].split("/")]))
            for row in csv.DictReader(handle)
        ]
    written = datetime.date(2026, 12, 1)
    expiring = [day for day in issued if written < day.replace(year=day.year + 3) <= written
                + datetime.timedelta(days=90)]  # fmt: skip
    assert len(expiring) == 1
    assert timezone.localdate() >= written
