"""Extraction runs: queueing a file's extraction, executing it in a worker, applying results."""
