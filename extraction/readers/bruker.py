"""Bruker Esprit ``.bcf`` (and ``.spx``): hypermaps with the images acquired beside them.

A hypermap holds one acquisition: the EDS spectrum image and the scan generator's images
(HAADF, BF, SE…, one per DSP channel). HyperSpy dates only the spectrum image; the images were
taken with it, so they share its time (:func:`settle`). The images come from the scan
generator: in a TEM they are STEM images, and their channel name is their detector. The EDS
detector is ``detector_type`` (read generically); the specimen is the project's sample name.
"""

from __future__ import annotations

from ..schema import SignalMetadata
from ..signal import LightSignal
from . import Signals, Vendor
from ._common import reader_label

READER = "Bruker"


def refine(signal: LightSignal, record: SignalMetadata) -> None:
    """Scan-generator images are scanned images whose detector is their channel."""
    record.software = "Bruker Esprit"
    if len(signal.sig_axes) == 2 and not signal.signal_type:
        record.imaging_mode = "scanning"
        if record.technique == "TEM":
            record.technique = "STEM"
        record.detector = record.detector or (signal.title or None)


def settle(signals: Signals) -> None:
    """Undated images take the time of the file's dated spectrum image."""
    dated = [record for _, record in signals if record.acquired_at is not None]
    if not dated:
        return
    for _, record in signals:
        if record.acquired_at is None:
            record.set_acquired_at(dated[0].acquired_at)


VENDOR = Vendor(
    name="bruker",
    matches=lambda s: s.reader == READER,
    refine=refine,
    label=reader_label,
    settle=settle,
)
