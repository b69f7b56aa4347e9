"""Transformations: what a lot was made from, and what was made from it."""

import json
from collections.abc import Iterable

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet

from market.core.sql import KeyedSubquery, sql_table
from traceability.models import Lot, LotInput

# ---------------------------------------------------------------------------
# Transformations: what a lot was made from, and what was made from it

_INPUTS = connection.ops.quote_name(LotInput._meta.db_table)
_DESCENDANTS_SQL = f"""
WITH RECURSIVE made(id) AS (
    SELECT {{ids}}
    UNION
    SELECT i.lot_id FROM {_INPUTS} i JOIN made ON i.source_id = made.id
) SELECT id FROM made
"""  # noqa: S608 - table name from the model, values bound


def _id_list_query(sql: str, ids: list[int]) -> tuple[str, list]:
    """``sql`` with ``{ids}`` as a one-parameter row source of ``ids``: a PostgreSQL array,
    or SQLite's ``json_each`` for the embedded default database (``make run``)."""
    if connection.vendor == "sqlite":
        return sql.format(ids="value FROM json_each(%s)"), [json.dumps(ids)]
    return sql.format(ids="unnest(%s::bigint[])"), [ids]


def lot_ids_descending_from(lot_ids: Iterable[int]) -> list[int]:
    """``lot_ids`` and every lot made from them, however many transformations down.

    One recursive query; ``UNION`` drops repeated rows, so even a cycle ends.
    """
    ids = sorted({int(pk) for pk in lot_ids})
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(*_id_list_query(_DESCENDANTS_SQL, ids))
        return [row[0] for row in cursor.fetchall()]


_PROVENANCE_PAIRS_SQL = f"""
WITH RECURSIVE up(lot_id, source_id) AS (
    SELECT lot_id, source_id FROM {_INPUTS} WHERE lot_id IN (SELECT {{ids}})
    UNION
    SELECT up.lot_id, i.source_id FROM up JOIN {_INPUTS} i ON i.lot_id = up.source_id
) SELECT lot_id, source_id FROM up
"""  # noqa: S608 - table name from the model, values bound


def lot_inputs_in_provenance(lot_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each lot, every lot it was made from, directly or not (itself excluded)."""
    ids = sorted({int(pk) for pk in lot_ids})
    found: dict[int, set[int]] = {pk: set() for pk in ids}
    if not ids:
        return found
    with connection.cursor() as cursor:
        cursor.execute(*_id_list_query(_PROVENANCE_PAIRS_SQL, ids))
        for lot_id, source_id in cursor.fetchall():
            if source_id != lot_id:
                found[lot_id].add(source_id)
    return found


def lot_ids_in_provenance(lot_ids: Iterable[int]) -> set[int]:
    """``lot_ids`` and every lot they were made from."""
    ids = {int(pk) for pk in lot_ids}
    for sources in lot_inputs_in_provenance(ids).values():
        ids |= sources
    return ids


def site_ids_in_provenance(lot_ids: Iterable[int]) -> set[int]:
    """Growing areas and packing houses of these lots and of every lot they were made from."""
    lots = Lot.objects.filter(pk__in=lot_ids_in_provenance(lot_ids))
    ids: set[int] = set()
    for area_id, house_id in lots.values_list("growing_area_id", "packing_house_id"):
        ids.update(pk for pk in (area_id, house_id) if pk is not None)
    return ids


def lot_ids_from_sites(site_ids: Iterable[int]) -> list[int]:
    """Lots grown in or packed at these sites (not yet the lots made from them)."""
    ids = list({int(pk) for pk in site_ids})
    if not ids:
        return []
    return list(
        Lot.objects.filter(Q(growing_area_id__in=ids) | Q(packing_house_id__in=ids)).values_list(
            "pk", flat=True
        )
    )


def _provenance_subquery(seed: QuerySet[Lot]):
    """A subquery of the seed lots' ids and of every lot they were made from."""
    from django.db.models.expressions import RawSQL

    seed_sql, seed_params = seed.order_by().values("pk").query.sql_with_params()
    return RawSQL(  # noqa: S611 - the seed is a compiled queryset, its values bound
        f"WITH RECURSIVE up(id) AS ({seed_sql} UNION SELECT i.source_id FROM "  # noqa: S608
        f"{_INPUTS} i JOIN up ON i.lot_id = up.id) SELECT id FROM up",
        seed_params,
    )


class ProvenanceNode:
    """One input of a lot: the input lot (with its growing area and packing house loaded),
    how much of it went in, and what it was made from in turn."""

    __slots__ = ("inputs", "lot", "quantity_kg")

    def __init__(self, lot: Lot, quantity_kg, inputs: list["ProvenanceNode"]):
        self.lot = lot
        self.quantity_kg = quantity_kg
        self.inputs = inputs

    def __repr__(self) -> str:
        return f"ProvenanceNode({self.lot.code}, {self.quantity_kg} kg, {self.inputs!r})"


_PROVENANCE_ROWS_SQL = f"""
WITH RECURSIVE up(id, source_id) AS (
    SELECT id, source_id FROM {_INPUTS} WHERE lot_id = %s
    UNION
    SELECT i.id, i.source_id FROM {_INPUTS} i JOIN up ON i.lot_id = up.source_id
) SELECT id FROM up
"""  # noqa: S608 - table name from the model, values bound


def lot_provenance(lot: Lot) -> list[ProvenanceNode]:
    """The lots ``lot`` was made from, recursively, with their areas: one query, whatever
    the depth (the rows of every level come from one recursive walk)."""
    from django.db.models.expressions import RawSQL

    rows_of: dict[int, list[LotInput]] = {}
    rows = (
        LotInput.objects.filter(pk__in=RawSQL(_PROVENANCE_ROWS_SQL, [lot.pk]))  # noqa: S611 - bound id
        .select_related("source__growing_area", "source__packing_house", "source__product")
        .order_by()  # sorted here: compiling the ORDER BY cost more than sorting a few rows
    )
    for row in sorted(rows, key=lambda row: (row.lot_id, row.source_id)):
        rows_of.setdefault(row.lot_id, []).append(row)
    # Breadth first, as the walk found them: a lot reached twice keeps its inputs under the
    # first node only, so a diamond is listed once and a cycle ends.
    roots: list[ProvenanceNode] = []
    children_of: dict[int, list[ProvenanceNode]] = {lot.pk: roots}
    frontier = [lot.pk]
    seen = {lot.pk}
    while frontier:
        next_frontier = []
        for lot_id in sorted(frontier):
            for row in rows_of.get(lot_id, ()):
                node = ProvenanceNode(lot=row.source, quantity_kg=row.quantity_kg, inputs=[])
                children_of[row.lot_id].append(node)
                if row.source_id not in seen:
                    seen.add(row.source_id)
                    children_of[row.source_id] = node.inputs
                    next_frontier.append(row.source_id)
        frontier = next_frontier
    return roots


def has_inputs() -> KeyedSubquery:
    """Whether the outer lot was made from other lots (``lot_provenance`` has rows)."""

    def build_sql(connection, lot):
        inputs, i = sql_table(connection, LotInput, "has_i")
        return f"SELECT EXISTS(SELECT 1 FROM {inputs} WHERE {i('lot')} = {lot})", []  # noqa: S608 - names from the model

    return KeyedSubquery(build_sql, output_field=BooleanField())
