"""Which of the facility's instruments recorded a file: recognized from its metadata at every
extraction, or set by a facility manager (which then stays)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from extraction import FileSummary
from lims.core.permissions import acting_user, require_facility_manager
from lims.files.models import InstrumentFile, InstrumentSource
from lims.instruments.models import Instrument
from lims.instruments.services import instrument_match

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser


def file_instrument_recognize(*, file: InstrumentFile, summary: FileSummary) -> None:
    """Link ``file`` (not saved here) to the instrument its metadata identifies, unless a
    facility manager has set it."""
    if file.instrument_source == InstrumentSource.MANAGER:
        return
    match = instrument_match(
        microscope=summary.microscope, vendor=summary.vendor, serial=summary.instrument_id
    )
    file.instrument = match.instrument
    file.instrument_source = match.by


def file_instrument_set(
    *, file: InstrumentFile, instrument: Instrument | None, user: AnyUser
) -> InstrumentFile:
    """A facility manager confirms or corrects the instrument of ``file`` (``None``: recorded
    on none of the facility's instruments); it stays through re-extraction, with who set it and
    when."""
    require_facility_manager(user, "Only facility managers set the instrument of a file.")
    file.instrument = instrument
    file.instrument_source = InstrumentSource.MANAGER
    file.instrument_set_by = acting_user(user)
    file.instrument_set_at = timezone.now()
    file.save(
        update_fields=["instrument", "instrument_source", "instrument_set_by", "instrument_set_at"]
    )
    return file
