from django.db import migrations

from market.core.append_only import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [AppendOnly("payments_transactionevent")]
