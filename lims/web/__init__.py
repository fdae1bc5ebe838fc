"""The web pages: every HTML view of the LIMS, its URLs, template tags and the demo loader.

It sits above the domain apps (it reads their querysets and calls their services) and beside
the REST API (:mod:`lims.api`); nothing below imports it.
"""
