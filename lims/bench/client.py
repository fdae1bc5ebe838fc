"""A client that sends requests through the real Django request handler (WSGI), with
streamed bodies and an API token: what a benchmark measures is the server's own work."""

from __future__ import annotations

import io
import json
import sys
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

from lims.datasets.models import Dataset

MB = 1_000_000
BLOCK = 1024 * 1024


class BenchError(RuntimeError):
    """A request of the benchmark did not answer as it should."""


class Repeat:
    """``total`` bytes made of one block over and over: a client that sends bytes for free,
    so that the measurement is the server's work only."""

    def __init__(self, block: bytes, total: int) -> None:
        self.block, self.total, self.position = block, total, 0

    def read(self, size: int) -> bytes:
        size = min(size, self.total - self.position, len(self.block))
        start = self.position % len(self.block)
        data = self.block[start : start + size]
        self.position += len(data)
        return data

    def close(self) -> None:
        pass


class Body(io.RawIOBase):
    """A request body made of byte strings, file slices and repeated blocks, read lazily."""

    def __init__(self, parts: list[bytes | tuple[Path, int, int] | Repeat]) -> None:
        self._parts = iter(parts)
        self._current: Any = None
        self._remaining = 0

    def readable(self) -> bool:
        return True

    def _next(self) -> bool:
        if self._current is not None and not isinstance(self._current, bytes):
            self._current.close()
        part = next(self._parts, None)
        if part is None:
            self._current = None
            return False
        if isinstance(part, bytes):
            self._current, self._remaining = part, len(part)
        elif isinstance(part, Repeat):
            self._current, self._remaining = part, part.total
        else:
            path, offset, length = part
            handle = path.open("rb")
            handle.seek(offset)
            self._current, self._remaining = handle, length
        return True

    def read(self, size: int | None = -1) -> bytes:
        size = BLOCK if size is None or size < 0 else size
        while self._remaining == 0:
            if not self._next():
                return b""
        if isinstance(self._current, bytes):
            start = len(self._current) - self._remaining
            data = self._current[start : start + size]
        else:
            data = self._current.read(min(size, self._remaining))
        self._remaining -= len(data)
        return data


class Client:
    """Requests through the real WSGI handler, with streamed bodies and a token."""

    def __init__(self, token: str) -> None:
        self.handler = WSGIHandler()
        self.token = token
        self.host = (settings.ALLOWED_HOSTS or ["localhost"])[0].lstrip(".").replace("*", "x")

    def request(
        self,
        method: str,
        path: str,
        body: Body | None = None,
        length: int = 0,
        content_type: str = "",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": self.host,
            "SERVER_PORT": "80",
            "HTTP_HOST": self.host,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(length),
            "HTTP_AUTHORIZATION": f"Token {self.token}",
            "wsgi.input": body or io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        environ.update(
            {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
        )
        status_holder: list[str] = []
        response = self.handler(environ, lambda status, headers: status_holder.append(status))
        content = b"".join(response)
        response.close()
        status = int(status_holder[0].split()[0])
        try:
            return status, json.loads(content or b"{}")
        except ValueError:
            return status, {"raw": content[:200].decode(errors="replace")}

    def upload(
        self, dataset: Dataset, source: Path | Repeat, name: str, raw: bool = False
    ) -> dict[str, Any]:
        """One request: multipart/form-data, or with ``raw`` the bytes as the body."""
        size, part = sized(source)
        if raw:
            status, body = self.request(
                "POST",
                f"/api/files/?dataset={dataset.uid}",
                Body([part]),
                size,
                "application/octet-stream",
                {"Content-Disposition": f'attachment; filename="{name}"'},
            )
        else:
            boundary = uuid.uuid4().hex
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="dataset"\r\n\r\n'
                f"{dataset.uid}\r\n--{boundary}\r\n"
                f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            tail = f"\r\n--{boundary}--\r\n".encode()
            status, body = self.request(
                "POST",
                "/api/files/",
                Body([head, part, tail]),
                len(head) + size + len(tail),
                f"multipart/form-data; boundary={boundary}",
            )
        if status not in {200, 201}:
            raise BenchError(f"Upload of {name} answered {status}: {body}")
        return body

    def upload_chunked(
        self, dataset: Dataset, source: Path | Repeat, name: str, chunk: int
    ) -> dict[str, Any]:
        """The resumable protocol: a session, chunks with Content-Range, completion."""
        size, _ = sized(source)
        payload = json.dumps({"dataset": str(dataset.uid), "filename": name, "size": size})
        status, session = self.request(
            "POST", "/api/uploads/", Body([payload.encode()]), len(payload), "application/json"
        )
        if status != 201:
            raise BenchError(f"Starting a chunked upload answered {status}: {session}")
        offset = 0
        while offset < size:
            length = min(chunk, size - offset)
            if isinstance(source, Repeat):
                part: Any = Repeat(source.block, length)
            else:
                part = (source, offset, length)
            status, session = self.request(
                "PUT",
                f"/api/uploads/{session['uid']}/",
                Body([part]),
                length,
                "application/octet-stream",
                {"Content-Range": f"bytes {offset}-{offset + length - 1}/{size}"},
            )
            if status != 200:
                raise BenchError(f"A chunk answered {status}: {session}")
            offset = session["offset"]
        status, body = self.request("POST", f"/api/uploads/{session['uid']}/complete/")
        if status not in {200, 201}:
            raise BenchError(f"Completing the upload answered {status}: {body}")
        return body


def sized(source: Path | Repeat) -> tuple[int, Any]:
    if isinstance(source, Repeat):
        return source.total, Repeat(source.block, source.total)
    size = source.stat().st_size
    return size, (source, 0, size)
