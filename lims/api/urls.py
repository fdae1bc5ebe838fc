"""API routes. Mounted at ``/api/v1/`` (namespace ``api``) and, for one release, at the
unversioned ``/api/`` paths the first release documented (namespace ``api-legacy``: the same
views, answers marked ``Deprecation`` with a ``Link`` to their ``/api/v1/`` successor)."""

from __future__ import annotations

from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from lims.api import schema  # noqa: F401  (registers the token scheme with drf-spectacular)
from lims.api.views.accounts import ApiTokenViewSet, MeView
from lims.api.views.comments import CommentViewSet
from lims.api.views.datasets import DatasetViewSet
from lims.api.views.files import InstrumentFileViewSet
from lims.api.views.instruments import InstrumentViewSet
from lims.api.views.notes import NoteViewSet
from lims.api.views.oai import oai
from lims.api.views.projects import ProjectViewSet
from lims.api.views.runs import ExtractionRunViewSet
from lims.api.views.search import SearchView
from lims.api.views.search_export import SearchExportView
from lims.api.views.uploads import UploadSessionViewSet

app_name = "api"

#: Swagger UI and ReDoc start from an inline script and style themselves inline: their pages
#: (nothing else) allow that; everything still comes from the LIMS itself.
DOCS_POLICY = csp_update({"script-src": ["'unsafe-inline'"], "style-src": ["'unsafe-inline'"]})

router = DefaultRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("datasets", DatasetViewSet, basename="dataset")
router.register("files", InstrumentFileViewSet, basename="file")
router.register("uploads", UploadSessionViewSet, basename="upload")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("comments", CommentViewSet, basename="comment")
router.register("notes", NoteViewSet, basename="note")
router.register("runs", ExtractionRunViewSet, basename="run")
router.register("instruments", InstrumentViewSet, basename="instrument")

urlpatterns = [
    # The schema always describes /api/v1/ (the legacy aliases are left out of it).
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        DOCS_POLICY(
            SpectacularSwaggerView.as_view(
                url_name="api:schema", template_name="api/swagger_ui.html"
            )
        ),
        name="docs",
    ),
    path(
        "redoc/",
        DOCS_POLICY(
            SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")
        ),
        name="redoc",
    ),
    path("me/", MeView.as_view(), name="me"),
    path("oai/", oai, name="oai"),
    path("search/", SearchView.as_view(), name="search"),
    path("search/export/", SearchExportView.as_view(), name="search-export"),
    *router.urls,
]
