"""Request bodies streamed to disk: the handler that receives them and what each is written into.

A streamed route's ``begin`` (see :class:`~trainlab.server.operation.Op`) runs in
``prepare()``, after authentication and authorization and before a byte of the body is
accepted; it returns the :class:`BodyStream` that ``data_received`` feeds, with back-pressure
on the socket while the disk is behind. The endpoint then takes the stream to finish it.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from jupyter_core.utils import ensure_async
from tornado import web

from trainlab.errors import TrainlabError, dataset_error
from trainlab.server import metrics
from trainlab.server.base import MAX_JSON_BODY, ApiHandler, DatasetsHandler
from trainlab.server.operation import Op
from trainlab.server.uploads import HIGH_WATER, Spool, Uploads

S = TypeVar("S", bound="BodyStream")


@dataclass(kw_only=True, eq=False)
class BodyStream:
    """A body being written to disk by a :class:`Spool`."""

    spool: Spool
    drained: asyncio.Event   # set (from the spool's thread) when its queue has drained
    executor: Executor       # where the blocking clean-up runs
    limit: int               # bytes accepted; one more is answered 413
    name: str                # the file's name, for messages
    started: float           # time.perf_counter() when the body began
    received: int = 0
    kind = "body"            # for the metrics: a whole file as the body
    quota: int = 0           # max_workspace_bytes (0: none): past it, 507 (issue 17)
    usage: Any = None        # the WorkspaceUsage holding this body's bytes under ``hold``
    hold: str | None = None
    reserved: int = 0        # bytes held at the start (the Content-Length)

    @classmethod
    async def open(cls: type[S], handler: ApiHandler, path: Path, *, append: bool, hash_it: bool,
                   **fields: Any) -> S:
        """A stream into a new :class:`Spool` on ``path``; ``fields`` are the subclass's own."""
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        drained = asyncio.Event()
        spool = await handler.run(Spool, path, append=append, hash_it=hash_it,
                                  on_drain=lambda: loop.call_soon_threadsafe(drained.set))
        return cls(spool=spool, drained=drained, executor=handler.app.pool, started=started,
                   **fields)

    async def feed(self, chunk: bytes) -> None:
        """Hand a chunk to the spool; wait while the disk is behind. A body over the limit or
        a disk that refuses (full, read-only: 507) cancels the stream and raises the error."""
        self.received += len(chunk)
        metrics.upload_bytes(self.kind, len(chunk))
        if self.received > self.limit:
            self.cancel()
            raise self.too_long()
        if self.quota and self.hold and self.received > self.reserved:  # a chunked body
            try:
                self.usage.hold(self.hold, self.received, self.quota, self.name)
            except TrainlabError:
                self.cancel()
                raise
        try:
            below = self.spool.feed(chunk)
        except TrainlabError:
            self.cancel()
            raise
        if not below:  # the disk is behind: stop reading the socket a while
            self.drained.clear()
            while self.spool.pending >= HIGH_WATER // 2 and self.spool.error is None:
                await self.drained.wait()
                self.drained.clear()

    def too_long(self) -> TrainlabError:
        """The error for a body past :attr:`limit`."""
        return dataset_error("too_large", name=self.name, limit=self.limit, size=self.received)

    def cancel(self) -> None:
        """The body will not be finished: discard what was written, off the event loop."""
        asyncio.get_running_loop().run_in_executor(self.executor, self.discard)

    def discard(self) -> None:
        """Blocking: stop the spool and remove its file."""
        self.spool.abort()
        self.spool.path.unlink(missing_ok=True)


@dataclass(kw_only=True, eq=False)
class UploadStream(BodyStream):
    """A whole file uploaded as the body (``POST datasets``), to become a dataset."""

    fmt: str


@dataclass(kw_only=True, eq=False)
class PartStream(BodyStream):
    """One part of a resumable upload, appended to its data at ``start``."""

    kind = "part"
    uploads: Uploads
    upload_id: str
    start: int
    end: int                 # exclusive
    total: int

    def too_long(self) -> TrainlabError:
        """A part longer than its Content-Range says (a chunked body shows it only as it
        arrives): a 400 in the JSON error format, the upload cut back to where it was."""
        return TrainlabError("bad_content_range", value=f"bytes {self.start}-{self.end - 1}/"
                             f"{self.total}", received=self.received)

    def discard(self) -> None:
        """Blocking: cut the data back to where the part began, and free the upload."""
        try:
            self.spool.abort()
            self.uploads.truncate(self.upload_id, self.start)
        finally:
            self.uploads.busy.discard(self.upload_id)


@web.stream_request_body
class DatasetsStreamHandler(DatasetsHandler):
    """The ``trainlab:datasets`` paths where a route streams its body; the other routes on
    those paths have their (small) bodies gathered here, up to :data:`MAX_JSON_BODY`."""

    def initialize(self, ops: dict[str, Op], app: Any) -> None:
        super().initialize(ops, app)
        self.stream: BodyStream | None = None
        self.body_parts: list[bytes] = []
        self.body_complete = False
        self.quota_hold: str | None = None  # the key of the bytes held for the quota

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """An answer before the whole body arrived (refused in prepare, or cut off mid-body):
        tornado closes the connection after it rather than read the rest, so say so with
        ``Connection: close``. Without it a keep-alive client, e.g. JupyterHub's proxy, sends
        its next request on the closing connection and gets a reset (a 503 at the proxy)."""
        headers = self.request.headers
        if not self.body_complete and (headers.get("Content-Length", "0") != "0"
                                       or "Transfer-Encoding" in headers):
            self.set_header("Connection", "close")
        super().write_error(status_code, **kwargs)

    async def call_endpoint(self, **path: str) -> None:
        self.body_complete = True  # tornado calls the method once the whole body is read
        await super().call_endpoint(**path)

    def body_bytes(self) -> bytes:
        return b"".join(self.body_parts) if self.body_parts else self.request.body

    def take_stream(self, kind: type[S]) -> S:
        """The finished body's stream, which the endpoint now owns."""
        stream, self.stream = self.stream, None
        assert isinstance(stream, kind)
        return stream

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        op = self.op
        if op is None or op.begin is None:
            return
        # Streamed: authenticate and authorize now, before a byte of the body is accepted.
        if not self.current_user:
            raise web.HTTPError(403)
        allowed = await ensure_async(self.authorizer.is_authorized(
            self, self.current_user, self.auth_action(), op.resource))
        if not allowed:
            raise web.HTTPError(403)
        self.stream = await op.begin(self)

    async def data_received(self, chunk: bytes) -> None:  # type: ignore[override]
        if self._finished:
            return
        if self.stream is not None:
            try:
                await self.stream.feed(chunk)
            except TrainlabError as error:  # answered now, mid-body
                self.stream = None
                self.send_error(error.status, exc_info=(type(error), error, None))
            return
        self.body_parts.append(chunk)
        if sum(map(len, self.body_parts)) > MAX_JSON_BODY:
            self.send_error(413, exc_info=(None, TrainlabError(
                "too_large", status=413, name="request body", limit=MAX_JSON_BODY,
                size=sum(map(len, self.body_parts))), None))

    def on_finish(self) -> None:
        self.release_hold()
        super().on_finish()

    def release_hold(self) -> None:
        """The body's bytes are no longer held for the quota (kept and counted, or gone)."""
        if self.quota_hold is not None:
            self.app.usage.release(self.quota_hold)
            self.quota_hold = None

    def on_connection_close(self) -> None:
        self.release_hold()
        if self.stream is not None:
            metrics.upload_failed("client_gone")  # issue 17: no answer, so no on_finish
            self.stream.cancel()
        super().on_connection_close()
