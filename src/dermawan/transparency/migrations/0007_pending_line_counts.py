"""Each waiting batch also says how many effects each of its lines has, so a
receipt counts its lines' waiting effects without reading the leaves."""

from collections import Counter
from typing import Any

import orjson
from django.db import migrations, models


def _count_waiting(apps: Any, schema_editor: Any) -> None:
    PendingLeaves = apps.get_model("transparency", "PendingLeaves")
    for batch in PendingLeaves.objects.only("data").iterator(chunk_size=50):
        effects = orjson.loads(bytes(batch.data))["effects"]
        counts = list(Counter(effect[0] for effect in effects).items())
        PendingLeaves.objects.filter(pk=batch.pk).update(line_counts=orjson.dumps(counts))


class Migration(migrations.Migration):
    dependencies = [("transparency", "0006_nodes_from_level_4")]

    operations = [
        migrations.AddField(
            model_name="pendingleaves",
            name="line_counts",
            field=models.BinaryField(default=b"[]"),
        ),
        migrations.RunPython(_count_waiting, migrations.RunPython.noop),
    ]
