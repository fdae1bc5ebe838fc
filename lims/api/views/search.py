"""``GET /api/search/``: the search page's query language, facets and permission rules as JSON."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from lims.search.facets import FACETS, FacetValue
from lims.search.models import schema_columns
from lims.search.services import COLUMNS, MAX_PAGE_SIZE, SearchHit, search_run


class FacetValueSerializer(serializers.Serializer):
    value = serializers.JSONField(help_text="The value as stored (an id, a text, a bucket).")
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Files with this value (exact).")
    query = serializers.CharField(help_text="The filter that chooses this value, to add to q.")
    selected = serializers.BooleanField()


class SearchHitSerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    name = serializers.CharField()
    url = serializers.URLField(help_text="The file in the API.")
    dataset = serializers.DictField(help_text="uid and title.")
    project = serializers.DictField(help_text="slug and name.")
    acquired_at = serializers.DateTimeField(allow_null=True)
    status = serializers.CharField()
    format = serializers.CharField()
    size = serializers.IntegerField()
    metadata = serializers.DictField(
        help_text="The typed schema's known values (quantities in the schema's SI units)."
    )


class SearchProblemSerializer(serializers.Serializer):
    message = serializers.CharField()
    suggestion = serializers.CharField(allow_null=True, help_text="A corrected query.")


class SearchResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="All matching files (exact).")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = SearchHitSerializer(many=True)
    facets = serializers.DictField(child=FacetValueSerializer(many=True))


class SearchErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    problems = SearchProblemSerializer(many=True)


def _hit(request: Request, entry: SearchHit) -> dict[str, Any]:
    metadata = {
        spec.key: getattr(entry, spec.key)
        for spec in schema_columns()
        if getattr(entry, spec.key) is not None
    }
    return {
        "uid": entry.uid,
        "name": entry.name,
        "url": reverse("api:file-detail", kwargs={"uid": entry.uid}, request=request),
        "dataset": {"uid": entry.dataset.uid, "title": entry.dataset.title},
        "project": {"slug": entry.project.slug, "name": entry.project.name},
        "acquired_at": entry.acquired_at,
        "status": entry.status,
        "format": entry.format_label,
        "size": entry.size,
        "metadata": metadata,
    }


def _facet(value: FacetValue) -> dict[str, Any]:
    return {
        "value": str(value.value) if not isinstance(value.value, int | float) else value.value,
        "label": value.label,
        "count": value.count,
        "query": value.token,
        "selected": value.selected,
    }


class SearchView(APIView):
    """Search the files you may see with the query language of the search page."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="Search files (words, fields, quantities with units, vendor keys)",
        description=(
            "`q` takes the search page's language: words (word beginnings, ranked), "
            '`"phrases"`, field filters `microscope:titan technique:STEM kv:200..300 mag:>1M '
            "acquired:2024-03.. kind:image`, quantities typed in words (`200 kV`, `0.1 nm`, "
            '`1 Mx`), dates (`2024-03`) and vendor keys (`"ImageTags.Microscope Info.Voltage"'
            " >= 200000`). Filters on one field combine with OR, different fields with AND. "
            "Facet counts leave out the facet's own field (so its values combine with OR). "
            "A query that does not read answers 400 with the problems and a suggestion."
        ),
        parameters=[
            OpenApiParameter("q", str, description="The query."),
            OpenApiParameter(
                "facets",
                str,
                description="Comma-separated facet names: " + ", ".join(FACETS) + ".",
            ),
            OpenApiParameter("page", int, description="From 1."),
            OpenApiParameter("page_size", int, description=f"1 to {MAX_PAGE_SIZE} (50)."),
            OpenApiParameter(
                "sort",
                str,
                description="`relevance` or a column ("
                + ", ".join(f"`{key}`" for key in COLUMNS)
                + "), `-` first for descending; by default relevance with words, else the "
                "newest acquisitions first.",
            ),
        ],
        responses={
            200: SearchResponseSerializer,
            400: OpenApiResponse(SearchErrorSerializer, description="The query does not read."),
        },
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        try:
            page = max(1, int(params.get("page") or 1))
            page_size = max(1, min(int(params.get("page_size") or 50), MAX_PAGE_SIZE))
        except ValueError:
            return Response(
                {"detail": "page and page_size are whole numbers.", "problems": []}, status=400
            )
        names = [n.strip() for n in (params.get("facets") or "").split(",") if n.strip()]
        unknown = [n for n in names if n not in FACETS]
        if unknown:
            return Response(
                {
                    "detail": f"Unknown facets: {', '.join(unknown)}. Known: {', '.join(FACETS)}.",
                    "problems": [],
                },
                status=400,
            )
        result = search_run(
            user=request.user,
            text=params.get("q"),
            sort=params.get("sort"),
            page=page,
            page_size=page_size,
            facets=names,
        )
        if result.query.problems:
            problems = [
                {"message": p.message, "suggestion": p.suggestion} for p in result.query.problems
            ]
            return Response(
                {"detail": "The query does not read.", "problems": problems}, status=400
            )
        return Response(
            {
                "count": result.count,
                "page": result.page,
                "pages": result.pages,
                "results": [_hit(request, entry) for entry in result.entries],
                "facets": {
                    name: [_facet(v) for v in values] for name, values in result.facets.items()
                },
            }
        )
