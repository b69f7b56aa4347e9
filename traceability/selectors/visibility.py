"""Who sees which sites, lots, audits, violations, inspections and events."""

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet

from catalog.models import Product, live_product_ids_sql
from market.core.permissions import is_auditor, is_operator, seller_ids_of
from market.core.sql import KeyedSubquery, sql_table
from traceability.models import AuditEntry, Inspection, Lot, LotInput, Site, TraceEvent, Violation
from traceability.selectors.provenance import _provenance_subquery

# ---------------------------------------------------------------------------
# Sites, lots and audits: who sees what
#
# Codes are not a public register: buyers and visitors see a site only because a lot's
# trace needs it (the growing area, the packing house and the event places of a lot they
# may see, and of the lots it was made from), whatever the site's status, since the trace
# says why a lot is not verified. A seller's staff see every site and lot of their own
# sellers; auditors and operators see everything, including the audit log, which nobody
# else reads.


def sees_every_trace_record(user) -> bool:
    return is_auditor(user) or is_operator(user)


def lots_visible_to(user) -> QuerySet[Lot]:
    """Lots of live products and the lots they were made from; staff also their own."""
    if sees_every_trace_record(user):
        return Lot.objects.all()
    public = Q(pk__in=_provenance_subquery(Lot.objects.filter(product__in=Product.objects.live())))
    own = seller_ids_of(user)
    if own:
        return Lot.objects.filter(public | Q(seller_id__in=own))
    return Lot.objects.filter(public)


def lot_visible_to(user, pk) -> Lot | None:
    """One lot if ``user`` may see it, in one query that walks down from this lot only
    (``lots_visible_to``'s rule, without computing every public lot)."""
    if not isinstance(pk, int) or isinstance(pk, bool):
        return None
    lots = Lot.objects.filter(pk=pk)
    if sees_every_trace_record(user):
        return lots.first()
    public = Q(made_into_live_product())
    own = seller_ids_of(user)
    return lots.filter(public | Q(seller_id__in=own) if own else public).first()


def lot_is_public(lot_id: int) -> bool:
    """Whether anyone may see the lot (``lots_visible_to`` of an anonymous visitor)."""
    return Lot.objects.filter(Q(made_into_live_product()), pk=lot_id).exists()


def made_into_live_product() -> KeyedSubquery:
    """Whether the outer lot, or a lot made from it however many transformations down, is
    of a live product: the public's rule of ``lots_visible_to`` for one lot, costing the
    lots made from it rather than the table. Written as SQL (``market.core.sql``): the
    resolver asks it on every scan of a QR code."""

    def build_sql(connection, lot):
        lots, column = sql_table(connection, Lot, "public_l")
        inputs, i = sql_table(connection, LotInput, "public_i")
        live, params = live_product_ids_sql(connection.alias)
        sql = (
            f"WITH RECURSIVE made(id) AS (SELECT {lot} UNION SELECT {i('lot')} FROM {inputs}"  # noqa: S608 - names from the models
            f" JOIN made ON {i('source')} = made.id) SELECT EXISTS(SELECT 1 FROM {lots}"
            f" WHERE {column('id')} IN (SELECT id FROM made)"
            f" AND {column('product')} IN ({live}))"
        )
        return sql, list(params)

    return KeyedSubquery(build_sql, output_field=BooleanField())


def sites_visible_to(user) -> QuerySet[Site]:
    """Sites named by a lot ``user`` may see; staff also their sellers' own; auditors all."""
    if sees_every_trace_record(user):
        return Site.objects.all()
    lots = lots_visible_to(user)
    needed = (
        Q(Exists(lots.filter(growing_area=OuterRef("pk"))))
        | Q(Exists(lots.filter(packing_house=OuterRef("pk"))))
        | Q(Exists(TraceEvent.objects.filter(site=OuterRef("pk"), lot__in=lots)))
    )
    own = seller_ids_of(user)
    if own:
        return Site.objects.filter(needed | Q(seller_id__in=own))
    return Site.objects.filter(needed)


def site_visible_to(user, pk) -> Site | None:
    if not isinstance(pk, int) or isinstance(pk, bool):
        return None
    return sites_visible_to(user).filter(pk=pk).first()


def sites_managed_by(user) -> QuerySet[Site]:
    """Sites ``user`` registers and edits as a seller's staff (operators: all)."""
    if is_operator(user):
        return Site.objects.all()
    return Site.objects.filter(seller_id__in=seller_ids_of(user))


def audit_entries_visible_to(user) -> QuerySet[AuditEntry]:
    """The audit log is for auditors and operators only."""
    if sees_every_trace_record(user):
        return AuditEntry.objects.all()
    return AuditEntry.objects.none()


def violations_visible_to(user) -> QuerySet[Violation]:
    """Auditors and operators see every violation; staff those of their sellers' sites."""
    if sees_every_trace_record(user):
        return Violation.objects.all()
    return Violation.objects.filter(site__seller_id__in=seller_ids_of(user))


def sees_internal_records_of(user, seller_id: int) -> bool:
    """A lot's internal notes and a site's status history are for the seller's staff,
    auditors and operators."""
    return sees_every_trace_record(user) or seller_id in seller_ids_of(user)


def inspections_visible_to(user) -> QuerySet[Inspection]:
    """As violations: auditors and operators all; staff those of their sellers' sites."""
    if sees_every_trace_record(user):
        return Inspection.objects.all()
    return Inspection.objects.filter(site__seller_id__in=seller_ids_of(user))


# ---------------------------------------------------------------------------
# EPCIS reads (``traceability.epcis_views``): a lot's document and the event query. The
# public reads what ``lots_visible_to`` shows, without internal notes; a seller's staff also
# their own lots, notes included; auditors and operators everything.


def lot_visible_by_code(user, code: str) -> Lot | None:
    """The lot of ``code`` if ``user`` may see it (``lot_visible_to``: no list of every
    public lot is computed)."""
    pk = Lot.objects.filter(code=code).values_list("pk", flat=True).first()
    return lot_visible_to(user, pk) if pk is not None else None


def lot_event_documents(lot_id: int):
    """The recorded documents of a lot's events in chain order, streamed from one query."""
    return (
        TraceEvent.objects.filter(lot_id=lot_id)
        .order_by("sequence")
        .values_list("document", flat=True)
        .iterator(chunk_size=1000)
    )


def trace_events_visible_to(user) -> QuerySet[TraceEvent]:
    """Events of the lots ``user`` may see (error declarations included)."""
    if sees_every_trace_record(user):
        return TraceEvent.objects.all()
    return TraceEvent.objects.filter(lot_id__in=lots_visible_to(user).values("pk"))
