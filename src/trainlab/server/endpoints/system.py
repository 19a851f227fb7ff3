"""The server's own endpoints: its health, and the API's OpenAPI document."""

from __future__ import annotations

from trainlab.server import service
from trainlab.server.base import ApiHandler


async def health(h: ApiHandler) -> None:
    h.reply(await h.run(service.health, h.ws, h.app.scheduler_alive()))


async def openapi(h: ApiHandler) -> None:
    h.reply(h.app.openapi_document(h.base))  # built from the route table, which names this
