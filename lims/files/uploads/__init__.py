"""Receiving uploads: the streaming, hashing upload handler, the chunked protocol on the wire
and the resumable upload sessions that end in ingest."""
