"""SQL written by hand for hot paths, with every table and column named by the models.

The ORM's compiler costs Python on each query it builds; where a page is read thousands
of times a minute (the storefront grid, the resolver of QR codes) a column or a check is
written here as SQL instead, still naming tables and columns from the models so a
renamed field cannot silently miss.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.db import connections, router
from django.db.models import F, Func
from django.db.transaction import TransactionManagementError


def sql_table(connection, model, alias: str) -> tuple[str, Callable[[str], str]]:
    """``"table" alias`` and a function naming the alias's columns by field name."""
    quote = connection.ops.quote_name

    def column(field: str) -> str:
        return f"{alias}.{quote(model._meta.get_field(field).column)}"

    return f"{quote(model._meta.db_table)} {alias}", column


class KeyedSubquery(Func):
    """A scalar subquery about each row, keyed by one of its columns, in SQL written by the
    caller: ``build_sql(connection, key_sql) -> (sql, params)``.

    Built from querysets (``Subquery``, ``OuterRef``), the storefront grid's columns took
    about 10 million instructions of Python per page to build and compile, a quarter of
    the whole request and more than the queries they replace. Only the key goes through
    the ORM (``key``, a field of the outer model: ``"pk"``, or ``"product_id"`` for a
    question about a lot's product), so the outer table's alias is right wherever the
    queryset is used; the subquery's own tables have their own aliases.
    """

    def __init__(self, build_sql, *, output_field, key: str = "pk"):
        super().__init__(F(key), output_field=output_field)
        self.build_sql = build_sql

    def as_sql(self, compiler, connection, **extra_context):
        key, key_params = compiler.compile(self.source_expressions[0])
        sql, params = self.build_sql(connection, key)
        return f"({sql})", [*key_params, *params]


@dataclass(frozen=True)
class ModelColumns:
    """One model's columns in a row of SQL written by hand: where they start, and the
    converters the ORM would run on each value (JSON, times), so the row is read into an
    instance as the ORM would (``Model.from_db``). For reads whose queryset costs more
    Python to build and compile than its rows to read (the buying flow's, on every step)."""

    model: type
    start: int
    attnames: tuple[str, ...]
    # Per column, in ``_meta.concrete_fields`` order: its expression and converters.
    columns: tuple
    pk_index: int

    @classmethod
    def of(cls, connection, model, alias: str, start: int) -> "ModelColumns":
        fields = model._meta.concrete_fields
        columns = []
        for model_field in fields:
            col = model_field.get_col(alias)
            converters = (
                *connection.ops.get_db_converters(col),
                *col.get_db_converters(connection),
            )
            columns.append((col, converters))
        pk_index = next(i for i, f in enumerate(fields) if f.primary_key)
        return cls(model, start, tuple(f.attname for f in fields), tuple(columns), pk_index)

    @classmethod
    def sequence(cls, connection, *models) -> tuple["ModelColumns", ...]:
        """The columns of each ``(model, alias)`` one after the other in a row."""
        reads, start = [], 0
        for model, alias in models:
            reads.append(cls.of(connection, model, alias, start))
            start += len(reads[-1].columns)
        return tuple(reads)

    def select(self, connection) -> str:
        quote = connection.ops.quote_name
        return ", ".join(
            f"{quote(col.alias)}.{quote(col.target.column)}" for col, _ in self.columns
        )

    def returning(self, connection) -> str:
        """The same columns unqualified, for an ``UPDATE … RETURNING`` of the one table."""
        quote = connection.ops.quote_name
        return ", ".join(quote(col.target.column) for col, _ in self.columns)

    def instance(self, connection, row):
        """The instance of the row's columns; None when its primary key is null (a LEFT
        JOIN found nothing)."""
        values = []
        for offset, (col, converters) in enumerate(self.columns):
            value = row[self.start + offset]
            for convert in converters:
                value = convert(value, col, connection)
            values.append(value)
        if values[self.pk_index] is None:
            return None
        return self.model.from_db(connection.alias, self.attnames, values)


def instances_for_ids(
    connection,
    head: str,
    tail: str,
    ids,
    reads: tuple[ModelColumns, ...],
    *,
    before=(),
    after=(),
) -> list[tuple]:
    """Run ``head`` + one placeholder per id + ``tail`` (``before`` and ``after``: the
    values of the placeholders in ``head`` and in ``tail``) and read each row into one
    instance per ``reads``: the shape of every hand-written ``… WHERE x IN (…)`` read."""
    ids = list(ids)
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"{head}{placeholders}{tail}", [*before, *ids, *after])
        rows = cursor.fetchall()
    return [tuple(read.instance(connection, row) for read in reads) for row in rows]


def row_lock(connection, alias: str) -> str:
    """`` FOR UPDATE OF <alias>`` for a hand-written read that locks its rows (what the
    database supports of it: nothing on SQLite, which locks the whole file anyway), refused
    outside a transaction as the ORM's ``select_for_update`` is: such a lock holds nothing."""
    if connection.get_autocommit():
        raise TransactionManagementError(
            "select_for_update cannot be used outside of a transaction."
        )
    if not connection.features.has_select_for_update:
        return ""
    if connection.features.has_select_for_update_of:
        return f" FOR UPDATE OF {connection.ops.quote_name(alias)}"
    return " FOR UPDATE"


@lru_cache(maxsize=64)
def _insert_sql(alias: str, model, names: tuple[str, ...]) -> str:
    connection = connections[alias]
    quote = connection.ops.quote_name
    meta = model._meta
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    returning = (
        f" RETURNING {quote(meta.pk.column)}"
        if connection.features.can_return_columns_from_insert
        else ""
    )
    placeholders = ", ".join(["%s"] * len(names))
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}){returning}"  # noqa: S608 - names from the models


@lru_cache(maxsize=64)
def _update_sql(alias: str, model, names: tuple[str, ...]) -> str:
    connection = connections[alias]
    quote = connection.ops.quote_name
    meta = model._meta
    assignments = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in names)
    return f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 - names from the models


def _prepared(connection, model, values: dict) -> list:
    meta = model._meta
    return [
        meta.get_field(name).get_db_prep_save(value, connection) for name, value in values.items()
    ]


def instances_insert(
    instances: list, *, unique_fields: tuple[str, ...] = (), update_fields: tuple[str, ...] = ()
) -> list:
    """``bulk_create(instances)`` of new instances of one model whose primary key the
    database gives: the same row per instance (auto times, relations by id, JSON as the
    fields prepare them, no signals), each instance given its key, with the SQL written once
    per model and number of rows. The ORM's ``bulk_create`` builds its query anew each
    call; the buying flow writes such batches on every step.

    ``unique_fields`` and ``update_fields``: ``bulk_create(update_conflicts=True, …)``, a
    row whose unique fields are taken updates those fields of it instead (and its key is
    the one given)."""
    if not instances:
        return instances
    model = type(instances[0])
    connection = connections[router.db_for_write(model)]
    sql, fields = _instances_insert_sql(
        connection.alias, model, len(instances), tuple(unique_fields), tuple(update_fields)
    )
    parameters = []
    for instance in instances:
        if type(instance) is not model or instance.pk is not None:
            raise ValueError("instances_insert writes new instances of one model")
        instance._prepare_related_fields_for_save(operation_name="bulk_create")
        parameters.extend(
            field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        keys = [row[0] for row in cursor.fetchall()]
    for instance, key in zip(instances, keys, strict=True):
        instance.pk = key
        instance._state.adding = False
        instance._state.db = connection.alias
    return instances


@lru_cache(maxsize=128)
def _instances_insert_sql(
    alias: str, model, count: int, unique_fields: tuple, update_fields: tuple
) -> tuple[str, tuple]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    meta = model._meta
    fields = tuple(field for field in meta.concrete_fields if not field.primary_key)
    columns = ", ".join(quote(field.column) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    rows = ", ".join([row] * count)
    conflict = ""
    if unique_fields or update_fields:
        if not (unique_fields and update_fields):
            raise ValueError("an update on conflict names its unique and its updated fields")
        unique = ", ".join(quote(meta.get_field(name).column) for name in unique_fields)
        updated = ", ".join(
            f"{quote(meta.get_field(name).column)} = EXCLUDED.{quote(meta.get_field(name).column)}"
            for name in update_fields
        )
        conflict = f" ON CONFLICT ({unique}) DO UPDATE SET {updated}"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {rows}{conflict} "  # noqa: S608 - names from the models
        f"RETURNING {quote(meta.pk.column)}"
    )
    return sql, fields


def row_insert(model, values: dict):
    """Insert one row of ``model`` with ``values`` (field names; every field the row needs,
    defaults included: nothing is filled in) and answer its primary key. The same row as
    ``model.objects.create`` writes, without compiling the query each time."""
    connection = connections[router.db_for_write(model)]
    sql = _insert_sql(connection.alias, model, tuple(values))
    with connection.cursor() as cursor:
        cursor.execute(sql, _prepared(connection, model, values))
        if connection.features.can_return_columns_from_insert:
            return cursor.fetchone()[0]
        return connection.ops.last_insert_id(cursor, model._meta.db_table, model._meta.pk.column)


def row_update(model, pk, values: dict) -> None:
    """``model.objects.filter(pk=pk).update(**values)`` for plain field values, with its SQL
    written once."""
    connection = connections[router.db_for_write(model)]
    sql = _update_sql(connection.alias, model, tuple(values))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*_prepared(connection, model, values), pk])
