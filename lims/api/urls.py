"""API routes, under ``/api/``."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from lims.api.views.datasets import DatasetViewSet
from lims.api.views.files import InstrumentFileViewSet
from lims.api.views.projects import ProjectViewSet
from lims.api.views.uploads import UploadSessionViewSet

app_name = "api"

router = DefaultRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("datasets", DatasetViewSet, basename="dataset")
router.register("files", InstrumentFileViewSet, basename="file")
router.register("uploads", UploadSessionViewSet, basename="upload")

urlpatterns = router.urls
