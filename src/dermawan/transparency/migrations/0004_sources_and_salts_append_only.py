"""A leaf's source and a line's salt never change either: the audit and the
buyer's receipt depend on them."""

from django.db import migrations

from dermawan.core.append_only import refuse_changes


class Migration(migrations.Migration):
    dependencies = [("transparency", "0003_leaf_sources_and_salts")]
    operations = [
        refuse_changes(
            "transparency",
            "transparency log",
            ("transparency_leafsource", "transparency_buyersalt"),
        )
    ]
