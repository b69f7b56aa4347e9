"""The root ``node(id:)`` field, with a typed error for IDs that mean nothing.

graphene's own resolver raises a bare Exception for an undecodable ID or an
unknown type, which would surface as an internal error.
"""

import graphene
from graphql_relay import from_global_id

from market.core.errors import NotFound


def _invalid(global_id: str) -> NotFound:
    return NotFound(f"Invalid ID {global_id!r}.", code="INVALID_ID", field="id")


def resolve_node(_root, info, id):
    try:
        type_name, raw_pk = from_global_id(id)
    except (TypeError, ValueError, UnicodeDecodeError):
        raise _invalid(id) from None
    graphene_type = info.schema.get_type(type_name)
    is_node = graphene_type is not None and any(
        interface.name == "Node" for interface in getattr(graphene_type, "interfaces", ())
    )
    if not is_node or not raw_pk.isdigit() or int(raw_pk) <= 0:
        raise _invalid(id)
    return graphene.relay.Node.get_node_from_global_id(info, id)


def node_field() -> graphene.Field:
    return graphene.Field(
        graphene.relay.Node,
        id=graphene.ID(required=True, description="The ID of the object."),
        resolver=resolve_node,
        description="Any object by its global ID; null when it is not visible to you.",
    )
