"""Tornado handlers: thin. Each endpoint is one function registered in the route table; it
parses the request, calls :mod:`trainlab.server.service` in the thread pool, and replies.

Every method of every handler is ``@web.authenticated`` and ``@authorized`` (resources
``trainlab:datasets`` and ``trainlab:jobs``); streamed uploads authorize in ``prepare()``,
before a byte of the body is accepted. Errors are mapped to HTTP in one place,
:meth:`_Base.write_error`.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
import traceback
import urllib.parse
from pathlib import PurePath
from typing import Any

import msgspec
from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from pydantic import BaseModel, ValidationError
from tornado import web
from tornado.iostream import StreamClosedError

from trainlab import i18n
from trainlab.errors import TrainlabError, dataset_error
from trainlab.jobs.records import JobStatus
from trainlab.server import models as m
from trainlab.server import service
from trainlab.server.routes import DATASETS, JOBS, Op, Param, paths, route
from trainlab.server.uploads import HIGH_WATER, Spool, parse_content_range
from trainlab.workspace import new_id

log = logging.getLogger("trainlab.server")
MAX_JSON_BODY = 8 * 1024 * 1024
STATUS_CODES = {400: "bad_request", 404: "route_not_found", 405: "method_not_allowed",
                413: "too_large"}


_encoder = msgspec.json.Encoder(enc_hook=str)


def _encode(data: Any) -> bytes:
    return _encoder.encode(data)


class _Base(APIHandler):
    """Dispatch to the op registered for (path, method); JSON errors; the thread pool."""

    def initialize(self, ops: dict[str, Op], app: Any) -> None:
        self.ops = ops
        self.app = app
        self._streaming: _Stream | None = None
        self._body_parts: list[bytes] = []

    # -- helpers the ops use ---------------------------------------------------------------
    @property
    def op(self) -> Op | None:
        return self.ops.get(self.request.method or "")

    @property
    def ws(self) -> Any:
        return self.app.workspace

    @functools.cached_property
    def lang(self) -> str:
        return i18n.best_language(self.request.headers.get("Accept-Language"))

    @property
    def base(self) -> str:
        return url_path_join(self.base_url, "trainlab/api/")

    async def run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Blocking work (SQLite, disk, parsing) in the server's thread pool."""
        return await asyncio.get_running_loop().run_in_executor(
            self.app.executor, functools.partial(fn, *args, **kwargs))

    def arg(self, name: str) -> str | None:
        value = self.get_query_argument(name, None)
        if value is not None and len(value) > 1024:
            raise TrainlabError("invalid_query", name=name, detail="longer than 1024 characters")
        return value

    def body_model(self, model: type[BaseModel]) -> Any:
        raw = b"".join(self._body_parts) if self._body_parts else self.request.body
        if len(raw) > MAX_JSON_BODY:
            raise TrainlabError("too_large", status=413, name="request body", limit=MAX_JSON_BODY,
                                size=len(raw))
        try:
            data = json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise TrainlabError("bad_request", detail=f"the body is not JSON ({exc})") from None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            raise TrainlabError("invalid_request", status=422, field=where, detail=first["msg"],
                                base=self.base) from None

    def reply(self, data: Any, status: int | None = None, model: type[BaseModel] | None = None
              ) -> None:
        """Answer JSON (msgspec: fast, and NaN/inf become null). With the app's
        ``validate_responses`` (on in the test suite) every answer is first checked against
        the model the OpenAPI document promises."""
        op = self.op
        model = model or (op.response if op else None)
        if model is not None and self.app.validate_responses and isinstance(data, dict):
            data = model.model_validate(data).model_dump(mode="json", by_alias=True)
        self.set_status(status or (op.status if op else 200))
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(_encode(data))

    # -- dispatch --------------------------------------------------------------------------
    async def _dispatch(self, **kwargs: str) -> None:
        op = self.op
        if op is None:
            raise web.HTTPError(405)
        await op.fn(self, **kwargs)

    # -- errors, in one place ----------------------------------------------------------------
    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, TrainlabError):
            error = exc
        elif isinstance(exc, web.HTTPError) or exc is None:
            status = exc.status_code if exc is not None else status_code
            if status == 403:
                error = (TrainlabError("forbidden", status=403, action=self._action(),
                                       resource=self.op.resource if self.op else "trainlab")
                         if self.current_user else TrainlabError("not_authenticated", status=403))
            elif status == 405:
                error = TrainlabError("method_not_allowed", status=405, method=self.request.method,
                                      path=self.request.path, allowed=", ".join(sorted(self.ops)))
            elif status == 404:
                error = TrainlabError("route_not_found", status=404, method=self.request.method,
                                      path=self.request.path[:200], base=self.base)
            else:
                detail = (exc.log_message if exc is not None else None) or str(status)
                error = TrainlabError(STATUS_CODES.get(status, "bad_request"), status=status,
                                      detail=detail, name="request body", limit="?", size="?")
        else:
            ref = new_id("err")
            log.error("trainlab: internal error %s on %s %s\n%s", ref, self.request.method,
                      self.request.path, "".join(traceback.format_exception(exc)))
            error = TrainlabError("internal_error", status=500, kind=type(exc).__name__, ref=ref)
        self.set_status(error.status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(_encode(error.to_dict(self.lang)))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, (TrainlabError, web.HTTPError)):
            return  # expected: answered with its status, not a server fault
        super().log_exception(typ, value, tb)

    def _action(self) -> str:
        return {"GET": "read", "HEAD": "read"}.get(self.request.method or "", "write")

    # -- streamed bodies -----------------------------------------------------------------------
    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        op = self.op
        if op is None or op.body is None or not getattr(self, "_stream_request_body", False):
            return
        # Streamed: authenticate and authorize now, before a byte of the body is accepted.
        if not self.current_user:
            raise web.HTTPError(403)
        allowed = await ensure_async(self.authorizer.is_authorized(
            self, self.current_user, self._action(), op.resource))
        if not allowed:
            raise web.HTTPError(403)
        self._streaming = await op.fn.begin(self)  # type: ignore[attr-defined]

    async def data_received(self, chunk: bytes) -> None:  # type: ignore[override]
        if self._finished:
            return
        if self._streaming is not None:
            await self._streaming.feed(chunk)
            return
        self._body_parts.append(chunk)
        if sum(map(len, self._body_parts)) > MAX_JSON_BODY:
            self.send_error(413, exc_info=(None, TrainlabError(
                "too_large", status=413, name="request body", limit=MAX_JSON_BODY,
                size=sum(map(len, self._body_parts))), None))

    def on_connection_close(self) -> None:
        if self._streaming is not None:
            self._streaming.cancel()
        super().on_connection_close()


def _make_handler(name: str, resource: str, streaming: bool) -> type[_Base]:
    """One handler class per resource; each method authenticated and authorized for it."""

    def method(_name: str) -> Any:
        @web.authenticated
        @authorized(resource=resource)
        async def handle(self: _Base, **kwargs: str) -> None:
            await self._dispatch(**kwargs)
        handle.__name__ = _name
        return handle

    cls = type(name, (_Base,), {verb: method(verb)
                                 for verb in ("get", "post", "put", "delete")})
    cls._stream_request_body = streaming  # type: ignore[attr-defined]
    if streaming:
        cls = web.stream_request_body(cls)
    return cls


DatasetsHandler = _make_handler("DatasetsHandler", DATASETS, False)
DatasetsStreamHandler = _make_handler("DatasetsStreamHandler", DATASETS, True)
JobsHandler = _make_handler("JobsHandler", JOBS, False)


class NotFoundHandler(JobsHandler):  # type: ignore[misc, valid-type]
    """Anything else under trainlab/api/: a JSON 404 (after authentication)."""

    async def _dispatch(self, **kwargs: str) -> None:
        raise web.HTTPError(404)


def handlers(app: Any) -> list[tuple[str, type, dict[str, Any]]]:
    """The extension's handlers; jupyter_server puts its base_url in front of each pattern."""
    out: list[tuple[str, type, dict[str, Any]]] = []
    for ops in paths().values():
        resource = next(iter(ops.values())).resource
        streaming = any(op.body for op in ops.values())
        cls = (DatasetsStreamHandler if streaming else DatasetsHandler) if resource == DATASETS \
            else JobsHandler
        pattern = next(iter(ops.values())).pattern
        out.append((url_path_join("/trainlab/api", pattern), cls,
                    {"ops": ops, "app": app}))
    out.append((url_path_join("/trainlab/api", "(?P<rest>.*)"), NotFoundHandler,
                {"ops": {}, "app": app}))
    return out


# ================================================================================================
# The endpoints.
# ================================================================================================
LIMIT = Param("limit", "integer", "Page size.", minimum=1, maximum=service.MAX_PAGE)
CURSOR = Param("cursor", description="next_cursor of the previous page.")
E_READ = (400, 403, 404)
E_WRITE = (400, 403, 404, 409, 422)


@route("GET", "health", JOBS, "Versions, GPUs, workspace, free disk, jobs running and queued.",
       response=m.Health, errors=(403,))
async def health(h: _Base) -> None:
    h.reply(await h.run(service.health, h.ws, h.app.scheduler_alive()))


@route("GET", "openapi.json", JOBS, "This document.", errors=(403,))
async def openapi(h: _Base) -> None:
    from trainlab.server.openapi import document

    h.reply(document(h.base))


# -- datasets ------------------------------------------------------------------------------------
@route("GET", "datasets", DATASETS, "Datasets, newest first, a page at a time.",
       response=m.DatasetPage, errors=(400, 403),
       params=(Param("status", enum=("valid", "invalid")),
               Param("name", description="Only names containing this (case-insensitive)."),
               LIMIT, CURSOR))
async def list_datasets(h: _Base) -> None:
    status = service.choice_param("status", h.arg("status"), ("valid", "invalid"))
    limit = service.page_limit(h.arg("limit"))
    cursor = service.cursor_param(h.arg("cursor"), "ds")
    h.reply(await h.run(service.dataset_page, h.ws, status, h.arg("name"), limit, cursor))


class _Stream:
    """A body being written to disk by a :class:`Spool`, with back-pressure on the socket."""

    def __init__(self, h: _Base, spool: Spool, limit: int, name: str) -> None:
        self.h, self.spool, self.limit, self.name = h, spool, limit, name
        self.received = 0
        self.loop = asyncio.get_running_loop()
        self.drained = asyncio.Event()
        self.cancelled = False
        self.started = time.perf_counter()

    def wake(self) -> None:  # called from the spool's thread
        self.loop.call_soon_threadsafe(self.drained.set)

    async def feed(self, chunk: bytes) -> None:
        self.received += len(chunk)
        if self.received > self.limit:
            self._refuse(dataset_error("too_large", name=self.name, limit=self.limit,
                                       size=self.received))
            return
        try:
            below = self.spool.feed(chunk)
        except TrainlabError as error:  # the disk refused (full, read-only): 507
            self._refuse(error)
            return
        if not below:  # the disk is behind: stop reading the socket a while
            self.drained.clear()
            while self.spool.pending >= HIGH_WATER // 2 and self.spool.error is None:
                await self.drained.wait()
                self.drained.clear()

    def _refuse(self, error: TrainlabError) -> None:
        """Answer now, mid-body; the partial file goes whatever the client does next."""
        self.h._streaming = None
        self.cancel()
        self.h.send_error(error.status, exc_info=(type(error), error, None))

    def cancel(self) -> None:
        self.cancelled = True
        self.loop.run_in_executor(self.h.app.executor, self._discard)

    def _discard(self) -> None:
        self.spool.abort()
        self.spool.path.unlink(missing_ok=True)


def _filename(value: str | None) -> str:
    if not value or not value.strip():
        raise TrainlabError("invalid_query", name="filename",
                            detail="give the file's name, e.g. ?filename=reviews.csv")
    name = PurePath(value.replace("\\", "/")).name
    if not name or "\x00" in name or len(name) > 255 or not name.isprintable():
        raise TrainlabError("invalid_query", name="filename", detail="not a usable file name")
    return name


async def _begin_upload(h: _Base) -> _Stream:
    name = _filename(h.arg("filename"))
    fmt = service.check_format(name, h.arg("format"), h.app.allowed_formats)
    limit = h.app.max_upload_bytes
    length = h.request.headers.get("Content-Length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise dataset_error("too_large", name=name, limit=limit, size=int(length))
    # With a Content-Length (checked above) tornado may hold the body to it. A chunked body's
    # size shows only as it arrives: tornado's own cap (which answers a bare 400) is set far
    # above ours, so _Stream.feed answers 413 with its JSON first.
    h.request.connection.set_max_body_size(  # type: ignore[union-attr]
        limit + 1 if length is not None else limit + 2**30)
    path = h.ws.tmp_dir / f"{new_id('up')}.{fmt}"
    stream = _Stream(h, None, limit, name)  # type: ignore[arg-type]
    stream.spool = await h.run(Spool, path, hash_it=True, on_drain=stream.wake)
    stream.fmt = fmt  # type: ignore[attr-defined]
    return stream


@route("POST", "datasets", DATASETS,
       "Upload a file: the raw request body is the file, streamed to disk, then validated and "
       "profiled. A file with bad rows is kept with status 'invalid' (201 too); a file that is "
       "not its format at all is refused.",
       status=201, response=m.Dataset, errors=(400, 403, 413, 415, 422, 507),
       body="application/octet-stream",
       params=(Param("filename", required=True, description="The file's name; its extension "
                     "gives the format unless format= is set."),
               Param("format", enum=("jsonl", "json", "csv"))))
async def upload_dataset(h: _Base) -> None:
    stream = h._streaming
    assert stream is not None
    h._streaming = None
    received = time.perf_counter()
    try:
        sha256 = await h.run(stream.spool.finish)
    except BaseException:
        await h.run(stream._discard)
        raise
    synced = time.perf_counter()
    ds = await h.run(h.ws.datasets.adopt, stream.spool.path, stream.name,
                     stream.fmt, sha256=sha256)  # type: ignore[attr-defined]
    # How the time went, for clients and benchmarks (milliseconds, as Server-Timing says).
    h.set_header("Server-Timing", f"receive;dur={(received - stream.started) * 1e3:.1f}, "
                 f"sync;dur={(synced - received) * 1e3:.1f}, "
                 f"validate;dur={(time.perf_counter() - synced) * 1e3:.1f}")
    h.reply(ds.to_dict())


upload_dataset.begin = _begin_upload  # type: ignore[attr-defined]


@route("POST", "datasets/uploads", DATASETS,
       "Start a resumable upload; then PUT its parts with Content-Range.",
       status=201, request=m.UploadStart, response=m.Upload, errors=(400, 403, 413, 415, 422))
async def start_upload(h: _Base) -> None:
    body = h.body_model(m.UploadStart)
    name = _filename(body.filename)
    fmt = service.check_format(name, body.format, h.app.allowed_formats)
    h.reply(await h.run(h.app.uploads.start, name, body.size, body.sha256,
                        body.format and fmt, h.app.max_upload_bytes))


@route("GET", "datasets/uploads/{upload_id}", DATASETS,
       "A resumable upload: its offset is where the next part starts.",
       response=m.Upload, errors=E_READ)
async def get_upload(h: _Base, upload_id: str) -> None:
    h.reply(await h.run(h.app.uploads.get, upload_id))


async def _begin_part(h: _Base) -> _Stream:
    uploads = h.app.uploads
    upload_id = h.path_kwargs["upload_id"]
    meta = await h.run(uploads.get, upload_id)
    length = h.request.headers.get("Content-Length")
    start, end, total = parse_content_range(h.request.headers.get("Content-Range"),
                                            int(length) if length and length.isdigit() else None)
    if total != meta["size"]:
        raise TrainlabError("upload_size_mismatch", status=400, id=upload_id, expected=meta["size"],
                            detail=f"Content-Range says {total}")
    if upload_id in uploads.busy or start != meta["offset"]:  # busy: another part is arriving
        raise TrainlabError("upload_offset_mismatch", status=409, id=upload_id,
                            offset=meta["offset"], start=start, details={"offset": meta["offset"]})
    uploads.busy.add(upload_id)
    h.request.connection.set_max_body_size(end - start + 1)  # type: ignore[union-attr]
    stream = _Stream(h, None, end - start, meta["filename"])  # type: ignore[arg-type]
    stream.spool = await h.run(Spool, uploads.root / upload_id / "data", append=True,
                               hash_it=False, on_drain=stream.wake)
    stream.range = (start, end, total)  # type: ignore[attr-defined]
    stream._discard = functools.partial(_undo_part, h, upload_id, start, stream)  # type: ignore
    return stream


def _undo_part(h: _Base, upload_id: str, start: int, stream: _Stream) -> None:
    try:
        stream.spool.abort()
        h.app.uploads.truncate(upload_id, start)
    finally:
        h.app.uploads.busy.discard(upload_id)


@route("PUT", "datasets/uploads/{upload_id}", DATASETS,
       "Append a part at the offset its Content-Range states (409 with the current offset "
       "otherwise). The last part checks size and sha256 and answers 201 with the dataset.",
       response=m.Upload, more={201: m.Dataset}, errors=(400, 403, 404, 409, 413, 422, 507),
       body="application/octet-stream",
       params=(Param("Content-Range", required=True, where="header",
                     description="bytes START-END/TOTAL"),))
async def put_part(h: _Base, upload_id: str) -> None:
    stream = h._streaming
    assert stream is not None
    h._streaming = None
    start, end, total = stream.range  # type: ignore[attr-defined]
    try:
        await h.run(stream.spool.finish)
        if stream.received != end - start:
            raise TrainlabError("bad_content_range", value=h.request.headers.get("Content-Range"))
    except BaseException:
        await h.run(stream._discard)
        raise
    h.app.uploads.busy.discard(upload_id)
    if end < total:
        h.reply(await h.run(h.app.uploads.get, upload_id))
        return
    ds = await h.run(h.app.uploads.complete, upload_id)
    h.reply(ds.to_dict(), 201, m.Dataset)


put_part.begin = _begin_part  # type: ignore[attr-defined]


@route("DELETE", "datasets/uploads/{upload_id}", DATASETS, "Cancel a resumable upload.",
       response=m.Deleted, errors=(403, 404, 409))
async def cancel_upload(h: _Base, upload_id: str) -> None:
    await h.run(h.app.uploads.cancel, upload_id)
    h.reply({"id": upload_id, "deleted": True})


@route("POST", "datasets/import", DATASETS,
       "Register a file already under the server's root directory (e.g. uploaded by "
       "JupyterLab's file browser), by its relative path. It is copied into the workspace.",
       status=201, request=m.ImportRequest, response=m.Dataset, errors=(400, 403, 404, 413, 415, 422))
async def import_dataset(h: _Base) -> None:
    body = h.body_model(m.ImportRequest)
    path = await h.run(service.resolve_import, h.app.root_dir, body.path)
    name = _filename(body.name or path.name)
    fmt = service.check_format(name, body.format, h.app.allowed_formats)
    ds = await h.run(h.ws.datasets.add, path, name, fmt, max_bytes=h.app.max_upload_bytes)
    h.reply(ds.to_dict())


@route("GET", "datasets/{dataset_id}", DATASETS, "One dataset.", response=m.Dataset, errors=E_READ)
async def get_dataset(h: _Base, dataset_id: str) -> None:
    ds = await h.run(service.get_dataset, h.ws, dataset_id)
    h.reply(ds.to_dict())


@route("GET", "datasets/{dataset_id}/report", DATASETS,
       "The validation report; its errors a page at a time, messages in the request's language.",
       response=m.Report, errors=E_READ,
       params=(Param("offset", "integer", minimum=0, maximum=10**9), LIMIT))
async def report(h: _Base, dataset_id: str) -> None:
    offset = service.int_param("offset", h.arg("offset"), 0, 0, 10**9)
    limit = service.page_limit(h.arg("limit"), 100)
    h.reply(await h.run(service.report_page, h.ws, dataset_id, offset, limit, h.lang))


@route("GET", "datasets/{dataset_id}/preview", DATASETS,
       "Valid rows offset..offset+limit, each with its line in the file.",
       response=m.Preview, errors=E_READ,
       params=(Param("offset", "integer", minimum=0, maximum=10**12), LIMIT))
async def preview(h: _Base, dataset_id: str) -> None:
    offset = service.int_param("offset", h.arg("offset"), 0, 0, 10**12)
    limit = service.page_limit(h.arg("limit"), 20)
    h.reply(await h.run(service.preview, h.ws, dataset_id, offset, limit))


@route("GET", "datasets/{dataset_id}/profile", DATASETS,
       "Per-field statistics; with label=, that field's class balance.",
       response=m.Profile, errors=E_READ, params=(Param("label"),))
async def profile(h: _Base, dataset_id: str) -> None:
    h.reply(await h.run(service.profile, h.ws, dataset_id, h.arg("label") or None))


@route("POST", "datasets/{dataset_id}/check", DATASETS,
       "Check the dataset against what a training task needs, row by row.",
       request=m.CheckRequest, response=m.CheckReport, errors=E_WRITE)
async def check(h: _Base, dataset_id: str) -> None:
    body = h.body_model(m.CheckRequest)
    h.reply(await h.run(service.check, h.ws, dataset_id, body.task, dict(body.columns), h.lang))


async def _send_file(h: _Base, path: Any, filename: str, content_type: str) -> None:
    size = (await h.run(path.stat)).st_size
    h.set_header("Content-Type", content_type)
    h.set_header("Content-Length", str(size))
    quoted = urllib.parse.quote(filename)
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_")
    h.set_header("Content-Disposition",
                 f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}")
    handle = await h.run(open, path, "rb")
    try:
        while chunk := await h.run(handle.read, 1024 * 1024):
            h.write(chunk)
            await h.flush()
    except StreamClosedError:
        return
    finally:
        await h.run(handle.close)
    h.finish()


@route("GET", "datasets/{dataset_id}/file", DATASETS, "Download the stored file.",
       errors=E_READ, content=("text/csv", "application/json", "application/x-ndjson"))
async def dataset_file(h: _Base, dataset_id: str) -> None:
    ds = await h.run(service.get_dataset, h.ws, dataset_id)
    h.set_header("ETag", f'"{ds.sha256}"')
    media = {"csv": "text/csv", "json": "application/json", "jsonl": "application/x-ndjson"}
    await _send_file(h, ds.path, ds.name, media[ds.format])


@route("DELETE", "datasets/{dataset_id}", DATASETS, "Delete a dataset and its files.",
       response=m.Deleted, errors=E_READ)
async def delete_dataset(h: _Base, dataset_id: str) -> None:
    await h.run(h.ws.datasets.delete, service.check_id(dataset_id, "ds", "dataset_not_found"))
    h.reply({"id": dataset_id, "deleted": True})


# -- jobs ----------------------------------------------------------------------------------------
JOB_STATUSES = tuple(s.value for s in JobStatus)


@route("GET", "jobs", JOBS, "Jobs (background and notebook), newest first, a page at a time.",
       response=m.JobPage, errors=(400, 403), params=(Param("status", enum=JOB_STATUSES), LIMIT, CURSOR))
async def list_jobs(h: _Base) -> None:
    status = service.choice_param("status", h.arg("status"), JOB_STATUSES)
    limit = service.page_limit(h.arg("limit"))
    cursor = service.cursor_param(h.arg("cursor"), "job")
    # Unvalidated answers pass the JSON columns through undecoded (msgspec.Raw): faster.
    h.reply(await h.run(service.job_page, h.ws, status, limit, cursor,
                        not h.app.validate_responses))


@route("POST", "jobs", JOBS, "Submit a background job; every check runs now.",
       status=201, request=m.JobSpec, response=m.Job, errors=(400, 403, 404, 422))
async def submit_job(h: _Base) -> None:
    spec = h.body_model(m.JobSpec)
    job = await h.run(h.ws.jobs.submit, spec, warn=False)  # the job's note says it
    h.reply(service._plain(job.to_dict()))


@route("GET", "jobs/{job_id}", JOBS, "One job with its progress and latest metrics.",
       response=m.Job, errors=E_READ)
async def get_job(h: _Base, job_id: str) -> None:
    job = await h.run(service.get_job, h.ws, job_id)
    h.reply(service._plain(job.to_dict()))


@route("POST", "jobs/{job_id}/stop", JOBS,
       "Stop a running job (it checkpoints and ends 'stopped') or cancel a queued one.",
       response=m.Job, errors=(403, 404, 409))
async def stop_job(h: _Base, job_id: str) -> None:
    await _job_action(h, h.ws.jobs.stop, job_id)


async def _job_action(h: _Base, action: Any, job_id: str) -> None:
    """stop / resume: the job as it is after the action (404, 409 from the action itself)."""
    job = await h.run(action, service.check_id(job_id, "job", "job_not_found"))
    h.reply(service._plain(job.to_dict()))


@route("POST", "jobs/{job_id}/resume", JOBS,
       "Queue a stopped or interrupted job again; it continues from its last checkpoint.",
       response=m.Job, errors=(403, 404, 409))
async def resume_job(h: _Base, job_id: str) -> None:
    await _job_action(h, h.ws.jobs.resume, job_id)


@route("DELETE", "jobs/{job_id}", JOBS, "Delete a job and its files (409 while it runs).",
       response=m.Deleted, errors=(403, 404, 409))
async def delete_job(h: _Base, job_id: str) -> None:
    await h.run(h.ws.jobs.delete, service.check_id(job_id, "job", "job_not_found"))
    h.reply({"id": job_id, "deleted": True})


@route("GET", "jobs/{job_id}/metrics", JOBS, "The metrics history from since_step on.",
       response=m.Metrics, errors=E_READ,
       params=(Param("since_step", "integer", minimum=0, maximum=2**62),))
async def job_metrics(h: _Base, job_id: str) -> None:
    since = service.int_param("since_step", h.arg("since_step"), 0, 0, 2**62)
    h.reply(await h.run(service.metrics, h.ws, job_id, since))


@route("GET", "jobs/{job_id}/logs", JOBS, "Log text from byte offset on (tail it with the "
       "offset returned).", response=m.Logs, errors=E_READ,
       params=(Param("offset", "integer", minimum=0, maximum=2**62),))
async def job_logs(h: _Base, job_id: str) -> None:
    offset = service.int_param("offset", h.arg("offset"), 0, 0, 2**62)
    h.reply(await h.run(h.ws.jobs.logs, service.check_id(job_id, "job", "job_not_found"), offset))


EVENT_POLL_S = 0.5
KEEPALIVE_S = 15.0


@route("GET", "jobs/{job_id}/events", JOBS,
       "Server-Sent Events until the job ends: 'status' (the whole job, on every change of "
       "status), 'progress' (step, total_steps, epoch, fraction, eta_s, samples_per_s), "
       "'metrics' (new points), then 'end'.",
       errors=E_READ, content="text/event-stream")
async def job_events(h: _Base, job_id: str) -> None:
    job = await h.run(service.get_job, h.ws, job_id)
    h.set_header("Content-Type", "text/event-stream; charset=UTF-8")
    h.set_header("Cache-Control", "no-cache")
    h.set_header("X-Accel-Buffering", "no")
    since, last_status, last_progress, last_beat = 0, None, None, time.monotonic()
    try:
        while True:
            sent = False
            if job.status != last_status:
                _event(h, "status", service._plain(job.to_dict()))
                last_status, sent = job.status, True
            if job.progress != last_progress:
                _event(h, "progress", service._plain(job.progress))
                last_progress, sent = job.progress, True
            new = await h.run(service.metrics, h.ws, job_id, since)
            if new["items"]:
                _event(h, "metrics", new["items"])
                since, sent = new["next_since_step"], True
            if job.done:
                _event(h, "end", {"id": job.id, "status": job.status})
                await h.flush()
                break
            if sent or time.monotonic() - last_beat > KEEPALIVE_S:
                if not sent:
                    h.write(": keep-alive\n\n")
                await h.flush()
                last_beat = time.monotonic()
            await asyncio.sleep(EVENT_POLL_S)
            job = await h.run(service.get_job, h.ws, job_id)
    except StreamClosedError:
        return
    h.finish()


def _event(h: _Base, name: str, data: Any) -> None:
    h.write(b"event: " + name.encode() + b"\ndata: " + _encode(data) + b"\n\n")


@route("GET", "jobs/{job_id}/model", JOBS, "Download the trained model (a zip of model/).",
       errors=(403, 404, 409), content="application/zip")
async def job_model(h: _Base, job_id: str) -> None:
    archive = await h.run(service.model_zip, h.ws, job_id)
    try:
        await _send_file(h, archive, f"{job_id}-model.zip", "application/zip")
    finally:
        await h.run(archive.unlink, True)


@route("POST", "jobs/{job_id}/predict", JOBS, "Predict a small batch of records (up to 1,000).",
       request=m.PredictRequest, response=m.PredictResponse, errors=(400, 403, 404, 409, 422))
async def predict(h: _Base, job_id: str) -> None:
    body = h.body_model(m.PredictRequest)
    h.reply(await h.run(service.predict, h.ws, h.app.models, job_id, list(body.records), body.proba))
