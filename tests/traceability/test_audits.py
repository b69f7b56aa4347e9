"""Audits: inspections with photos, violations opened and closed, the audit log, and who
may do each."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from market.core.errors import DomainError, NotFound, PermissionDenied
from tests.factories import GrowingAreaFactory, LotFactory
from traceability import selectors
from traceability.models import AuditEntry, Inspection, InspectionPhoto, Violation
from traceability.services import audits

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def photo(size=(60, 40), image_format="PNG", name="anh.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 120, 40)).save(buffer, image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def record(by, site, **changes):
    fields = {
        "inspected_on": timezone.localdate(),
        "inspector_name": "Trần Thị Bình",
        "result": "passed",
        "findings": "Ghi chép nhật ký đầy đủ",
    }
    fields.update(changes)
    return audits.inspection_record(by=by, site_id=site.pk, **fields)


@pytest.mark.parametrize("who", ["auditor", "operator"])
def test_auditors_record_a_passed_inspection_with_photos(roles, who, media_root):
    site = GrowingAreaFactory(seller=roles["seller"])
    inspection = record(roles[who], site, photos=[photo((60, 40)), photo((30, 50), "JPEG")])
    assert inspection.result == "passed"
    assert inspection.recorded_by == roles[who]
    stored = list(InspectionPhoto.objects.filter(inspection=inspection).order_by("pk"))
    assert [(p.width, p.height) for p in stored] == [(60, 40), (30, 50)]
    assert stored[1].image.name.endswith(".jpg")
    assert all((media_root / p.image.name).exists() for p in stored)
    assert not Violation.objects.exists()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.site, entry.inspection, entry.actor) == (
        "inspection_record",
        site,
        inspection,
        roles[who],
    )


def test_a_failed_inspection_opens_a_violation_linked_in_the_log(roles):
    site = GrowingAreaFactory(seller=roles["seller"])
    inspection = record(roles["auditor"], site, result="failed", findings="Dư lượng vượt MRL")
    violation = Violation.objects.get()
    assert (violation.kind, violation.site, violation.inspection, violation.status) == (
        "failed_inspection",
        site,
        inspection,
        "open",
    )
    assert violation.details == "Dư lượng vượt MRL"
    assert AuditEntry.objects.get().violation == violation


@pytest.mark.parametrize("who", ["own_owner", "own_staff", "other_staff", "buyer"])
def test_only_auditors_and_operators_inspect_and_close(roles, who):
    site = GrowingAreaFactory(seller=roles["seller"])
    with pytest.raises(PermissionDenied):
        record(roles[who], site)
    violation = audits.violation_open(site=site, kind="failed_inspection")
    with pytest.raises(PermissionDenied):
        audits.violation_close(by=roles[who], violation_id=violation.pk, note="x")
    assert not Inspection.objects.exists()
    violation.refresh_from_db()
    assert violation.status == "open"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"result": "so-so"}, "result"),
        ({"inspector_name": ""}, "inspector_name"),
        ({"inspected_on": "yesterday"}, "inspected_on"),
        ({"inspected_on": timezone.localdate() + datetime.timedelta(days=2)}, "inspected_on"),
        ({"photos": [SimpleUploadedFile("a.png", b"not a picture")]}, "photos.0"),
        ({"photos": [photo(), photo(image_format="GIF", name="b.gif")]}, "photos.1"),
        ({"photos": [photo() for _ in range(21)]}, "photos"),
    ],
)
def test_bad_inspections_are_refused_by_field_and_store_nothing(roles, changes, field, media_root):
    site = GrowingAreaFactory(seller=roles["seller"])
    with pytest.raises(ValidationError) as excinfo:
        record(roles["auditor"], site, **changes)
    assert field in excinfo.value.message_dict
    assert not Inspection.objects.exists()
    assert not AuditEntry.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_an_inspection_of_a_missing_site_is_not_found(roles):
    with pytest.raises(NotFound):
        audits.inspection_record(
            by=roles["auditor"], site_id=10**9, inspected_on=timezone.localdate(),
            inspector_name="A", result="passed",
        )  # fmt: skip


def test_closing_a_violation_needs_a_note_and_is_logged(roles):
    site = GrowingAreaFactory(seller=roles["seller"])
    violation = audits.violation_open(site=site, kind="failed_inspection", details="Kiểm tra lại")
    for note in ("", "  ", None):
        with pytest.raises(ValidationError) as excinfo:
            audits.violation_close(by=roles["auditor"], violation_id=violation.pk, note=note)
        assert "note" in excinfo.value.message_dict
    closed = audits.violation_close(
        by=roles["auditor"], violation_id=violation.pk, note="Đã khắc phục, tái kiểm đạt"
    )
    assert (closed.status, closed.closed_by, closed.closing_note) == (
        "closed",
        roles["auditor"],
        "Đã khắc phục, tái kiểm đạt",
    )
    assert closed.closed_at is not None
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.violation, entry.reason) == (
        "violation_close",
        closed,
        "Đã khắc phục, tái kiểm đạt",
    )
    with pytest.raises(DomainError) as excinfo:
        audits.violation_close(by=roles["auditor"], violation_id=violation.pk, note="Lần nữa")
    assert excinfo.value.code == "INVALID_TRANSITION"
    with pytest.raises(NotFound):
        audits.violation_close(by=roles["auditor"], violation_id=10**9, note="x")


def test_a_violation_belongs_to_its_site(roles):
    site = GrowingAreaFactory(seller=roles["seller"])
    elsewhere = LotFactory()
    with pytest.raises(ValidationError) as excinfo:
        audits.violation_open(site=site, kind="pre_harvest_interval", lot=elsewhere)
    assert "lot" in excinfo.value.message_dict
    other_inspection = record(roles["auditor"], GrowingAreaFactory())
    with pytest.raises(ValidationError) as excinfo:
        audits.violation_open(site=site, kind="failed_inspection", inspection=other_inspection)
    assert "inspection" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        audits.violation_open(site=site, kind="mystery")
    assert "kind" in excinfo.value.message_dict
    assert not Violation.objects.exists()


def test_the_audit_log_is_for_auditors_and_operators(roles):
    record(roles["auditor"], GrowingAreaFactory(seller=roles["seller"]))
    for who in ("auditor", "operator"):
        assert selectors.audit_entries_visible_to(roles[who]).count() == 1
    for who in ("anonymous", "buyer", "own_owner", "own_staff", "other_staff"):
        assert selectors.audit_entries_visible_to(roles[who]).count() == 0


def test_violations_are_seen_by_auditors_and_the_sites_own_staff(roles):
    audits.violation_open(site=GrowingAreaFactory(seller=roles["seller"]), kind="failed_inspection")
    for who, count in (
        ("auditor", 1),
        ("operator", 1),
        ("own_staff", 1),
        ("other_staff", 0),
        ("buyer", 0),
        ("anonymous", 0),
    ):
        assert selectors.violations_visible_to(roles[who]).count() == count, who
