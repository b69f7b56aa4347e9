"""Relay connections with keyset cursors and a total count.

A cursor carries the values of the sort keys of its row (always ending with
the primary key, so it is unique); ``after``/``before`` become a WHERE clause
on those keys instead of an OFFSET, so deep pages cost what the first does and
rows added meanwhile do not shift a page. Sort keys must be non-null: annotate
with Coalesce where a column may be empty.
"""

from dataclasses import dataclass
from functools import reduce

import graphene
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from graphql import FieldNode, GraphQLObjectType, get_named_type
from graphql.execution.collect_fields import collect_sub_fields

from market.core.errors import InvalidPagination
from market.core.pagination import (
    MAX_PAGE_SIZE,
    CursorMismatch,
    MalformedCursor,
    decode_cursor,
    encode_cursor,
)


class CountableConnection(graphene.relay.Connection):
    total_count = graphene.Int(required=True, description="Rows matching the filters.")

    class Meta:
        abstract = True


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False


def _invalid_cursor_for_sort(cursor: str) -> InvalidPagination:
    return InvalidPagination(
        _("Invalid cursor %(cursor)r for this sort order.") % {"cursor": cursor}
    )


def _cursor_values(cursor: str, length: int) -> list:
    try:
        return decode_cursor(cursor, length)
    except MalformedCursor:
        raise InvalidPagination(_("Invalid cursor %(cursor)r.") % {"cursor": cursor}) from None
    except CursorMismatch:
        raise _invalid_cursor_for_sort(cursor) from None


def _beyond(keys: list[SortKey], values: list, *, forward: bool, bound_first: bool) -> Q:
    """Rows strictly after (forward) or before the row with ``values``.

    With ``bound_first``, the first key's range (``>=`` or ``<=``), which every
    alternative implies, is added on its own: PostgreSQL cannot start an index
    scan at an OR of ANDs, so without it a deep page walks the index from the
    start, as an OFFSET would.
    """
    alternatives = []
    for position, key in enumerate(keys):
        equal = {k.field: v for k, v in zip(keys[:position], values[:position], strict=True)}
        ascending_step = forward != key.descending
        lookup = "gt" if ascending_step else "lt"
        alternatives.append(Q(**equal, **{f"{key.field}__{lookup}": values[position]}))
    condition = reduce(lambda a, b: a | b, alternatives)
    if bound_first and len(keys) > 1:
        lookup = "gte" if forward != keys[0].descending else "lte"
        condition &= Q(**{f"{keys[0].field}__{lookup}": values[0]})
    return condition


def _validate_arguments(first, last, after, before) -> None:
    if first is None and last is None:
        raise InvalidPagination(_("You must provide a `first` or `last` value."))
    if first is not None and last is not None:
        raise InvalidPagination(_("Provide either `first` or `last`, not both."))
    size = first if first is not None else last
    if size < 0:
        raise InvalidPagination(_("`first` and `last` cannot be negative."))
    if size > MAX_PAGE_SIZE:
        raise InvalidPagination(
            _("Requesting %(size)d records exceeds the limit of %(limit)d.")
            % {"size": size, "limit": MAX_PAGE_SIZE}
        )
    if after is not None and before is not None:
        raise InvalidPagination(_("Provide either `after` or `before`, not both."))


def paginate(
    queryset: QuerySet,
    *,
    connection_type: type[CountableConnection],
    sort_keys: list[SortKey],
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
    **_other_arguments,
):
    _validate_arguments(first, last, after, before)
    keys = [*sort_keys, SortKey("pk", sort_keys[-1].descending if sort_keys else False)]
    total_count = queryset.count()

    forward = last is None
    size = first if forward else last
    cursor = after if after is not None else before
    page = queryset
    # Paging backwards walks the reversed order, then restores it.
    ordering = [f"-{k.field}" if k.descending == forward else k.field for k in keys]
    if cursor is None:
        rows = list(page.order_by(*ordering)[: size + 1])
    else:
        values = _cursor_values(cursor, len(keys))
        # A computed key (a correlated subquery) cannot use an index, and the
        # extra condition would only evaluate it once more per row.
        bound_first = keys[0].field not in queryset.query.annotations
        try:
            page = page.filter(
                _beyond(keys, values, forward=after is not None, bound_first=bound_first)
            )
            rows = list(page.order_by(*ordering)[: size + 1])
        except (TypeError, ValueError, ValidationError) as error:
            # A well-formed cursor whose values do not fit the sort keys' columns
            # (forged, or from another sort order) fails when the query is prepared.
            raise _invalid_cursor_for_sort(cursor) from error
    has_more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()

    edge_type = connection_type.Edge
    edges = [
        edge_type(node=row, cursor=encode_cursor([_value(row, k.field) for k in keys]))
        for row in rows
    ]
    page_info = graphene.relay.PageInfo(
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
        has_next_page=has_more if forward else before is not None,
        has_previous_page=has_more if not forward else after is not None,
    )
    return connection_type(edges=edges, page_info=page_info, total_count=total_count)


def _value(row, field: str):
    value = row
    for part in field.split("__"):
        value = getattr(value, part)
    return value


def connection_arguments() -> dict:
    return {
        "first": graphene.Int(description=f"Return the first n rows (at most {MAX_PAGE_SIZE})."),
        "last": graphene.Int(description=f"Return the last n rows (at most {MAX_PAGE_SIZE})."),
        "after": graphene.String(),
        "before": graphene.String(),
    }


def _subfields(info, parent_type: GraphQLObjectType, field_nodes: list[FieldNode], name: str):
    """The nodes of field ``name`` selected under ``field_nodes``, through fragments,
    aliases and ``@skip``/``@include`` as execution will see them."""
    selected = collect_sub_fields(
        info.schema, info.fragments, info.variable_values, parent_type, field_nodes
    )
    return [node for nodes in selected.values() for node in nodes if node.name.value == name]


def selected_node_fields(info) -> tuple[GraphQLObjectType, list[FieldNode]] | None:
    """The node type of the connection field ``info`` resolves, and the fields the
    query selects on its ``edges { node }``; None when it selects no node.

    Lets a list resolver fetch, in its page query, what those fields would
    otherwise each fetch afterwards.
    """
    connection_type = get_named_type(info.return_type)
    edges = _subfields(info, connection_type, info.field_nodes, "edges")
    if not edges:
        return None
    edge_type = get_named_type(connection_type.fields["edges"].type)
    nodes = _subfields(info, edge_type, edges, "node")
    if not nodes:
        return None
    node_type = get_named_type(edge_type.fields["node"].type)
    selected = collect_sub_fields(
        info.schema, info.fragments, info.variable_values, node_type, nodes
    )
    return node_type, [node for field_nodes in selected.values() for node in field_nodes]


def selected_subfield_names(
    info, parent_type: GraphQLObjectType, field_nodes: list[FieldNode], name: str
) -> set[str]:
    """Names of the fields selected under field ``name`` of ``parent_type``, one of
    ``field_nodes``: what the query asks of a related object."""
    nodes = [node for node in field_nodes if node.name.value == name]
    if not nodes:
        return set()
    field_type = get_named_type(parent_type.fields[name].type)
    if not isinstance(field_type, GraphQLObjectType):
        return set()
    selected = collect_sub_fields(
        info.schema, info.fragments, info.variable_values, field_type, nodes
    )
    return {node.name.value for field_nodes in selected.values() for node in field_nodes}
