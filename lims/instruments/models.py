"""The facility's instruments, recognized in file metadata by their identity."""

from __future__ import annotations

from django.db import models


def identity_text(value: str | None) -> str:
    """A name or serial number as compared: case and runs of spaces do not count."""
    return " ".join((value or "").split()).casefold()


class Instrument(models.Model):
    """A microscope (or other instrument) of the facility.

    A file belongs to it by identity, never by a part of a name: its serial number when the file
    records one (``instrument_id``), else its microscope name written exactly as one of
    ``microscope_names`` (or the instrument's own name) by a compatible vendor. A facility
    manager confirms or corrects the match of any file.
    """

    name = models.CharField(max_length=100, unique=True)
    vendor = models.CharField(max_length=100, blank=True)
    model = models.CharField(max_length=100, blank=True)
    serial_number = models.CharField(
        max_length=100,
        blank=True,
        help_text="As the files record it (a Velox InstrumentId, e.g. 3617).",
    )
    location = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    microscope_names = models.JSONField(
        default=list,
        blank=True,
        help_text="The microscope names its files write, each exactly (case and spacing aside), "
        'e.g. "TitanCubed 300 kV D3128 UltraTwin".',
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def known_names(self) -> set[str]:
        """The microscope names (compared as :func:`identity_text`) that identify it."""
        return {identity_text(n) for n in [self.name, *self.microscope_names] if n.strip()}
