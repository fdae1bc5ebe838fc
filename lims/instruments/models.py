"""The facility's instruments, recognized in file metadata."""

from __future__ import annotations

from django.db import models


class Instrument(models.Model):
    """A microscope (or other instrument) of the facility.

    Files link to it when their extracted microscope string matches one of ``match_patterns``
    (case-insensitive substrings, e.g. ``"Titan"``, ``"TalosF200X"``).
    """

    name = models.CharField(max_length=100, unique=True)
    vendor = models.CharField(max_length=100, blank=True)
    model = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    match_patterns = models.JSONField(
        default=list,
        blank=True,
        help_text="Substrings of the microscope name in file metadata, case-insensitive.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def matches(self, microscope: str | None) -> bool:
        """Does a file's microscope string belong to this instrument?"""
        if not microscope:
            return False
        text = microscope.casefold()
        return any(p.casefold() in text for p in self.match_patterns if p.strip())
