"""The read side the API needs, kept by the database itself.

- ``api_catalogversion``: one row, set to a fresh random number by triggers
  on every change to pledges and projects, so a process can cache the pledge
  book and reload it only when the catalog changed (one tiny read per API
  batch). Random, not a counter: a rolled-back change must not let a later
  change reach the same number as a book cached in between.
- An index for the buyer's donation history ("love footprint"): partial,
  over lines that made a donation and name a buyer, so lines without a
  donation cost the engine's inserts nothing.
"""

from django.db import migrations

WATCHED = ("catalog_pledge", "catalog_project")
BUYER_INDEX = (
    "CREATE INDEX api_orderline_buyer ON donations_orderline (buyer_id, paid_at_us) "
    "WHERE buyer_id IS NOT NULL AND donation_minor > 0"
)

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION api_bump_catalog_version() RETURNS trigger AS $$
BEGIN
    UPDATE api_catalogversion SET version = (random() * 9.0e18)::bigint WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    schema_editor.execute("INSERT INTO api_catalogversion (id, version) VALUES (1, 0)")
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION)
        for table in WATCHED:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION api_bump_catalog_version()"
            )
    else:
        for table in WATCHED:
            for op in ("insert", "update", "delete"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_version_{op} AFTER {op.upper()} ON {table} "
                    "BEGIN UPDATE api_catalogversion SET version = random() WHERE id = 1; END"
                )
    schema_editor.execute(BUYER_INDEX)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    schema_editor.execute("DROP INDEX IF EXISTS api_orderline_buyer")
    for table in WATCHED:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_version ON {table}")
        else:
            for op in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_version_{op}")
    schema_editor.execute("DELETE FROM api_catalogversion")


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("catalog", "0001_initial"),
        ("donations", "0002_id_blocks"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
