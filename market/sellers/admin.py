from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from market.core.addresses import normalize_phone
from market.core.admin import RefusedWritesMixin
from market.core.errors import DomainError
from market.sellers import services
from market.sellers.models import Seller, SellerInvitation, SellerMembership
from market.sellers.validators import normalize_tax_code


class SellerAdminForm(forms.ModelForm):
    """The API's rules for tax codes and phones hold for operators' edits too."""

    class Meta:
        model = Seller
        fields = (
            "name",
            "slug",
            "kind",
            "tax_code",
            "phone",
            "email",
            "description",
            "logo",
            "address",
            "is_verified",
            "status",
        )

    def clean_tax_code(self):
        value = self.cleaned_data["tax_code"].strip()
        return normalize_tax_code(value) if value else ""

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        return normalize_phone(value) if value else ""


class MembershipInline(RefusedWritesMixin, admin.TabularInline):
    """Shown, not edited: people join by accepting an invitation, and leave or change role
    through the API, whose rules (consent, the last owner) the admin would bypass."""

    model = SellerMembership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = fields
    refused = ("add", "change", "delete")


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    form = SellerAdminForm
    inlines = (MembershipInline,)
    list_display = ("name", "kind", "tax_code", "phone", "is_verified", "status", "created_at")
    list_filter = ("kind", "status", "is_verified")
    search_fields = ("name", "slug", "tax_code", "email")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("address",)
    raw_id_fields = ("address",)
    readonly_fields = ("created_at", "updated_at")
    actions = ("suspend", "reactivate")

    @admin.action(description=_("Suspend selected sellers"))
    def suspend(self, request, queryset):
        for seller in queryset:
            services.seller_update(seller_id=seller.pk, by=None, status=Seller.Status.SUSPENDED)

    @admin.action(description=_("Reactivate selected sellers"))
    def reactivate(self, request, queryset):
        for seller in queryset:
            services.seller_update(seller_id=seller.pk, by=None, status=Seller.Status.ACTIVE)


@admin.register(SellerInvitation)
class SellerInvitationAdmin(RefusedWritesMixin, admin.ModelAdmin):
    """The record of invitations; an operator may revoke a pending one, through the service."""

    list_display = ("seller", "user", "role", "status", "created_at", "expires_at", "decided_at")
    list_filter = ("status", "role")
    search_fields = ("seller__name", "user__email")
    list_select_related = ("seller", "user")
    actions = ("revoke",)
    refused = ("add", "change", "delete")

    @admin.action(description=_("Revoke selected pending invitations"))
    def revoke(self, request, queryset):
        revoked = 0
        for invitation in queryset:
            try:
                services.seller_invitation_revoke(invitation_id=invitation.pk, by=request.user)
            except DomainError as exc:
                self.message_user(
                    request,
                    _("%(invitation)s: %(problem)s")
                    % {"invitation": invitation, "problem": exc.message},
                    messages.WARNING,
                )
            else:
                revoked += 1
        self.message_user(
            request,
            ngettext("%(count)d invitation revoked.", "%(count)d invitations revoked.", revoked)
            % {"count": revoked},
        )
