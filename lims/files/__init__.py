"""Instrument files, their companions, previews and extraction runs."""
