"""Tables of the province's figures: the department's OCOP registry and monthly records.

``RegistryEntry`` is one line of the agriculture department's official list of certified
OCOP products, imported from its spreadsheet (``RegistryImport`` keeps each import). An
entry is matched to the marketplace's own certificate (and so its product) by certificate
number; else a person confirms a suggested match. The share of the province's OCOP
products on sale here counts entries whose matched product is on sale.

``MonthlyFigures`` keeps what cannot be recomputed later: how many products were listed,
on sale and of verified origin at a month's end. A nightly task rewrites the current
month's rows, so a closed month keeps its last night's state; one row per combination of
the dashboard's filters, so a trend for any filter is one grouped query.

``MonthlySales`` keeps a closed month's orders added up, so a year's dashboard does not
read a year of seller orders. Unlike a state it can be recomputed, and is: it is used only
while nothing it was counted from has changed since (``province.selectors.sales``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import OcopCertificate


class RegistryImport(models.Model):
    """One upload of the department's spreadsheet, applied (or only tried, as a dry run)."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    file_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=4, choices=Format.choices)
    file_sha256 = models.CharField(max_length=64)
    dry_run = models.BooleanField()
    applied = models.BooleanField(default=False, help_text="False when any row was refused.")
    rows_total = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_refused = models.PositiveIntegerField(default=0)
    # [{"row": 7, "field": "stars", "message": "…"}], in the importer's language.
    row_errors = models.JSONField(default=list, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"


def _unmatch_entries(collector, field, sub_objs, using):
    """``on_delete`` of an entry's certificate: its entries are unmatched in one UPDATE
    while the deletion is collected (in the deleting transaction). SET_NULL would leave
    them "matched" to nothing, which the check constraint refuses, so the certificate's
    deletion, and its product's, would fail; nor can the collector's field updates do it,
    one column per statement. ``registry_rematch`` may then find them another match."""
    entries = (
        sub_objs
        if isinstance(sub_objs, models.QuerySet)
        else RegistryEntry.objects.filter(pk__in=[entry.pk for entry in sub_objs])
    )
    entries.using(using).update(
        certificate=None, match_status="unmatched", match_method="", match_score=None
    )


class RegistryEntry(models.Model):
    """A certified OCOP product as the department lists it."""

    class MatchStatus(models.TextChoices):
        UNMATCHED = "unmatched", "Chưa khớp"
        SUGGESTED = "suggested", "Gợi ý, chờ xác nhận"
        MATCHED = "matched", "Đã khớp"
        REJECTED = "rejected", "Gợi ý bị từ chối"

    class MatchMethod(models.TextChoices):
        CERTIFICATE_NUMBER = "certificate_number", "Theo số giấy chứng nhận"
        CONFIRMED = "confirmed", "Người kiểm tra xác nhận"

    certificate_number = models.CharField(max_length=64, unique=True)
    product_name = models.CharField(max_length=255)
    producer_name = models.CharField(max_length=255)
    stars = models.PositiveSmallIntegerField()
    product_group = models.CharField(max_length=16, choices=OcopCertificate.ProductGroup.choices)
    issuing_decision = models.CharField(max_length=128)
    issued_on = models.DateField()
    expires_on = models.DateField()
    ward = models.CharField(max_length=100, blank=True, help_text="Phường or xã.")
    former_district = models.CharField(max_length=100, blank=True)
    certificate = models.ForeignKey(
        OcopCertificate,
        null=True,
        blank=True,
        on_delete=_unmatch_entries,
        related_name="registry_entries",
        help_text="The marketplace's certificate this entry is matched (or suggested) to.",
    )
    match_status = models.CharField(
        max_length=16, choices=MatchStatus.choices, default=MatchStatus.UNMATCHED
    )
    match_method = models.CharField(max_length=24, choices=MatchMethod.choices, blank=True)
    match_score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="0–100, for a suggestion."
    )
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_at = models.DateTimeField(null=True, blank=True)
    last_import = models.ForeignKey(
        RegistryImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["certificate_number"]
        indexes = [models.Index(fields=["match_status"]), models.Index(fields=["expires_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__gte=3, stars__lte=5), name="registry_entry_stars_3_to_5"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("issued_on")),
                name="registry_entry_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(match_status__in=["unmatched", "rejected"], certificate__isnull=True)
                | Q(match_status__in=["suggested", "matched"], certificate__isnull=False),
                name="registry_entry_certificate_iff_matched_or_suggested",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate_number} {self.product_name}"


class RegistryMatchRejection(models.Model):
    """A person said this certificate is not this entry's: it is never suggested again."""

    entry = models.ForeignKey(RegistryEntry, on_delete=models.CASCADE, related_name="rejections")
    certificate = models.ForeignKey(OcopCertificate, on_delete=models.CASCADE, related_name="+")
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "certificate"], name="registry_rejection_once_per_certificate"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} ≠ {self.certificate_id}"


class MonthlyFigures(models.Model):
    """Counts at a month's end, for one combination of the dashboard's filters.

    Blank text (and null stars) is "none": a product without a current certificate has
    no group and no stars. Counts are of products, as the shop's rules define them.
    """

    month = models.DateField(help_text="The month's first day.")
    ward = models.CharField(max_length=100, blank=True)
    former_district = models.CharField(max_length=100, blank=True)
    product_group = models.CharField(max_length=16, blank=True)
    stars = models.PositiveSmallIntegerField(null=True, blank=True)
    seller_kind = models.CharField(max_length=16, blank=True)
    registry_current = models.PositiveIntegerField(default=0)
    registry_listed = models.PositiveIntegerField(default=0)
    registry_on_sale = models.PositiveIntegerField(default=0)
    agricultural_published = models.PositiveIntegerField(default=0)
    origin_verified = models.PositiveIntegerField(default=0)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "month",
                    "ward",
                    "former_district",
                    "product_group",
                    "stars",
                    "seller_kind",
                ],
                name="monthly_figures_one_row_per_combination",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.ward or '*'} {self.seller_kind or '*'}"


class MonthlySales(models.Model):
    """A closed month's placed orders added up by ``MonthlySalesRow``, and what they were
    counted from: the kind and address of each seller with a part (``seller_places``) as of
    ``recorded_at``. An order of the month changed after ``recorded_at`` (its
    ``updated_at``), or one of those sellers moved or changed kind, and the month is read
    live again until the next record."""

    month = models.DateField(unique=True, help_text="The month's first day.")
    recorded_at = models.DateTimeField()
    seller_places = models.JSONField(
        default=dict, help_text='{"seller id": [kind, ward, former district]}'
    )

    class Meta:
        ordering = ["month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class MonthlySalesRow(models.Model):
    """Placed orders of one month, payment method and payment status with a part of a
    seller in ``ward``, ``former_district`` and of ``seller_kind``: how many distinct
    orders, and those parts' totals.

    Each of the three is one value, blank (a seller without an address has no ward or
    district) or ``ANY``. Every combination of values and ``ANY`` is kept, so each filter
    reads its own rows and an order with parts in two wards is still one order in the
    whole province.
    """

    record = models.ForeignKey(MonthlySales, on_delete=models.CASCADE, related_name="rows")
    payment_method = models.CharField(max_length=32)
    payment_status = models.CharField(max_length=16)
    ANY = "*"

    ward = models.CharField(max_length=100, blank=True)
    former_district = models.CharField(max_length=100, blank=True)
    seller_kind = models.CharField(max_length=16)
    orders = models.PositiveIntegerField()
    value = models.BigIntegerField(help_text="Whole VND.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "record",
                    "payment_method",
                    "payment_status",
                    "ward",
                    "former_district",
                    "seller_kind",
                ],
                name="monthly_sales_one_row_per_combination",
            )
        ]
        indexes = [models.Index(fields=["record", "former_district", "seller_kind"])]

    def __str__(self) -> str:
        return f"{self.record} {self.payment_method} {self.ward}"
