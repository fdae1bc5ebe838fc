"""Shared bases: the permission seam, storage, model mixins."""
