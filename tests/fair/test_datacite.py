"""DOI registration through DataCite's REST API (a local stand-in for DataCite answers)."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from lims.audit.models import AuditEvent
from tests.factories import DatasetFactory, MembershipFactory, ProjectFactory

pytestmark = pytest.mark.django_db


class FakeDataCite(BaseHTTPRequestHandler):
    """Answers POST /dois as DataCite does (201 with the new DOI), or with ``status``."""

    received: list[dict] = []
    status = 201

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append(
            {"path": self.path, "auth": self.headers["Authorization"], "body": body}
        )
        attributes = body["data"]["attributes"]
        answer = {"data": {"id": f"{attributes['prefix']}/lims-0001", "type": "dois"}}
        payload = json.dumps(answer if self.status == 201 else {"errors": ["no"]}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/vnd.api+json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def datacite(settings):
    server = HTTPServer(("127.0.0.1", 0), FakeDataCite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeDataCite.received, FakeDataCite.status = [], 201
    settings.LIMS_DATACITE_API = f"http://127.0.0.1:{server.server_port}"
    settings.LIMS_DATACITE_PREFIX = "10.80000"
    settings.LIMS_DATACITE_USER = "FACILITY.LIMS"
    settings.LIMS_DATACITE_PASSWORD = "secret"
    yield FakeDataCite
    server.shutdown()


@pytest.fixture
def public(personas):
    project = ProjectFactory(slug="open", visibility="public")
    MembershipFactory(project=project, user=personas.manager, role="manager")
    return DatasetFactory(project=project, title="Open lattice", license="CC-BY-4.0")


def test_a_manager_registers_a_doi(personas, api_client_for, datacite, public):
    client = api_client_for(personas.manager)
    answer = client.post(f"/api/v1/datasets/{public.uid}/doi/")
    assert answer.status_code == 201
    assert answer.json()["doi"] == "10.80000/lims-0001"
    assert answer.json()["citation"].endswith("https://doi.org/10.80000/lims-0001")
    sent = datacite.received[0]
    assert sent["path"] == "/dois"
    assert sent["auth"] == "Basic " + base64.b64encode(b"FACILITY.LIMS:secret").decode()
    attributes = sent["body"]["data"]["attributes"]
    assert attributes["event"] == "publish" and attributes["prefix"] == "10.80000"
    assert attributes["url"] == f"http://testserver/datasets/{public.uid}/"
    assert attributes["types"]["resourceTypeGeneral"] == "Dataset"
    assert attributes["rightsList"][0]["rightsIdentifier"] == "CC-BY-4.0"
    assert AuditEvent.objects.filter(action="doi_registered").count() == 1
    again = client.post(f"/api/v1/datasets/{public.uid}/doi/")
    assert again.status_code == 400 and "has a DOI already" in again.json()["detail"]


def test_refusals(personas, api_client_for, datacite, public, settings):
    viewer = api_client_for(personas.viewer)
    assert viewer.post(f"/api/v1/datasets/{public.uid}/doi/").status_code == 403
    manager = api_client_for(personas.manager)
    private = manager.post(f"/api/v1/datasets/{personas.dataset.uid}/doi/")
    assert private.status_code == 400 and "Only public datasets" in private.json()["detail"]
    datacite.status = 422
    refused = manager.post(f"/api/v1/datasets/{public.uid}/doi/")
    assert refused.status_code == 502 and "DataCite refused (422)" in refused.json()["detail"]
    settings.LIMS_DATACITE_PREFIX = ""
    off = manager.post(f"/api/v1/datasets/{public.uid}/doi/")
    assert off.status_code == 400 and "not configured" in off.json()["detail"]
    public.refresh_from_db()
    assert public.doi == ""
