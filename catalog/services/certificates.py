"""OCOP certificates: a seller submits one, an auditor verifies or revokes it, and those
past their last valid day expire each night."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from catalog.models import OcopCertificate
from catalog.services import common
from market.core.errors import DomainError, invalid
from market.core.permissions import require_auditor_or_operator
from market.core.transactions import service_transaction

# A revocation reason is a TextField; this is what a letter to the seller can mean.
MAX_REVOCATION_REASON_LENGTH = 5_000


# Decision 490/QĐ-TTg of 7 May 2018 set up the OCOP programme: no certificate is older.
OCOP_PROGRAMME_START = date(2018, 5, 7)


def _check_dates(errors: common.FieldErrors, issued_on, expires_on, today: date) -> date | None:
    if not isinstance(issued_on, date):
        errors.add("issued_on", _("Give the date of issue."), "REQUIRED")
        return None
    possible_issue = OCOP_PROGRAMME_START <= issued_on <= today
    if issued_on > today:
        errors.add("issued_on", _("The date of issue cannot be in the future."), "INVALID_DATE")
    elif not possible_issue:
        errors.add(
            "issued_on",
            _("No OCOP certificate was issued before %(start)s, when the programme began.")
            % {"start": OCOP_PROGRAMME_START.isoformat()},
            "INVALID_DATE",
        )
    # Only a possible date of issue has an expiry: 36 months after 9999-12-31 is no date.
    longest = OcopCertificate.default_expiry(issued_on) if possible_issue else None
    if expires_on is None:
        expires_on = longest
    elif not isinstance(expires_on, date):
        errors.add("expires_on", _("Must be a date."), "INVALID")
        return None
    elif expires_on <= issued_on:
        errors.add("expires_on", _("The expiry must come after the date of issue."), "INVALID_DATE")
    elif longest is not None and expires_on > longest:
        errors.add(
            "expires_on",
            _("An OCOP certificate is valid at most 36 months, until %(date)s.")
            % {"date": longest.isoformat()},
            "INVALID_DATE",
        )
    if expires_on is not None and expires_on < today and "expires_on" not in errors.by_field:
        errors.add("expires_on", _("This certificate has already expired."), "CERTIFICATE_EXPIRED")
    return expires_on


@service_transaction
def ocop_certificate_submit(
    *,
    by,
    product_id: int,
    stars: int,
    certificate_number: str,
    issuing_decision: str,
    product_group: str,
    issued_on: date,
    expires_on: date | None = None,
) -> OcopCertificate:
    """A seller's claim of an OCOP rating, pending until an auditor verifies it.

    The level follows from the stars (3 or 4 stars provincial, 5 national) and the
    expiry defaults to 36 months after issue.
    """
    product = common.product_for_staff(by, product_id, field="product")
    certificate = OcopCertificate(
        product=product, status=OcopCertificate.Status.PENDING, submitted_by=by
    )
    errors = common.FieldErrors()
    # Hand-written beside the ``ocop_stars_3_to_5`` constraint, to come with the other errors.
    if not common.is_int(stars) or not 3 <= stars <= 5:
        errors.add("stars", _("An OCOP rating has 3, 4 or 5 stars."), "INVALID_STARS")
    number = common.model_field(errors, certificate, "certificate_number", certificate_number)
    common.model_field(errors, certificate, "issuing_decision", issuing_decision)
    unknown_group = _("Unknown OCOP product group %(group)r.") % {"group": product_group}
    common.model_field(
        errors,
        certificate,
        "product_group",
        product_group,
        messages={"blank": unknown_group, "invalid_choice": unknown_group},
    )
    # Dates against today and the programme's rules: no model field can say these.
    expires_on = _check_dates(errors, issued_on, expires_on, timezone.localdate())
    if (
        "certificate_number" not in errors.by_field
        and OcopCertificate.objects.filter(certificate_number=number).exists()
    ):
        errors.add("certificate_number", _certificate_on_file_message(number), "UNIQUE")
    errors.raise_if_any()
    certificate.stars = stars
    certificate.level = OcopCertificate.level_for(stars)
    certificate.issued_on = issued_on
    certificate.expires_on = expires_on
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError:
        if not OcopCertificate.objects.filter(certificate_number=number).exists():
            raise
        raise invalid(
            "certificate_number", _certificate_on_file_message(number), "UNIQUE"
        ) from None
    return certificate


def _certificate_on_file_message(number: str) -> str:
    return _("Certificate %(number)s is already on file.") % {"number": number}


def _certificate_status_words(status: str) -> str:
    """What a certificate in ``status`` is, to end a sentence about it."""
    words = {
        OcopCertificate.Status.PENDING: pgettext("certificate", "pending"),
        OcopCertificate.Status.VERIFIED: pgettext("certificate", "already verified"),
        OcopCertificate.Status.EXPIRED: pgettext("certificate", "expired"),
        OcopCertificate.Status.REVOKED: pgettext("certificate", "revoked"),
    }
    return words.get(status, status)


def _certificate_for_review(by, certificate_id) -> OcopCertificate:
    require_auditor_or_operator(by)
    return common.fetch(
        OcopCertificate.objects.select_for_update(), certificate_id, field="id", label="Certificate"
    )


@service_transaction
def ocop_certificate_verify(*, by, certificate_id: int) -> OcopCertificate:
    certificate = _certificate_for_review(by, certificate_id)
    if certificate.status != OcopCertificate.Status.PENDING:
        raise DomainError(
            _("Only a pending certificate can be verified; this one is %(status)s.")
            % {"status": _certificate_status_words(certificate.status)},
            code="INVALID_STATUS",
        )
    if certificate.expires_on < timezone.localdate():
        raise DomainError(
            _("This certificate expired before it was verified."), code="CERTIFICATE_EXPIRED"
        )
    certificate.status = OcopCertificate.Status.VERIFIED
    certificate.reviewed_by = by
    certificate.reviewed_at = timezone.now()
    certificate.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    common.reindex(certificate.product_id)
    return certificate


@service_transaction
def ocop_certificate_revoke(*, by, certificate_id: int, reason: str) -> OcopCertificate:
    """Withdraw a pending or verified certificate; the reason is kept for the seller."""
    certificate = _certificate_for_review(by, certificate_id)
    errors = common.FieldErrors()
    # Required only of a revocation (the column is blank on other certificates).
    reason = common.checked_text(
        errors, "reason", reason, max_length=MAX_REVOCATION_REASON_LENGTH, required=True
    )
    errors.raise_if_any()
    if certificate.status not in (OcopCertificate.Status.PENDING, OcopCertificate.Status.VERIFIED):
        raise DomainError(
            _("Only a pending or verified certificate can be revoked; this one is %(status)s.")
            % {"status": _certificate_status_words(certificate.status)},
            code="INVALID_STATUS",
        )
    certificate.status = OcopCertificate.Status.REVOKED
    certificate.revocation_reason = reason
    certificate.reviewed_by = by
    certificate.reviewed_at = timezone.now()
    certificate.save(update_fields=["status", "revocation_reason", "reviewed_by", "reviewed_at"])
    common.reindex(certificate.product_id)
    return certificate


@service_transaction
def ocop_certificates_expire(*, today: date | None = None) -> int:
    """Mark verified certificates whose last valid day is before ``today`` as expired.

    Returns how many expired; their products lose the stars in search too.
    """
    today = today or timezone.localdate()
    due = OcopCertificate.objects.select_for_update().filter(
        status=OcopCertificate.Status.VERIFIED, expires_on__lt=today
    )
    rows = list(due.values_list("pk", "product_id"))
    if not rows:
        return 0
    count = OcopCertificate.objects.filter(pk__in=[pk for pk, _product in rows]).update(
        status=OcopCertificate.Status.EXPIRED
    )
    common.reindex(*{product_id for _pk, product_id in rows})
    return count
