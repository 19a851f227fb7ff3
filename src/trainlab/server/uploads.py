"""Request bodies onto disk, off the event loop; and resumable uploads.

No tornado here: the handlers feed :class:`Spool` from ``data_received`` and await its drain
event; the writing, hashing and fsync happen in the spool's own thread.

A resumable upload is a folder ``<workspace>/uploads/<id>/`` with ``meta.json`` and ``data``;
its offset is the size of ``data``, so it survives a server restart. The last part checks the
size and (when announced) the sha256, then the file is moved, not copied, into a dataset.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import re
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trainlab.errors import NotFoundError, TrainlabError
from trainlab.workspace import Workspace, is_valid_id, new_id
from trainlab.workspace.files import owned, write_json

HIGH_WATER = 8 * 1024 * 1024  # bytes queued for the disk before the handler waits
UPLOAD_TTL_S = 24 * 3600      # an upload untouched this long is removed
_RANGE = re.compile(r"^bytes (\d{1,19})-(\d{1,19})/(\d{1,19})$")


class Spool:
    """Bytes handed in by :meth:`feed` are written (and hashed) by a thread of their own.

    ``feed`` never blocks; it returns True while less than :data:`HIGH_WATER` bytes wait for
    the disk, and ``on_drain`` is called (from the writer thread) when the queue has drained
    below half of that. :meth:`finish` waits for the last byte and fsyncs.
    """

    def __init__(self, path: Path, *, append: bool = False, hash_it: bool = True,
                 on_drain: Callable[[], None] | None = None) -> None:
        self.path = path if append else owned(path)  # a new file in tmp/: swept if we die
        self.file = open(self.path, "ab" if append else "wb")
        self.digest = hashlib.sha256() if hash_it else None
        self.size = 0
        self.on_drain = on_drain
        self.error: BaseException | None = None
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._pending = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="trainlab-spool", daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        return self._pending

    def feed(self, chunk: bytes) -> bool:
        if self.error is not None:
            raise self.error
        with self._lock:
            self._pending += len(chunk)
            self.size += len(chunk)
            below = self._pending < HIGH_WATER
        self._queue.put(bytes(chunk))
        return below

    def _run(self) -> None:
        while True:
            chunk = self._queue.get()
            if chunk is None:
                return
            try:
                if self.error is None:
                    self.file.write(chunk)
                    if self.digest is not None:
                        self.digest.update(chunk)
            except OSError as exc:
                self.error = TrainlabError("write_failed", status=507, path=str(self.path),
                                           detail=exc.strerror or str(exc))
            with self._lock:
                was_high = self._pending >= HIGH_WATER // 2
                self._pending -= len(chunk)
                drained = was_high and self._pending < HIGH_WATER // 2
            if (drained or self.error is not None) and self.on_drain is not None:
                self.on_drain()

    def finish(self) -> str | None:
        """Blocking: every byte on disk; the sha256 of what was fed (None unless hashed)."""
        self._queue.put(None)
        self._thread.join()
        try:
            if self.error is None:
                self.file.flush()
                os.fsync(self.file.fileno())
        except OSError as exc:
            self.error = TrainlabError("write_failed", status=507, path=str(self.path),
                                       detail=exc.strerror or str(exc))
        finally:
            self.file.close()
        if self.error is not None:
            raise self.error
        return self.digest.hexdigest() if self.digest is not None else None

    def abort(self) -> None:
        """Blocking: stop writing and close (the caller removes the file)."""
        self.error = self.error or TrainlabError("bad_request", detail="upload aborted")
        self._queue.put(None)
        self._thread.join()
        with contextlib.suppress(OSError):
            self.file.close()


def parse_content_range(value: str | None, body_length: int | None) -> tuple[int, int, int]:
    """``bytes START-END/TOTAL`` -> (start, end exclusive, total): 400 when it is not that
    form (what the OpenAPI pattern refuses); 422 when its numbers cannot hold (END before
    START, END not below TOTAL, a body of another length)."""
    match = _RANGE.match((value or "").strip())
    if not match:
        raise TrainlabError("bad_content_range", value=(value or "")[:100])
    start, last, total = (int(g) for g in match.groups())
    if last < start or last >= total or (body_length is not None and body_length != last - start + 1):
        raise TrainlabError("bad_content_range", status=422, value=value[:100])
    return start, last + 1, total


class Uploads:
    """The resumable uploads of one workspace."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.root = ws.path / "uploads"
        self.root.mkdir(exist_ok=True)
        self.busy: set[str] = set()  # ids with a part arriving, completing, or being deleted
        self._lock = threading.Lock()

    def claim(self, upload_id: str) -> bool:
        """Mark the upload busy (a part arrives, or it is deleted); False if it already is."""
        with self._lock:
            if upload_id in self.busy:
                return False
            self.busy.add(upload_id)
            return True

    def release(self, upload_id: str) -> None:
        with self._lock:
            self.busy.discard(upload_id)

    def folder(self, upload_id: str) -> Path:
        if not is_valid_id(upload_id, "up") or not (self.root / upload_id / "meta.json").is_file():
            raise NotFoundError("upload_not_found", id=upload_id[:64])
        return self.root / upload_id

    def start(self, filename: str, size: int, sha256: str | None, fmt: str | None,
              limit: int) -> dict[str, Any]:
        from trainlab.datasets.formats import choose_format
        from trainlab.errors import dataset_error

        choose_format(filename, fmt)  # an unsupported type is refused before any byte is sent
        if size > limit:
            raise dataset_error("too_large", name=filename, limit=limit, size=size)
        self.expire()
        upload_id = new_id("up")
        folder = self.root / upload_id
        folder.mkdir()
        (folder / "data").touch()
        meta = {"id": upload_id, "filename": filename, "size": size, "sha256": sha256,
                "format": fmt, "created_at": time.time()}
        write_json(folder / "meta.json", self.ws.tmp_dir, meta)
        return {**meta, "offset": 0}

    def declared(self) -> int:
        """The declared sizes of the uploads in progress (what the workspace quota reserves
        for them until they complete, are cancelled or expire)."""
        total = 0
        for meta in self.root.glob("up_*/meta.json"):
            try:
                total += int(json.loads(meta.read_text("utf-8"))["size"])
            except (OSError, ValueError, KeyError, TypeError):
                continue  # removed meanwhile, or being written
        return total

    def get(self, upload_id: str) -> dict[str, Any]:
        folder = self.folder(upload_id)
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        try:
            offset = (folder / "data").stat().st_size
        except FileNotFoundError:  # every byte arrived: the dataset is being made from them
            offset = meta["size"]
        return {**meta, "offset": offset}

    def in_progress(self, limit: int) -> list[dict[str, Any]]:
        """The uploads in progress, newest first (at most ``limit``), each as :meth:`get`
        answers it: a client that lost an upload's id finds it here to resume it. Uploads past
        their life (``UPLOAD_TTL_S`` untouched) are removed first, never listed."""
        self.expire()
        found = []
        for meta in self.root.glob("up_*/meta.json"):
            try:
                found.append(self.get(meta.parent.name))
            except (OSError, ValueError, KeyError, NotFoundError):
                continue  # completed, cancelled or expired meanwhile
        found.sort(key=lambda u: (u["created_at"], u["id"]), reverse=True)
        return found[:limit]

    def cancel(self, upload_id: str) -> None:
        """Delete the upload; 409 ``upload_busy`` while a part arrives or the last one
        completes (the upload stays busy until the dataset exists or the part is undone)."""
        folder = self.folder(upload_id)
        if not self.claim(upload_id):
            raise TrainlabError("upload_busy", status=409, id=upload_id)
        try:
            self.folder(upload_id)  # a part that just completed has removed it: 404
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            self.release(upload_id)

    def truncate(self, upload_id: str, offset: int) -> None:
        """Undo a part that did not arrive whole (the file keeps only whole parts)."""
        with contextlib.suppress(OSError), open(self.root / upload_id / "data", "r+b") as handle:
            handle.truncate(offset)

    def complete(self, upload_id: str) -> Any:
        """Check size and sha256 of a fully received upload and make it a dataset."""
        meta = self.get(upload_id)
        folder = self.root / upload_id
        data = folder / "data"
        if meta["offset"] != meta["size"]:
            raise TrainlabError("upload_size_mismatch", status=409, id=upload_id,
                                expected=meta["size"], detail=f"{meta['offset']} bytes arrived")
        digest = hashlib.sha256()
        with open(data, "rb") as handle:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
        actual = digest.hexdigest()
        if meta["sha256"] and actual != meta["sha256"]:
            shutil.rmtree(folder, ignore_errors=True)
            raise TrainlabError("upload_checksum_mismatch", status=422, id=upload_id,
                                expected=meta["sha256"], actual=actual)
        moving = self.ws.tmp_dir / f"{upload_id}.{meta['format'] or 'data'}"
        try:
            os.replace(data, moving)
        except FileNotFoundError:  # removed meanwhile (by hand: cancel waits for busy ids)
            raise NotFoundError("upload_not_found", id=upload_id) from None
        try:
            return self.ws.datasets.adopt(moving, meta["filename"], meta["format"], sha256=actual)
        finally:
            # Only now: until the dataset exists, GET answers the upload whole (offset = size),
            # so a client that lost the last part's answer waits for it instead of a 404 that
            # would say "gone" while the dataset is still being validated.
            shutil.rmtree(folder, ignore_errors=True)

    def expire(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        removed = 0
        for folder in self.root.iterdir():
            data = folder / "data"
            try:
                touched = max(folder.stat().st_mtime, data.stat().st_mtime if data.exists() else 0)
            except OSError:
                continue
            if folder.name not in self.busy and now - touched > UPLOAD_TTL_S:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed
