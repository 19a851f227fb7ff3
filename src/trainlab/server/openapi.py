"""The OpenAPI 3.1 document, generated from the route table and its pydantic models."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic.json_schema import models_json_schema

from trainlab.server import models as m
from trainlab.server.operation import Op
from trainlab.version import __version__

REF = "#/components/schemas/{model}"
ERROR_TEXT = {400: "Bad request: a malformed body or query parameter.",
              403: "Not authenticated, not authorized, or a cookie-authenticated write without "
                   "the _xsrf token.",
              404: "No such dataset, job, upload or endpoint.",
              409: "Conflict with the current state (e.g. deleting a running job, an upload "
                   "part at the wrong offset: details.offset says where to continue).",
              413: "Larger than the server's max_upload_bytes.",
              415: "A file format this server does not accept.",
              422: "A well-formed request the data cannot satisfy (invalid dataset, unknown "
                   "field, a job spec that cannot run).",
              429: "Too many requests: over the write rate limit (rate_limited) or the queued-jobs "
                   "limit (too_many_jobs); Retry-After says when to try again.",
              500: "A bug in trainlab; the server log has the traceback.",
              503: "Not available now: the server is not ready (details.problems says why).",
              507: "The workspace's disk is full or not writable, or the upload would exceed "
                   "the workspace quota (quota_exceeded)."}


def _schemas(routes: Sequence[Op]) -> tuple[dict[tuple[type, str], Any], dict[str, Any]]:
    models = {m.ErrorBody}
    for op in routes:
        for model in (op.request, op.response, *op.more.values()):
            if model is not None:
                models.add(model)
    keys = [(model, mode) for model in sorted(models, key=lambda c: c.__name__)
            for mode in ("validation", "serialization")]
    refs, top = models_json_schema(keys, ref_template=REF, by_alias=True)
    return refs, top.get("$defs", {})


def _param(p: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": p.kind}
    if p.enum:
        schema["enum"] = list(p.enum)
    if p.minimum is not None:
        schema["minimum"] = p.minimum
    if p.maximum is not None:
        schema["maximum"] = p.maximum
    if p.kind == "string" and not p.enum:
        schema["maxLength"] = p.max_length
    if p.pattern:
        schema["pattern"] = p.pattern
    return {"name": p.name, "in": p.where, "required": p.required, "schema": schema,
            **({"description": p.description} if p.description else {})}


def _links(op: Op, routes: Sequence[Op]) -> dict[str, Any]:
    """OpenAPI links from the id ``op`` creates to the routes under what it creates."""
    if op.creates is None:
        return {}
    name = re.findall(r"\{(\w+)\}", op.creates)[-1]
    return {target.fn.__name__: {"operationId": target.fn.__name__,
                                 "parameters": {name: "$response.body#/id"}}
            for target in routes
            if (target.path + "/").startswith(op.creates + "/")
            and set(re.findall(r"\{(\w+)\}", target.path)) == {name}}


def _operation(op: Op, refs: dict[tuple[type, str], Any],
               routes: Sequence[Op] = ()) -> dict[str, Any]:
    path_params = re.findall(r"\{(\w+)\}", op.path)
    params = [{"name": n, "in": "path", "required": True,
               "schema": {"type": "string", "maxLength": 64}} for n in path_params]
    params += [_param(p) for p in op.params]
    success: dict[str, Any] = {"description": "Success."}
    if op.response is not None:
        success["content"] = {op.content: {"schema": refs[(op.response, "serialization")]}}
    elif op.content == "application/json":
        success["content"] = {op.content: {"schema": {"type": "object"}}}
    elif op.content == "text/event-stream":  # text, not a file
        success["content"] = {op.content: {"schema": {"type": "string"}}}
    else:
        success["content"] = {media: {"schema": {"type": "string", "format": "binary"}}
                              for media in op.media_types}
    if links := _links(op, routes):
        success["links"] = links
    responses: dict[str, Any] = {str(op.status): success}
    for status, model in op.more.items():
        responses[str(status)] = {"description": "Success.", "content": {
            "application/json": {"schema": refs[(model, "serialization")]}}}
    error = {"application/json": {"schema": refs[(m.ErrorBody, "serialization")]}}
    always = {403, 500} | ({413} if op.request is not None else set())  # a JSON body over 8 MiB
    always |= {429} if op.method != "GET" else set()  # the write rate limit (base.py, prepare)
    for status in sorted({*op.errors, *always}):
        responses[str(status)] = {"description": ERROR_TEXT[status], "content": error}
        if status == 429:
            responses["429"]["headers"] = {"Retry-After": {
                "description": "Whole seconds to wait.", "schema": {"type": "integer"}}}
    out: dict[str, Any] = {"summary": op.summary.split(". ")[0].rstrip("."),
                           "description": op.summary, "operationId": op.fn.__name__,
                           "tags": [op.path.split("/")[0].split(".")[0]],
                           "parameters": params, "responses": responses,
                           "security": [{"token": []}, {"cookie": []}]}
    if op.request is not None:
        out["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": refs[(op.request, "validation")]}}}
    elif op.body is not None:
        out["requestBody"] = {"required": True, "content": {
            op.body: {"schema": {"type": "string", "format": "binary"}}}}
    return out


def document(routes: Sequence[Op], base: str = "/trainlab/api/") -> dict[str, Any]:
    """The OpenAPI document for ``routes`` (the server's: ``routes.ROUTES``) under ``base``."""
    refs, schemas = _schemas(routes)
    paths: dict[str, Any] = {}
    for op in routes:
        paths.setdefault("/" + op.path, {})[op.method.lower()] = _operation(op, refs, routes)
    return {
        "openapi": "3.1.0",
        "info": {"title": "trainlab", "version": __version__,
                 "description": "Datasets and training jobs of a trainlab workspace. Every "
                 "endpoint needs a Jupyter token (Authorization: token ...) or a signed-in "
                 "session with the _xsrf token on writes. Errors are "
                 '{"error": {"code", "message", "details"}}, the message in the language '
                 "of Accept-Language (en, fa)."},
        "servers": [{"url": base.rstrip("/")}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {
            "token": {"type": "apiKey", "in": "header", "name": "Authorization",
                      "description": "'token <your Jupyter token>'"},
            "cookie": {"type": "apiKey", "in": "cookie", "name": "_xsrf"}}},
    }
