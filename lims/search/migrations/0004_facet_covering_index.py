"""PostgreSQL only: a covering index of the facet columns, so that counting facets over many
entries reads a narrow index (an index-only scan) instead of the wide rows (text, vendor tree,
tsvector). Keep its INCLUDE list in step with ``lims.search.facets.FACETS``."""

from django.db import migrations

COLUMNS = (
    "project_id",
    "instrument_id",
    "uploaded_by_id",
    "status",
    "acquired_month",
    "beam_kv",
    "magnification_decade",
    "pixel_size_decade",
    "microscope",
    "technique",
    "kind",
    "detector",
    "format",
    "imaging_mode",
    "vendor",
    "operator",
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS search_entry_facets ON search_entry (live, dataset_id) "
            f"INCLUDE ({', '.join(COLUMNS)})"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_entry_facets")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_tecnai_and_beam_fields")]
    operations = [migrations.RunPython(forward, backward)]
