"""Mutations of lots and their events: create, transform, verify, record, declare wrong.

A seller's staff act on their own seller's lots only (another seller's answers as a
missing one would); auditors and operators may also verify a lot's chain.
"""

import graphene

from market.core.graphql.mutations import BaseMutation, decode_id, service_perform
from market.core.permissions import (
    SELLER_STAFF_AUDITOR_OR_OPERATOR,
    SELLER_STAFF_OR_OPERATOR,
)
from traceability.graphql.enums import (
    InspectionResultEnum,
    TraceErrorReasonEnum,
    TraceStepEnum,
)
from traceability.graphql.filters import decode_site_id
from traceability.graphql.lot_types import Lot, TraceEvent
from traceability.graphql.mutation_common import OWN_SELLER_ONLY, TraceMeta, given_fields
from traceability.models import Lot as LotModel
from traceability.services import events, lots


def _with_lot(event) -> dict:
    return {"event": event, "lot": LotModel.objects.get(pk=event.lot_id)}


def _optional_id(fields: dict, name: str, keyword: str, type_name: str) -> None:
    if name in fields:
        value = fields.pop(name)
        fields[keyword] = None if value is None else decode_id(value, type_name, field=name)


def _ids(fields: dict, name: str, keyword: str, type_name: str) -> None:
    if name in fields:
        values = fields.pop(name)
        fields[keyword] = [
            decode_id(value, type_name, field=f"{name}.{index}")
            for index, value in enumerate(values or ())
        ]


# ---------------------------------------------------------------- lots


class LotCreateInput(graphene.InputObjectType):
    product = graphene.ID(required=True)
    code = graphene.String(required=True, description="Up to 20 characters of GS1 AI 10.")
    growing_area = graphene.ID(description="Of the product's seller; not revoked.")
    packing_house = graphene.ID(description="Of the product's seller; not revoked.")
    variants = graphene.List(graphene.NonNull(graphene.ID), description="Sold as these.")
    best_before = graphene.Date()
    gtin = graphene.String(description="GTIN-14 with its check digit.")
    gtin_is_demo = graphene.Boolean(description="A made-up GTIN of the demo data.")
    event_time = graphene.DateTime(description="When it was planted; now unless given.")
    internal_note = graphene.String(description="For the seller's staff and auditors only.")


def _lot_fields(data: dict) -> dict:
    fields = given_fields(data)
    fields["product_id"] = decode_id(fields.pop("product"), "Product", field="product")
    _optional_id(fields, "growing_area", "growing_area_id", "GrowingArea")
    _optional_id(fields, "packing_house", "packing_house_id", "PackingHouse")
    _ids(fields, "variants", "variant_ids", "ProductVariant")
    return fields


class LotCreate(BaseMutation):
    lot = graphene.Field(Lot)

    class Arguments:
        input = LotCreateInput(required=True)

    class Meta(TraceMeta):
        description = f"Create a lot, planted on its growing area. {OWN_SELLER_ONLY}"
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(lots.lot_create, returns="lot", unpack_input=_lot_fields)


class LotTransformInputLot(graphene.InputObjectType):
    lot = graphene.ID(required=True)
    quantity_kg = graphene.Decimal(required=True, description="Kilograms used, up to what is left.")


class LotTransformInput(graphene.InputObjectType):
    output_product = graphene.ID(required=True)
    code = graphene.String(required=True)
    inputs = graphene.List(graphene.NonNull(LotTransformInputLot), required=True)
    output_quantity_kg = graphene.Decimal(required=True)
    event_time = graphene.DateTime(required=True)
    packing_house = graphene.ID()
    best_before = graphene.Date()
    gtin = graphene.String()
    gtin_is_demo = graphene.Boolean()
    variants = graphene.List(graphene.NonNull(graphene.ID))
    internal_note = graphene.String()


def _transform_fields(data: dict) -> dict:
    fields = given_fields(data)
    fields["output_product_id"] = decode_id(
        fields.pop("output_product"), "Product", field="output_product"
    )
    fields["inputs"] = [
        {
            "lot_id": decode_id(row["lot"], "Lot", field=f"inputs.{index}.lot"),
            "quantity_kg": row["quantity_kg"],
        }
        for index, row in enumerate(fields["inputs"])
    ]
    _optional_id(fields, "packing_house", "packing_house_id", "PackingHouse")
    _ids(fields, "variants", "variant_ids", "ProductVariant")
    return fields


class LotTransform(BaseMutation):
    lot = graphene.Field(Lot)

    class Arguments:
        input = LotTransformInput(required=True)

    class Meta(TraceMeta):
        description = (
            "Make a lot from input lots of the same seller (dried grapes from fresh ones); "
            f"each input's quantity left goes down. {OWN_SELLER_ONLY}"
        )
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(lots.lot_transform, returns="lot", unpack_input=_transform_fields)


class LotVerifyBrokenLink(graphene.ObjectType):
    sequence = graphene.Int(required=True, description="The first event whose link fails.")
    reason = graphene.String(
        required=True, description="WRONG_SEQUENCE, WRONG_PREVIOUS, WRONG_HASH or WRONG_HEAD."
    )


class LotVerify(BaseMutation):
    lot = graphene.Field(Lot)
    verified = graphene.Boolean(description="Whether every link of the chain holds.")
    broken_at = graphene.Field(LotVerifyBrokenLink, description="Null when the chain holds.")

    class Arguments:
        lot = graphene.ID(required=True)

    class Meta(TraceMeta):
        description = (
            "Walk a lot's event chain and report its first broken link; a broken chain "
            "takes the lot's verified origin away. Staff check their own seller's lots."
        )
        permissions = (SELLER_STAFF_AUDITOR_OR_OPERATOR,)

    @classmethod
    def perform(cls, _root, info, lot):
        lot_id = decode_id(lot, "Lot", field="lot")
        broken = lots.lot_verify(by=info.context.user, lot_id=lot_id)
        verified_lot = LotModel.objects.get(pk=lot_id)
        return {
            "lot": verified_lot,
            "verified": broken is None,
            "broken_at": None
            if broken is None
            else LotVerifyBrokenLink(sequence=broken.sequence, reason=broken.why),
        }


# ---------------------------------------------------------------- events


class EventDetailsInput(graphene.InputObjectType):
    product_name = graphene.String(description="Spraying, fertilising: the product used.")
    active_ingredient = graphene.String(description="Spraying.")
    dose = graphene.String(description="Spraying, fertilising: as on the label.")
    pre_harvest_interval_days = graphene.Int(description="Spraying: the PHI, in days.")
    result = InspectionResultEnum(description="Inspecting.")
    findings = graphene.String(description="Inspecting.")


class EventRecordInput(graphene.InputObjectType):
    lot = graphene.ID(required=True)
    step = TraceStepEnum(required=True)
    event_time = graphene.DateTime(required=True, description="With its time zone; not ahead.")
    quantity_kg = graphene.Decimal(description="Harvesting, shipping: required; kilograms.")
    site = graphene.ID(description="Where, when not the lot's own area or packing house.")
    disposition = graphene.String(description="A CBV disposition or a URI of our vocabulary.")
    details = EventDetailsInput()
    internal_note = graphene.String(description="For the seller's staff and auditors only.")


def _event_fields(data: dict) -> dict:
    fields = given_fields(data)
    fields["lot_id"] = decode_id(fields.pop("lot"), "Lot", field="lot")
    if "site" in fields:
        fields["site_id"] = decode_site_id(fields.pop("site"), field="site")
    if "details" in fields:
        fields["details"] = given_fields(fields["details"])
    return fields


class EventRecord(BaseMutation):
    event = graphene.Field(TraceEvent)
    lot = graphene.Field(Lot)

    class Arguments:
        input = EventRecordInput(required=True)

    class Meta(TraceMeta):
        description = (
            "Record what happened to a lot (planting, spraying, harvesting, packing, "
            f"shipping...), appended to its chain. {OWN_SELLER_ONLY}"
        )
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(events.event_record, returns=_with_lot, unpack_input=_event_fields)


class EventDeclareErrorInput(graphene.InputObjectType):
    event = graphene.ID(required=True, description="The erroneous event.")
    reason = TraceErrorReasonEnum(required=True)
    corrective = graphene.List(
        graphene.NonNull(graphene.ID), description="Events of the same lot that correct it."
    )
    declaration_time = graphene.DateTime(description="Now unless given.")


def _declaration_fields(data: dict) -> dict:
    fields = given_fields(data)
    fields["event_id"] = decode_id(fields.pop("event"), "TraceEvent", field="event")
    _ids(fields, "corrective", "corrective", "TraceEvent")
    return fields


class EventDeclareError(BaseMutation):
    event = graphene.Field(TraceEvent, description="The declaration, a new event of the chain.")
    lot = graphene.Field(Lot)

    class Arguments:
        input = EventDeclareErrorInput(required=True)

    class Meta(TraceMeta):
        description = (
            "Declare an event wrong (EPCIS errorDeclaration): a new event, never an edit. "
            + OWN_SELLER_ONLY
        )
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(
        events.event_declare_error, returns=_with_lot, unpack_input=_declaration_fields
    )
