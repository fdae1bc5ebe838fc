"""Name and version of the extractor, stored with every result so results can be redone."""

from __future__ import annotations

EXTRACTOR_NAME = "lims-extraction"
#: Bump whenever the output (records, previews, schema) changes.
EXTRACTOR_VERSION = "2.1.0"
