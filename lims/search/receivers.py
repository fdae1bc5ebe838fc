"""The index follows what it copies: files, datasets, projects, tags, instruments, comments."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from lims.comments.models import Comment
from lims.datasets.models import Dataset
from lims.files.models import InstrumentFile
from lims.instruments.models import Instrument
from lims.notes.models import Note
from lims.projects.models import Project
from lims.search.indexing import (
    search_index_files,
    search_index_saved,
    search_live_update,
    search_reindex_soon,
    search_status_update,
)

#: Saves of these fields alone change nothing in a file's entry but its status.
STATUS_ONLY = frozenset({"status", "status_message"})
#: What the entry reads of a file's extracted JSON (a whole save of an instance that deferred
#: them is indexed by reading the file back).
EXTRACTED = frozenset({"metadata", "original_metadata"})


@receiver(post_save, sender=InstrumentFile, dispatch_uid="lims.search.file_saved")
def file_saved(
    sender: Any,
    instance: InstrumentFile,
    raw: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    """A file saved (ingested, extracted, trashed, restored) is indexed in the same transaction,
    so it is findable the moment that commits; a save of its status alone (a run starting,
    failing) only changes the entry's status. A file saved whole with its extracted JSON in
    hand (an extraction's result) is indexed from the instance, not read back."""
    if raw:
        return
    if update_fields and update_fields <= STATUS_ONLY:
        search_status_update(file=instance)
    elif update_fields is None and not EXTRACTED & instance.get_deferred_fields():
        search_index_saved(file=instance)
    else:
        search_index_files(file_ids=[instance.pk])


@receiver(post_save, sender=Dataset, dispatch_uid="lims.search.dataset_saved")
def dataset_saved(
    sender: Any, instance: Dataset, created: bool, raw: bool = False, **kw: Any
) -> None:
    if raw or created:
        return
    search_live_update(dataset_ids=[instance.pk])
    search_reindex_soon(dataset_ids=[instance.pk])


@receiver(post_save, sender=Project, dispatch_uid="lims.search.project_saved")
def project_saved(
    sender: Any, instance: Project, created: bool, raw: bool = False, **kw: Any
) -> None:
    if raw or created:
        return
    search_live_update(project_ids=[instance.pk])
    search_reindex_soon(project_ids=[instance.pk])


@receiver(post_save, sender=Instrument, dispatch_uid="lims.search.instrument_saved")
def instrument_saved(
    sender: Any, instance: Instrument, created: bool, raw: bool = False, **kw: Any
) -> None:
    if not (raw or created):
        search_reindex_soon(instrument_ids=[instance.pk])


@receiver(m2m_changed, sender=Dataset.tags.through, dispatch_uid="lims.search.tags_changed")
def tags_changed(sender: Any, instance: Any, action: str, pk_set: Any, **kwargs: Any) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if isinstance(instance, Dataset):
        search_reindex_soon(dataset_ids=[instance.pk])
    elif pk_set:  # from the tag's side
        search_reindex_soon(dataset_ids=list(pk_set))


@receiver(m2m_changed, sender=InstrumentFile.tags.through, dispatch_uid="lims.search.file_tags")
def file_tags_changed(sender: Any, instance: Any, action: str, pk_set: Any, **kwargs: Any) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if isinstance(instance, InstrumentFile):
        search_index_files(file_ids=[instance.pk])
    elif pk_set:  # from the tag's side
        search_index_files(file_ids=list(pk_set))


@receiver(post_save, sender=Comment, dispatch_uid="lims.search.comment_saved")
@receiver(post_delete, sender=Comment, dispatch_uid="lims.search.comment_deleted")
@receiver(post_save, sender=Note, dispatch_uid="lims.search.note_saved")
@receiver(post_delete, sender=Note, dispatch_uid="lims.search.note_deleted")
def comment_changed(
    sender: Any, instance: Comment | Note, raw: bool = False, **kwargs: Any
) -> None:
    """A comment or a note (user metadata) on a file or a dataset: their words and the notes'
    keys are in the entries of the file, or of every file of the dataset."""
    if raw:
        return
    if instance.file_id:
        if InstrumentFile.objects.filter(pk=instance.file_id).exists():
            search_index_files(file_ids=[instance.file_id])
    elif instance.dataset_id:
        search_reindex_soon(dataset_ids=[instance.dataset_id])
