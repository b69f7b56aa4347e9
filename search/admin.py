"""Operators see what waits for the search index and can push it through."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from market.core.admin import RefusedWritesMixin
from market.core.models import ChangeRecord
from search import services


# The outbox is market.core's table; search delivers it, so search shows it.
@admin.register(ChangeRecord)
class ChangeRecordAdmin(RefusedWritesMixin, admin.ModelAdmin):
    list_display = ("topic", "object_id", "created_at", "attempts", "short_error")
    list_filter = ("topic", "attempts")
    search_fields = ("object_id",)
    readonly_fields = ("topic", "object_id", "created_at", "attempts", "last_error")
    actions = ("deliver_now",)
    refused = ("add",)

    @admin.display(description=_("last error"))
    def short_error(self, entry: ChangeRecord) -> str:
        return entry.last_error[:120]

    @admin.action(description=_("Deliver the whole outbox now"))
    def deliver_now(self, request, queryset):
        # Delivery takes rows in order under row locks; delivering all is as
        # cheap as delivering the selection and keeps one code path.
        report = services.deliver_outbox()
        level = messages.WARNING if report.failed else messages.SUCCESS
        self.message_user(
            request,
            _("Delivered %(delivered)d, failed %(failed)d.")
            % {"delivered": report.delivered, "failed": report.failed},
            level=level,
        )
