from __future__ import annotations

from django.urls import path

from lims.datasets import views

app_name = "datasets"

urlpatterns = [
    path("new/in/<slug:slug>/", views.dataset_create_view, name="create"),
    path("<uuid:uid>/", views.dataset_detail, name="detail"),
    path("<uuid:uid>/edit/", views.dataset_edit, name="edit"),
    path("<uuid:uid>/upload/", views.dataset_upload, name="upload"),
    path("<uuid:uid>/reextract/", views.dataset_reextract, name="reextract"),
]
