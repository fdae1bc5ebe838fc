"""``manage.py import_folder PATH --project SLUG --dataset TITLE``: take a folder tree in.

The tree is walked folder by folder and taken in by batches (:mod:`lims.files.ingest.bulk`);
an interrupted import (Ctrl-C, a crash, a reboot) resumes after its last committed batch when
run again with the same folder, project and dataset. ``--watch`` keeps importing new files.

Exit codes: 0 everything imported (or already there), 1 some files failed, 2 bad arguments
(no such folder, project or user), 130 interrupted (run it again to resume).
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
from lims.files.ingest.bulk import (
    BATCH_SIZE,
    batched,
    count_files,
    folder_import_batch,
    folder_import_finish,
    folder_import_start,
    key_from_json,
    walk_groups,
)
from lims.files.ingest.folders import (
    DEFAULT_EXCLUDES,
    FolderWatcher,
    ImportSummary,
    datasets_for,
    folder_in_dataset,
    group_import,
    group_paths,
    iter_scans,
)
from lims.files.runs.services import RunDispatcher
from lims.projects.models import Project

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


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
        parser.add_argument(
            "--restart",
            action="store_true",
            help="Start from the beginning even if an earlier import of this folder was "
            "interrupted (files already taken in are still recognized as duplicates).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"Logical files per database transaction ({BATCH_SIZE}).",
        )

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

        summary = self._watch() if options["watch"] else self._import_tree()
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

    def _dataset_of(self, path: Path) -> Dataset:
        """The dataset a path goes to: the one titled --dataset, or with --per-folder the
        one of its top-level subfolder (created on first use)."""
        title = self.options["dataset"]
        if self.options["per_folder"]:
            parts = path.relative_to(self.root).parts
            sub = parts[0] if len(parts) > 1 else ""
            title = f"{title} / {sub}" if title and sub else (sub or title or self.root.name)
        if title not in self._datasets:
            self._datasets[title] = self._dataset(title)
        return self._datasets[title]

    def _import_tree(self) -> ImportSummary:
        """The whole tree, by batches, from where an interrupted import stopped."""
        self._datasets: dict[str, Dataset] = {}
        job, resumed = folder_import_start(
            root=self.root,
            project=self.project,
            dataset_title=self.options["dataset"],
            per_folder=self.options["per_folder"],
            in_place=self.options["in_place"],
            user=self.user,
            restart=self.options["restart"],
        )
        after = key_from_json(job.position) if resumed else ()
        if resumed:
            self.stdout.write(
                f"Resuming the import started {job.started_at:%Y-%m-%d %H:%M}: "
                f"{job.imported + job.duplicates + job.failed} file(s) already done."
            )
        total = count_files(self.root, self.excludes, after=after)
        summary = ImportSummary()
        interrupted = {"now": False}

        def interrupt(*_: Any) -> None:
            interrupted["now"] = True

        previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
        dispatcher = RunDispatcher()
        progress = tqdm(
            total=total,
            unit="file",
            disable=True if self.options["no_progress"] else None,
            file=sys.stderr,
        )
        try:
            with progress:
                groups = walk_groups(self.root, self.excludes, after=after)
                for batch in batched(groups, max(1, self.options["batch_size"])):
                    result = folder_import_batch(
                        job=job,
                        groups=batch,
                        user=self.user,
                        root=self.root,
                        dataset_of=self._dataset_of,
                        dispatch=dispatcher.submit,
                    )
                    for error in result.errors:
                        progress.write(f"failed: {error}", file=sys.stderr)
                    summary.add(result)
                    progress.set_postfix_str(batch[-1].paths[0].name[-30:], refresh=False)
                    progress.update(sum(len(group.paths) for group in batch))
                    if interrupted["now"]:  # between batches: everything so far committed
                        break
        finally:
            if dispatcher.submitted > dispatcher.sent and not self.options["no_progress"]:
                self.stderr.write(
                    f"Sending the last {dispatcher.submitted - dispatcher.sent} task(s)..."
                )
            dispatcher.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if interrupted["now"]:
            self._report(summary)
            raise CommandError(
                "Interrupted: run the same command again to resume.",
                returncode=EXIT_INTERRUPTED,
            )
        folder_import_finish(job=job)
        return summary

    def _import(self, paths: list[Path]) -> ImportSummary:
        """A few files found by --watch, one logical file at a time."""
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
        for dataset, dataset_paths in plan.items():
            for group in group_paths(dataset_paths):
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
                    self.stderr.write(f"failed: {error}")
                summary.add(result)
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
