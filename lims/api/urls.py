"""API routes, under ``/api/``."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from lims.api import views

app_name = "api"

router = DefaultRouter()
router.register("projects", views.ProjectViewSet, basename="project")
router.register("datasets", views.DatasetViewSet, basename="dataset")
router.register("files", views.InstrumentFileViewSet, basename="file")
router.register("uploads", views.UploadSessionViewSet, basename="upload")

urlpatterns = router.urls
