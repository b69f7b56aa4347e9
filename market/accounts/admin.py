from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from market.accounts import services
from market.accounts.models import Address, RefreshToken, User
from market.core.admin import RefusedWritesMixin


class EmailFormMixin:
    """Emails are stored lower-cased, and one address is one account whatever its case."""

    def clean_email(self):
        email = services.normalize_email(self.cleaned_data["email"])
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("An account with this email already exists."))
        return email


class UserCreationAdminForm(EmailFormMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "role")


class UserChangeAdminForm(EmailFormMixin, UserChangeForm):
    class Meta:
        model = User
        fields = (
            "email",
            "password",
            "first_name",
            "last_name",
            "role",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
            "last_login",
            "date_joined",
        )


def _tokens_revoked(count: int) -> str:
    return ngettext(
        "%(count)d refresh token revoked.", "%(count)d refresh tokens revoked.", count
    ) % {"count": count}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    fieldsets = (
        (None, {"fields": ("email", "password", "role")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "role", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "first_name", "last_name", "role", "is_active", "date_joined")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    actions = ("revoke_refresh_tokens",)

    @admin.action(description=_("Sign out everywhere (revoke all refresh tokens)"))
    def revoke_refresh_tokens(self, request, queryset):
        revoked = sum(services.tokens_revoke_all(user=user) for user in queryset)
        self.message_user(request, _tokens_revoked(revoked))


@admin.register(RefreshToken)
class RefreshTokenAdmin(RefusedWritesMixin, admin.ModelAdmin):
    list_display = ("jti", "user", "created_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at", "expires_at")
    search_fields = ("jti", "user__email")
    list_select_related = ("user",)
    readonly_fields = ("jti", "user", "created_at", "expires_at", "revoked_at")
    actions = ("revoke",)
    # Tokens come from signing in; one made here would have no JWT to go with it.
    refused = ("add", "change")

    @admin.action(description=_("Revoke selected refresh tokens"))
    def revoke(self, request, queryset):
        revoked = services.tokens_revoke(token_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _tokens_revoked(revoked), messages.SUCCESS)


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("__str__", "full_name", "ward", "province", "former_district", "user")
    list_filter = ("province", "former_district")
    search_fields = ("full_name", "street", "ward", "user__email")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
