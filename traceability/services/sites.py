"""Writes of coded sites: registering growing areas and packing houses, their GAP
certificates, and the auditors' decisions on their status.

Seller staff register and correct their own sellers' sites while an auditor has not yet
decided on them (``site_update``: the address, the point, the boundary, the name, the crops
and the hectares; never the seller, the kind or the code, which is what was applied for).
Auditors and operators decide: approve (pending → active), suspend (active → suspended),
reinstate (suspended → active) and revoke (pending, active or suspended → revoked, final).
Each decision takes the site's row lock, so two auditors acting at once are applied one
after the other and the second sees the first one's status; each writes the status
history and the audit log, refreshes the verified origin of every lot depending on the
site, and, for a suspension, revocation or reinstatement, emails the seller's staff
after the commit.

``by=None`` is the platform (the demo loader, tasks), allowed everywhere; the admin site
passes its signed-in operator.
"""

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from market.core.addresses import ward_named
from market.core.errors import DomainError, NotFound, invalid
from market.core.permissions import (
    fetch_for_seller_staff,
    is_operator,
    is_row_id,
    require_auditor_or_operator,
    require_seller_staff,
)
from market.core.transactions import service_transaction
from market.sellers.models import Seller
from traceability import tasks
from traceability.models import AuditEntry, GapCertificate, Site, SiteStatusChange
from traceability.services.common import check_model_fields, site_locked
from traceability.services.origin import origin_refresh_for_sites

# What seller staff may correct while their site waits for an auditor.
UPDATABLE_FIELDS = ("name", "crops", "area_hectares", *Site.PLACE_FIELDS, "boundary")

STATUS_NAMES = {
    Site.Status.PENDING: gettext_lazy("waiting for approval"),
    Site.Status.ACTIVE: gettext_lazy("active"),
    Site.Status.SUSPENDED: gettext_lazy("suspended"),
    Site.Status.REVOKED: gettext_lazy("revoked"),
}

# action → (the statuses it leaves, the status it reaches, whether a reason is required)
TRANSITIONS = {
    AuditEntry.Action.SITE_APPROVE: ({Site.Status.PENDING}, Site.Status.ACTIVE, False),
    AuditEntry.Action.SITE_SUSPEND: ({Site.Status.ACTIVE}, Site.Status.SUSPENDED, True),
    AuditEntry.Action.SITE_REINSTATE: ({Site.Status.SUSPENDED}, Site.Status.ACTIVE, True),
    AuditEntry.Action.SITE_REVOKE: (
        {Site.Status.PENDING, Site.Status.ACTIVE, Site.Status.SUSPENDED},
        Site.Status.REVOKED,
        True,
    ),
}
# Decisions the seller's staff are told of by email.
NOTIFIED_ACTIONS = {
    AuditEntry.Action.SITE_SUSPEND,
    AuditEntry.Action.SITE_REINSTATE,
    AuditEntry.Action.SITE_REVOKE,
}


@service_transaction
def site_register(
    *,
    by,
    seller_id: int,
    kind: str,
    code: str,
    name: str,
    crops=(),
    area_hectares=None,
    street: str = "",
    ward: str = "",
    province: str = "Khánh Hòa",
    former_district: str = "",
    latitude=None,
    longitude=None,
    boundary=None,
) -> Site:
    """A new site of ``seller_id``, pending until an auditor approves it."""
    if by is not None:
        require_seller_staff(by, seller_id)
    seller = Seller.objects.filter(pk=seller_id).first() if is_row_id(seller_id) else None
    if seller is None:
        raise NotFound(_("This seller does not exist."), field="seller_id")
    site = Site(
        seller=seller,
        kind=kind,
        code=code,
        name=name,
        crops=list(crops) if isinstance(crops, list | tuple) else crops,
        area_hectares=area_hectares,
        street=street,
        ward=ward,
        province=province,
        former_district=former_district,
        latitude=latitude,
        longitude=longitude,
        boundary=boundary,
        status=Site.Status.PENDING,
        status_changed_at=timezone.now(),
        registered_by=by,
    )
    _save_checked(site)
    SiteStatusChange.objects.create(
        site=site, from_status="", to_status=Site.Status.PENDING, changed_by=by
    )
    return site


@service_transaction
def site_update(*, by, site_id: int, **changes) -> Site:
    """Correct a site's details (``UPDATABLE_FIELDS``) while it waits for approval.

    Once an auditor has decided, the details are what was approved: only operators (and
    the platform) correct them then, never of a revoked site.
    """
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise TypeError(f"site_update() got unexpected fields {sorted(unknown)}")
    site = _site_for_staff(by, site_id, lock=True)
    if site.status == Site.Status.REVOKED or (
        site.status != Site.Status.PENDING and by is not None and not is_operator(by)
    ):
        raise DomainError(
            _("Only a site waiting for approval can be changed; this one is %(status)s.")
            % {"status": STATUS_NAMES[site.status]},
            code="INVALID_STATUS",
            field="site_id",
        )
    for field, value in changes.items():
        if field == "crops" and isinstance(value, tuple):
            value = list(value)
        setattr(site, field, value)
    _save_checked(site)
    return site


@service_transaction
def gap_certificate_add(
    *, by, site_id: int, scheme: str, number: str, issuer: str, valid_from, valid_until
) -> GapCertificate:
    """A VietGAP or GlobalG.A.P. certificate of a growing area that is not revoked."""
    site = _site_for_staff(by, site_id, lock=True)
    if site.kind != Site.Kind.GROWING_AREA:
        raise invalid(
            "site_id", _("Only growing areas hold GAP certificates."), "NOT_A_GROWING_AREA"
        )
    if site.status == Site.Status.REVOKED:
        raise DomainError(
            _("This code is revoked; it takes no more certificates."),
            code="INVALID_STATUS",
            field="site_id",
        )
    certificate = GapCertificate(
        site=site,
        scheme=scheme,
        number=number.strip() if isinstance(number, str) else number,
        issuer=issuer,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    check_model_fields(certificate)
    if certificate.valid_until < certificate.valid_from:
        raise invalid(
            "valid_until", _("A certificate cannot end before it starts."), "INVALID_DATES"
        )
    duplicate = GapCertificate.objects.filter(scheme=certificate.scheme, number=certificate.number)
    if duplicate.exists():
        raise _certificate_number_taken()
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError:
        raise _certificate_number_taken() from None
    return certificate


@service_transaction
def gap_certificate_remove(*, by, certificate_id: int) -> GapCertificate:
    certificate = fetch_for_seller_staff(
        GapCertificate.objects.select_related("site"),
        certificate_id,
        by=by,
        seller_field="site__seller_id",
        platform=True,
        lock=True,
        not_found=NotFound(_("This certificate does not exist."), field="certificate_id"),
    )
    pk = certificate.pk
    certificate.delete()
    certificate.pk = pk
    return certificate


def site_approve(*, by, site_id: int, reason: str = "") -> Site:
    return _decide(by, site_id, AuditEntry.Action.SITE_APPROVE, reason)


def site_suspend(*, by, site_id: int, reason: str) -> Site:
    return _decide(by, site_id, AuditEntry.Action.SITE_SUSPEND, reason)


def site_reinstate(*, by, site_id: int, reason: str) -> Site:
    return _decide(by, site_id, AuditEntry.Action.SITE_REINSTATE, reason)


def site_revoke(*, by, site_id: int, reason: str) -> Site:
    return _decide(by, site_id, AuditEntry.Action.SITE_REVOKE, reason)


@service_transaction
def _decide(by, site_id, action: str, reason: str) -> Site:
    if by is not None:
        require_auditor_or_operator(by)
    leaves, reaches, reason_required = TRANSITIONS[action]
    reason = (reason or "").strip()
    if reason_required and not reason:
        raise invalid("reason", _("Give the reason for this decision."), "REQUIRED")
    site = site_locked(site_id)
    if site.status not in leaves:
        raise DomainError(
            _("This code is %(status)s: it cannot become %(target)s this way.")
            % {"status": STATUS_NAMES[site.status], "target": STATUS_NAMES[reaches]},
            code="INVALID_TRANSITION",
            field="site_id",
        )
    now = timezone.now()
    previous = site.status
    site.status, site.status_changed_at = reaches, now
    site.save(update_fields=["status", "status_changed_at", "updated_at"])
    change = SiteStatusChange.objects.create(
        site=site,
        from_status=previous,
        to_status=reaches,
        reason=reason,
        changed_by=by,
        changed_at=now,
    )
    AuditEntry.objects.create(action=action, site=site, reason=reason, actor=by, at=now)
    origin_refresh_for_sites(site_ids=[site.pk])
    if action in NOTIFIED_ACTIONS:
        transaction.on_commit(partial(tasks.send_site_status_email.delay, change.pk), robust=True)
    return site


def _site_for_staff(by, site_id, *, lock: bool) -> Site:
    return fetch_for_seller_staff(
        Site.objects.select_related("seller"),
        site_id,
        by=by,
        platform=True,
        lock=lock,
        not_found=NotFound(_("This site does not exist."), field="site_id"),
    )


def _save_checked(site: Site) -> None:
    """Field rules (``full_clean``), then the insert; a code taken meanwhile is one error."""
    site.ward = ward_named(site.ward, site.province)
    _coerce_numbers(site)
    check_model_fields(site, validate_unique=False)
    taken = Site.objects.filter(code=site.code).exclude(pk=site.pk)
    if taken.exists():
        raise _code_taken()
    try:
        with transaction.atomic():
            site.save()
    except IntegrityError as error:
        if "code" in str(error):
            raise _code_taken() from None
        raise


def _coerce_numbers(site: Site) -> None:
    """Decimals before the rules compare them; a GPS point is kept to six places (~11 cm)."""
    errors = {}
    for field, places in (("area_hectares", None), ("latitude", 6), ("longitude", 6)):
        value = getattr(site, field)
        if value is None or (field == "area_hectares" and value == ""):
            setattr(site, field, None)
            continue
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            number = Decimal(str(value))
            if not number.is_finite():
                raise InvalidOperation
            if places is not None:
                number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
        except (InvalidOperation, ValueError, TypeError):
            errors[field] = [ValidationError(_("Enter a number."), code="INVALID")]
            continue
        setattr(site, field, number)
    if errors:
        raise ValidationError(errors)


def _code_taken() -> ValidationError:
    return invalid("code", _("This code is already registered."), "CODE_TAKEN")


def _certificate_number_taken() -> ValidationError:
    return invalid(
        "number", _("A certificate of this scheme with this number exists."), "DUPLICATED"
    )
