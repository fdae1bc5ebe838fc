"""PostgreSQL only: the change log the in-memory facet matrix (:mod:`lims.search.matrix`) reads
to stay fresh. Statement-level triggers with transition tables write one row per entry a
statement inserted, updated or deleted (so COPY and bulk writes pay one INSERT … SELECT per
statement, not a trigger call per row), stamped with the writing transaction's id: a process
asks for the rows of the transactions it has not seen yet (``xid >= its horizon``). A TRUNCATE
of the index, and any change of a dataset's tags (the tag facet counts them), write a row of
their own ``kind``. A plain table, not a model: nothing in Django reads or writes it but the
matrix and the periodic prune."""

from django.db import migrations

LOG = """
CREATE TABLE IF NOT EXISTS search_change (
    id bigserial PRIMARY KEY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    kind char(1) NOT NULL DEFAULT 'e',
    file_id bigint,
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS search_change_xid ON search_change (xid);
CREATE INDEX IF NOT EXISTS search_change_changed_at ON search_change (changed_at);

CREATE OR REPLACE FUNCTION search_change_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_change (file_id) SELECT file_id FROM new_rows;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION search_change_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_change (file_id) SELECT file_id FROM old_rows;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION search_change_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_change (kind) VALUES (TG_ARGV[0]);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS search_change_insert ON search_entry;
CREATE TRIGGER search_change_insert AFTER INSERT ON search_entry
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_change_new();
DROP TRIGGER IF EXISTS search_change_update ON search_entry;
CREATE TRIGGER search_change_update AFTER UPDATE ON search_entry
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_change_new();
DROP TRIGGER IF EXISTS search_change_delete ON search_entry;
CREATE TRIGGER search_change_delete AFTER DELETE ON search_entry
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_change_old();
DROP TRIGGER IF EXISTS search_change_truncate ON search_entry;
CREATE TRIGGER search_change_truncate AFTER TRUNCATE ON search_entry
    FOR EACH STATEMENT EXECUTE FUNCTION search_change_mark('a');
DROP TRIGGER IF EXISTS search_change_tags ON datasets_dataset_tags;
CREATE TRIGGER search_change_tags AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON datasets_dataset_tags FOR EACH STATEMENT EXECUTE FUNCTION search_change_mark('t');
DROP TRIGGER IF EXISTS search_change_tag_names ON datasets_tag;
CREATE TRIGGER search_change_tag_names AFTER UPDATE OR DELETE OR TRUNCATE
    ON datasets_tag FOR EACH STATEMENT EXECUTE FUNCTION search_change_mark('t');
"""
UNDO = """
DROP TRIGGER IF EXISTS search_change_tag_names ON datasets_tag;
DROP TRIGGER IF EXISTS search_change_tags ON datasets_dataset_tags;
DROP TRIGGER IF EXISTS search_change_truncate ON search_entry;
DROP TRIGGER IF EXISTS search_change_delete ON search_entry;
DROP TRIGGER IF EXISTS search_change_update ON search_entry;
DROP TRIGGER IF EXISTS search_change_insert ON search_entry;
DROP FUNCTION IF EXISTS search_change_mark();
DROP FUNCTION IF EXISTS search_change_old();
DROP FUNCTION IF EXISTS search_change_new();
DROP TABLE IF EXISTS search_change;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(LOG)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNDO)


class Migration(migrations.Migration):
    dependencies = [("search", "0006_tally"), ("datasets", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
