"""Loading a million rows into PostgreSQL quickly: COPY streams that run beside the Python that
makes the rows, and the seeded tables' indexes and foreign keys set aside during the load.

Where the time of a plain load goes (50,000 files, measured): each file's two rows update 29
B-tree and GIN indexes and queue 10 deferred foreign-key checks, and the server then takes about
as long as the Python that made the rows, one after the other. Here each table's rows go through
a COPY of their own, fed from a bounded queue by a thread that only waits on the network (the
GIL is free meanwhile), so the server parses and stores both tables on its own processes while
the main thread makes the next rows; the secondary indexes and the foreign keys of the two tables
are dropped first and made again once, sorted, at the end (two at a time), which checks every
reference in one join per constraint.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress

from django.db import connection

#: The tables loaded by the bulk path (the vendor keys' trigram index alone makes their
#: 200,000 rows of a million files take half a minute).
BULK_TABLES = ("files_instrumentfile", "search_entry", "search_key", "search_tally")
#: Bytes of COPY text a stream sends at once, and how many such pieces may wait.
PIECE = 1 << 20
WAITING = 8
#: Memory for sorting an index build (two run at once).
MAINTENANCE_WORK_MEM = "1GB"


class _Abort:
    """What the writer puts in the queue when it stops early: the COPY must fail, not end."""


class CopyStream:
    """``COPY table (columns) FROM STDIN`` on a connection of its own, fed line by line.

    ``write`` buffers lines and hands pieces of about :data:`PIECE` bytes to the thread, waiting
    while :data:`WAITING` pieces are queued (constant memory); ``close`` ends the COPY (it
    commits on its own) and raises what the server said if it failed."""

    def __init__(self, table: str, columns: Sequence[str]) -> None:
        self.sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        self._queue: queue.Queue[bytes | _Abort | None] = queue.Queue(WAITING)
        self._lines: list[str] = []
        self._buffered = 0
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"copy {table}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            # Django's connections are per thread: this is the thread's own.
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit = off")
                cursor.cursor.copy_expert(self.sql, _QueueReader(self._queue), size=PIECE)
        except BaseException as exc:
            self.error = exc
            while True:  # let a writer waiting on a full queue go on to notice
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
        finally:
            connection.close()

    def write(self, line: str) -> None:
        self._lines.append(line)
        self._buffered += len(line)
        if self._buffered >= PIECE:
            self._put("".join(self._lines).encode())
            self._lines, self._buffered = [], 0

    def _put(self, item: bytes | _Abort | None) -> None:
        while True:
            if self.error is not None:
                raise RuntimeError(f"{self.sql} failed: {self.error}") from self.error
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        """End the COPY and wait for the server to have stored every row."""
        if self._lines:
            self._put("".join(self._lines).encode())
            self._lines = []
        self._put(None)
        self._thread.join()
        if self.error is not None:
            raise RuntimeError(f"{self.sql} failed: {self.error}") from self.error

    def abort(self) -> None:
        """Make the COPY fail (nothing of it is kept) and wait for the thread."""
        if self._thread.is_alive():
            with suppress(queue.Full):
                self._queue.put(_Abort(), timeout=5)
            self._thread.join(timeout=60)


class _QueueReader:
    """A file psycopg2's ``copy_expert`` reads: the pieces of the queue, then the end."""

    def __init__(self, pieces: queue.Queue[bytes | _Abort | None]) -> None:
        self.pieces = pieces

    def read(self, size: int = -1) -> bytes:
        piece = self.pieces.get()
        if isinstance(piece, _Abort):
            raise RuntimeError("the rows could not all be made; nothing of this COPY is kept")
        return piece or b""


@contextmanager
def copy_streams(*tables: tuple[str, Sequence[str]]) -> Iterator[list[CopyStream]]:
    """One :class:`CopyStream` per ``(table, columns)``, ended together when the block ends
    (or all made to fail when it raises)."""
    streams = [CopyStream(table, columns) for table, columns in tables]
    try:
        yield streams
    except BaseException:
        for stream in streams:
            stream.abort()
        raise
    for stream in streams:
        stream.close()


def _definitions(tables: Sequence[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """The secondary indexes (``(name, CREATE INDEX …)``, the indexes of constraints left out)
    and the foreign keys (``(table, name, ALTER TABLE … ADD CONSTRAINT …)``) of these tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname "
            "AND c.conrelid = quote_ident(i.tablename)::regclass) "
            "ORDER BY i.indexname",
            [list(tables)],
        )
        indexes = [(name, definition) for name, definition in cursor.fetchall()]
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
            "ORDER BY conname",
            [list(tables)],
        )
        keys = [
            (table, name, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for table, name, definition in cursor.fetchall()
        ]
    return indexes, keys


@contextmanager
def indexes_set_aside(tables: Sequence[str], progress: Callable[[str], None]) -> Iterator[None]:
    """Drop the secondary indexes and foreign keys of ``tables`` for the block, and make them
    again afterwards, whatever happens (two builds at a time, each with its own connection)."""
    indexes, keys = _definitions(tables)
    with connection.cursor() as cursor:
        for table, name, _ in keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    try:
        yield
    finally:
        progress(f"building {len(indexes)} indexes and {len(keys)} foreign keys")
        statements = [definition for _, definition in indexes] + [s for _, _, s in keys]
        run_two_at_a_time(statements, progress)
        progress("indexes and foreign keys made")


def run_two_at_a_time(statements: list[str], progress: Callable[[str], None]) -> None:
    """Run statements (outside a transaction) on two connections at once; index builds and
    VACUUMs each take a core."""
    # The heaviest first (GIN indexes), so that the two connections finish together.
    ordered = sorted(statements, key=lambda s: ("USING gin" not in s, "FOREIGN KEY" in s))

    def build(statement: str) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SET maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
                started = time.monotonic()
                cursor.execute(statement)
                progress(f"{time.monotonic() - started:6.1f} s  {statement[:90]}")
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        for future in [pool.submit(build, statement) for statement in ordered]:
            future.result()
