"""The web pages' URLs, grouped by namespace (``files:detail``, ``datasets:edit``…)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from lims.web.views import (
    accounts,
    comments,
    datasets,
    downloads,
    facility,
    files,
    health,
    home,
    instruments,
    projects,
)

account_patterns = [
    path("", accounts.account, name="account"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

project_patterns = [
    path("", projects.project_list, name="list"),
    path("new/", projects.project_create_view, name="create"),
    path("<slug:slug>/", projects.project_detail, name="detail"),
    path("<slug:slug>/edit/", projects.project_edit, name="edit"),
    path("<slug:slug>/members/", projects.member_add, name="member-add"),
    path("<slug:slug>/members/<int:user_id>/", projects.member_update, name="member-update"),
]

dataset_patterns = [
    path("new/in/<slug:slug>/", datasets.dataset_create_view, name="create"),
    path("<uuid:uid>/", datasets.dataset_detail, name="detail"),
    path("<uuid:uid>/edit/", datasets.dataset_edit, name="edit"),
    path("<uuid:uid>/upload/", datasets.dataset_upload, name="upload"),
    path("<uuid:uid>/reextract/", datasets.dataset_reextract, name="reextract"),
]

file_patterns = [
    path("<uuid:uid>/", files.file_detail, name="detail"),
    path("<uuid:uid>/status/", files.file_status, name="status"),
    path("<uuid:uid>/compare/", files.file_compare, name="compare"),
    path("<uuid:uid>/reextract/", files.file_reextract, name="reextract"),
    path("<uuid:uid>/signals/<int:index>/spectrum.json", files.file_spectrum, name="spectrum"),
    path("<uuid:uid>/download/", downloads.download, name="download"),
    path(
        "<uuid:uid>/companions/<int:companion_id>/download/",
        downloads.companion_download,
        name="companion-download",
    ),
    path("<uuid:uid>/preview.png", downloads.preview, name="preview"),
    path("<uuid:uid>/thumbnail.png", downloads.thumbnail, name="thumbnail"),
    path(
        "<uuid:uid>/signals/<int:index>/<str:variant>.png",
        downloads.signal_preview,
        name="signal-preview",
    ),
]

comment_patterns = [
    path("on/dataset/<uuid:uid>/", comments.comment_on_dataset, name="on-dataset"),
    path("on/file/<uuid:uid>/", comments.comment_on_file, name="on-file"),
    path("<int:pk>/edit/", comments.comment_edit, name="edit"),
    path("<int:pk>/delete/", comments.comment_delete_view, name="delete"),
]

instrument_patterns = [
    path("", instruments.instrument_list, name="list"),
    path("<int:pk>/", instruments.instrument_detail, name="detail"),
]

facility_patterns = [
    path("", facility.dashboard, name="dashboard"),
    path("projects/", facility.projects, name="projects"),
    path("people/", facility.people, name="people"),
    path("failed/", facility.failed, name="failed"),
    path("operations/", facility.operations, name="operations"),
    path("fixity/", facility.fixity, name="fixity"),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("search/", home.search, name="search"),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("healthz", health.ready, name="health"),
    path("metrics", health.metrics, name="metrics"),
    path("accounts/", include(account_patterns)),
    path("projects/", include((project_patterns, "projects"))),
    path("datasets/", include((dataset_patterns, "datasets"))),
    path("files/", include((file_patterns, "files"))),
    path("comments/", include((comment_patterns, "comments"))),
    path("instruments/", include((instrument_patterns, "instruments"))),
    path("facility/", include((facility_patterns, "manage"))),
]
