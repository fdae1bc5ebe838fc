"""``Lims``: sign in with a personal token, list and search, upload folders (resumably, with
progress), wait for extraction, download (resumably) and load files into HyperSpy.

Only ``requests`` is needed; :meth:`Lims.load` imports HyperSpy when it is called.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

#: What ``progress`` callbacks receive: (file name, bytes done, bytes in all).
Progress = Callable[[str, int, int], None]
CHUNK = 8 * 1024 * 1024
#: The most read into memory for one chunk, whatever chunk size a server asks for.
MAX_CHUNK = 256 * 1024 * 1024
#: Files up to this size are sent in one request; larger ones in resumable chunks.
ONE_SHOT = 64 * 1024 * 1024
FINAL = {"done", "failed", "unsupported"}
Record = dict[str, Any]


class ApiError(Exception):
    """The LIMS refused a request: ``status`` and its ``detail`` (the JSON answer)."""

    def __init__(self, status: int, detail: Any, url: str) -> None:
        self.status = status
        self.detail = detail
        self.url = url
        super().__init__(f"{status} from {url}: {detail}")


def _resume_at(error: ApiError, conflicts: int) -> int:
    """Where a chunked upload goes on after ``error``: the offset a 409 names (the server
    holds other bytes than the client thought: a chunk that arrived twice, or chunks a crash
    of the server's host lost before they were on disk). Anything else, or a conflict that
    keeps coming back, is raised."""
    detail = error.detail if isinstance(error.detail, dict) else {}
    if error.status != 409 or "offset" not in detail or conflicts > 3:
        raise error
    return int(detail["offset"])


@dataclass
class UploadResult:
    """One file of an uploaded folder: its path, the LIMS's record, and whether the same
    bytes were there already (nothing sent)."""

    path: Path
    file: Record
    skipped: bool


def sha256_of(path: Path) -> str:
    """The file's SHA-256 (hex), read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class Lims:
    """A session with the LIMS. ``url`` and ``token`` default to ``$LIMS_URL`` and
    ``$LIMS_TOKEN``; the token is a personal one from your account page."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = 60,
        state_dir: Path | None = None,
    ) -> None:
        self.url = (url or os.environ.get("LIMS_URL", "http://127.0.0.1:8000")).rstrip("/")
        self.api = f"{self.url}/api/v1"
        self.timeout = timeout
        self.session = requests.Session()
        key = token or os.environ.get("LIMS_TOKEN")
        if key:
            self.session.headers["Authorization"] = f"Token {key}"
        self.session.headers["Accept"] = "application/json"
        cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        self.state_dir = state_dir or cache / "lims_client"

    # --- requests -----------------------------------------------------------------------
    def _url(self, path: str) -> str:
        return (
            path if path.startswith(("http://", "https://")) else f"{self.api}/{path.lstrip('/')}"
        )

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send a request; a 429 is waited out (``Retry-After``), other errors raise
        :class:`ApiError`."""
        kwargs.setdefault("timeout", self.timeout)
        while True:
            response = self.session.request(method, self._url(path), **kwargs)
            if response.status_code == 429:
                time.sleep(float(response.headers.get("Retry-After", "1")))
                continue
            if response.status_code >= 400:
                try:
                    detail = response.json()
                except ValueError:
                    detail = response.text[:500]
                raise ApiError(response.status_code, detail, response.url)
            return response

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None).json()

    def post(self, path: str, body: Any = None) -> Any:
        response = self.request("POST", path, json=body)
        return response.json() if response.content else None

    def pages(self, path: str, **params: Any) -> Iterator[Record]:
        """Every record of a list, following its ``next`` links (cursor or page numbers)."""
        answer = self.get(path, **params)
        while True:
            yield from answer["results"]
            if not answer.get("next"):
                return
            answer = self.get(answer["next"])

    # --- reading ------------------------------------------------------------------------
    def me(self) -> Record:
        """Who the token belongs to."""
        return self.get("me/")  # type: ignore[no-any-return]

    def projects(self, **filters: Any) -> Iterator[Record]:
        return self.pages("projects/", **filters)

    def datasets(self, **filters: Any) -> Iterator[Record]:
        """Datasets you may see; filters as on the web page (``project=``, ``q=``…)."""
        return self.pages("datasets/", **filters)

    def dataset(self, uid: str) -> Record:
        return self.get(f"datasets/{uid}/")  # type: ignore[no-any-return]

    def files(self, **filters: Any) -> Iterator[Record]:
        """Files you may see; ``dataset=``, ``project=``, ``kind=``, ``status=``,
        ``file_format=``, ``q=``, ``sort=``…"""
        return self.pages("files/", **filters)

    def file(self, uid: str) -> Record:
        return self.get(f"files/{uid}/")  # type: ignore[no-any-return]

    def search(self, query: str, **params: Any) -> Iterator[Record]:
        """Every file the search language finds (``"kind:image beam_energy>=200kV"``)."""
        page = 1
        while True:
            answer = self.get("search/", q=query, page=page, **params)
            yield from answer["results"]
            if page >= answer.get("pages", 1):
                return
            page += 1

    # --- writing ------------------------------------------------------------------------
    def create_dataset(self, *, project: str, title: str, **fields: Any) -> Record:
        """A new dataset in the project (its slug); ``description``, ``tags``, ``license``."""
        return self.post("datasets/", {"project": project, "title": title, **fields})  # type: ignore[no-any-return]

    def upload(
        self, path: str | Path, *, dataset: str, progress: Progress | None = None
    ) -> UploadResult:
        """Upload one file into ``dataset`` (its uid). Bytes already in the dataset are not
        sent again; a large file goes in chunks and an interrupted upload resumes where it
        stopped (the session is remembered under ``state_dir``)."""
        path = Path(path)
        size = path.stat().st_size
        digest = sha256_of(path)
        there = self.get("files/", dataset=dataset, sha256=digest)["results"]
        if there:
            if progress:
                progress(path.name, size, size)
            return UploadResult(path, there[0], skipped=True)
        if size <= ONE_SHOT:
            with path.open("rb") as handle:
                response = self.request(
                    "POST",
                    "files/",
                    params={"dataset": dataset},
                    data=handle,
                    headers={
                        "Content-Type": "application/octet-stream",
                        "Content-Disposition": _disposition(path.name),
                    },
                )
            if progress:
                progress(path.name, size, size)
            record = response.json()
            return UploadResult(path, record, skipped=bool(record.get("duplicate")))
        return self._chunked(path, size, digest, dataset, progress)

    def _chunked(
        self, path: Path, size: int, digest: str, dataset: str, progress: Progress | None
    ) -> UploadResult:
        state = self.state_dir / f"upload-{dataset}-{digest}.json"
        session = None
        if state.exists():
            try:
                session = self.get(f"uploads/{json.loads(state.read_text())['uid']}/")
            except (ApiError, KeyError, ValueError):
                session = None
        if session is None or session.get("status") not in {None, "open", "receiving"}:
            session = self.post(
                "uploads/",
                {"dataset": dataset, "filename": path.name, "size": size, "sha256": digest},
            )
            state.parent.mkdir(parents=True, exist_ok=True)
            state.write_text(json.dumps({"uid": session["uid"], "path": str(path)}))
        offset = int(session["offset"])
        # the size the server asks for; older servers: CHUNK
        chunk_size = min(int(session.get("chunk_size") or CHUNK), MAX_CHUNK)
        conflicts = 0
        with path.open("rb") as handle:
            while True:
                while offset < size:
                    handle.seek(offset)
                    chunk = handle.read(chunk_size)
                    end = offset + len(chunk) - 1
                    try:
                        answer = self.request(
                            "PUT",
                            f"uploads/{session['uid']}/",
                            data=chunk,
                            headers={
                                "Content-Type": "application/octet-stream",
                                "Content-Range": f"bytes {offset}-{end}/{size}",
                            },
                        ).json()
                    except ApiError as error:
                        conflicts += 1
                        offset = _resume_at(error, conflicts)
                        continue
                    conflicts = 0
                    offset = int(answer.get("offset", end + 1))
                    if progress:
                        progress(path.name, offset, size)
                try:
                    record = self.post(f"uploads/{session['uid']}/complete/")
                    break
                except ApiError as error:
                    conflicts += 1
                    offset = _resume_at(error, conflicts)
        state.unlink(missing_ok=True)
        return UploadResult(path, record, skipped=bool(record.get("duplicate")))

    def upload_folder(
        self,
        folder: str | Path,
        *,
        dataset: str,
        pattern: str = "*",
        progress: Progress | None = None,
    ) -> list[UploadResult]:
        """Upload every file under ``folder`` (matching ``pattern``, hidden files left out).
        Run it again after an interruption: what arrived is skipped, a half-sent large file
        resumes."""
        paths = sorted(
            p
            for p in Path(folder).rglob(pattern)
            if p.is_file() and not any(part.startswith(".") for part in p.parts)
        )
        return [self.upload(p, dataset=dataset, progress=progress) for p in paths]

    def wait(
        self, files: Iterable[UploadResult | Record | str], *, timeout: float = 900, poll: float = 1
    ) -> list[Record]:
        """Wait until every file's extraction is over (done, failed or unsupported); the
        files' records, in the same order. TimeoutError after ``timeout`` seconds."""
        uids = [_uid(f) for f in files]
        records: dict[str, Record] = {}
        deadline = time.monotonic() + timeout
        while True:
            for uid in uids:
                if uid not in records or records[uid]["status"] not in FINAL:
                    records[uid] = self.file(uid)
            if all(records[uid]["status"] in FINAL for uid in uids):
                return [records[uid] for uid in uids]
            if time.monotonic() > deadline:
                waiting = [uid for uid in uids if records[uid]["status"] not in FINAL]
                raise TimeoutError(f"Still extracting after {timeout} s: {waiting}")
            time.sleep(poll)

    # --- getting bytes ------------------------------------------------------------------
    def download(
        self,
        file: Record | str,
        to: str | Path = ".",
        *,
        companions: bool = True,
        progress: Progress | None = None,
    ) -> Path:
        """Download a file (and its companions) into the folder ``to``; a partial download
        resumes (``Range``), a complete one with the same SHA-256 is not fetched again.
        Returns the original's path."""
        record = (
            self.file(_uid(file)) if isinstance(file, str) or "companions" not in file else file
        )
        folder = Path(to)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / Path(record["original_name"]).name
        # The record's size counts the companions too: the original's comes with its bytes.
        self._fetch(record["download_url"], target, None, record["sha256"], progress)
        if companions:
            for companion in record.get("companions", []):
                self._fetch(
                    companion["download_url"],
                    folder / Path(companion["original_name"]).name,
                    companion["size"],
                    companion["sha256"],
                    progress,
                )
        return target

    def _fetch(
        self, url: str, target: Path, size: int | None, digest: str, progress: Progress | None
    ) -> None:
        if target.exists() and sha256_of(target) == digest:
            return
        partial = target.with_name(target.name + ".part")
        done = partial.stat().st_size if partial.exists() else 0
        headers = {"Range": f"bytes={done}-", "If-Range": f'"{digest}"'} if done else {}
        response = self.session.get(url, headers=headers, stream=True, timeout=self.timeout)
        if response.status_code == 416:
            done, headers = 0, {}
            partial.unlink(missing_ok=True)
            response = self.session.get(url, stream=True, timeout=self.timeout)
        if response.status_code >= 400:
            raise ApiError(response.status_code, response.text[:500], url)
        mode = "ab" if response.status_code == 206 else "wb"
        done = done if mode == "ab" else 0
        total = size or int(response.headers.get("Content-Length", 0)) + done
        with response, partial.open(mode) as out:
            for chunk in response.iter_content(CHUNK):
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(target.name, done, total)
        if sha256_of(partial) != digest:
            partial.unlink()
            raise ApiError(200, "The download does not match its SHA-256; try again.", url)
        partial.replace(target)

    def export(self, dataset: str, to: str | Path) -> Path:
        """Save a dataset's RO-Crate export (a zip) as ``to``."""
        target = Path(to)
        response = self.request("GET", f"datasets/{dataset}/export/", stream=True)
        with response, target.open("wb") as out:
            for chunk in response.iter_content(CHUNK):
                out.write(chunk)
        return target

    def load(self, file: Record | str, *, cache: str | Path | None = None, **kwargs: Any) -> Any:
        """The file as a HyperSpy signal (or a list of signals), for analysis in a notebook.
        It is downloaded (with its companions) into ``cache`` first, once."""
        import hyperspy.api as hs

        record = self.file(_uid(file))
        folder = Path(cache) if cache else self.state_dir / "files" / record["uid"]
        path = self.download(record, folder)
        return hs.load(path, **kwargs)


def _uid(file: UploadResult | Record | str) -> str:
    if isinstance(file, UploadResult):
        return str(file.file["uid"])
    if isinstance(file, dict):
        return str(file["uid"])
    return file


def _disposition(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(name)}"
