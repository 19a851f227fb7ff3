"""How a file comes in: uploaded whole as a streamed body, uploaded in resumable parts, or
imported from the server's root directory."""

from __future__ import annotations

import functools
import time
from pathlib import PurePath

from trainlab.errors import TrainlabError, dataset_error
from trainlab.server import metrics, service
from trainlab.server import models as m
from trainlab.server.base import ApiHandler
from trainlab.server.streaming import DatasetsStreamHandler, PartStream, UploadStream
from trainlab.server.uploads import parse_content_range
from trainlab.workspace import new_id


def file_name(value: str | None) -> str:
    """The last part of a client's file name, refused when it cannot name a file."""
    if not value or not value.strip():
        raise TrainlabError("invalid_query", name="filename",
                            detail="give the file's name, e.g. ?filename=reviews.csv")
    if len(value) > 255:
        raise TrainlabError("invalid_query", name="filename", detail="longer than 255 characters")
    name = PurePath(value.replace("\\", "/")).name
    if not name or "\x00" in name or len(name) > 255 or not name.isprintable():
        # given, but no file can be called that: 422 (the document's pattern says not blank)
        raise TrainlabError("invalid_query", status=422, name="filename",
                            detail="not a usable file name")
    return name


# -- a whole file as the body ----------------------------------------------------------------
async def begin_upload(h: DatasetsStreamHandler) -> UploadStream:
    given = h.arg("filename")
    raw = h.request.query_arguments.get("filename")
    if given is not None and not given.strip() and raw and raw[-1].strip(b" \t\r\n"):
        # control characters only (tornado blanks them): given, but no file is called that
        raise TrainlabError("invalid_query", status=422, name="filename",
                            detail="not a usable file name")
    name = file_name(given)
    fmt = service.check_format(name, h.arg("format"), h.app.allowed_formats)
    limit = h.app.max_upload_bytes
    length = h.request.headers.get("Content-Length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise dataset_error("too_large", name=name, limit=limit, size=int(length))
    # issue 17: the Content-Length is held from now until the answer (concurrent bodies cannot
    # together pass the quota); a chunked body's hold grows as it arrives.
    quota = h.app.max_workspace_bytes
    reserved = int(length) if length is not None and length.isdigit() else 0
    if quota:
        h.quota_hold = new_id("hold")
        await h.run(h.app.usage.reserve, h.quota_hold, reserved, quota, name)
    # With a Content-Length (checked above) tornado may hold the body to it. A chunked body's
    # size shows only as it arrives: tornado's own cap (which answers a bare 400) is set far
    # above ours, so BodyStream.feed answers 413 with its JSON first.
    h.request.connection.set_max_body_size(  # type: ignore[union-attr]
        limit + 1 if length is not None else limit + 2**30)
    path = h.ws.tmp_dir / f"{new_id('up')}.{fmt}"
    return await UploadStream.open(h, path, append=False, hash_it=True, limit=limit, name=name,
                                   fmt=fmt, quota=quota, usage=h.app.usage, hold=h.quota_hold,
                                   reserved=reserved)


async def upload_dataset(h: DatasetsStreamHandler) -> None:
    stream = h.take_stream(UploadStream)
    received = time.perf_counter()
    try:
        sha256 = await h.run(stream.spool.finish)
    except BaseException:
        await h.run(stream.discard)
        raise
    synced = time.perf_counter()
    ds = await h.run(h.ws.datasets.adopt, stream.spool.path, stream.name, stream.fmt,
                     sha256=sha256)
    h.app.usage.add(stream.received)
    # How the time went, for clients and benchmarks (milliseconds, as Server-Timing says).
    h.set_header("Server-Timing", f"receive;dur={(received - stream.started) * 1e3:.1f}, "
                 f"sync;dur={(synced - received) * 1e3:.1f}, "
                 f"validate;dur={(time.perf_counter() - synced) * 1e3:.1f}")
    h.reply(ds.to_dict())


# -- resumable uploads -----------------------------------------------------------------------
async def start_upload(h: ApiHandler) -> None:
    body = h.body_model(m.UploadStart)
    name = file_name(body.filename)
    fmt = service.check_format(name, body.format, h.app.allowed_formats)
    # issue 17: its declared size is reserved from now on (the quota counts uploads/ by it)
    start = functools.partial(h.app.uploads.start, name, body.size, body.sha256,
                              body.format and fmt, h.app.max_upload_bytes)
    h.reply(await h.run(h.app.usage.admit, body.size, h.app.max_workspace_bytes, name, start))


async def list_uploads(h: ApiHandler) -> None:
    limit = service.page_limit(h.arg("limit"), 100)
    h.reply({"items": await h.run(h.app.uploads.in_progress, limit)})


async def get_upload(h: ApiHandler, upload_id: str) -> None:
    h.reply(await h.run(h.app.uploads.get, upload_id))


async def begin_part(h: DatasetsStreamHandler) -> PartStream:
    uploads = h.app.uploads
    upload_id = h.path_kwargs["upload_id"]
    meta = await h.run(uploads.get, upload_id)
    length = h.request.headers.get("Content-Length")
    start, end, total = parse_content_range(h.request.headers.get("Content-Range"),
                                            int(length) if length and length.isdigit() else None)
    if total != meta["size"]:
        raise TrainlabError("upload_size_mismatch", status=422, id=upload_id, expected=meta["size"],
                            detail=f"Content-Range says {total}")
    # No quota check here: the whole file's size is reserved since the upload started.
    if start != meta["offset"] or not uploads.claim(upload_id):  # busy: another part arrives
        raise TrainlabError("upload_offset_mismatch", status=409, id=upload_id,
                            offset=meta["offset"], start=start, details={"offset": meta["offset"]})
    # As for a whole upload: tornado's own cap (a bare 400) far above a chunked part, so
    # PartStream.feed answers a part longer than its Content-Range in the JSON format.
    h.request.connection.set_max_body_size(  # type: ignore[union-attr]
        end - start + 1 if length is not None else end - start + 2**30)
    return await PartStream.open(h, uploads.root / upload_id / "data", append=True, hash_it=False,
                                 limit=end - start, name=meta["filename"], uploads=uploads,
                                 upload_id=upload_id, start=start, end=end, total=total)


async def put_part(h: DatasetsStreamHandler, upload_id: str) -> None:
    stream = h.take_stream(PartStream)
    try:
        await h.run(stream.spool.finish)
        if stream.received != stream.end - stream.start:
            raise TrainlabError("bad_content_range", value=h.request.headers.get("Content-Range"))
    except BaseException:
        await h.run(stream.discard)
        raise
    try:  # busy until the dataset exists: a DELETE meanwhile is 409, not a half-moved file
        if stream.end < stream.total:
            h.reply(await h.run(h.app.uploads.get, upload_id))
            return
        ds = await h.run(h.app.uploads.complete, upload_id)
    finally:
        h.app.uploads.release(upload_id)
    h.reply(ds.to_dict(), 201, m.Dataset)  # the quota reserved its size at the start


async def cancel_upload(h: ApiHandler, upload_id: str) -> None:
    await h.run(h.app.uploads.cancel, upload_id)
    h.app.usage.forget()  # its reservation is gone: the quota walks again
    h.reply({"id": upload_id, "deleted": True})


# -- a file already on the server ------------------------------------------------------------
async def import_dataset(h: ApiHandler) -> None:
    body = h.body_model(m.ImportRequest)
    path = await h.run(service.resolve_import, h.app.root_dir, body.path, h.app.allow_hidden())
    name = file_name(body.name or path.name)
    fmt = service.check_format(name, body.format, h.app.allowed_formats)
    size = (await h.run(path.stat)).st_size
    hold = new_id("hold")  # issue 17: held while it is copied, as a body is
    await h.run(h.app.usage.reserve, hold, size, h.app.max_workspace_bytes, name)
    try:
        ds = await h.run(h.ws.datasets.add, path, name, fmt, max_bytes=h.app.max_upload_bytes)
        h.app.usage.add(size)
    finally:
        h.app.usage.release(hold)
    metrics.upload_bytes("import", ds.size_bytes)
    h.reply(ds.to_dict())
