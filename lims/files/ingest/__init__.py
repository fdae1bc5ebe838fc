"""Taking bytes in: storing them once (deduplicated by SHA-256), joining companions to their
primary file, importing folders. ``services.file_ingest`` is the one way in."""
