from django.db import migrations

from market.core.append_only import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("traceability", "0001_initial")]

    operations = [
        AppendOnly("traceability_traceevent"),
        AppendOnly("traceability_sitestatuschange"),
        AppendOnly("traceability_auditentry"),
    ]
