"""A GIN index on the normalized metadata, for containment search on PostgreSQL.

SQLite (the embedded default) has no GIN indexes, so the operation does nothing there.
"""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS files_instrumentfile_metadata_gin "
            "ON files_instrumentfile USING gin (metadata jsonb_path_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS files_instrumentfile_metadata_gin")


class Migration(migrations.Migration):
    dependencies = [("files", "0001_initial")]
    operations = [migrations.RunPython(create_index, drop_index)]
