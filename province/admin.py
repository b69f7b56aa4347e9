"""Django admin for the department's OCOP registry: read-mostly.

Entries come from the department's spreadsheet (``ocopRegistryImport``) and imports are
their record, so neither is added, changed or deleted here; a suggested match is
confirmed or rejected by the same services the API calls, as the signed-in user (an
auditor or operator: the service refuses anyone else).
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from market.core.admin import RefusedWritesMixin
from market.core.errors import DomainError
from province.models import RegistryEntry, RegistryImport
from province.services import registry


class _ReadOnly(RefusedWritesMixin):
    refused = ("add", "change", "delete")


_DECISIONS = {
    "confirm_suggestions": (
        registry.registry_entry_confirm_match,
        _("Confirm the selected suggestions"),
        ngettext_lazy("%(count)d match confirmed.", "%(count)d matches confirmed.", "count"),
    ),
    "reject_suggestions": (
        registry.registry_entry_reject_match,
        _("Reject the selected suggestions"),
        ngettext_lazy("%(count)d suggestion rejected.", "%(count)d suggestions rejected.", "count"),
    ),
}


def _decision(name: str):
    service, label, done_message = _DECISIONS[name]

    @admin.action(description=label)
    def decide(modeladmin, request, queryset):
        done = 0
        for entry in queryset:
            try:
                service(by=request.user, entry_id=entry.pk)
            except DomainError as error:
                modeladmin.message_user(
                    request,
                    _("%(entry)s: %(problem)s")
                    % {"entry": entry.certificate_number, "problem": error.message},
                    messages.WARNING,
                )
            else:
                done += 1
        modeladmin.message_user(request, done_message % {"count": done})

    decide.__name__ = name
    return decide


@admin.register(RegistryEntry)
class RegistryEntryAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = (
        "certificate_number",
        "product_name",
        "producer_name",
        "stars",
        "product_group",
        "expires_on",
        "ward",
        "match_status",
        "certificate",
        "match_score",
    )
    list_filter = ("match_status", "stars", "product_group", "former_district")
    search_fields = ("certificate_number", "product_name", "producer_name", "ward")
    list_select_related = ("certificate",)
    actions = ("confirm_suggestions", "reject_suggestions")

    confirm_suggestions = _decision("confirm_suggestions")
    reject_suggestions = _decision("reject_suggestions")


@admin.register(RegistryImport)
class RegistryImportAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = (
        "created_at",
        "file_name",
        "file_format",
        "dry_run",
        "applied",
        "rows_total",
        "rows_created",
        "rows_updated",
        "rows_unchanged",
        "rows_refused",
        "imported_by",
    )
    list_filter = ("applied", "dry_run", "file_format")
    search_fields = ("file_name", "file_sha256")
    list_select_related = ("imported_by",)
