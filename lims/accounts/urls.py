"""Account URLs; their names (``login``, ``logout``…) are the ones Django's settings expect."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from lims.accounts import views

urlpatterns = [
    path("", views.account, name="account"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
