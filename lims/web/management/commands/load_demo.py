"""Set up the LIMS for a first look: a demo login, a project, and real sample files."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import BaseCommand, call_command
from django.db import transaction

from lims.accounts.models import User
from lims.core.permissions import Visibility
from lims.instruments.models import Instrument
from lims.projects.models import Project
from lims.projects.services import project_create
from lims.web.demo import write_sample_files

DEMO_PROJECT = "demo-samples"
#: (name, vendor, model, serial number, microscope names as the sample files write them)
DEMO_INSTRUMENTS = [
    ("Titan Themis", "Thermo Fisher", "Titan Themis 300", "3678", []),
    ("Titan Cubed", "FEI", "Titan Cubed", "", ["TitanCubed 300 kV D3128 UltraTwin"]),
    ("Talos F200X", "Thermo Fisher", "Talos F200X", "", ["TalosF200X 200 kV D6308 XTwin"]),
    ("Tecnai T20", "FEI", "Tecnai", "", ["Tecnai 200 kV D2267 SuperTwin"]),
    ("JEOL ARM200F", "JEOL", "JEM-ARM200F", "", ["JEM-ARM200F"]),
    ("Helios 660", "FEI", "Helios NanoLab 660", "", ['Helios NanoLab" 660']),
]


def default_sample_folder() -> Path:
    """The facility's shared folder of real files, beside the checkout, when it is there."""
    return (settings.BASE_DIR.parent / "shared" / "microscopy").resolve()


class Command(BaseCommand):
    help = (
        "Create a demo login (printed), the facility's instruments and a demo project, and import "
        "sample instrument files: ../shared/microscopy when present, else files written here with "
        "RosettaSciIO's writers. Safe to run again."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--samples", type=Path, help="Folder of instrument files to import.")
        parser.add_argument("--username", default="demo")

    def handle(self, *args: Any, samples: Path | None, username: str, **options: Any) -> None:
        user, password = self._demo_user(username)
        with transaction.atomic():
            for name, vendor, model, serial, names in DEMO_INSTRUMENTS:
                Instrument.objects.get_or_create(
                    name=name,
                    defaults={
                        "vendor": vendor,
                        "model": model,
                        "serial_number": serial,
                        "microscope_names": names,
                    },
                )
            if not Project.objects.filter(slug=DEMO_PROJECT).exists():
                project_create(
                    name="Demo: sample instrument files",
                    slug=DEMO_PROJECT,
                    created_by=user,
                    visibility=Visibility.INTERNAL,
                    description="Real files from many microscopes, imported by load_demo.",
                )
        folder = samples or default_sample_folder()
        if not folder.is_dir():
            folder = settings.DATA_DIR / "samples"
            self.stdout.write(f"Writing sample files with RosettaSciIO into {folder}")
            write_sample_files(folder)
        self.stdout.write(f"Importing sample files from {folder}")
        call_command(
            "import_folder",
            str(folder),
            project=DEMO_PROJECT,
            dataset="Samples",
            user=username,
            per_folder=True,
            # The shared folder's notes and manifest are documentation, not instrument files.
            exclude=["*.md", "*.json"],
            stdout=self.stdout,
            stderr=self.stderr,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"\nDemo login: username {username!r}, password {password!r} "
                "(a facility manager; also in data/demo-login.txt)"
            )
        )

    def _demo_user(self, username: str) -> tuple[User, str]:
        login_file = settings.DATA_DIR / "demo-login.txt"
        user = User.objects.filter(username=username).first()
        if user is not None and login_file.exists():
            return user, login_file.read_text().split()[-1]
        password = secrets.token_urlsafe(9)
        if user is None:
            user = User(
                username=username,
                first_name="Demo",
                last_name="Manager",
                is_staff=True,
                is_superuser=True,
            )
        user.set_password(password)
        user.save()
        login_file.parent.mkdir(parents=True, exist_ok=True)
        login_file.write_text(f"{username} {password}\n")
        return user, password
