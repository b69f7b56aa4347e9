"""Sellers' shipping methods: thin shells that decode IDs and call
``market.checkout.services.shipping_methods``.

The role is declared here (staff of some seller, or an operator); which seller is the
service's rule: staff act for their own seller only, and another seller's method answers as
a missing one would.
"""

import graphene

from market.checkout.graphql.shipping_types import ShippingMethod, ShippingMethodKindEnum
from market.checkout.services import shipping_methods as services
from market.core.graphql.mutations import (
    BaseMutation,
    decode_id,
    error_codes,
    error_type_for,
    service_perform,
)
from market.core.permissions import SELLER_STAFF_OR_OPERATOR

ShippingMethodErrorCode = error_codes(
    "ShippingMethodErrorCode",
    "TOO_LONG",
    "NEGATIVE_PRICE",
    "TOO_HIGH",
    "NOT_FOR_KIND",
    "INVALID_WEIGHT",
    "BANDS_NOT_ASCENDING",
    "DUPLICATED",
    "TOO_MANY",
    "INVALID_PROVINCE",
)
ShippingMethodError = error_type_for("ShippingMethodError", ShippingMethodErrorCode)


# What every shipping-method mutation answers errors with; each Meta adds who may call it.
class ShippingMethodMeta:
    error_type = ShippingMethodError
    error_code_enum = ShippingMethodErrorCode


OWN_SELLER_ONLY = "Staff act on their own seller's shipping methods only."
SHIPPING_METHOD_ID = ("shipping_method_id", "ShippingMethod")


class WeightBandInput(graphene.InputObjectType):
    up_to_grams = graphene.Int(
        required=True, description="Heaviest parcel of the band, in grams (above 0)."
    )
    price = graphene.Int(required=True, description="Whole đồng.")


class ShippingMethodInput(graphene.InputObjectType):
    name = graphene.String(description="e.g. `Giao hàng tiêu chuẩn`.")
    kind = ShippingMethodKindEnum()
    price = graphene.Int(
        description=(
            "Whole đồng, at most 10 000 000: required for FLAT and FREE_ABOVE, "
            "0 or left out for the others."
        )
    )
    free_above = graphene.Int(
        description="FREE_ABOVE only: the seller's subtotal in whole đồng from which it is free."
    )
    weight_bands = graphene.List(
        graphene.NonNull(WeightBandInput),
        description="WEIGHT only: 1 to 20 bands, lightest first.",
    )
    provinces = graphene.List(
        graphene.NonNull(graphene.String),
        description="Provinces it delivers to, any usual writing; empty: all of Vietnam.",
    )
    is_active = graphene.Boolean(description="Whether buyers are offered it.")


class ShippingMethodCreateInput(ShippingMethodInput):
    seller = graphene.ID(required=True)
    name = graphene.String(required=True, description="e.g. `Giao hàng tiêu chuẩn`.")
    kind = ShippingMethodKindEnum(required=True)
    is_active = graphene.Boolean(default_value=True, description="Whether buyers are offered it.")


def _plain_bands(fields: dict) -> dict:
    if fields.get("weight_bands") is not None:
        fields["weight_bands"] = [dict(band) for band in fields["weight_bands"]]
    return fields


def _create_fields(input_data: dict) -> dict:
    fields = _plain_bands(dict(input_data))
    fields["seller_id"] = decode_id(fields.pop("seller"), "Seller", field="seller")
    return fields


def _update_fields(input_data: dict) -> dict:
    # ``null`` counts as left out: the field keeps its value.
    return _plain_bands({key: value for key, value in input_data.items() if value is not None})


class ShippingMethodCreate(BaseMutation):
    shipping_method = graphene.Field(ShippingMethod)

    class Arguments:
        input = ShippingMethodCreateInput(required=True)

    class Meta(ShippingMethodMeta):
        description = f"Add a shipping method to a seller. {OWN_SELLER_ONLY}"
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(
        services.shipping_method_create, returns="shipping_method", unpack_input=_create_fields
    )


class ShippingMethodUpdate(BaseMutation):
    shipping_method = graphene.Field(ShippingMethod)

    class Arguments:
        id = graphene.ID(required=True)
        input = ShippingMethodInput(required=True)

    class Meta(ShippingMethodMeta):
        description = (
            "Change a shipping method; fields left out keep their value, and changing the "
            f"kind drops what the new kind does not use. {OWN_SELLER_ONLY}"
        )
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(
        services.shipping_method_update,
        returns="shipping_method",
        ids={"id": SHIPPING_METHOD_ID},
        unpack_input=_update_fields,
    )


class ShippingMethodDelete(BaseMutation):
    shipping_method = graphene.Field(ShippingMethod, description="As it was before deletion.")

    class Arguments:
        id = graphene.ID(required=True)

    class Meta(ShippingMethodMeta):
        description = (
            "Delete a shipping method. Open checkouts that chose it must choose again; "
            f"orders keep what they were charged. {OWN_SELLER_ONLY}"
        )
        permissions = (SELLER_STAFF_OR_OPERATOR,)

    perform = service_perform(
        services.shipping_method_delete,
        returns="shipping_method",
        ids={"id": SHIPPING_METHOD_ID},
    )


class ShippingMethodMutations(graphene.ObjectType):
    shipping_method_create = ShippingMethodCreate.Field()
    shipping_method_update = ShippingMethodUpdate.Field()
    shipping_method_delete = ShippingMethodDelete.Field()
