"""On PostgreSQL, `path LIKE 'prefix%'` needs a pattern-ops index under a non-C collation.
SQLite uses the plain index on `path` for the same query (case-sensitive LIKE via startswith
is emitted as GLOB-free `LIKE ... ESCAPE`; the b-tree index still bounds the range scan)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS org_unit_path_pattern ON org_unit (path varchar_pattern_ops);"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS org_unit_path_pattern;")


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
