"""The search outbox becomes market.core's change outbox: its rows move there as product changes.

Plain INSERT … SELECT keeps each row's created_at, which auto_now_add would reset.
"""

from django.db import migrations

TO_CORE = """
INSERT INTO core_changerecord (topic, object_id, created_at, attempts, last_error)
SELECT 'product', product_id, created_at, attempts, last_error
FROM search_searchoutbox ORDER BY id
"""

# The old outbox knows only products; seller and category rows are dropped,
# which `manage.py search_index --rebuild` makes good.
BACK_TO_SEARCH = """
INSERT INTO search_searchoutbox (product_id, created_at, attempts, last_error)
SELECT object_id, created_at, attempts, last_error
FROM core_changerecord WHERE topic = 'product' ORDER BY id
"""
LEAVE_CORE = "DELETE FROM core_changerecord WHERE topic = 'product'"


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("search", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(TO_CORE, [BACK_TO_SEARCH, LEAVE_CORE]),
        migrations.DeleteModel(name="SearchOutbox"),
    ]
