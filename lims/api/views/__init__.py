"""API viewsets: querysets through ``visible_to``, filters from the domain apps' FilterSets,
writes through services (which check permissions; their PermissionDenied is a 403)."""
