"""Writes to notes and to a file's tags. Who may: contributors of the project (and those above);
a note is changed or removed by its author or a manager of the project."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from extraction import units
from lims.core.permissions import Action, acting_user, can, require
from lims.datasets.models import Dataset, Tag
from lims.files.models import InstrumentFile
from lims.notes.models import Note

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser

KEY_TAKEN = "There is already a note with this key here; change that one."


def _cleaned(key: str, value: str, unit: str) -> tuple[str, str, float | None, str]:
    key, value, unit = " ".join(key.split()), value.strip(), unit.strip()
    errors = {}
    if not key:
        errors["key"] = "A note needs a key (e.g. sample ID)."
    elif len(key) > 100:
        errors["key"] = "A key has at most 100 characters."
    if not value:
        errors["value"] = "A note needs a value."
    elif len(value) > 1000:
        errors["value"] = "A value has at most 1000 characters."
    if unit and units.parse_unit(unit) is None:
        errors["unit"] = f"“{unit}” is not a unit this system knows (e.g. nm, °C, keV, s)."
    if errors:
        raise ValidationError(errors)
    return key, value, _number(value), unit


def _number(value: str) -> float | None:
    """The value as a number when it is one, whole ("450", "1.5e-3"; not "3 mm grid")."""
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def note_add(
    *, target: Dataset | InstrumentFile, key: str, value: str, unit: str = "", user: AnyUser
) -> Note:
    """Add a key-value note to a dataset or file the user contributes to."""
    require(user, Action.CONTRIBUTE, target, "Only contributors may add notes here.")
    key, value, number, unit = _cleaned(key, value, unit)
    where = {"file": target} if isinstance(target, InstrumentFile) else {"dataset": target}
    person = acting_user(user)
    try:
        with transaction.atomic():
            return Note.objects.create(
                key=key,
                value=value,
                number=number,
                unit=unit,
                created_by=person,
                updated_by=person,
                **where,
            )
    except IntegrityError as error:
        raise ValidationError({"key": KEY_TAKEN}) from error


def note_changeable_by(user: AnyUser, note: Note) -> bool:
    """May ``user`` change or remove ``note`` (its author, still a contributor, or a manager)?"""
    target = note.target
    if can(user, Action.MANAGE, target):
        return True
    person = acting_user(user)
    return (
        person is not None
        and note.created_by_id == person.pk
        and can(user, Action.CONTRIBUTE, target)
    )


def note_update(*, note: Note, key: str, value: str, unit: str = "", user: AnyUser) -> Note:
    """Change a note: its author (still a contributor) or a manager of the project may."""
    if not note_changeable_by(user, note):
        raise PermissionDenied("Only the note's author or a project manager may change it.")
    note.key, note.value, note.number, note.unit = _cleaned(key, value, unit)
    note.updated_by = acting_user(user)
    try:
        with transaction.atomic():
            note.save()
    except IntegrityError as error:
        raise ValidationError({"key": KEY_TAKEN}) from error
    return note


def note_delete(*, note: Note, user: AnyUser) -> None:
    """Remove a note: its author (still a contributor) or a manager of the project may."""
    if not note_changeable_by(user, note):
        raise PermissionDenied("Only the note's author or a project manager may remove it.")
    note.delete()


def tag_names(text: str | Iterable[str]) -> list[str]:
    """Tags as stored: lower case, trimmed, at most 64 characters, each once, sorted."""
    names = text.split(",") if isinstance(text, str) else text
    return sorted({" ".join(n.split()).lower()[:64] for n in names if n.strip()})


def file_tags_set(*, file: InstrumentFile, tags: str | Iterable[str], user: AnyUser) -> list[Tag]:
    """Set the tags of a file (contributors of its project)."""
    require(user, Action.CONTRIBUTE, file, "Only contributors may tag files here.")
    chosen = [Tag.objects.get_or_create(name=name)[0] for name in tag_names(tags)]
    file.tags.set(chosen)
    return chosen
