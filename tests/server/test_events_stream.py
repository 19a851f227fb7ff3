"""GET jobs/{id}/events on a queued job with no scheduler says so in the stream, and when the
client goes away the server stops polling within a second (issue 14, section 2, item 13)."""

from __future__ import annotations

import asyncio
import json
import socket
import time

from tests.server.test_jobs_api import csv_bytes
from tests.server.test_streaming_limits import call


def read_until_then_close(port: int, base: str, token: str, job_id: str, marker: bytes) -> bytes:
    """A real client: GET the stream, read until ``marker``, then close the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {base}trainlab/api/jobs/{job_id}/events HTTP/1.1\r\n"
                     f"Host: 127.0.0.1\r\nAuthorization: token {token}\r\n\r\n".encode())
        seen = b""
        while marker not in seen:
            chunk = sock.recv(65536)
            if not chunk:
                break
            seen += chunk
    return seen


async def test_a_queued_job_with_no_scheduler_says_so_and_a_disconnect_stops_polling(
        api, jp_http_port, jp_base_url, http_server, jp_serverapp, monkeypatch):
    from trainlab.server import service

    code, ds = await api("POST", "datasets", raw=csv_bytes(60), params={"filename": "h.csv"})
    code, job = await api("POST", "jobs", {"dataset_id": ds["id"], "task": "tabular",
                                           "columns": {"target": "label"}})
    assert code == 201 and job["status"] == "queued"

    polls: list[float] = []
    get_job = service.get_job

    def counting(*args, **kwargs):
        polls.append(time.monotonic())
        return get_job(*args, **kwargs)

    monkeypatch.setattr(service, "get_job", counting)
    token = jp_serverapp.identity_provider.token
    seen = await call(read_until_then_close, jp_http_port, jp_base_url, token, job["id"],
                      b"event: no_scheduler\ndata: ")
    closed = time.monotonic()
    text = seen.decode()
    assert "event: status" in text and "event: no_scheduler" in text
    assert polls, "the stream polled the job"
    await asyncio.sleep(2.0)
    late = [t for t in polls if t > closed + 1.0]
    assert late == [], f"{len(late)} polls more than a second after the client left"


async def test_the_no_scheduler_event_names_the_job_and_how_to_start_one(
        api, jp_http_port, jp_base_url, http_server, jp_serverapp):
    code, ds = await api("POST", "datasets", raw=csv_bytes(60), params={"filename": "h.csv"})
    code, job = await api("POST", "jobs", {"dataset_id": ds["id"], "task": "tabular",
                                           "columns": {"target": "label"}})
    token = jp_serverapp.identity_provider.token

    def read_event() -> dict:
        with socket.create_connection(("127.0.0.1", jp_http_port), timeout=5) as sock:
            sock.sendall(f"GET {jp_base_url}trainlab/api/jobs/{job['id']}/events HTTP/1.1\r\n"
                         f"Host: 127.0.0.1\r\nAuthorization: token {token}\r\n\r\n".encode())
            seen = b""
            while True:
                seen += sock.recv(65536)
                if b"event: no_scheduler\ndata: " in seen:
                    rest = seen.split(b"event: no_scheduler\ndata: ", 1)[1]
                    if b"\n" in rest:
                        return json.loads(rest.split(b"\n", 1)[0].split(b"\r\n")[0])
    data = await call(read_event)
    assert data["id"] == job["id"] and data["scheduler_alive"] is False
    assert "scheduler" in data["message"]
