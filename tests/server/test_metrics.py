"""trainlab's Prometheus metrics at jupyter_server's ``/metrics``: scraped while a job runs and
after jobs end, and after uploads that fail, parsed with prometheus_client's own parser.

The counters and histograms are process-wide (every test server of the suite shares them), so
the test compares each with its value before; the gauges read this server's workspace."""

from __future__ import annotations

import asyncio
import hashlib
import re
import socket
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.server.test_datasets_api import leftovers
from tests.server.test_jobs_api import csv_bytes
from tests.server.test_streaming_limits import call, exchange, head

CONFIG = {"run_scheduler": True, "prewarm_worker": False, "max_concurrent_jobs": 2}
SLOW = {"epochs": 400, "batch_size": 16, "early_stopping": None, "checkpoint_every": 20,
        "log_every": 1}
FAST = {"max_steps": 5, "batch_size": 32}


async def scrape(jp_fetch) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics: (name, sorted labels) -> value."""
    response = await jp_fetch("metrics", method="GET")
    assert response.code == 200
    out = {}
    for family in text_string_to_metric_families(response.body.decode()):
        for sample in family.samples:
            out[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return out


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def wait_for(predicate, timeout: float = 120.0):
    """Poll an async predicate until it is truthy (the bound only stops a broken build)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = await predicate()
        if result:
            return result
        await asyncio.sleep(0.1)
    raise AssertionError("timed out waiting")


async def submit(api, dataset_id: str, params: dict) -> str:
    code, job = await api("POST", "jobs", {"dataset_id": dataset_id, "task": "tabular",
                                           "columns": {"target": "label"}, "params": params})
    assert code == 201, job
    return job["id"]


@pytest.mark.parametrize("trainlab_config", [CONFIG], ids=["scheduler"])
async def test_metrics_while_a_job_runs_and_after_jobs_end(api, jp_fetch, app):
    before = await scrape(jp_fetch)
    # -- uploads: a whole body, a resumable upload in one part, and one refused --------------
    body = csv_bytes(300)
    code, ds = await api("POST", "datasets", raw=body, params={"filename": "a.csv"})
    assert code == 201, ds
    part = csv_bytes(120)
    code, up = await api("POST", "datasets/uploads", {"filename": "b.csv", "size": len(part),
                                                      "sha256": hashlib.sha256(part).hexdigest()})
    assert code == 201, up
    code, ds2 = await api("PUT", f"datasets/uploads/{up['id']}", raw=part,
                          headers={"Content-Range": f"bytes 0-{len(part) - 1}/{len(part)}"})
    assert code == 201, ds2
    code, refused = await api("POST", "datasets", raw=b"x,y\n1,2\n", params={"filename": "c.exe"})
    assert code == 422, refused  # refused before a byte of its body is read
    reason = refused["error"]["code"]
    # -- two jobs at once: a slow one that runs, a fast one that completes -------------------
    slow = await submit(api, ds["id"], SLOW)
    fast = await submit(api, ds["id"], FAST)

    async def fast_done_slow_reporting():
        _, a = await api("GET", f"jobs/{slow}")
        _, b = await api("GET", f"jobs/{fast}")
        return (b["status"] == "completed" and a["status"] == "running"
                and (a["progress"]["samples_per_s"] or 0) > 0)

    await wait_for(fast_done_slow_reporting)

    async def fast_reaped():  # the scheduler counts an end once it has reaped the process
        now = await scrape(jp_fetch)
        ended = (value(now, "trainlab_job_ends_total", result="completed")
                 - value(before, "trainlab_job_ends_total", result="completed"))
        return now if ended >= 1 else None

    during = await wait_for(fast_reaped)

    def delta(name: str, **labels: str) -> float:
        return value(during, name, **labels) - value(before, name, **labels)

    # gauges, from the workspace
    assert value(during, "trainlab_jobs", status="running") == 1
    assert value(during, "trainlab_jobs", status="completed") == 1
    assert value(during, "trainlab_jobs", status="failed") == 0  # every status, 0 included
    assert value(during, "trainlab_job_samples_per_second", job=slow) > 0
    assert ("trainlab_job_samples_per_second", (("job", fast),)) not in during  # ended
    assert value(during, "trainlab_datasets") == 2
    assert value(during, "trainlab_dataset_bytes") == ds["size_bytes"] + ds2["size_bytes"]
    # counters and histograms, by how much they moved
    assert delta("trainlab_upload_bytes_total", kind="body") == len(body)
    assert delta("trainlab_upload_bytes_total", kind="part") == len(part)
    assert delta("trainlab_upload_failures_total", reason=reason) == 1
    assert delta("trainlab_job_starts_total") == 2
    assert delta("trainlab_job_ends_total", result="completed") == 1
    assert delta("trainlab_job_duration_seconds_count") == 1
    assert delta("trainlab_job_queue_seconds_count") == 2
    assert delta("trainlab_request_duration_seconds_count", route="datasets", method="POST",
                 status="201") == 1
    assert delta("trainlab_request_duration_seconds_count", route="datasets", method="POST",
                 status="422") == 1
    assert delta("trainlab_request_duration_seconds_count",
                 route="datasets/uploads/{upload_id}", method="PUT", status="201") == 1
    assert delta("trainlab_request_duration_seconds_count", route="jobs/{job_id}",
                 method="GET", status="200") >= 2
    routes = {dict(labels).get("route") for (name, labels) in during
              if name.startswith("trainlab_request_duration_seconds")}
    assert routes >= {"datasets", "datasets/uploads/{upload_id}", "jobs/{job_id}"}, routes
    assert not any(re.search(r"_[0-9a-z]{26}", r) for r in routes), routes  # templates, no ids
    # jupyter_server's own metrics are still there: one registry
    assert any(name.startswith("http_request_duration_seconds") for name, _ in during)

    # -- the slow one is stopped: its end is counted by result ----------------------------------
    code, _ = await api("POST", f"jobs/{slow}/stop")
    assert code == 200

    async def slow_reaped():
        now = await scrape(jp_fetch)
        ended = (value(now, "trainlab_job_ends_total", result="stopped")
                 - value(before, "trainlab_job_ends_total", result="stopped"))
        return now if ended >= 1 else None

    after = await wait_for(slow_reaped)
    assert value(after, "trainlab_jobs", status="running") == 0
    assert value(after, "trainlab_jobs", status="stopped") == 1
    assert ("trainlab_job_samples_per_second", (("job", slow),)) not in after
    assert (value(after, "trainlab_job_duration_seconds_count")
            - value(before, "trainlab_job_duration_seconds_count")) == 2


@pytest.mark.parametrize("trainlab_config", [{"max_upload_bytes": 100_000, "run_scheduler": False,
                                              "prewarm_worker": False}], ids=["limit"])
async def test_upload_failures_are_counted_by_reason(jp_fetch, jp_http_port, jp_base_url,
                                                     http_server, jp_serverapp, workspace_dir,
                                                     trainlab_config):
    token = jp_serverapp.identity_provider.token
    before = await scrape(jp_fetch)
    # a chunked body that outgrows the limit: cut off mid-body with 413 too_large
    line = b"1,2,3\n" * 20_000  # one chunk past the limit
    chunk = f"{len(line):x}\r\n".encode() + line + b"\r\n"
    parts = [f"{6}\r\n".encode() + b"a,b,c\n\r\n"] + [chunk] * 3
    status, body = await call(exchange, jp_http_port, head(jp_base_url, token, None), parts)
    assert status == 413 and body["error"]["code"] == "too_large"

    def half_then_hang_up() -> None:  # a client gone mid-body gets no answer at all
        with socket.create_connection(("127.0.0.1", jp_http_port), timeout=10) as sock:
            sock.sendall(head(jp_base_url, token, 90_000).encode())
            sock.sendall(b"a,b\n" + b"1,2\n" * 5_000)
            deadline = time.monotonic() + 120  # the bound only stops a broken build
            while not leftovers(workspace_dir):  # the spool's file: the server reads the body
                assert time.monotonic() < deadline, "the server never began the body"
                time.sleep(0.02)

    await call(half_then_hang_up)

    async def both_counted():
        now = await scrape(jp_fetch)
        moved = {reason: value(now, "trainlab_upload_failures_total", reason=reason)
                 - value(before, "trainlab_upload_failures_total", reason=reason)
                 for reason in ("too_large", "client_gone")}
        return now if moved == {"too_large": 1, "client_gone": 1} else None

    after = await wait_for(both_counted)
    received = (value(after, "trainlab_upload_bytes_total", kind="body")
                - value(before, "trainlab_upload_bytes_total", kind="body"))
    assert received > 100_000  # the cut-off body's bytes up to the limit, and some of the other
    assert (value(after, "trainlab_request_duration_seconds_count", route="datasets",
                  method="POST", status="413")
            - value(before, "trainlab_request_duration_seconds_count", route="datasets",
                    method="POST", status="413")) == 1


async def test_made_up_methods_add_no_series(jp_fetch, http_server_client, jp_base_url,
                                             jp_auth_header) -> None:
    # Anyone who reaches the port could otherwise grow the histogram by a series per method.
    from tornado.httpclient import HTTPClientError

    async def send(method: str, path: str, headers: dict) -> int:
        try:
            response = await http_server_client.fetch(
                jp_base_url.rstrip("/") + "/trainlab/api/" + path, method=method,
                headers=headers, allow_nonstandard_methods=True, raise_error=False)
        except HTTPClientError as exc:
            return exc.code
        return response.code

    def series(samples) -> set:
        return {labels for name, labels in samples
                if name == "trainlab_request_duration_seconds_count"}

    before = await scrape(jp_fetch)
    codes = [await send(f"ZZMETHOD{i}", "health", {}) for i in range(5)]
    codes += [await send(f"ZZMETHOD{i}", "no/such/route", {}) for i in range(5)]
    codes += [await send(f"ZZAUTH{i}", "health", jp_auth_header) for i in range(3)]
    codes += [await send("PATCH", "jobs", jp_auth_header)]
    assert all(code in (403, 404, 405) for code in codes), codes
    after = await scrape(jp_fetch)
    methods = {dict(labels)["method"] for labels in series(after) - series(before)}
    assert methods <= {"GET", "POST", "PUT", "DELETE", "other"}, methods
    assert not any(dict(labels)["method"].startswith("ZZ") for labels in series(after))
