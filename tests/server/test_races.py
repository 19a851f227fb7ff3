"""Races that ended in 500 end in 404/409 (issue 14, 2.6). Each interleaving is forced with
events and hooks, never by sleeping and hoping."""

from __future__ import annotations

import asyncio
import threading

import pytest

from trainlab.server import service
from trainlab.server.uploads import Uploads

CSV = b"a,b\n1,2\n3,4\n"


def _uploads(jp_serverapp) -> Uploads:
    return jp_serverapp.extension_manager.extension_points["trainlab"].app.uploads


async def _wait_for(predicate, what: str) -> None:
    """Yield to the server until ``predicate()`` holds (a state, not a duration)."""
    for _ in range(20_000):
        if predicate():
            return
        await asyncio.sleep(0.001)
    raise AssertionError(f"never happened: {what}")


def hold(monkeypatch, owner, name: str) -> tuple[threading.Event, threading.Event]:
    """Make ``owner.name`` wait, once entered, until the returned gate is set: (entered, gate)."""
    entered, gate = threading.Event(), threading.Event()
    original = getattr(owner, name)

    def held(self, *args, **kwargs):
        entered.set()
        assert gate.wait(60)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, held)
    return entered, gate


async def last_part(api, monkeypatch, owner, name: str):
    """An upload of CSV whose single (last) part is being answered, held in ``owner.name``:
    (upload, the PUT's future, entered, gate)."""
    entered, gate = hold(monkeypatch, owner, name)
    code, up = await api("POST", "datasets/uploads", {"filename": "t.csv", "size": len(CSV)})
    put = asyncio.ensure_future(api("PUT", f"datasets/uploads/{up['id']}", raw=CSV,
                                    headers={"Content-Range": f"bytes 0-{len(CSV) - 1}/{len(CSV)}"}))
    return up, put, entered, gate


async def test_delete_while_the_last_part_completes_is_409_and_the_upload_completes(
        api, jp_serverapp, monkeypatch, workspace_dir):
    up, last, entered, gate = await last_part(api, monkeypatch, Uploads, "complete")
    loop = asyncio.get_running_loop()
    try:
        assert await loop.run_in_executor(None, entered.wait, 30)
        code, body = await api("DELETE", f"datasets/uploads/{up['id']}")
        assert code == 409 and body["error"]["code"] == "upload_busy", body
    finally:
        gate.set()
    code, ds = await last
    assert code == 201 and ds["rows"] == 2, ds
    code, body = await api("DELETE", f"datasets/uploads/{up['id']}")
    assert code == 404 and body["error"]["code"] == "upload_not_found"


async def test_while_the_dataset_is_made_the_upload_reads_whole_then_the_dataset_exists(
        api, monkeypatch) -> None:
    """A client that lost the last part's answer asks for the upload: until the dataset exists
    it reads complete (offset = size, not 404), and once it is 404 the dataset is there."""
    from trainlab.datasets.dataset import DatasetStore

    up, last, entered, gate = await last_part(api, monkeypatch, DatasetStore, "adopt")
    loop = asyncio.get_running_loop()
    try:
        assert await loop.run_in_executor(None, entered.wait, 30)
        code, state = await api("GET", f"datasets/uploads/{up['id']}")
        assert code == 200 and state["offset"] == state["size"] == len(CSV), state
    finally:
        gate.set()
    code, ds = await last
    assert code == 201 and ds["rows"] == 2, ds
    code, body = await api("GET", f"datasets/uploads/{up['id']}")
    assert code == 404 and body["error"]["code"] == "upload_not_found"
    code, listed = await api("GET", "datasets", params={"name": "t"})
    assert [d["id"] for d in listed["items"]] == [ds["id"]]


async def test_delete_while_a_part_arrives_is_409_upload_busy(
        api, jp_serverapp, http_server_client, jp_auth_header, jp_base_url):
    uploads = _uploads(jp_serverapp)
    code, up = await api("POST", "datasets/uploads", {"filename": "t.csv", "size": len(CSV)})
    resume = asyncio.Event()

    async def body(write):
        await write(CSV[:5])
        await resume.wait()
        await write(CSV[5:])

    url = jp_base_url.rstrip("/") + f"/trainlab/api/datasets/uploads/{up['id']}"
    part = asyncio.ensure_future(http_server_client.fetch(
        url, method="PUT", body_producer=body, request_timeout=60,
        headers={**jp_auth_header, "Content-Range": f"bytes 0-{len(CSV) - 1}/{len(CSV)}",
                 "Content-Length": str(len(CSV))}))
    try:
        await _wait_for(lambda: up["id"] in uploads.busy, "the part is arriving")
        code, err = await api("DELETE", f"datasets/uploads/{up['id']}")
        assert code == 409 and err["error"]["code"] == "upload_busy", err
        assert "being received" in err["error"]["message"]
    finally:
        resume.set()
    response = await part
    assert response.code == 201


@pytest.mark.parametrize("path", ["report", "preview", "profile", "file"])
async def test_reading_a_dataset_deleted_meanwhile_is_404(api, monkeypatch, path):
    code, ds = await api("POST", "datasets", raw=CSV, params={"filename": "t.csv"})
    assert code == 201
    found = service.get_dataset

    def then_deleted(ws, dataset_id):  # the DELETE lands between the lookup and the reading
        dataset = found(ws, dataset_id)
        ws.datasets.delete(dataset_id)
        return dataset

    monkeypatch.setattr(service, "get_dataset", then_deleted)
    code, body = await api("GET", f"datasets/{ds['id']}/{path}")
    assert code == 404, body
    assert body["error"]["code"] == "dataset_not_found"


async def test_a_missing_file_of_a_dataset_that_still_exists_is_not_hidden_as_404(
        api, workspace_dir):
    """Only a deletion becomes 404: a file lost under a live dataset stays a fault."""
    code, ds = await api("POST", "datasets", raw=CSV, params={"filename": "t.csv"})
    (workspace_dir / "datasets" / ds["id"] / "report.json").unlink()
    code, body = await api("GET", f"datasets/{ds['id']}/report")
    assert code == 500 and body["error"]["code"] == "internal_error"
