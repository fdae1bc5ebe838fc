"""URLs of instrument files: permission-checked downloads and images (pages come later)."""

from __future__ import annotations

from django.urls import path

from lims.files import downloads, views

app_name = "files"

urlpatterns = [
    # Pages (lims.files.views)
    path("<uuid:uid>/", views.file_detail, name="detail"),
    path("<uuid:uid>/status/", views.file_status, name="status"),
    path("<uuid:uid>/compare/", views.file_compare, name="compare"),
    path("<uuid:uid>/reextract/", views.file_reextract, name="reextract"),
    path("<uuid:uid>/signals/<int:index>/spectrum.json", views.file_spectrum, name="spectrum"),
    # Bytes (lims.files.downloads)
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
