"""The facility manager's pages, under /facility/."""

from __future__ import annotations

from django.urls import path

from lims.core import facility

app_name = "manage"

urlpatterns = [
    path("", facility.dashboard, name="dashboard"),
    path("projects/", facility.projects, name="projects"),
    path("people/", facility.people, name="people"),
    path("failed/", facility.failed, name="failed"),
]
