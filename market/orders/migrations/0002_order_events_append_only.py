from django.db import migrations

from market.core.append_only import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [AppendOnly("orders_orderevent")]
