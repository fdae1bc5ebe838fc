"""PostgreSQL only: the change log (``0007``) also records every change that can change who sees
which datasets, as a row of kind ``p``, so that the facet matrix keeps each person's datasets
(:func:`lims.core.permissions.search_entry_datasets`) per process and forgets them exactly when
one of these changes ends: a membership, a group's membership in a project or a person's in a
group (any write), a dataset or project created, deleted or truncated, and an update that
changes a dataset's visibility, project or trash state, or a project's visibility or trash
state (row triggers with a ``WHEN``: other updates of these rows, frequent ones, cost nothing).
What the permission seam reads of the person (active, staff, share links) is in the key the
matrix keeps them under, not here."""

from django.db import migrations

WHOLE_TABLES = (
    "projects_membership",
    "projects_groupmembership",
    "groups_researchgroup_members",
)
CREATED_OR_DELETED = ("datasets_dataset", "projects_project")
WATCHED_COLUMNS = {
    "datasets_dataset": ("visibility", "project_id", "deleted_at"),
    "projects_project": ("visibility", "deleted_at"),
}


def _statements() -> list[str]:
    statements = []
    for table in WHOLE_TABLES:
        statements.append(
            f"CREATE TRIGGER search_change_access AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION search_change_mark('p')"
        )
    for table in CREATED_OR_DELETED:
        statements.append(
            f"CREATE TRIGGER search_change_access AFTER INSERT OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION search_change_mark('p')"
        )
    for table, columns in WATCHED_COLUMNS.items():
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        statements.append(
            f"CREATE TRIGGER search_change_access_update AFTER UPDATE ON {table} "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION search_change_mark('p')"
        )
    return statements


def _undo() -> list[str]:
    tables = (*WHOLE_TABLES, *CREATED_OR_DELETED)
    return [f"DROP TRIGGER IF EXISTS search_change_access ON {t}" for t in tables] + [
        f"DROP TRIGGER IF EXISTS search_change_access_update ON {t}" for t in WATCHED_COLUMNS
    ]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in _undo() + _statements():
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in _undo():
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0007_change_log"),
        ("datasets", "0003_dataset_doi"),
        ("projects", "0003_invitations"),
        ("groups", "0001_initial"),
    ]
    operations = [migrations.RunPython(forward, backward)]
