"""Instruments: the facility's microscopes, recognized from file metadata."""
