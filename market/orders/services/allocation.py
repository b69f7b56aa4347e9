"""The stock arithmetic of orders: the one module that writes ``Allocation`` rows and
``catalog.Stock.quantity_allocated``.

Every change locks the ``Stock`` rows it touches with ``select_for_update()`` ordered by
the stock's primary key: all writers take their locks in that one order, so two of them
never wait on each other in a circle (no deadlock), whatever order their lines come in.

- placing an order allocates: an ``Allocation`` per line, ``quantity_allocated += q``;
- cancelling or expiring releases: ``quantity_allocated -= q``, the allocation deleted;
- shipping consumes: ``quantity -= q`` and ``quantity_allocated -= q``, the allocation
  deleted (the goods left the shelf);
- a return that puts the goods back on sale restocks: ``quantity += q``.

Each is one UPDATE for all the stocks it touches, whatever the number of lines.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connections, router

from catalog.models import Stock
from market.core.sql import instances_insert, row_lock, sql_table
from market.orders.models import Allocation, OrderLine


@dataclass(frozen=True)
class Need:
    """Units of ``stock`` to hold for ``line``."""

    line: OrderLine
    stock: Stock
    quantity: int


def stocks_locked(variant_ids: Iterable[int]) -> dict[int, Stock]:
    """The ``Stock`` rows of these variants, locked in primary-key order, by variant id.

    A variant without a stock row is absent: it has nothing to sell.
    """
    ids = set(variant_ids)
    if not ids:
        return {}
    connection = connections[router.db_for_write(Stock)]
    lock = row_lock(connection, "locked_s")
    # Written as SQL: adding to a checkout and placing an order both take these locks,
    # and compiling the query cost more than running it.
    stocks, column = sql_table(connection, Stock, "locked_s")
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT {column('id')}, {column('variant')}, {column('quantity')},"  # noqa: S608 - names from the model
        f" {column('quantity_allocated')} FROM {stocks}"
        f" WHERE {column('variant')} IN ({placeholders}) ORDER BY {column('id')}{lock}"
    )
    rows = Stock.objects.raw(sql, list(ids)).using(connection.alias)
    return {stock.variant_id: stock for stock in rows}


def allocations_create(needs: list[Need]) -> list[Allocation]:
    """Hold the units of each need: its stock must already be locked by ``stocks_locked``."""
    if not needs:
        return []
    allocations = instances_insert(
        [
            Allocation(order_line=need.line, stock=need.stock, quantity=need.quantity)
            for need in needs
        ]
    )
    per_stock: dict[int, int] = defaultdict(int)
    for need in needs:
        per_stock[need.stock.pk] += need.quantity
    _apply(allocated=per_stock)
    return allocations


def allocations_release(lines: Iterable[OrderLine]) -> int:
    """Give back the units held for ``lines`` (cancelled or expired); returns how many."""
    return _settle(lines, consume=False)


def allocations_consume(lines: Iterable[OrderLine]) -> int:
    """The units held for ``lines`` left with the parcel: they leave the stock too."""
    return _settle(lines, consume=True)


def stock_restock(lines: Iterable[OrderLine]) -> int:
    """Put returned ``lines`` back on sale (``quantity += q``); returns how many units.

    A line whose variant, or its stock row, no longer exists has nowhere to go back to.
    """
    per_variant: dict[int, int] = defaultdict(int)
    for line in lines:
        if line.variant_id is not None:
            per_variant[line.variant_id] += line.quantity
    stocks = stocks_locked(per_variant)
    per_stock = {stock.pk: per_variant[variant_id] for variant_id, stock in stocks.items()}
    _apply(quantity=per_stock)
    return sum(per_stock.values())


def _settle(lines: Iterable[OrderLine], *, consume: bool) -> int:
    allocations = list(
        Allocation.objects.filter(order_line__in=[line.pk for line in lines]).order_by("pk")
    )
    if not allocations:
        return 0
    per_stock: dict[int, int] = defaultdict(int)
    for allocation in allocations:
        per_stock[allocation.stock_id] += allocation.quantity
    # Lock before writing, in the one order every writer uses.
    list(
        Stock.objects.filter(pk__in=per_stock)
        .order_by("pk")
        .select_for_update()
        .values_list("pk", flat=True)
    )
    released = {stock_id: -units for stock_id, units in per_stock.items()}
    _apply(allocated=released, quantity=released if consume else None)
    Allocation.objects.filter(pk__in=[allocation.pk for allocation in allocations]).delete()
    return sum(per_stock.values())


def _apply(*, allocated: dict[int, int] | None = None, quantity: dict[int, int] | None = None):
    """One UPDATE adding ``allocated[pk]`` and ``quantity[pk]`` to each stock's columns.

    Written as SQL (a ``CASE`` per column, keyed by the stock's id): placing an order runs
    it, and compiling it from ``Case``/``When`` expressions cost more than the update."""
    allocated = allocated or {}
    quantity = quantity or {}
    stock_ids = sorted(set(allocated) | set(quantity))
    if not stock_ids:
        return
    connection = connections[router.db_for_write(Stock)]
    quote = connection.ops.quote_name

    def column(field: str) -> str:
        return quote(Stock._meta.get_field(field).column)

    table = quote(Stock._meta.db_table)
    assignments, params = [], []
    for field, deltas in (("quantity_allocated", allocated), ("quantity", quantity)):
        if not deltas:
            continue
        cases = " ".join(["WHEN %s THEN %s"] * len(deltas))
        assignments.append(
            f"{column(field)} = {column(field)} + CASE {column('id')} {cases} ELSE 0 END"
        )
        for pk, delta in deltas.items():
            params.extend([pk, delta])
    placeholders = ", ".join(["%s"] * len(stock_ids))
    sql = (
        f"UPDATE {table} SET {', '.join(assignments)}"  # noqa: S608 - names from the model
        f" WHERE {column('id')} IN ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *stock_ids])
