"""The endpoints that read and delete datasets (how files come in: :mod:`.uploads`)."""

from __future__ import annotations

from trainlab.server import models_sidebar as ms
from trainlab.server import service
from trainlab.server.base import ApiHandler

STATUSES = ("valid", "invalid")
MEDIA_TYPES = {"csv": "text/csv", "json": "application/json", "jsonl": "application/x-ndjson",
               "parquet": "application/vnd.apache.parquet"}


async def list_datasets(h: ApiHandler) -> None:
    status = service.choice_param("status", h.arg("status"), STATUSES)
    limit = service.page_limit(h.arg("limit"))
    cursor = service.cursor_param(h.arg("cursor"), "ds")
    h.reply(await h.run(service.dataset_page, h.ws, status, h.arg("name"), limit, cursor))


async def get_dataset(h: ApiHandler, dataset_id: str) -> None:
    ds = await h.run(service.get_dataset, h.ws, dataset_id)
    h.reply(ds.to_dict())


async def report(h: ApiHandler, dataset_id: str) -> None:
    offset = service.int_param("offset", h.arg("offset"), 0, 0, 10**9)
    limit = service.page_limit(h.arg("limit"), 100)
    h.reply(await h.run(service.report_page, h.ws, dataset_id, offset, limit, h.lang))


async def preview(h: ApiHandler, dataset_id: str) -> None:
    offset = service.int_param("offset", h.arg("offset"), 0, 0, 10**12)
    limit = service.page_limit(h.arg("limit"), 20)
    h.reply(await h.run(service.preview, h.ws, dataset_id, offset, limit))


async def profile(h: ApiHandler, dataset_id: str) -> None:
    h.reply(await h.run(service.profile, h.ws, dataset_id, h.arg("label") or None))


async def check(h: ApiHandler, dataset_id: str) -> None:
    body = h.body_model(ms.CheckRequest)
    h.reply(await h.run(service.check, h.ws, dataset_id, body.task, dict(body.columns), h.lang))


async def histograms(h: ApiHandler, dataset_id: str) -> None:
    offset = service.int_param("offset", h.arg("offset"), 0, 0, 10**6)
    limit = service.page_limit(h.arg("limit"), 100)
    h.reply(await h.run(service.histogram_page, h.ws, dataset_id, offset, limit))


async def dataset_file(h: ApiHandler, dataset_id: str) -> None:
    ds = await h.run(service.get_dataset, h.ws, dataset_id)
    h.set_header("ETag", f'"{ds.sha256}"')
    try:  # once open, the file is read whole even if a DELETE lands meanwhile
        await h.send_file(ds.path, ds.name, MEDIA_TYPES[ds.format])
    except FileNotFoundError:
        await h.run(h.ws.datasets.get, ds.id)  # deleted meanwhile: 404
        raise


async def delete_dataset(h: ApiHandler, dataset_id: str) -> None:
    force = service.choice_param("force", h.arg("force"), ("true", "false")) == "true"
    await h.run(h.ws.datasets.delete, service.check_id(dataset_id, "ds", "dataset_not_found"),
                force)
    h.app.usage.forget()  # its files are gone: the quota walks again
    h.reply({"id": dataset_id, "deleted": True})
