"""The REST API (DRF): projects, datasets, instrument files, uploads; see ``/api/docs/``."""
