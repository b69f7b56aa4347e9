"""Relay connections with keyset cursors and a total count.

A cursor carries the values of the sort keys of its row (always ending with
the primary key, so it is unique); ``after``/``before`` become a WHERE clause
on those keys instead of an OFFSET, so deep pages cost what the first does and
rows added meanwhile do not shift a page. Sort keys must be non-null: annotate
with Coalesce where a column may be empty.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import reduce

import graphene
from django.db.models import Q, QuerySet
from graphql import GraphQLError

MAX_PAGE_SIZE = 100


class CountableConnection(graphene.relay.Connection):
    total_count = graphene.Int(required=True, description="Rows matching the filters.")

    class Meta:
        abstract = True


class ConnectionArgumentError(GraphQLError):
    def __init__(self, message: str):
        super().__init__(message, extensions={"code": "INVALID_PAGINATION"})


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def encode_cursor(values: list) -> str:
    raw = json.dumps(values, default=_json_default, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, expected_length: int) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ConnectionArgumentError(f"Invalid cursor {cursor!r}.") from None
    if not isinstance(values, list) or len(values) != expected_length:
        raise ConnectionArgumentError(f"Invalid cursor {cursor!r} for this sort order.")
    return values


def _beyond(keys: list[SortKey], values: list, *, forward: bool) -> Q:
    """Rows strictly after (forward) or before the row with ``values``."""
    alternatives = []
    for position, key in enumerate(keys):
        equal = {k.field: v for k, v in zip(keys[:position], values[:position], strict=True)}
        ascending_step = forward != key.descending
        lookup = "gt" if ascending_step else "lt"
        alternatives.append(Q(**equal, **{f"{key.field}__{lookup}": values[position]}))
    return reduce(lambda a, b: a | b, alternatives)


def _validate_arguments(first, last, after, before) -> None:
    if first is None and last is None:
        raise ConnectionArgumentError("You must provide a `first` or `last` value.")
    if first is not None and last is not None:
        raise ConnectionArgumentError("Provide either `first` or `last`, not both.")
    size = first if first is not None else last
    if size < 0:
        raise ConnectionArgumentError("`first` and `last` cannot be negative.")
    if size > MAX_PAGE_SIZE:
        raise ConnectionArgumentError(
            f"Requesting {size} records exceeds the limit of {MAX_PAGE_SIZE}."
        )
    if after is not None and before is not None:
        raise ConnectionArgumentError("Provide either `after` or `before`, not both.")


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
    if cursor is not None:
        values = decode_cursor(cursor, len(keys))
        page = page.filter(_beyond(keys, values, forward=after is not None))
    # Paging backwards walks the reversed order, then restores it.
    ordering = [f"-{k.field}" if k.descending == forward else k.field for k in keys]
    rows = list(page.order_by(*ordering)[: size + 1])
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
