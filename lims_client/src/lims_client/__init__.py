"""A small client for the microscopy LIMS's REST API: see ``Lims``."""

from __future__ import annotations

from lims_client.client import ApiError, Lims, Progress, UploadResult

__all__ = ["ApiError", "Lims", "Progress", "UploadResult"]
