"""Filter inputs of traceability's lists, and their translation into querysets.

Each narrows what the list's visibility selector already allows; global IDs are decoded
here, at the edge.
"""

import graphene
from django.utils.translation import gettext as _

from market.core.errors import NotFound
from market.core.graphql.connection import connection_arguments
from market.core.graphql.inputs import enum_value
from market.core.graphql.mutations import decode_id
from market.core.graphql.node import parse_global_id
from traceability.graphql.enums import (
    AuditActionEnum,
    InspectionResultEnum,
    SiteStatusEnum,
    ViolationStatusEnum,
)

SITE_TYPES = ("GrowingArea", "PackingHouse")


def decode_site_id(global_id: str, *, field: str) -> int:
    """The primary key behind a growing area's or a packing house's global ID."""
    type_name, pk = parse_global_id(global_id, field=field)
    if type_name not in SITE_TYPES:
        raise NotFound(
            _("ID %(id)r is not a growing area or a packing house.") % {"id": global_id},
            code="INVALID_ID",
            field=field,
        )
    return pk


class LotFilterInput(graphene.InputObjectType):
    seller = graphene.ID(description="Lots of this seller.")
    product = graphene.ID(description="Lots of this product.")
    growing_area = graphene.ID(description="Lots grown in this area.")
    verified = graphene.Boolean(description="Lots whose origin is (or is not) verified.")
    code = graphene.String(description="The lot with this code.")


class SiteFilterInput(graphene.InputObjectType):
    seller = graphene.ID(description="Codes of this seller.")
    status = graphene.Argument(SiteStatusEnum, description="Codes in this status.")
    code = graphene.String(description="The site with this code.")


class ViolationFilterInput(graphene.InputObjectType):
    site = graphene.ID(description="Violations at this growing area or packing house.")
    lot = graphene.ID(description="Violations of this lot.")
    status = graphene.Argument(ViolationStatusEnum)


class InspectionFilterInput(graphene.InputObjectType):
    site = graphene.ID(description="Inspections of this growing area or packing house.")
    result = graphene.Argument(InspectionResultEnum)


class AuditLogFilterInput(graphene.InputObjectType):
    site = graphene.ID(description="Actions on this growing area or packing house.")
    action = graphene.Argument(AuditActionEnum)


def list_arguments(filter_input: type[graphene.InputObjectType]) -> dict:
    return {**connection_arguments(), "filter": graphene.Argument(filter_input)}


def _of_type(type_name: str, field: str):
    return lambda value: decode_id(value, type_name, field=f"filter.{field}")


def _site(value) -> int:
    return decode_site_id(value, field="filter.site")


def _code(value: str) -> str:
    return value.strip()


def _same(value):
    return value


# Filter field → (the lookup it narrows, how its value becomes the lookup's), in the order
# they are checked: the first bad ID is the one reported.
_BY_SELLER = ("seller_id", _of_type("Seller", "seller"))
LOT_FILTERS = {
    "seller": _BY_SELLER,
    "product": ("product_id", _of_type("Product", "product")),
    "growing_area": ("growing_area_id", _of_type("GrowingArea", "growingArea")),
    "verified": ("origin_verified", _same),
    "code": ("code", _code),
}
SITE_FILTERS = {"seller": _BY_SELLER, "status": ("status", enum_value), "code": ("code", _code)}
VIOLATION_FILTERS = {
    "site": ("site_id", _site),
    "lot": ("lot_id", _of_type("Lot", "lot")),
    "status": ("status", enum_value),
}
INSPECTION_FILTERS = {"site": ("site_id", _site), "result": ("result", enum_value)}
AUDIT_LOG_FILTERS = {"site": ("site_id", _site), "action": ("action", enum_value)}


def narrowed(rows, data, filters: dict):
    """``rows`` narrowed by each field of the filter input ``data`` that has a value."""
    for name, (lookup, value_of) in filters.items():
        value = (data or {}).get(name)
        if value is not None:
            rows = rows.filter(**{lookup: value_of(value)})
    return rows
