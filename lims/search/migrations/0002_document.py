"""PostgreSQL only: the weighted full-text ``document`` of each entry (a stored generated
column, so every writer, COPY included, keeps it right), its GIN index, and a trigram index for
the vendor-key typeahead. SQLite (the embedded default) matches words with LIKE instead."""

from django.db import migrations

DOCUMENT = """
ALTER TABLE search_entry ADD COLUMN IF NOT EXISTS document tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', coalesce(text_a, '')), 'A')
    || setweight(to_tsvector('simple', coalesce(text_b, '')), 'B')
    || setweight(to_tsvector('simple', coalesce(text_c, '')), 'C')
) STORED;
CREATE INDEX IF NOT EXISTS search_entry_document ON search_entry USING gin (document);
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS search_key_key_trgm ON search_key USING gin (key gin_trgm_ops);
"""
UNDO = """
DROP INDEX IF EXISTS search_key_key_trgm;
DROP INDEX IF EXISTS search_entry_document;
ALTER TABLE search_entry DROP COLUMN IF EXISTS document;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DOCUMENT)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNDO)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_index")]
    operations = [migrations.RunPython(forward, backward)]
