"""Django admin of the catalog, for marketplace operators.

Categories are edited here freely: they carry no rule beyond their columns.
Products, variants, pictures and certificates are written through the API,
whose services hold the rules (slugs, a product's fixed seller, stock never
below allocations, certificate review); here they are read-only, and the few
actions offered call those same services, so the admin cannot bypass a rule.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from catalog import models, services, tasks
from market.core.admin import RefusedWritesMixin
from market.core.errors import DomainError


def _problem(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return getattr(error, "message", str(error))


def _for_each(modeladmin, request, queryset, act, done_message) -> None:
    """Run a service per selected row, each in its own transaction, and report.

    ``done_message`` is an ``ngettext_lazy`` message whose number is ``count``.
    """
    done = 0
    for obj in queryset:
        try:
            act(obj)
        except (DomainError, ValidationError) as error:
            modeladmin.message_user(
                request,
                _("%(object)s: %(problem)s") % {"object": obj, "problem": _problem(error)},
                messages.ERROR,
            )
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message % {"count": done}, messages.SUCCESS)


class ReadOnlyInline(RefusedWritesMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True
    refused = ("add", "change")


# ---------------------------------------------------------------- categories


class CategoryTranslationInline(admin.TabularInline):
    model = models.CategoryTranslation
    extra = 0


@admin.register(models.Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)
    inlines = (CategoryTranslationInline,)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Products carry their category path in the search index.
        services.category_changed(category_id=form.instance.pk)


# ---------------------------------------------------------------- products


class ProductVariantInline(ReadOnlyInline):
    model = models.ProductVariant
    fields = ("sku", "name", "price", "compare_at_price", "weight_grams", "stock_quantity")
    readonly_fields = fields

    @admin.display(description=_("stock"))
    def stock_quantity(self, variant):
        stock = getattr(variant, "stock", None)
        if stock is None:
            return "—"
        return f"{stock.quantity} ({stock.quantity_allocated} allocated)"


class ProductImageInline(ReadOnlyInline):
    model = models.ProductImage
    fields = ("image", "alt", "width", "height", "sort_order")
    readonly_fields = fields


class OcopCertificateInline(ReadOnlyInline):
    model = models.OcopCertificate
    fields = ("certificate_number", "stars", "level", "status", "issued_on", "expires_on")
    readonly_fields = fields


class ProductTranslationInline(ReadOnlyInline):
    model = models.ProductTranslation
    fields = ("language_code", "name", "description")
    readonly_fields = fields


@admin.register(models.Product)
class ProductAdmin(RefusedWritesMixin, admin.ModelAdmin):
    list_display = ("name", "seller", "category", "is_published", "published_at", "updated_at")
    list_filter = ("is_published", "seller__status", "category")
    list_select_related = ("seller", "category")
    search_fields = ("name", "slug", "seller__name", "variants__sku")
    readonly_fields = (
        "seller",
        "category",
        "name",
        "slug",
        "description",
        "attributes",
        "is_published",
        "published_at",
        "origin_verified",
        "created_at",
        "updated_at",
    )
    inlines = (
        ProductVariantInline,
        ProductImageInline,
        OcopCertificateInline,
        ProductTranslationInline,
    )
    actions = ("publish", "unpublish")
    refused = ("add",)

    @admin.action(description=_("Publish the selected products"))
    def publish(self, request, queryset):
        self._set_published(
            request,
            queryset,
            True,
            ngettext_lazy("Published %(count)d product.", "Published %(count)d products.", "count"),
        )

    @admin.action(description=_("Unpublish the selected products"))
    def unpublish(self, request, queryset):
        self._set_published(
            request,
            queryset,
            False,
            ngettext_lazy(
                "Unpublished %(count)d product.", "Unpublished %(count)d products.", "count"
            ),
        )

    def _set_published(self, request, queryset, is_published: bool, done_message) -> None:
        def act(product):
            services.product_update(
                by=request.user, product_id=product.pk, is_published=is_published
            )

        _for_each(self, request, queryset, act, done_message)

    def delete_model(self, request, obj):
        # Through the service: it removes the stored pictures and updates search.
        services.product_delete(by=request.user, product_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for product in queryset:
            services.product_delete(by=request.user, product_id=product.pk)


# ---------------------------------------------------------------- pictures


class ProductImageThumbnailInline(ReadOnlyInline):
    model = models.ProductImageThumbnail
    fields = ("size", "file")
    readonly_fields = fields
    show_change_link = False


@admin.register(models.ProductImage)
class ProductImageAdmin(RefusedWritesMixin, admin.ModelAdmin):
    list_display = ("pk", "product", "width", "height", "thumbnail_count", "created_at")
    list_select_related = ("product",)
    search_fields = ("product__name", "alt")
    readonly_fields = ("product", "image", "alt", "width", "height", "sort_order", "created_at")
    inlines = (ProductImageThumbnailInline,)
    actions = ("make_missing_thumbnails",)
    refused = ("add",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(thumbnail_total=Count("thumbnails"))

    @admin.display(description=_("thumbnails"), ordering="thumbnail_total")
    def thumbnail_count(self, image):
        return image.thumbnail_total

    @admin.action(description=_("Make missing thumbnails (after a failed task)"))
    def make_missing_thumbnails(self, request, queryset):
        image_ids = list(queryset.values_list("pk", flat=True))
        for image_id in image_ids:
            transaction.on_commit(
                lambda image_id=image_id: tasks.create_product_thumbnails.delay(image_id),
                robust=True,
            )
        self.message_user(
            request,
            ngettext(
                "Queued thumbnails for %(count)d picture.",
                "Queued thumbnails for %(count)d pictures.",
                len(image_ids),
            )
            % {"count": len(image_ids)},
        )

    def delete_model(self, request, obj):
        services.product_image_delete(by=request.user, image_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for image in queryset:
            services.product_image_delete(by=request.user, image_id=image.pk)


# ---------------------------------------------------------------- OCOP certificates


@admin.register(models.OcopCertificate)
class OcopCertificateAdmin(RefusedWritesMixin, admin.ModelAdmin):
    list_display = (
        "certificate_number",
        "product",
        "stars",
        "level",
        "status",
        "issued_on",
        "expires_on",
    )
    list_filter = ("status", "level", "stars", "product_group")
    list_select_related = ("product",)
    search_fields = ("certificate_number", "issuing_decision", "product__name")
    date_hierarchy = "expires_on"
    readonly_fields = (
        "product",
        "stars",
        "certificate_number",
        "issuing_decision",
        "level",
        "product_group",
        "issued_on",
        "expires_on",
        "status",
        "submitted_by",
        "reviewed_by",
        "reviewed_at",
        "revocation_reason",
        "created_at",
    )
    actions = ("verify", "expire_overdue")
    # A certificate is a record of the department's review: revoke it, with a reason.
    refused = ("add", "delete")

    @admin.action(description=_("Verify the selected pending certificates"))
    def verify(self, request, queryset):
        _for_each(
            self,
            request,
            queryset,
            lambda certificate: services.ocop_certificate_verify(
                by=request.user, certificate_id=certificate.pk
            ),
            ngettext_lazy(
                "Verified %(count)d certificate.", "Verified %(count)d certificates.", "count"
            ),
        )

    @admin.action(description=_("Expire every verified certificate past its date now"))
    def expire_overdue(self, request, queryset):
        count = services.ocop_certificates_expire()
        self.message_user(
            request,
            ngettext("Expired %(count)d certificate.", "Expired %(count)d certificates.", count)
            % {"count": count},
        )
