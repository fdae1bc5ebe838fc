"""Project configuration: settings, URLs, WSGI/ASGI and the Celery app."""
