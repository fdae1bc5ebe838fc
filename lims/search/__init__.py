"""Search: one query language over a denormalized index of every instrument file.

``fields`` names what can be searched (from the typed schema), ``language`` parses a query,
``compile`` turns it into a filter over :class:`~lims.search.models.SearchEntry`, ``facets``
counts, ``indexing`` keeps the index fresh, ``services`` runs searches and keeps saved ones.
"""

__all__: list[str] = []
