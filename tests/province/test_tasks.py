"""The province's nightly work: beat runs the registry's rematch before the month's record."""

import pytest
from django.conf import settings

from province import tasks
from province.models import RegistryEntry
from tests.factories import OcopCertificateFactory
from tests.province.registry_files import csv_bytes, row, upload

pytestmark = pytest.mark.django_db


def test_beat_rematches_the_registry_before_recording_the_month():
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }

    rematch = schedule["province.registry_rematch"]
    record = schedule["province.monthly_figures_record"]
    assert (rematch.hour, record.hour) == ({23}, {23})
    assert min(rematch.minute) < min(record.minute)


def test_the_rematch_task_matches_a_certificate_added_after_the_import():
    from province.services import registry

    registry.registry_import(
        by=None,
        file=upload(csv_bytes([row("DEMO-OCOP-NT-2026-0400", "Rong sụn sấy", "HTX Rong biển")])),
        dry_run=False,
    )
    later = OcopCertificateFactory(certificate_number="DEMO-OCOP-NT-2026-0400")

    counts = tasks.registry_rematch.delay().get()

    entry = RegistryEntry.objects.get(certificate_number="DEMO-OCOP-NT-2026-0400")
    assert (entry.match_status, entry.certificate) == (RegistryEntry.MatchStatus.MATCHED, later)
    assert counts["matched"] == 1
