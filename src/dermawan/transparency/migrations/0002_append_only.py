"""The log is append-only: a leaf, a node or a signed tree head never changes.

The Merkle tree would expose a change anyway; the triggers stop one early.
"""

from django.db import migrations

from dermawan.core.append_only import refuse_changes


class Migration(migrations.Migration):
    dependencies = [("transparency", "0001_initial")]
    operations = [
        refuse_changes(
            "transparency",
            "transparency log",
            ("transparency_entry", "transparency_node", "transparency_treehead"),
        )
    ]
