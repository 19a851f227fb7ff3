"""What one route declares: its method and path, the endpoint that answers it, the resource it
is authorized for, its pydantic models and the errors it may answer.

The route table (:mod:`trainlab.server.routes`) is a list of these; the handlers dispatch on
them and the OpenAPI document is generated from them.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

DATASETS = "trainlab:datasets"
JOBS = "trainlab:jobs"
METHODS = ("GET", "POST", "PUT", "DELETE")  # the HTTP methods a route may have (metrics' labels)


@dataclass(frozen=True)
class Param:
    name: str
    kind: str = "string"            # string | integer | boolean
    description: str = ""
    required: bool = False
    enum: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    where: str = "query"            # query | header
    pattern: str | None = None      # a string's regular expression (OpenAPI pattern)
    max_length: int = 1024          # a string's (every query parameter is cut off there)


@dataclass
class Op:
    method: str
    path: str                       # relative to {base_url}trainlab/api/, e.g. "jobs/{job_id}"
    fn: Callable[..., Awaitable[None]]
    resource: str
    summary: str
    status: int = 200
    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    more: dict[int, type[BaseModel]] = field(default_factory=dict)  # other success responses
    params: tuple[Param, ...] = ()
    errors: tuple[int, ...] = ()
    content: str | tuple[str, ...] = "application/json"  # of the success response
    body: str | None = None         # a raw request body's media type (streamed uploads)
    # A streamed body's opener: run after authorization and before a byte of the body is
    # accepted, it returns the BodyStream the body is fed into (trainlab.server.streaming).
    begin: Callable[[Any], Awaitable[Any]] | None = None
    # The resource its success answer creates, as a path ("jobs/{job_id}"): the document
    # links the answer's id to every route under it (what a stateful client follows).
    creates: str | None = None
    # Whether a request counts as the user's activity (jupyter_server's api_last_activity,
    # which JupyterHub's idle culler reads): off for a probe that polls (GET health).
    track_activity: bool = True

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"{self.method} {self.path}: the method is not one of {METHODS}")
        if (self.body is None) != (self.begin is None):
            raise ValueError(f"{self.method} {self.path}: a streamed body needs both body and begin")

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.content,) if isinstance(self.content, str) else self.content

    @property
    def pattern(self) -> str:
        return re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path)
