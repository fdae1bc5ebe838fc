"""Benchmark helpers shared by ``manage.py bench_ingest`` and the tests' worker fixtures:
real Celery worker processes and a client that drives the real request handler."""
