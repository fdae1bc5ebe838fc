"""The LIMS's URLs."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from lims.core import views as core_views

admin.site.site_header = settings.SITE_NAME
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", core_views.health, name="health"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("lims.api.urls")),
    path("files/", include("lims.files.urls")),
    # The web interface
    path("", core_views.home, name="home"),
    path("search/", core_views.search, name="search"),
    path("accounts/", include("lims.accounts.urls")),
    path("projects/", include("lims.projects.urls")),
    path("datasets/", include("lims.datasets.urls")),
    path("comments/", include("lims.comments.urls")),
    path("instruments/", include("lims.instruments.urls")),
    path("facility/", include("lims.core.urls")),
]
handler403 = "lims.core.views.forbidden"
handler404 = "lims.core.views.not_found"
handler500 = "lims.core.views.server_error"
# Media files are never served directly: downloads and previews go through views that ask
# the permission seam first.
