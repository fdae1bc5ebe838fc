"""The site's URLs with single sign-on routed, as ``lims.config.urls`` has them when
``OIDC_RP_CLIENT_ID`` is set at start-up (the tests switch it on per test)."""

from __future__ import annotations

from django.urls import include, path

from lims.config.urls import handler403, handler404, handler500
from lims.config.urls import urlpatterns as site_patterns

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]

urlpatterns = [path("oidc/", include("mozilla_django_oidc.urls")), *site_patterns]
