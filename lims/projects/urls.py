from __future__ import annotations

from django.urls import path

from lims.projects import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create_view, name="create"),
    path("<slug:slug>/", views.project_detail, name="detail"),
    path("<slug:slug>/edit/", views.project_edit, name="edit"),
    path("<slug:slug>/members/", views.member_add, name="member-add"),
    path("<slug:slug>/members/<int:user_id>/", views.member_update, name="member-update"),
]
