"""Tables of traceability: coded sites, lots, their EPCIS event chains, and audits.

A ``Site`` is a place registered under a plant-protection code: a growing area
(mã số vùng trồng, PUC) or a packing house (mã số cơ sở đóng gói, PHC). Both
kinds share one table because they share the code, the owner, the address, the
status and its history, and the auditors' actions; only growing areas carry
crops, hectares and a boundary (a check constraint says so).

A ``Lot`` is created when it is planted (or made, for processed products) and
collects its ``TraceEvent`` rows, an append-only hash chain: PostgreSQL (and
SQLite, for the embedded default) refuse UPDATE and DELETE on the table
(migration 0002), and a correction is a new event declaring the error of an
earlier one. ``Lot.origin_verified`` and ``Product.origin_verified`` are caches
of the verified-origin rule (``traceability.selectors``), kept current by the
services in the same transaction as every change that can move them.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from traceability import validators


def _recorded_by(related_name: str = "+") -> models.ForeignKey:
    """The account that did something, kept for the record: the row outlives that account."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name=related_name,
    )


class Site(models.Model):
    class Kind(models.TextChoices):
        GROWING_AREA = "growing_area", "Vùng trồng"
        PACKING_HOUSE = "packing_house", "Cơ sở đóng gói"

    class Status(models.TextChoices):
        PENDING = "pending", "Chờ duyệt"
        ACTIVE = "active", "Đang hiệu lực"
        SUSPENDED = "suspended", "Tạm dừng"
        REVOKED = "revoked", "Thu hồi"

    # Where it is: its address and its point, as every kind of site has them.
    PLACE_FIELDS = ("street", "ward", "province", "former_district", "latitude", "longitude")

    seller = models.ForeignKey(
        "sellers.Seller", on_delete=models.PROTECT, related_name="trace_sites"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    code = models.CharField(
        max_length=32,
        unique=True,
        help_text="Matches the TRACE_..._CODE_PATTERN setting of its kind.",
    )
    name = models.CharField(max_length=255)
    crops = models.JSONField(default=list, blank=True, help_text="Crop names, in Vietnamese.")
    area_hectares = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    street = models.CharField(max_length=255, blank=True)
    ward = models.CharField(max_length=100, help_text="Phường or xã.")
    province = models.CharField(max_length=100, default="Khánh Hòa")
    former_district = models.CharField(max_length=100, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    boundary = models.JSONField(
        null=True, blank=True, help_text="A GeoJSON Polygon, closed and inside Vietnam."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    status_changed_at = models.DateTimeField(default=timezone.now)
    registered_by = _recorded_by()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["seller", "kind", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["growing_area", "packing_house"]), name="site_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "active", "suspended", "revoked"]),
                name="site_status_known",
            ),
            models.CheckConstraint(
                condition=Q(area_hectares__isnull=True) | Q(area_hectares__gt=0),
                name="site_area_positive",
            ),
            models.CheckConstraint(
                condition=Q(kind="growing_area")
                | (Q(area_hectares__isnull=True) & Q(boundary__isnull=True)),
                name="site_only_growing_areas_have_land",
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="site_point_on_earth",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def clean(self) -> None:
        validators.validate_site(self)


class GapCertificate(models.Model):
    """A Good Agricultural Practice certificate of a growing area."""

    class Scheme(models.TextChoices):
        VIETGAP = "vietgap", "VietGAP"
        GLOBALGAP = "globalgap", "GlobalG.A.P."

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="gap_certificates")
    scheme = models.CharField(max_length=16, choices=Scheme.choices)
    number = models.CharField(max_length=64)
    issuer = models.CharField(max_length=255)
    valid_from = models.DateField()
    valid_until = models.DateField()

    class Meta:
        ordering = ["-valid_until", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scheme__in=["vietgap", "globalgap"]), name="gap_scheme_known"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="gap_validity_ordered"
            ),
            models.UniqueConstraint(fields=["scheme", "number"], name="gap_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} {self.number}"


class SiteStatusChange(models.Model):
    """One change of a site's status: who, when, why. Append-only (migration 0002)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=Site.Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Site.Status.choices)
    reason = models.TextField(blank=True)
    changed_by = _recorded_by()
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.site_id}: {self.from_status or '∅'} → {self.to_status}"


class Lot(models.Model):
    seller = models.ForeignKey("sellers.Seller", on_delete=models.PROTECT, related_name="lots")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="lots")
    variants = models.ManyToManyField(
        "catalog.ProductVariant", blank=True, related_name="lots", help_text="Sold as these."
    )
    code = models.CharField(
        max_length=20,
        unique=True,
        validators=[validators.validate_lot_code],
        help_text="GS1 AI 10: up to 20 characters of the GS1 encodable set 82.",
    )
    growing_area = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="lots"
    )
    packing_house = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="packed_lots"
    )
    harvest_date = models.DateField(
        null=True, blank=True, help_text="Harvested, or made for a processed lot."
    )
    harvested_kg = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    remaining_kg = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    best_before = models.DateField(null=True, blank=True)
    gtin = models.CharField(
        max_length=14, blank=True, validators=[validators.validate_gtin], help_text="GTIN-14."
    )
    gtin_is_demo = models.BooleanField(default=False)
    origin_verified = models.BooleanField(default=False)
    # Why the origin is not verified, as codes (AREA_SUSPENDED, CHAIN_BROKEN...).
    origin_problems = models.JSONField(default=list, blank=True)
    event_count = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=64, blank=True, help_text="Hash of the last event.")
    # Set by ``lot_verify`` when the chain was last walked, and when a walk found a broken link.
    chain_checked_at = models.DateTimeField(null=True, blank=True)
    chain_broken_at = models.DateTimeField(null=True, blank=True)
    created_by = _recorded_by()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        indexes = [
            models.Index(fields=["product", "origin_verified"]),
            models.Index(fields=["gtin", "code"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(harvested_kg__gte=0), name="lot_harvest_positive"),
            models.CheckConstraint(
                condition=Q(remaining_kg__gte=0) & Q(remaining_kg__lte=F("harvested_kg")),
                name="lot_remaining_within_harvest",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        validators.validate_lot(self)


class TraceEvent(models.Model):
    """One EPCIS 2.0 event in a lot's chain. Never updated or deleted (migration 0002).

    ``document`` is the event exactly as recorded (the EPCIS JSON-LD object, with
    the project's ``ocop:`` keys and any internal note); the columns beside it are
    copies for queries. ``hash`` is SHA-256 over the RFC 8785 canonical JSON of
    ``{"previous": previous_hash, "sequence": sequence, "event": document}``.
    """

    class Type(models.TextChoices):
        OBJECT = "ObjectEvent", "ObjectEvent"
        AGGREGATION = "AggregationEvent", "AggregationEvent"
        TRANSFORMATION = "TransformationEvent", "TransformationEvent"

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="events")
    sequence = models.PositiveIntegerField()
    event_id = models.CharField(max_length=128, unique=True, help_text="An urn:uuid: URI.")
    event_type = models.CharField(max_length=24, choices=Type.choices)
    biz_step = models.CharField(max_length=200, help_text="A bare CBV term or our own URI.")
    event_time = models.DateTimeField()
    record_time = models.DateTimeField(default=timezone.now)
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    quantity_kg = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    declares_error_in = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="error_declarations"
    )
    document = models.JSONField()
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)
    recorded_by = _recorded_by()

    class Meta:
        ordering = ["lot", "sequence"]
        indexes = [
            models.Index(fields=["event_time"]),
            models.Index(fields=["biz_step", "event_time"]),
            models.Index(fields=["site", "event_time"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["lot", "sequence"], name="event_sequence_unique"),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="event_sequence_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id}#{self.sequence} {self.biz_step}"


class LotInput(models.Model):
    """A lot consumed by a transformation into another lot (fresh grapes into dried)."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="inputs")
    source = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="uses")
    quantity_kg = models.DecimalField(max_digits=12, decimal_places=3)
    event = models.ForeignKey(TraceEvent, on_delete=models.PROTECT, related_name="lot_inputs")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lot", "source"], name="lot_input_unique"),
            models.CheckConstraint(condition=Q(quantity_kg__gt=0), name="lot_input_positive"),
            models.CheckConstraint(condition=~Q(lot=F("source")), name="lot_input_not_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.lot_id} ({self.quantity_kg} kg)"


class Spraying(models.Model):
    """A plant-protection spraying on a growing area, from its event, with its PHI."""

    event = models.OneToOneField(TraceEvent, on_delete=models.PROTECT, related_name="spraying")
    area = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="sprayings")
    product_name = models.CharField(max_length=255)
    active_ingredient = models.CharField(max_length=255)
    dose = models.CharField(max_length=64, help_text="As on the label, e.g. 1,5 ml/lít.")
    pre_harvest_interval_days = models.PositiveSmallIntegerField()
    sprayed_at = models.DateTimeField()
    harvest_allowed_from = models.DateTimeField(help_text="sprayed_at + the PHI.")

    class Meta:
        indexes = [models.Index(fields=["area", "harvest_allowed_from"])]

    def __str__(self) -> str:
        return f"{self.product_name} on {self.area_id} at {self.sprayed_at:%Y-%m-%d}"


class Inspection(models.Model):
    class Result(models.TextChoices):
        PASSED = "passed", "Đạt"
        FAILED = "failed", "Không đạt"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="inspections")
    inspected_on = models.DateField()
    inspector_name = models.CharField(max_length=200)
    result = models.CharField(max_length=8, choices=Result.choices)
    findings = models.TextField(blank=True)
    recorded_by = _recorded_by()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-inspected_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=["passed", "failed"]), name="inspection_result_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.inspected_on}: {self.result}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="traceability/inspections/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.image.name


class Violation(models.Model):
    class Kind(models.TextChoices):
        PRE_HARVEST_INTERVAL = "pre_harvest_interval", "Thu hoạch trong thời gian cách ly"
        FAILED_INSPECTION = "failed_inspection", "Kiểm tra không đạt"

    class Status(models.TextChoices):
        OPEN = "open", "Đang mở"
        CLOSED = "closed", "Đã đóng"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="violations")
    lot = models.ForeignKey(
        Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="violations"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    details = models.TextField(blank=True)
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="violations"
    )
    spraying = models.ForeignKey(
        Spraying, null=True, blank=True, on_delete=models.PROTECT, related_name="violations"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = _recorded_by()
    closing_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["site", "status"]), models.Index(fields=["lot", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["pre_harvest_interval", "failed_inspection"]),
                name="violation_kind_known",
            ),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(closed_at__isnull=True))
                | (Q(status="closed") & Q(closed_at__isnull=False)),
                name="violation_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.site_id} ({self.status})"


class AuditEntry(models.Model):
    """One action of an auditor (or operator), readable by auditors and operators.

    Append-only (migration 0002): the log is evidence, so nobody edits it.
    """

    class Action(models.TextChoices):
        SITE_APPROVE = "site_approve", _("approved a code")
        SITE_SUSPEND = "site_suspend", _("suspended a code")
        SITE_REINSTATE = "site_reinstate", _("reinstated a code")
        SITE_REVOKE = "site_revoke", _("revoked a code")
        INSPECTION_RECORD = "inspection_record", _("recorded an inspection")
        VIOLATION_CLOSE = "violation_close", _("closed a violation")

    action = models.CharField(max_length=24, choices=Action.choices)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="audit_entries")
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    violation = models.ForeignKey(
        Violation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    actor = _recorded_by()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["at"]), models.Index(fields=["site", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.site_id}"
