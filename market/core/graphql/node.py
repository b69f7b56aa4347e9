"""Global IDs, and the root ``node(id:)`` field with a typed error for IDs that mean nothing.

A global ID is accepted only in the one spelling the API itself writes
(``to_global_id``): "Product:01", "Product:" with full-width digits, a missing
base64 padding or a trailing newline all name product 1 to ``int()``, and
answering them would give every object many names (caches, rate limits and
logs keyed on IDs would miss). graphene's own resolver raises a bare Exception
for an undecodable ID or an unknown type, which would surface as an internal
error.
"""

import graphene
from django.utils.translation import gettext as _
from graphql_relay import from_global_id, to_global_id

from market.core.errors import NotFound


def parse_global_id(global_id, *, field: str = "id") -> tuple[str, int]:
    """``(type name, primary key)`` of a canonical global ID, else ``NotFound(INVALID_ID)``."""
    try:
        type_name, raw_pk = from_global_id(global_id)
    except (TypeError, ValueError, UnicodeDecodeError, AttributeError):
        raise _invalid(global_id, field) from None
    # ASCII digits without a leading zero: what str(int) writes for a positive key.
    if not (raw_pk.isascii() and raw_pk.isdigit()) or raw_pk.startswith("0"):
        raise _invalid(global_id, field)
    pk = int(raw_pk)
    if to_global_id(type_name, pk) != global_id:
        raise _invalid(global_id, field)
    return type_name, pk


def _invalid(global_id, field: str) -> NotFound:
    return NotFound(_("Invalid ID %(id)r.") % {"id": global_id}, code="INVALID_ID", field=field)


def resolve_node(_root, info, id):
    type_name, _pk = parse_global_id(id)
    graphene_type = info.schema.get_type(type_name)
    is_node = graphene_type is not None and any(
        interface.name == "Node" for interface in getattr(graphene_type, "interfaces", ())
    )
    if not is_node:
        raise _invalid(id, "id")
    return graphene.relay.Node.get_node_from_global_id(info, id)


def node_field() -> graphene.Field:
    return graphene.Field(
        graphene.relay.Node,
        id=graphene.ID(required=True, description="The ID of the object."),
        resolver=resolve_node,
        description="Any object by its global ID; null when it is not visible to you.",
    )
