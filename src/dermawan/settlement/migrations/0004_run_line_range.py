"""Runs read confirmations from the order lines (decision 0032): the range of
line ids a run's confirmations lie in, and the next run's first line. Runs
made before get every line and 0: they read the same effects as before."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("settlement", "0003_run_posting_range"),
        ("donations", "0005_line_confirmation"),
    ]

    operations = [
        migrations.AddField("run", "first_line_id", models.BigIntegerField(default=0)),
        migrations.AddField(
            "run", "last_line_id", models.BigIntegerField(default=9223372036854775807)
        ),
        migrations.AddField("run", "line_horizon", models.BigIntegerField(default=0)),
    ]
