"""The LIMS's URLs: the admin, the REST API and its documentation, and the web pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = settings.SITE_NAME
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("lims.api.urls")),
    # The unversioned paths of the first release, kept as aliases for one release.
    path("api/", include("lims.api.urls", namespace="api-legacy")),
    path("", include("lims.web.urls")),
]
if settings.OIDC_ENABLED:
    urlpatterns.insert(0, path("oidc/", include("mozilla_django_oidc.urls")))
handler403 = "lims.web.views.errors.forbidden"
handler404 = "lims.web.views.errors.not_found"
handler500 = "lims.web.views.errors.server_error"
# Media files are never served directly: downloads and previews go through views that ask
# the permission seam first.
