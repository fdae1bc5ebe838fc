"""WSGI entry point for gunicorn or uWSGI: the web processes.

Their C heap is set for streaming uploads first (:mod:`lims.files.uploads.memory`).
"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from lims.files.uploads.memory import malloc_tune_for_uploads

malloc_tune_for_uploads()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lims.config.settings")
application = get_wsgi_application()
