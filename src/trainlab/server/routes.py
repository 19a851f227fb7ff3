"""The route table: every endpoint once, with its method, resource, models and errors.

Handlers are registered from it and the OpenAPI document is generated from it, so a route
cannot exist without being documented, and the documentation cannot name a model the
handler does not use.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

DATASETS = "trainlab:datasets"
JOBS = "trainlab:jobs"


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


@dataclass
class Op:
    method: str
    path: str                       # relative to {base_url}trainlab/api/, e.g. "jobs/{job_id}"
    fn: Callable[..., Any]
    resource: str
    summary: str
    status: int = 200
    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    more: dict[int, type[BaseModel]] = field(default_factory=dict)  # other success responses
    params: tuple[Param, ...] = ()
    errors: tuple[int, ...] = ()
    content: str | tuple[str, ...] = "application/json"  # of the success response

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.content,) if isinstance(self.content, str) else self.content
    body: str | None = None         # a raw request body's media type (streamed uploads)

    @property
    def pattern(self) -> str:
        return re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path)


ROUTES: list[Op] = []


def route(method: str, path: str, resource: str, summary: str, **kw: Any) -> Callable[..., Any]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        ROUTES.append(Op(method, path, fn, resource, summary, **kw))
        return fn
    return register


def paths() -> dict[str, dict[str, Op]]:
    """Path -> method -> op, literal paths before parametrised ones (``datasets/uploads``
    must win over ``datasets/{dataset_id}``)."""
    grouped: dict[str, dict[str, Op]] = {}
    for op in ROUTES:
        grouped.setdefault(op.path, {})[op.method] = op
    return dict(sorted(grouped.items(), key=lambda kv: ("{" in kv[0], kv[0].count("/") * -1, kv[0])))
