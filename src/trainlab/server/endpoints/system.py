"""The server's own endpoints: its health, the API's OpenAPI document, and the pretrained
models in its local Hugging Face cache."""

from __future__ import annotations

from trainlab.server import health as checks
from trainlab.server import service
from trainlab.server.base import ApiHandler


async def health(h: ApiHandler) -> None:
    gate = checks.gate_checks(h.arg("checks"))
    h.reply(await h.run(checks.health, h.ws, await h.run(h.app.server_state), gate))


async def openapi(h: ApiHandler) -> None:
    h.reply(h.app.openapi_document(h.base))  # built from the route table, which names this


async def cached_models(h: ApiHandler) -> None:
    h.reply(await h.run(service.cached_models))  # scan_cache_dir reads the disk: off the loop
