"""``manage.py import_folder PATH --project SLUG --dataset TITLE``: take a folder tree in.

Exit codes: 0 everything imported (or already there), 1 some files failed, 2 bad arguments
(no such folder, project or user).
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from lims.accounts.models import User
from lims.core.permissions import Action, can
from lims.datasets.models import Dataset
from lims.datasets.services import dataset_create
from lims.files.ingest.folders import (
    DEFAULT_EXCLUDES,
    FolderWatcher,
    ImportSummary,
    datasets_for,
    folder_in_dataset,
    group_import,
    group_paths,
    iter_scans,
    list_files,
)
from lims.projects.models import Project

EXIT_FAILED = 1
EXIT_USAGE = 2


class Command(BaseCommand):
    help = (
        "Import a folder tree of instrument files into a dataset (or one dataset per "
        "subfolder). Files already in the dataset (same SHA-256) are skipped; a .emi and its "
        ".ser files become one file. Exit codes: 0 done, 1 some files failed, 2 bad arguments."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The folder to import.")
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument(
            "--dataset",
            default="",
            help="The dataset's title (created when missing). With --per-folder, the prefix "
            "of each subfolder's dataset title.",
        )
        parser.add_argument(
            "--user", help="Who uploads the files (default: the project's creator)."
        )
        parser.add_argument(
            "--per-folder",
            action="store_true",
            help="One dataset per top-level subfolder, titled 'DATASET / subfolder'.",
        )
        parser.add_argument(
            "--in-place",
            action="store_true",
            help="Register the files where they lie (a read-only share) instead of copying.",
        )
        parser.add_argument(
            "--watch",
            action="store_true",
            help="Keep running and import new files once they stopped growing (Ctrl-C stops).",
        )
        parser.add_argument(
            "--settle",
            type=float,
            default=5.0,
            help="With --watch: seconds a file must stay unchanged to count as written (5).",
        )
        parser.add_argument(
            "--interval", type=float, default=2.0, help="With --watch: seconds between scans."
        )
        parser.add_argument(
            "--max-scans", type=int, default=None, help="With --watch: stop after N scans."
        )
        parser.add_argument(
            "--exclude",
            action="append",
            default=[],
            metavar="GLOB",
            help="Skip files whose name matches (repeatable); hidden and partial files always.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        root: Path = options["path"].expanduser().resolve()
        if not root.is_dir():
            raise CommandError(f"{root} is not a folder.", returncode=EXIT_USAGE)
        project = Project.objects.live().filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project '{options['project']}'.", returncode=EXIT_USAGE)
        if not options["dataset"] and not options["per_folder"]:
            raise CommandError("Give --dataset TITLE (or --per-folder).", returncode=EXIT_USAGE)
        user = self._user(options["user"], project)
        self.options = options
        self.project, self.user = project, user
        self.excludes = (*DEFAULT_EXCLUDES, *options["exclude"])
        self.root = root

        if options["watch"]:
            summary = self._watch()
        else:
            summary = self._import(list_files(root, self.excludes))
        self._report(summary)
        if summary.failed:
            raise CommandError(f"{summary.failed} file(s) failed.", returncode=EXIT_FAILED)

    def _user(self, username: str | None, project: Project) -> User:
        """Who the files are uploaded as: they must be able to add files to the project."""
        if not username:
            user = project.created_by
        else:
            found = User.objects.filter(username=username).first()
            if found is None:
                raise CommandError(f"No user '{username}'.", returncode=EXIT_USAGE)
            user = found
        if not can(user, Action.CONTRIBUTE, project):
            raise CommandError(
                f"'{user.username}' may not add files to '{project.slug}': make them a "
                "contributor of the project, or name another --user.",
                returncode=EXIT_USAGE,
            )
        return user

    def _dataset(self, title: str) -> Dataset:
        dataset = Dataset.objects.live().filter(project=self.project, title=title).first()
        if dataset is None:
            dataset = dataset_create(project=self.project, title=title, created_by=self.user)
            self.stdout.write(f"Created dataset '{title}'.")
        return dataset

    def _import(self, paths: list[Path]) -> ImportSummary:
        summary = ImportSummary()
        if not paths:
            return summary
        plan = datasets_for(
            self.root,
            paths,
            per_folder=self.options["per_folder"],
            dataset_for_title=self._dataset,
            title=self.options["dataset"],
        )
        total = sum(len(group) for group in plan.values())
        progress = tqdm(
            total=total,
            unit="file",
            disable=True if self.options["no_progress"] else None,
            file=sys.stderr,
        )
        with progress:
            for dataset, dataset_paths in plan.items():
                for group in group_paths(dataset_paths):
                    progress.set_postfix_str(group[0].name[-40:], refresh=False)
                    result = group_import(
                        dataset=dataset,
                        paths=group,
                        user=self.user,
                        in_place=self.options["in_place"],
                        folder=folder_in_dataset(
                            self.root, group[0], per_folder=self.options["per_folder"]
                        ),
                    )
                    for error in result.errors:
                        progress.write(f"failed: {error}", file=sys.stderr)
                    summary.add(result)
                    progress.update(len(group))
        return summary

    def _watch(self) -> ImportSummary:
        stopping = {"now": False}

        def stop(*_: Any) -> None:
            stopping["now"] = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        watcher = FolderWatcher(self.root, settle_s=self.options["settle"], excludes=self.excludes)
        self.stdout.write(
            f"Watching {self.root} (files count as written after {self.options['settle']:g} s "
            "unchanged); Ctrl-C stops."
        )
        summary = ImportSummary()
        try:
            for ready in iter_scans(
                watcher,
                interval_s=self.options["interval"],
                max_scans=self.options["max_scans"],
                stop=lambda: stopping["now"],
            ):
                if not ready:
                    continue
                result = self._import(ready)
                summary.add(result)
                self.stdout.write(
                    f"{len(ready)} new file(s): {result.imported} imported, "
                    f"{result.duplicates} duplicates, {result.failed} failed."
                )
                self.stdout.flush()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return summary

    def _report(self, summary: ImportSummary) -> None:
        megabytes = summary.bytes / 1e6
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {summary.imported} file(s) ({megabytes:.1f} MB), "
                f"{summary.duplicates} duplicate(s) skipped, {summary.failed} failed."
            )
        )
        for error in summary.errors:
            self.stderr.write(f"  {error}")
