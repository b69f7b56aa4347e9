from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _acting_user(*, help_text: str) -> models.ForeignKey:
    """Who did something to a row, kept for the record: the row outlives that account."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=help_text,
    )


class Seller(models.Model):
    class Kind(models.TextChoices):
        COOPERATIVE = "cooperative", "Hợp tác xã"
        ENTERPRISE = "enterprise", "Doanh nghiệp"
        HOUSEHOLD = "household", "Hộ kinh doanh"
        ESTABLISHMENT = "establishment", "Cơ sở sản xuất, chế biến"

    class Status(models.TextChoices):
        ACTIVE = "active", "Đang hoạt động"
        SUSPENDED = "suspended", "Tạm ngừng"

    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    tax_code = models.CharField(
        max_length=14, blank=True, help_text="Mã số thuế: 10 digits, or 13 with a branch suffix."
    )
    phone = models.CharField(max_length=16, blank=True, help_text="E.164, e.g. +842593822222.")
    email = models.EmailField(blank=True)
    description = models.TextField(blank=True)
    logo = models.ImageField(upload_to="sellers/logos/", blank=True)
    address = models.OneToOneField(
        "accounts.Address", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_verified = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["cooperative", "enterprise", "household", "establishment"]
                ),
                name="seller_kind_known",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "suspended"]), name="seller_status_known"
            ),
            models.UniqueConstraint(
                fields=["tax_code"], condition=~models.Q(tax_code=""), name="seller_tax_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SellerMembership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Chủ cơ sở"
        STAFF = "staff", "Nhân viên"

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seller_memberships"
    )
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "user"], name="membership_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=["owner", "staff"]), name="membership_role_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.seller_id} ({self.role})"


class SellerInvitation(models.Model):
    """An offer of a place in a seller's staff, which only the invited person can take up.

    Nobody becomes staff of a seller without saying yes: the invitation names
    the account (one is opened, without a password, for an email not yet
    known), and a membership is created only when that person, signed in,
    accepts. A pending invitation past ``expires_at`` is expired whether or not
    its row says so yet (see ``is_expired``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seller_invitations"
    )
    role = models.CharField(
        max_length=8, choices=SellerMembership.Role.choices, default=SellerMembership.Role.STAFF
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    invited_by = _acting_user(help_text="Kept for the record; empty once that account is deleted.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was accepted, declined, revoked or expired."
    )
    decided_by = _acting_user(help_text="Who accepted, declined or revoked it.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "status"]),
            models.Index(fields=["seller", "status"]),
        ]
        constraints = [
            # A second invitation while one waits would only be a second email.
            models.UniqueConstraint(
                fields=["seller", "user"],
                condition=models.Q(status="pending"),
                name="seller_invitation_one_pending",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["pending", "accepted", "declined", "revoked", "expired"]
                ),
                name="seller_invitation_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["owner", "staff"]), name="seller_invitation_role_known"
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="seller_invitation_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", decided_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False)),
                name="seller_invitation_decided_unless_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"invitation of {self.user_id} to {self.seller_id} ({self.role}, {self.status})"

    def is_expired(self, now=None) -> bool:
        return self.status == self.Status.EXPIRED or (
            self.status == self.Status.PENDING and self.expires_at <= (now or timezone.now())
        )

    @property
    def current_status(self) -> str:
        """The status as it stands now: a pending invitation past its expiry is expired."""
        return self.Status.EXPIRED if self.is_expired() else self.status
