"""A migration operation that makes a table append-only in the database itself.

The application never updates or deletes such rows; the trigger makes sure that
nothing else does either (a script, an admin with a SQL console, a bug), so an
edit behind the application's back needs the trigger disabled first, which
needs the table's owner. TRUNCATE is left to the owner (test databases are
flushed with it). PostgreSQL and SQLite, the embedded default, are supported.
"""

from contextlib import contextmanager

from django.db import connection as default_connection
from django.db import migrations

_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION market_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rows of % are append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
"""


class AppendOnly(migrations.operations.base.Operation):
    reduces_to_sql = True
    reversible = True

    def __init__(self, table: str):
        self.table = table

    def state_forwards(self, app_label, state):
        """The trigger lives in the database only; the model state does not change."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        table = schema_editor.quote_name(self.table)
        trigger = schema_editor.quote_name(f"{self.table}_append_only")
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(_POSTGRES_FUNCTION, params=None)
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION market_refuse_change()"
            )
        elif schema_editor.connection.vendor == "sqlite":
            for statement in _sqlite_triggers(schema_editor.quote_name, self.table):
                schema_editor.execute(statement)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        table = schema_editor.quote_name(self.table)
        if schema_editor.connection.vendor == "postgresql":
            trigger = schema_editor.quote_name(f"{self.table}_append_only")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        elif schema_editor.connection.vendor == "sqlite":
            for operation in ("update", "delete"):
                name = schema_editor.quote_name(f"{self.table}_append_only_{operation}")
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")

    def describe(self):
        return f"Refuse UPDATE and DELETE on {self.table}"

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.table], {})


@contextmanager
def append_only_lifted(tables, *, connection=None):
    """Let this transaction delete or update rows of ``tables``, then refuse again.

    For the one job that owns the rows it removes (``load_demo --reset`` deleting the
    demo's own chains). Must run inside a transaction: PostgreSQL and SQLite both make
    the trigger change transactional, so nobody else ever sees the tables unguarded and a
    failure rolls the change back with everything else. PostgreSQL's ``ALTER TABLE ...
    DISABLE TRIGGER`` needs the table's owner (a ``ProgrammingError`` otherwise) and
    takes the table's exclusive lock until the commit. Deferred foreign-key checks are
    made immediate meanwhile, since PostgreSQL refuses to alter a table that has some
    pending.
    """
    connection = connection or default_connection
    if not connection.in_atomic_block:
        raise RuntimeError("append_only_lifted() must run inside a transaction")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                trigger = quote(f"{table}_append_only")
                cursor.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER {trigger}")
        elif connection.vendor == "sqlite":
            for table in tables:
                for operation in ("update", "delete"):
                    cursor.execute(
                        f"DROP TRIGGER IF EXISTS {quote(f'{table}_append_only_{operation}')}"
                    )
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                trigger = quote(f"{table}_append_only")
                cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER {trigger}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        elif connection.vendor == "sqlite":
            for table in tables:
                for statement in _sqlite_triggers(quote, table):
                    cursor.execute(statement)


def _sqlite_triggers(quote, table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {quote(f'{table}_append_only_{operation.lower()}')} "
        f"BEFORE {operation} ON {quote(table)} "
        f"BEGIN SELECT RAISE(ABORT, 'rows of {table} are append-only'); END"
        for operation in ("UPDATE", "DELETE")
    ]
