"""``GET /api/v1/search/export/?q=…``: what a search finds, exported as an RO-Crate zip."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from lims.fair.export import ExportSource, export_response
from lims.files.models import InstrumentFile
from lims.search.compile import compile_query
from lims.search.services import search_entries


class SearchExportView(APIView):
    """The files a search query finds (those the user may see), as one streamed RO-Crate."""

    @extend_schema(
        summary="Export what a search finds as an RO-Crate (a zip, streamed)",
        description="The same query language as `/api/v1/search/`; laid out as a dataset's "
        "export (originals, per-file metadata JSON, the CSV table, ro-crate-metadata.json).",
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="The search query.")],
        responses={(200, "application/zip"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request) -> HttpResponse:
        text = request.query_params.get("q", "")
        entries = search_entries(user=request.user, query=compile_query(text))
        # The compiled query names its table in SQL, so it cannot be a subquery: its ids are
        # read first (a few bytes per file; the bytes of the files are streamed).
        ids = list(entries.values_list("file_id", flat=True))
        files = InstrumentFile.objects.visible_to(request.user).filter(pk__in=ids)
        query = request.get_full_path().replace("/export/", "/", 1)
        source = ExportSource(
            files=files,
            name=f"Search: {text}" if text else "Search: everything",
            description=f"The files that {query} found on {timezone.now():%Y-%m-%d %H:%M %Z}.",
            query=query,
        )
        return export_response(source, request._request, "search-ro-crate.zip")
