from __future__ import annotations

from django.urls import path

from lims.instruments import views

app_name = "instruments"

urlpatterns = [
    path("", views.instrument_list, name="list"),
    path("<int:pk>/", views.instrument_detail, name="detail"),
]
