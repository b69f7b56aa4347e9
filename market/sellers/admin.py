from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from market.sellers import services
from market.sellers.models import Seller, SellerMembership
from market.sellers.validators import normalize_phone, normalize_tax_code


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


class MembershipInline(admin.TabularInline):
    model = SellerMembership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)


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
            services.update_seller(seller=seller, status=Seller.Status.SUSPENDED)

    @admin.action(description=_("Reactivate selected sellers"))
    def reactivate(self, request, queryset):
        for seller in queryset:
            services.update_seller(seller=seller, status=Seller.Status.ACTIVE)
