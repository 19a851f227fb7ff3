"""The handler every route goes through: dispatch to the route's endpoint, the helpers an
endpoint uses (query parameters, JSON bodies, the thread pool, replies, files), and the one
place where errors become HTTP answers, :meth:`ApiHandler.write_error`.

Every method of every handler is ``@web.authenticated`` and ``@authorized`` for its class's
resource (``trainlab:datasets`` or ``trainlab:jobs``); streamed bodies authorize earlier, in
``prepare()`` (:mod:`trainlab.server.streaming`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import math
import traceback
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from pydantic import BaseModel, ValidationError
from tornado import web
from tornado.iostream import StreamClosedError

from trainlab import i18n
from trainlab.errors import TrainlabError
from trainlab.server import metrics
from trainlab.server.operation import DATASETS, JOBS, Op
from trainlab.workspace import new_id

log = logging.getLogger("trainlab.server")
MAX_JSON_BODY = 8 * 1024 * 1024
MAX_JSON_DEPTH = 64             # arrays and objects inside each other; no request needs more
INT64 = (-(2**63), 2**63 - 1)   # what SQLite, numpy and torch hold
STATUS_CODES = {400: "bad_request", 404: "route_not_found", 405: "method_not_allowed",
                413: "too_large"}
WRITES = ("POST", "PUT", "PATCH", "DELETE")  # the methods the write rate limit counts

_encoder = msgspec.json.Encoder(enc_hook=str)


def encode(data: Any) -> bytes:
    """JSON bytes (msgspec: fast, and NaN/inf become null)."""
    return _encoder.encode(data)


def parse_json(raw: bytes, base: str = "") -> Any:
    """A request body as JSON that every layer below can hold: nested at most
    :data:`MAX_JSON_DEPTH` deep, text that encodes (no lone surrogates), integers in 64 bits
    and finite numbers. Anything else is a 400/422 naming where it is."""
    try:
        data = json.loads(raw or b"null")
    except RecursionError:  # deeper than the parser's own stack allows
        raise TrainlabError("json_too_deep", limit=MAX_JSON_DEPTH) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise TrainlabError("bad_request", detail=f"the body is not JSON ({exc})") from None
    check_json(data, base)
    return data


def _field(where: tuple[Any, ...]) -> str:
    text = ".".join(str(p) for p in where) or "body"
    return text.encode("utf-8", "backslashreplace").decode()[:200]


def _check_text(text: str, where: tuple[Any, ...]) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise TrainlabError("invalid_unicode", field=_field(where),
                            char=f"\\u{ord(text[exc.start]):04x}") from None


def check_json(data: Any, base: str = "") -> None:
    """Walk parsed JSON (without recursion) for what :func:`parse_json` refuses."""
    stack: list[tuple[Any, tuple[Any, ...], int]] = [(data, (), 0)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value, where)
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if not INT64[0] <= value <= INT64[1]:
                raise TrainlabError("invalid_request", status=422, field=_field(where), base=base,
                                    detail=f"a whole number from {INT64[0]} to {INT64[1]}")
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise TrainlabError("invalid_request", status=422, field=_field(where), base=base,
                                    detail="a number too large for a 64-bit float")
        elif isinstance(value, (list, dict)):
            if depth >= MAX_JSON_DEPTH:
                raise TrainlabError("json_too_deep", limit=MAX_JSON_DEPTH)
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    _check_text(key, (*where, key))
                stack.append((item, (*where, key), depth + 1))


@contextlib.contextmanager
def input_guard() -> Iterator[None]:
    """The one guard around parsing and validating a request's input: an exception that
    is not a :class:`TrainlabError` raised there is the client's input the parser could not
    take, answered 400 with a reference the log has the traceback under (a bug after the
    input is validated stays a 500, see :meth:`ApiHandler.write_error`)."""
    try:
        yield
    except TrainlabError:
        raise
    except Exception as exc:
        ref = new_id("err")
        log.warning("trainlab: unreadable input %s\n%s", ref,
                    "".join(traceback.format_exception(exc)))
        raise TrainlabError("input_unreadable", kind=type(exc).__name__, ref=ref) from None


class ApiHandler(APIHandler):
    """Dispatch to the op registered for (path, method); JSON errors; the thread pool."""

    def initialize(self, ops: dict[str, Op], app: Any) -> None:
        self.ops = ops
        self.app = app
        self.client_gone = asyncio.Event()  # set when the client closes the connection
        self.authenticated = False  # prepare() found a user (the metrics record only then)

    def on_connection_close(self) -> None:
        self.client_gone.set()
        super().on_connection_close()

    def on_finish(self) -> None:
        metrics.observe_request(self)  # issue 17: latency per route, upload failures
        super().on_finish()

    def update_api_activity(self) -> None:
        """Count the request as the user's activity unless its route says it is not one (a
        probe polling ``GET health`` must not keep an idle server from being culled)."""
        op = self.op
        if op is None or op.track_activity:
            super().update_api_activity()

    # -- helpers the endpoints use ---------------------------------------------------------
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
            self.app.pool, functools.partial(fn, *args, **kwargs))

    def arg(self, name: str) -> str | None:
        value = self.get_query_argument(name, None)
        if value is not None and len(value) > 1024:
            raise TrainlabError("invalid_query", name=name, detail="longer than 1024 characters")
        return value

    def body_bytes(self) -> bytes:
        return self.request.body

    def body_model(self, model: type[BaseModel]) -> Any:
        raw = self.body_bytes()
        if len(raw) > MAX_JSON_BODY:
            raise TrainlabError("too_large", status=413, name="request body", limit=MAX_JSON_BODY,
                                size=len(raw))
        with input_guard():
            data = parse_json(raw, self.base)
            try:
                return model.model_validate(data)
            except ValidationError as exc:
                first = exc.errors()[0]
                raise TrainlabError("invalid_request", status=422, field=_field(first["loc"]),
                                    detail=first["msg"], base=self.base) from None

    def reply(self, data: Any, status: int | None = None, model: type[BaseModel] | None = None
              ) -> None:
        """Answer JSON. With the app's ``validate_responses`` (on in the test suite) every
        answer is first checked against the model the OpenAPI document promises."""
        op = self.op
        model = model or (op.response if op else None)
        if model is not None and self.app.validate_responses and isinstance(data, dict):
            data = model.model_validate(data).model_dump(mode="json", by_alias=True)
        self.set_status(status or (op.status if op else 200))
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(encode(data))

    async def send_file(self, path: Path, filename: str, content_type: str) -> None:
        """Stream a file as an attachment, a MiB at a time, off the event loop."""
        size = (await self.run(path.stat)).st_size
        self.set_header("Content-Type", content_type)
        self.set_header("Content-Length", str(size))
        quoted = urllib.parse.quote(filename)
        ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_")
        self.set_header("Content-Disposition",
                        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}")
        handle = await self.run(open, path, "rb")
        try:
            while chunk := await self.run(handle.read, 1024 * 1024):
                self.write(chunk)
                await self.flush()
        except StreamClosedError:
            return
        finally:
            await self.run(handle.close)
        self.finish()

    def auth_action(self) -> str:
        return {"GET": "read", "HEAD": "read"}.get(self.request.method or "", "write")

    # -- dispatch --------------------------------------------------------------------------
    async def prepare(self) -> None:  # type: ignore[override]
        """After authentication, before the endpoint (and before a streamed body): a write to a
        trainlab route spends one of the user's tokens (issue 17: 429 ``rate_limited``)."""
        await super().prepare()
        self.authenticated = bool(self.current_user)
        if self.current_user and self.op is not None and self.request.method in WRITES:
            self.app.rate_limiter.check(self.rate_key())

    def rate_key(self) -> str:
        """Whose bucket a write spends: the user's name. Every request made with the server's
        own token is one user's (jupyter_server names each such request afresh, anonymously).
        A server without authentication makes every request a new anonymous user, so there
        the client's address is the key."""
        if not self.identity_provider.auth_enabled:
            return f"(address {self.request.remote_ip})"
        token = self.token
        if token and self.identity_provider.get_token(self) == token:
            return "(the server's token)"
        user = self.current_user
        return getattr(user, "username", None) or str(user)

    async def call_endpoint(self, **path: str) -> None:
        op = self.op
        if op is None:
            raise web.HTTPError(405)
        await op.fn(self, **path)

    # -- errors, in one place ----------------------------------------------------------------
    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, TrainlabError):
            error = exc
        elif isinstance(exc, web.HTTPError) or exc is None:
            status = exc.status_code if exc is not None else status_code
            if status == 403:
                error = (TrainlabError("forbidden", status=403, action=self.auth_action(),
                                       resource=self.op.resource if self.op else "trainlab")
                         if self.current_user else TrainlabError("not_authenticated", status=403))
            elif status == 405:
                self.set_header("Allow", ", ".join(sorted(self.ops)))
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
        self.trainlab_error = error.code  # for the metrics (on_finish)
        self.set_status(error.status)
        retry = error.params.get("retry_after")
        if isinstance(retry, int) and error.status in (429, 503):
            self.set_header("Retry-After", str(retry))
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(encode(error.to_dict(self.lang)))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, (TrainlabError, web.HTTPError)):
            return  # expected: answered with its status, not a server fault
        super().log_exception(typ, value, tb)


# One class per resource, each method authenticated and authorized for it. The resource is
# spelled out in each decorator: jupyter_server's @authorized keeps the first resource it
# looks up, so one method shared by both classes would authorize both for the same one.
class DatasetsHandler(ApiHandler):
    """The routes of ``trainlab:datasets``."""

    @web.authenticated
    @authorized(resource=DATASETS)
    async def get(self, **path: str) -> None:
        await self.call_endpoint(**path)

    @web.authenticated
    @authorized(resource=DATASETS)
    async def post(self, **path: str) -> None:
        await self.call_endpoint(**path)

    @web.authenticated
    @authorized(resource=DATASETS)
    async def put(self, **path: str) -> None:
        await self.call_endpoint(**path)

    @web.authenticated
    @authorized(resource=DATASETS)
    async def delete(self, **path: str) -> None:
        await self.call_endpoint(**path)


class JobsHandler(ApiHandler):
    """The routes of ``trainlab:jobs`` (and the server's own: health, this document)."""

    @web.authenticated
    @authorized(resource=JOBS)
    async def get(self, **path: str) -> None:
        await self.call_endpoint(**path)

    @web.authenticated
    @authorized(resource=JOBS)
    async def post(self, **path: str) -> None:
        await self.call_endpoint(**path)

    @web.authenticated
    @authorized(resource=JOBS)
    async def put(self, **path: str) -> None:
        await self.call_endpoint(**path)

    @web.authenticated
    @authorized(resource=JOBS)
    async def delete(self, **path: str) -> None:
        await self.call_endpoint(**path)


class NotFoundHandler(JobsHandler):
    """Anything else under trainlab/api/: a JSON 404 (after authentication)."""

    async def call_endpoint(self, **path: str) -> None:
        raise web.HTTPError(404)
