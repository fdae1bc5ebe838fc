"""PostgreSQL only: the default order of results (newest acquisitions first, files without a
date last, the file id breaking ties) as an index that also holds what the permission filter
reads, so a page, deep ones included, is read from the index alone before its rows are
fetched."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS search_entry_newest ON search_entry "
            "(acquired_at DESC NULLS LAST, file_id DESC) INCLUDE (live, dataset_id)"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_entry_newest")


class Migration(migrations.Migration):
    dependencies = [("search", "0004_facet_covering_index")]
    operations = [migrations.RunPython(forward, backward)]
