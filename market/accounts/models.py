from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields):
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str, **fields):
        fields.update(is_staff=True, is_superuser=True, role=User.Role.OPERATOR)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        BUYER = "buyer", "Người mua"
        AUDITOR = "auditor", "Cán bộ Sở Nông nghiệp"
        OPERATOR = "operator", "Quản trị sàn"

    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.BUYER)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May sign in to Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    last_password_reset_request = models.DateTimeField(
        null=True, blank=True, help_text="When a set-password link was last emailed."
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["buyer", "auditor", "operator"]),
                name="user_role_known",
            )
        ]

    def __str__(self) -> str:
        return self.email


class RefreshToken(models.Model):
    """A refresh token's id (JWT ``jti``), so that it can be revoked or rotated once."""

    jti = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"refresh token {self.jti[:8]}… of user {self.user_id}"


class Address(models.Model):
    """A Vietnamese address after the 2025 reform: ward or commune, then province.

    ``former_district`` keeps the district of older records (the districts were
    abolished on 2025-07-01) for display and reporting only.
    """

    full_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=16, blank=True, help_text="E.164, e.g. +84912345678.")
    street = models.CharField(max_length=255, blank=True)
    ward = models.CharField(max_length=100, help_text="Phường or xã.")
    province = models.CharField(max_length=100, default="Khánh Hòa")
    former_district = models.CharField(max_length=100, blank=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="addresses"
    )

    def __str__(self) -> str:
        return ", ".join(part for part in (self.street, self.ward, self.province) if part)
