"""GraphQL types of lots and their EPCIS events: the chain, the origin, the inputs."""

import graphene
from graphene_django import DjangoObjectType

from catalog.graphql.dataloaders import ProductByIdLoader
from catalog.graphql.nodes import PrimaryKeyNodeMixin
from catalog.graphql.types import Product, ProductVariant
from market.core.graphql.connection import CountableConnection
from market.core.graphql.dataloaders import resolve_by_pk, resolve_related, then
from market.sellers.graphql.dataloaders import SellerByIdLoader
from traceability import models, resolver, selectors
from traceability.events import INTERNAL_NOTE
from traceability.graphql.dataloaders import (
    InputsByLotIdLoader,
    SiteByIdLoader,
    TimelineByLotLoader,
    TraceEventByIdLoader,
    VariantsByLotIdLoader,
)
from traceability.graphql.enums import OriginProblemEnum, TraceEventTypeEnum
from traceability.graphql.site_types import CodedSite, GrowingArea, PackingHouse
from traceability.graphql.type_common import caller, choice_value, visible_node, visible_rows


class TraceEvent(DjangoObjectType):
    type = graphene.Field(TraceEventTypeEnum, required=True)
    biz_step = graphene.String(
        required=True, description="A bare CBV term (`packing`) or a URI of our vocabulary."
    )
    site = graphene.Field(CodedSite, description="Where it happened (readPoint, bizLocation).")
    quantity_kg = graphene.Decimal(description="Kilograms, as a decimal string.")
    disposition = graphene.String(description="The CBV disposition, if the event gives one.")
    document = graphene.JSONString(
        required=True,
        description="The EPCIS 2.0 event as recorded; without the internal note for the public.",
    )
    internal_note = graphene.String(
        description="The seller's note; null for anyone but its staff, auditors and operators."
    )
    declared_erroneous = graphene.Boolean(
        required=True, description="Whether a later event declares this one wrong."
    )
    declares_error_in = graphene.Field(
        lambda: TraceEvent, description="The event this one declares wrong, for a correction."
    )

    class Meta:
        model = models.TraceEvent
        interfaces = (graphene.relay.Node,)
        fields = ("id", "event_id", "sequence", "event_time", "record_time", "hash")
        convert_choices_to_enum = False
        description = (
            "One EPCIS 2.0 event of a lot's chain: never changed, corrected by a later one. "
            "`hash` is SHA-256 over the canonical JSON of the event, its sequence and "
            "`previousHash`."
        )

    previous_hash = graphene.String(required=True, description="Empty for the first event.")

    @classmethod
    def get_node(cls, info, node_id):
        if not str(node_id).isdigit():
            return None
        user = caller(info)
        lot_id = models.TraceEvent.objects.filter(pk=int(node_id)).values_list("lot_id", flat=True)
        if not lot_id or selectors.lot_visible_to(user, lot_id[0]) is None:
            return None
        return selectors.trace_events_read_by(user, [int(node_id)]).get(int(node_id))

    resolve_type = choice_value("event_type")
    resolve_site = resolve_related("site", SiteByIdLoader)

    @staticmethod
    def resolve_disposition(root: models.TraceEvent, _info):
        value = root.document.get("disposition")
        return value if isinstance(value, str) else None

    @staticmethod
    def resolve_internal_note(root: models.TraceEvent, _info):
        # The readers' loaders dropped the note for whoever may not read it.
        value = root.document.get(INTERNAL_NOTE)
        return value if isinstance(value, str) else None

    @staticmethod
    def resolve_declared_erroneous(root: models.TraceEvent, _info):
        # Loaded lists annotate it; an event from a mutation's payload asks once.
        known = getattr(root, "declared_erroneous", None)
        if known is not None:
            return known
        return models.TraceEvent.objects.filter(declares_error_in=root).exists()

    @staticmethod
    def resolve_declares_error_in(root: models.TraceEvent, info):
        if root.declares_error_in_id is None:
            return None
        return TraceEventByIdLoader(info.context).load(root.declares_error_in_id)


class LotOrigin(graphene.ObjectType):
    verified = graphene.Boolean(required=True)
    reasons = graphene.List(
        graphene.NonNull(OriginProblemEnum),
        required=True,
        description="Why it is not verified; empty when it is.",
    )

    class Meta:
        description = (
            "Verified origin: the growing area (and every input lot's) active, the event "
            "chain intact, no open violation, not past best-before."
        )


class LotInput(graphene.ObjectType):
    lot = graphene.Field(lambda: Lot, required=True, description="The lot that went in.")
    quantity_kg = graphene.Decimal(required=True)

    class Meta:
        description = "A lot a transformation used, and how much of it."


class Lot(PrimaryKeyNodeMixin, DjangoObjectType):
    product = graphene.Field(Product, required=True)
    seller = graphene.Field("market.sellers.graphql.types.Seller", required=True)
    variants = graphene.List(
        graphene.NonNull(ProductVariant), required=True, description="Sold as these."
    )
    growing_area = graphene.Field(GrowingArea, description="Null for a processed lot.")
    packing_house = graphene.Field(PackingHouse)
    harvested_kg = graphene.Decimal(
        required=True, description="Kilograms harvested (or made), as a decimal string."
    )
    remaining_kg = graphene.Decimal(required=True, description="Kilograms left to ship.")
    digital_link = graphene.String(
        required=True,
        description=(
            "The URI its QR code encodes: a GS1 Digital Link with a GTIN, the resolver's "
            "lot page without one."
        ),
    )
    origin = graphene.Field(LotOrigin, required=True)
    events = graphene.List(
        graphene.NonNull(TraceEvent),
        required=True,
        description=(
            "The timeline, in the order of capture; internal notes only for the seller's "
            "staff, auditors and operators."
        ),
    )
    inputs = graphene.List(
        graphene.NonNull(LotInput),
        required=True,
        description="The lots it was made from (empty for a harvested lot).",
    )

    class Meta:
        model = models.Lot
        interfaces = (graphene.relay.Node,)
        fields = (
            "id",
            "code",
            "harvest_date",
            "best_before",
            "gtin",
            "gtin_is_demo",
            "chain_checked_at",
            "chain_broken_at",
            "created_at",
        )
        description = "A lot of a product: where it grew, what happened to it."

    get_queryset = visible_rows(selectors.lots_visible_to)

    get_node = visible_node(selectors.lot_visible_to)

    resolve_product = resolve_related("product", ProductByIdLoader)

    resolve_seller = resolve_related("seller", SellerByIdLoader)
    resolve_variants = resolve_by_pk(VariantsByLotIdLoader)
    resolve_growing_area = resolve_related("growing_area", SiteByIdLoader)
    resolve_packing_house = resolve_related("packing_house", SiteByIdLoader)

    @staticmethod
    def resolve_digital_link(root: models.Lot, _info):
        return resolver.lot_uri(root)

    @staticmethod
    def resolve_origin(root: models.Lot, _info):
        reasons = selectors.lot_origin_problems(root)
        return LotOrigin(verified=not reasons, reasons=reasons)

    @staticmethod
    def resolve_events(root: models.Lot, info):
        return TimelineByLotLoader(info.context).load(root)

    @staticmethod
    def resolve_inputs(root: models.Lot, info):
        return then(
            InputsByLotIdLoader(info.context).load(root.pk),
            lambda rows: [LotInput(lot=row.source, quantity_kg=row.quantity_kg) for row in rows],
        )


class LotCountableConnection(CountableConnection):
    class Meta:
        node = Lot
