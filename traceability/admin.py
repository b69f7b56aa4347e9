"""Django admin for traceability: read-mostly.

Records are made through the API's services, whose rules (the code's format, the status
transitions, the chains' hashes) a plain admin form would bypass. Sites are shown with
their certificates and history and change status only through the auditors' services,
with the reason typed beside the action; lots are shown; events and the audit log, which
the database keeps append-only, are shown without change or delete.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from market.core.admin import RefusedWritesMixin
from market.core.errors import DomainError
from traceability.models import (
    AuditEntry,
    GapCertificate,
    Lot,
    Site,
    SiteStatusChange,
    TraceEvent,
    Violation,
)
from traceability.services import sites as site_services


class _ReadOnly(RefusedWritesMixin):
    """Shown, never added, changed or deleted from the admin."""

    refused = ("add", "change", "delete")


class GapCertificateInline(_ReadOnly, admin.TabularInline):
    model = GapCertificate
    extra = 0
    fields = ("scheme", "number", "issuer", "valid_from", "valid_until")
    readonly_fields = fields


class StatusChangeInline(_ReadOnly, admin.TabularInline):
    model = SiteStatusChange
    extra = 0
    fields = ("changed_at", "from_status", "to_status", "reason", "changed_by")
    readonly_fields = fields


# The auditors' decisions offered on the list of sites, by action name: the service that
# makes it, the action's label, what is said once it is made (the count fills ``count``).
_DECISION_SERVICES = {
    "approve": site_services.site_approve,
    "suspend": site_services.site_suspend,
    "reinstate": site_services.site_reinstate,
    "revoke": site_services.site_revoke,
}
_DECISION_LABELS = {
    "approve": _("Approve selected codes"),
    "suspend": _("Suspend selected codes (give the reason)"),
    "reinstate": _("Reinstate selected codes (give the reason)"),
    "revoke": _("Revoke selected codes (give the reason)"),
}
_DECISIONS_DONE = {
    "approve": ngettext_lazy("%(count)d code approved.", "%(count)d codes approved.", "count"),
    "suspend": ngettext_lazy("%(count)d code suspended.", "%(count)d codes suspended.", "count"),
    "reinstate": ngettext_lazy(
        "%(count)d code reinstated.", "%(count)d codes reinstated.", "count"
    ),
    "revoke": ngettext_lazy("%(count)d code revoked.", "%(count)d codes revoked.", "count"),
}


def _decision(action: str):
    """The admin action ``action`` of ``SiteAdmin``, through the auditors' service."""

    @admin.action(description=_DECISION_LABELS[action])
    def decide(modeladmin, request, queryset):
        modeladmin._decide(request, queryset, action)

    decide.__name__ = action
    return decide


class SiteActionForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.TextInput(attrs={"size": 60})
    )


@admin.register(Site)
class SiteAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "seller", "ward", "province", "status")
    list_filter = ("kind", "status", "province")
    search_fields = ("code", "name", "seller__name", "ward")
    list_select_related = ("seller",)
    inlines = (GapCertificateInline, StatusChangeInline)
    action_form = SiteActionForm
    actions = ("approve", "suspend", "reinstate", "revoke")

    def _decide(self, request, queryset, action: str):
        decide = _DECISION_SERVICES[action]
        reason = request.POST.get("reason", "").strip()
        done = 0
        for site in queryset:
            try:
                decide(by=request.user, site_id=site.pk, reason=reason)
            except DomainError as error:
                self._warn(request, site, error.message)
            except ValidationError as error:
                self._warn(request, site, " ".join(error.messages))
            else:
                done += 1
        self.message_user(request, _DECISIONS_DONE[action] % {"count": done})

    def _warn(self, request, site, problem):
        self.message_user(
            request,
            _("%(site)s: %(problem)s") % {"site": site.code, "problem": problem},
            messages.WARNING,
        )

    approve = _decision("approve")
    suspend = _decision("suspend")
    reinstate = _decision("reinstate")
    revoke = _decision("revoke")


@admin.register(Lot)
class LotAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = (
        "code",
        "product",
        "seller",
        "growing_area",
        "harvest_date",
        "remaining_kg",
        "origin_verified",
    )
    list_filter = ("origin_verified",)
    search_fields = ("code", "gtin", "product__name", "growing_area__code")
    list_select_related = ("product", "seller", "growing_area")


@admin.register(TraceEvent)
class TraceEventAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("lot", "sequence", "event_type", "biz_step", "event_time", "site")
    list_filter = ("event_type",)
    search_fields = ("lot__code", "event_id", "biz_step")
    list_select_related = ("lot", "site")


@admin.register(Violation)
class ViolationAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("site", "lot", "kind", "status", "opened_at", "closed_at")
    list_filter = ("kind", "status")
    search_fields = ("site__code", "lot__code")
    list_select_related = ("site", "lot")


@admin.register(AuditEntry)
class AuditEntryAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("at", "action", "site", "actor", "reason")
    list_filter = ("action",)
    search_fields = ("site__code", "actor__email", "reason")
    list_select_related = ("site", "actor")
