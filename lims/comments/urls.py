from __future__ import annotations

from django.urls import path

from lims.comments import views

app_name = "comments"

urlpatterns = [
    path("on/dataset/<uuid:uid>/", views.comment_on_dataset, name="on-dataset"),
    path("on/file/<uuid:uid>/", views.comment_on_file, name="on-file"),
    path("<int:pk>/edit/", views.comment_edit, name="edit"),
    path("<int:pk>/delete/", views.comment_delete_view, name="delete"),
]
