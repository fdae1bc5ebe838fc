"""Notes (user metadata) on datasets and files, and the tags of a file."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lims.core.permissions import Action, can
from lims.datasets.models import Dataset
from lims.files.models import InstrumentFile
from lims.notes.forms import NoteForm, TagsForm
from lims.notes.models import Note
from lims.notes.services import (
    file_tags_set,
    note_add,
    note_changeable_by,
    note_delete,
    note_update,
)
from lims.web.forms import message_errors, show_errors


def _back(target: Any) -> HttpResponse:
    return redirect(f"{target.get_absolute_url()}#notes")


def _add(request: HttpRequest, target: Dataset | InstrumentFile) -> HttpResponse:
    form = NoteForm(request.POST)
    if not form.is_valid():
        message_errors(request, form)
        return _back(target)
    try:
        note = note_add(target=target, user=request.user, **form.cleaned_data)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _back(target)
    messages.success(request, f"Note “{note.key}” added.")
    return _back(target)


@login_required
@require_POST
def note_on_file(request: HttpRequest, uid: Any) -> HttpResponse:
    """Add a note to a file."""
    file = get_object_or_404(
        InstrumentFile.objects.visible_to(request.user).select_related("dataset__project"),
        uid=uid,
    )
    return _add(request, file)


@login_required
@require_POST
def note_on_dataset(request: HttpRequest, uid: Any) -> HttpResponse:
    """Add a note to a dataset."""
    dataset = get_object_or_404(
        Dataset.objects.visible_to(request.user).select_related("project"), uid=uid
    )
    return _add(request, dataset)


def _note_or_404(request: HttpRequest, pk: int) -> Note:
    return get_object_or_404(
        Note.objects.visible_to(request.user).select_related(
            "dataset__project", "file__dataset__project"
        ),
        pk=pk,
    )


@login_required
def note_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a note (its author or a project manager)."""
    note = _note_or_404(request, pk)
    if not note_changeable_by(request.user, note):
        raise PermissionDenied("Only the note's author or a project manager may change it.")
    initial = {"key": note.key, "value": note.value, "unit": note.unit}
    form = NoteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            note_update(note=note, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Note saved.")
            return _back(note.target)
    return render(request, "notes/edit.html", {"form": form, "note": note})


@login_required
@require_POST
def note_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a note (its author or a project manager)."""
    note = _note_or_404(request, pk)
    target = note.target
    note_delete(note=note, user=request.user)
    messages.success(request, f"Note “{note.key}” removed.")
    return _back(target)


@login_required
@require_POST
def file_tags(request: HttpRequest, uid: Any) -> HttpResponse:
    """Set the tags of a file (contributors)."""
    file = get_object_or_404(
        InstrumentFile.objects.visible_to(request.user).select_related("dataset__project"),
        uid=uid,
    )
    form = TagsForm(request.POST)
    if not form.is_valid():
        message_errors(request, form)
        return _back(file)
    tags = file_tags_set(file=file, tags=form.cleaned_data["tags"], user=request.user)
    messages.success(request, f"Tags saved ({len(tags)}).")
    return _back(file)


def notes_context(request: HttpRequest, target: Dataset | InstrumentFile) -> dict[str, Any]:
    """What the notes section of a dataset or file page shows: the notes (each with whether
    the reader may change it), and whether the reader may add one."""
    notes = list(target.notes.select_related("created_by", "updated_by"))
    for note in notes:
        note.changeable = note_changeable_by(request.user, note)  # type: ignore[attr-defined]
    return {
        "notes": notes,
        "can_note": can(request.user, Action.CONTRIBUTE, target),
        "note_form": NoteForm(),
    }
