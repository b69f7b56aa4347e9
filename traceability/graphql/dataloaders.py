"""Per-request batch loaders of traceability's related and list fields.

Each answers a page's keys with one query, so a page of lots, sites or products costs the
same number of queries at any size (tests/traceability/test_query_counts.py).
"""

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber

from catalog.models import ProductVariant
from market.core.graphql.dataloaders import ByKeyLoader, DataLoader, GroupedByKeyLoader
from traceability import selectors
from traceability.models import (
    GapCertificate,
    Inspection,
    InspectionPhoto,
    Lot,
    LotInput,
    Site,
    SiteStatusChange,
    Violation,
)


class SiteByIdLoader(ByKeyLoader):
    """Sites by primary key, with no visibility rule: callers reach them from an object
    the user may already see (a lot names its sites, so whoever sees it sees them)."""

    def rows(self, keys):
        return Site.objects.in_bulk(keys).values()


class LotByIdLoader(ByKeyLoader):
    """Lots by primary key, reached from a visible object (an input of a visible lot is in
    its provenance, which ``lots_visible_to`` shows)."""

    def rows(self, keys):
        return Lot.objects.in_bulk(keys).values()


class TraceEventByIdLoader(ByKeyLoader):
    """Events as the caller reads them (no internal note for the public), reached from a
    visible lot's event."""

    def rows(self, keys):
        return selectors.trace_events_read_by(self.context.user, keys).values()


class InspectionByIdLoader(ByKeyLoader):
    def rows(self, keys):
        return Inspection.objects.in_bulk(keys).values()


class ViolationByIdLoader(ByKeyLoader):
    def rows(self, keys):
        return Violation.objects.in_bulk(keys).values()


class UserByIdLoader(ByKeyLoader):
    def rows(self, keys):
        return get_user_model().objects.in_bulk(keys).values()


class GapCertificatesBySiteIdLoader(GroupedByKeyLoader):
    key_field = "site_id"

    def rows(self, keys):
        return GapCertificate.objects.filter(site_id__in=keys).order_by("site_id", "-valid_until")


class StatusChangesBySiteIdLoader(GroupedByKeyLoader):
    key_field = "site_id"

    def rows(self, keys):
        return SiteStatusChange.objects.filter(site_id__in=keys).order_by(
            "site_id", "changed_at", "pk"
        )


class PhotosByInspectionIdLoader(GroupedByKeyLoader):
    key_field = "inspection_id"

    def rows(self, keys):
        return InspectionPhoto.objects.filter(inspection_id__in=keys).order_by("pk")


class VariantsByLotIdLoader(DataLoader):
    """The variants a lot is sold as, through the many-to-many table, in one query."""

    def batch_load(self, keys):
        links = (
            Lot.variants.through.objects.filter(lot_id__in=keys)
            .select_related("productvariant__product")
            .order_by("productvariant__sort_order", "productvariant_id")
        )
        grouped: dict[int, list[ProductVariant]] = {key: [] for key in keys}
        for link in links:
            variant = link.productvariant
            # Lets the variant decide who sees its stock without loading its product again.
            variant.product_seller_id = variant.product.seller_id
            grouped[link.lot_id].append(variant)
        return [grouped[key] for key in keys]


class InputsByLotIdLoader(GroupedByKeyLoader):
    """What each lot was made from, directly: its ``LotInput`` rows with the source lots."""

    key_field = "lot_id"

    def rows(self, keys):
        return (
            LotInput.objects.filter(lot_id__in=keys)
            .select_related("source")
            .order_by("lot_id", "source_id")
        )


class TimelineByLotLoader(DataLoader):
    """Each lot's timeline (keys are lots); internal notes only where the caller reads
    them (``selectors.sees_internal_records_of``)."""

    def batch_load(self, keys):
        user = self.context.user
        internal = {
            lot.pk for lot in keys if selectors.sees_internal_records_of(user, lot.seller_id)
        }
        timelines = selectors.lot_timelines(keys, internal_of=internal)
        return [timelines.get(lot.pk, []) for lot in keys]


class OriginReasonsByProductIdLoader(DataLoader):
    def batch_load(self, keys):
        reasons = selectors.product_origin_reasons(keys)
        return [reasons.get(key, []) for key in keys]


class FirstLotsByProductIdLoader(DataLoader):
    """The first ``size`` lots of each product, newest first, and how many it has: one
    query for the rows (a window per product) and one for the counts.

    The lots of a product the caller may see are lots the caller may see: buyers see live
    products, whose lots ``lots_visible_to`` shows; staff their sellers' products, whose
    lots are their own; auditors and operators everything.
    """

    def __init__(self, context, size: int):
        super().__init__(context, size)
        self.size = size

    def batch_load(self, keys):
        ranked = (
            Lot.objects.filter(product_id__in=keys)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("product_id")],
                    order_by=[F("created_at").desc(), F("pk").desc()],
                )
            )
            .filter(rank__lte=self.size)
            .order_by("product_id", "-created_at", "-pk")
        )
        rows: dict[int, list[Lot]] = {key: [] for key in keys}
        for lot in ranked if self.size else ():
            rows[lot.product_id].append(lot)
        counts = dict(
            Lot.objects.filter(product_id__in=keys)
            .values("product_id")
            .annotate(total=Count("pk"))
            .values_list("product_id", "total")
        )
        return [(rows[key], counts.get(key, 0)) for key in keys]
