"""Writes of audits: inspections of sites, and violations opened and closed.

Auditors of the agriculture department and operators record inspections and close
violations; each goes to the audit log. Violations are also opened by the system, by
the harvest rule (a harvest inside a spraying's pre-harvest interval) and by a failed
inspection, so ``violation_open`` takes no acting user: its callers have checked theirs.
Every change to a violation refreshes the verified origin of the lots it touches.
``by=None`` is the platform (the demo loader, tasks).
"""

import uuid

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import images
from market.core.errors import DomainError, NotFound, invalid
from market.core.permissions import require_auditor_or_operator
from market.core.transactions import service_transaction
from traceability.models import AuditEntry, Inspection, InspectionPhoto, Site, Violation
from traceability.services.common import check_model_fields, site_locked
from traceability.services.origin import origin_refresh, origin_refresh_for_sites

MAX_INSPECTION_PHOTOS = 20


@service_transaction
def inspection_record(
    *,
    by,
    site_id: int,
    inspected_on,
    inspector_name: str,
    result: str,
    findings: str = "",
    photos=(),
) -> Inspection:
    """An inspection of a site, with checked photos; a failed one opens a violation."""
    if by is not None:
        require_auditor_or_operator(by)
    site = site_locked(site_id)
    inspection = Inspection(
        site=site,
        inspected_on=inspected_on,
        inspector_name=inspector_name,
        result=result,
        findings=findings,
        recorded_by=by,
    )
    check_model_fields(inspection)
    if inspection.inspected_on > timezone.localdate():
        raise invalid("inspected_on", _("An inspection cannot be in the future."), "IN_FUTURE")
    photos = list(photos or ())
    if len(photos) > MAX_INSPECTION_PHOTOS:
        raise invalid(
            "photos",
            _("An inspection takes at most %(maximum)d photos.")
            % {"maximum": MAX_INSPECTION_PHOTOS},
            "TOO_MANY",
        )
    checked = [images.check_image(upload, field=f"photos.{i}") for i, upload in enumerate(photos)]
    inspection.save()
    stored: list[InspectionPhoto] = []
    try:
        for upload, picture in zip(photos, checked, strict=True):
            photo = InspectionPhoto(
                inspection=inspection, width=picture.width, height=picture.height
            )
            photo.image.save(
                f"{site.pk}-{uuid.uuid4().hex}.{picture.extension}", upload, save=False
            )
            stored.append(photo)
            photo.save()
        violation = None
        if inspection.result == Inspection.Result.FAILED:
            violation = violation_open(
                site=site,
                kind=Violation.Kind.FAILED_INSPECTION,
                inspection=inspection,
                details=inspection.findings,
            )
        AuditEntry.objects.create(
            action=AuditEntry.Action.INSPECTION_RECORD,
            site=site,
            inspection=inspection,
            violation=violation,
            reason=inspection.findings,
            actor=by,
        )
    except Exception:
        for photo in stored:
            photo.image.storage.delete(photo.image.name)
        raise
    return inspection


@service_transaction
def violation_open(
    *, site: Site, kind: str, lot=None, spraying=None, inspection=None, details: str = ""
) -> Violation:
    """Open a violation at ``site`` (of one lot, or of the site as a whole)."""
    errors: dict[str, list[str]] = {}
    if lot is not None and site.pk not in (lot.growing_area_id, lot.packing_house_id):
        errors["lot"] = [_("This lot was not grown or packed at this site.")]
    if spraying is not None and spraying.area_id != site.pk:
        errors["spraying"] = [_("This spraying was not at this site.")]
    if inspection is not None and inspection.site_id != site.pk:
        errors["inspection"] = [_("This inspection was not of this site.")]
    if errors:
        raise ValidationError(errors)
    violation = Violation(
        site=site,
        lot=lot,
        kind=kind,
        spraying=spraying,
        inspection=inspection,
        details=details,
        opened_at=timezone.now(),
    )
    check_model_fields(violation)
    violation.save()
    _refresh_for(violation)
    return violation


@service_transaction
def violation_close(*, by, violation_id: int, note: str) -> Violation:
    """Close an open violation with the auditor's note of what was done about it."""
    if by is not None:
        require_auditor_or_operator(by)
    note = (note or "").strip()
    if not note:
        raise invalid("note", _("Say how the violation was resolved."), "REQUIRED")
    violation = (
        Violation.objects.select_for_update(of=("self",))
        .select_related("site")
        .filter(pk=violation_id)
        .first()
        if isinstance(violation_id, int) and not isinstance(violation_id, bool)
        else None
    )
    if violation is None:
        raise NotFound(_("This violation does not exist."), field="violation_id")
    if violation.status != Violation.Status.OPEN:
        raise DomainError(
            _("This violation is already closed."), code="INVALID_TRANSITION", field="violation_id"
        )
    now = timezone.now()
    violation.status = Violation.Status.CLOSED
    violation.closed_at = now
    violation.closed_by = by
    violation.closing_note = note
    violation.save(update_fields=["status", "closed_at", "closed_by", "closing_note"])
    AuditEntry.objects.create(
        action=AuditEntry.Action.VIOLATION_CLOSE,
        site=violation.site,
        violation=violation,
        reason=note,
        actor=by,
        at=now,
    )
    _refresh_for(violation)
    return violation


def _refresh_for(violation: Violation) -> None:
    """A lot's violation moves that lot (and what was made from it); a site's, its lots."""
    if violation.lot_id is not None:
        origin_refresh(lot_ids=[violation.lot_id])
    else:
        origin_refresh_for_sites(site_ids=[violation.site_id])
