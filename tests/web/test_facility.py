"""The facility manager's pages and the instruments."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from lims.core.tasks import send
from lims.files.models import ExtractionStatus, RunStatus
from tests.factories import ExtractionRunFactory, InstrumentFactory, InstrumentFileFactory
from tests.html import page, texts
from tests.web.conftest import done_file
from tests.worker import flush_broker

pytestmark = pytest.mark.django_db

PAGES = [
    "manage:dashboard",
    "manage:projects",
    "manage:people",
    "manage:failed",
    "manage:operations",
    "manage:fixity",
]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("persona", ["outsider", "viewer", "manager"])
def test_only_facility_managers(client, personas, name, persona) -> None:
    client.force_login(getattr(personas, persona))
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_users_sign_in_first(client, name) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_facility_pages_show_everything(client, personas) -> None:
    failed = InstrumentFileFactory(
        dataset=personas.dataset, status=ExtractionStatus.FAILED, status_message="Truncated file"
    )
    client.force_login(personas.facility_manager)
    assert personas.project.name in client.get(reverse("manage:projects")).content.decode()
    people = client.get(reverse("manage:people")).content.decode()
    assert "carla" in people and "Contributor" in people
    html = client.get(reverse("manage:failed")).content.decode()
    assert failed.original_name in html and "Truncated file" in html
    assert reverse("files:reextract", args=[failed.uid]) in html
    dashboard = client.get(reverse("manage:dashboard")).content.decode()
    assert "Failed extractions" in dashboard


def test_facility_lists_have_bounded_queries(
    client, personas, django_assert_max_num_queries
) -> None:
    for _ in range(30):
        InstrumentFileFactory(dataset=personas.dataset, status=ExtractionStatus.FAILED)
    client.force_login(personas.facility_manager)
    for name in PAGES:
        with django_assert_max_num_queries(10):
            response = client.get(reverse(name))
        assert response.status_code == 200, name


def test_instruments_count_only_visible_files(client, personas) -> None:
    instrument = InstrumentFactory(name="Titan Krios", serial_number="3617", microscope_names=[])
    done_file(personas.dataset, instrument=instrument, original_name="hidden.dm3")

    def listed(user) -> list[list[str]]:
        client.force_login(user)
        soup = page(client.get(reverse("instruments:list")))
        return [texts(tr, "td")[:5] for tr in soup.select("tbody tr")]

    assert listed(personas.outsider) == [
        ["Titan Krios", "Thermo Fisher Titan Themis", "Room B12", "3617", "—"]
    ]
    counts = {}
    for user in (personas.outsider, personas.viewer):
        client.force_login(user)
        soup = page(client.get(reverse("instruments:list")))
        counts[user.username] = texts(soup, "tbody td.num")
        detail = page(client.get(reverse("instruments:detail", args=[instrument.pk])))
        counts[user.username] += texts(detail, "tbody td.name")
    assert counts == {"oscar": ["0"], "victor": ["1", "hidden.dm3"]}


def test_operations_page_shows_queues_running_and_failed_runs(
    client, personas, worker_manager
) -> None:
    worker_manager.stop_all()  # no worker takes the job counted below
    flush_broker()
    running = ExtractionRunFactory(
        file__dataset=personas.dataset,
        file__original_name="busy.dm4",
        status=RunStatus.RUNNING,
        started_at=timezone.now(),
        attempts=1,
    )
    ExtractionRunFactory(
        file__dataset=personas.dataset,
        file__original_name="broken.dm3",
        status=RunStatus.FAILED,
        finished_at=timezone.now(),
        message="Truncated tag group",
    )
    send("ops.check_fixity")
    client.force_login(personas.facility_manager)
    html = client.get(reverse("manage:operations")).content.decode()
    flush_broker()
    assert '<div class="value tnum" data-queue="default">1</div>' in html
    assert '<div class="value tnum" data-queue="extraction">0</div>' in html
    assert "busy.dm4" in html and running.task_id in html
    assert "broken.dm3" in html and "Truncated tag group" in html
    assert "No worker answered" in html
