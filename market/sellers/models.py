from django.conf import settings
from django.db import models


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
