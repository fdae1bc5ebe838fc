"""Operating the LIMS: health probes, metrics, structured logs, fixity checks and backups."""

from __future__ import annotations

__all__: list[str] = []
