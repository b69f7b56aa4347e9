"""SQL written by hand for hot paths, with every table and column named by the models.

The ORM's compiler costs Python on each query it builds; where a page is read thousands
of times a minute (the storefront grid, the resolver of QR codes) a column or a check is
written here as SQL instead, still naming tables and columns from the models so a
renamed field cannot silently miss.
"""

from collections.abc import Callable

from django.db.models import F, Func


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
