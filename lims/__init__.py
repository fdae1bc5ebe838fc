"""The Django side of the electron-microscopy LIMS."""

from __future__ import annotations

from lims.config.celery import app as celery_app

__all__ = ["celery_app"]
