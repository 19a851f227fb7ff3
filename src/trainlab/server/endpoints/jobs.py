"""The endpoints of training jobs: list, submit, follow (metrics, logs, events), stop,
resume, delete, and use the trained model (download, predict, evaluate)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Callable
from typing import Any

from tornado.iostream import StreamClosedError

from trainlab import i18n
from trainlab.jobs.records import JobStatus
from trainlab.server import metric_cursor, service
from trainlab.server import models as m
from trainlab.server.base import ApiHandler, encode
from trainlab.server.quotas import within_queue

STATUSES = tuple(s.value for s in JobStatus)
EVENT_POLL_S = 0.5
KEEPALIVE_S = 15.0
MAX_POINTS = 100_000  # of GET jobs/{id}/metrics?max_points=


async def list_jobs(h: ApiHandler) -> None:
    status = service.choice_param("status", h.arg("status"), STATUSES)
    limit = service.page_limit(h.arg("limit"))
    cursor = service.cursor_param(h.arg("cursor"), "job")
    # Unvalidated answers pass the JSON columns through undecoded (msgspec.Raw): faster.
    h.reply(await h.run(service.job_page, h.ws, status, limit, cursor,
                        not h.app.validate_responses, h.lang))


async def submit_job(h: ApiHandler) -> None:
    spec = h.body_model(m.JobSpec)
    job = await h.run(within_queue, h.app.queue_lock, h.ws.jobs.active_counts,  # issue 17: 429
                      h.app.max_jobs_queued, functools.partial(h.ws.jobs.submit, spec, warn=False))
    job = await h.run(service.get_job, h.ws, job.id, h.lang)  # the note in the caller's words
    h.reply(service.json_value(job.to_dict()))


async def get_job(h: ApiHandler, job_id: str) -> None:
    job = await h.run(service.get_job, h.ws, job_id, h.lang)
    h.reply(service.json_value(job.to_dict()))


async def stop_job(h: ApiHandler, job_id: str) -> None:
    await _job_action(h, h.ws.jobs.stop, job_id)


async def resume_job(h: ApiHandler, job_id: str) -> None:
    """A resume queues the job again, so ``max_jobs_queued`` applies as to ``POST jobs`` (429);
    an unknown job is still 404, and one already queued or running the action's 409."""
    limit = 0
    if h.app.max_jobs_queued:
        job = await h.run(service.get_job, h.ws,
                          service.check_id(job_id, "job", "job_not_found"), h.lang)
        if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            limit = h.app.max_jobs_queued
    await _job_action(h, lambda job_id: within_queue(
        h.app.queue_lock, h.ws.jobs.active_counts, limit,
        functools.partial(h.ws.jobs.resume, job_id)), job_id)


async def _job_action(h: ApiHandler, action: Callable[[str], Any], job_id: str) -> None:
    """stop / resume: the job as it is after the action (404, 409 from the action itself)."""
    job = await h.run(action, service.check_id(job_id, "job", "job_not_found"))
    job = await h.run(service.get_job, h.ws, job.id, h.lang)  # the note in the caller's words
    h.reply(service.json_value(job.to_dict()))


async def delete_job(h: ApiHandler, job_id: str) -> None:
    await h.run(h.ws.jobs.delete, service.check_id(job_id, "job", "job_not_found"))
    h.app.usage.forget()  # its files are gone: the quota walks again
    h.reply({"id": job_id, "deleted": True})


async def job_metrics(h: ApiHandler, job_id: str) -> None:
    since = service.int_param("since_step", h.arg("since_step"), 0, 0, 2**62)
    most = h.arg("max_points")  # given empty (?max_points=) is 400 too
    most = service.int_param("max_points", most, 0, 2, MAX_POINTS) if most is not None else None
    h.reply(await h.run(service.metrics, h.ws, job_id, since, most))


LOG_TAIL_MAX = 1 << 20  # one read's worth, as read_log's limit


async def job_logs(h: ApiHandler, job_id: str) -> None:
    offset = service.int_param("offset", h.arg("offset"), 0, 0, 2**62)
    tail = h.arg("tail")
    tail = service.int_param("tail", tail, 0, 1, LOG_TAIL_MAX) if tail is not None else None
    h.reply(await h.run(h.ws.jobs.logs, service.check_id(job_id, "job", "job_not_found"), offset,
                        tail))


async def job_events(h: ApiHandler, job_id: str) -> None:
    """The job's events. Metrics start at a cursor ``"<run>.<rowid>"`` (a ``Last-Event-ID``
    header, else ``?cursor=``: GET metrics' ``cursor`` or a ``metrics`` event's id), else at
    ``since_step``; then they follow the rows in the order written. A cursor of another run
    (a resume rewrote the history) gets a ``reset`` event and the whole current history."""
    since = service.int_param("since_step", h.arg("since_step"), 0, 0, 2**62)
    run, after = None, 0
    given = h.arg("cursor")
    if given is not None:
        (run, after), since = metric_cursor.parse(given, "invalid_cursor"), 0
    last_id = h.request.headers.get("Last-Event-ID")
    if last_id is not None:  # an EventSource sends the last event's id when it reconnects
        (run, after), since = metric_cursor.parse(last_id, "invalid_last_event_id"), 0
    job = await h.run(service.get_job, h.ws, job_id, h.lang)
    h.set_header("Content-Type", "text/event-stream; charset=UTF-8")
    h.set_header("Cache-Control", "no-cache")
    h.set_header("X-Accel-Buffering", "no")
    last_status, last_progress, last_beat = None, None, time.monotonic()
    waiting_alone = False  # told the client that no scheduler will start this queued job
    try:
        while not h.client_gone.is_set():
            sent = False
            if job.status != last_status:
                _event(h, "status", service.json_value(job.to_dict()))
                last_status, sent = job.status, True
            if job.progress != last_progress:
                _event(h, "progress", service.json_value(job.progress))
                last_progress, sent = job.progress, True
            new = await h.run(metric_cursor.read, h.ws, job_id, run, after, since)
            run, after = new["run"], new["after"]
            if new["reset"]:  # the client clears its series: the history follows from row 0
                since, sent = 0, True
                _event(h, "reset", {"run": run}, metric_cursor.text(run, 0))
            if new["items"]:
                sent = True
                _event(h, "metrics", new["items"], metric_cursor.text(run, after))
            if job.done:
                _event(h, "end", {"id": job.id, "status": job.status})
                await h.flush()
                break
            alone = (job.status == JobStatus.QUEUED and job.runner == "worker"
                     and not await h.run(h.ws.jobs.scheduler_alive))
            if alone and not waiting_alone:
                _event(h, "no_scheduler", {"id": job.id, "scheduler_alive": False, "message":
                                           i18n.render("no_scheduler", {"id": job.id, "path":
                                                       str(h.ws.path)}, h.lang)})
                sent = True
            waiting_alone = alone
            if sent or time.monotonic() - last_beat > KEEPALIVE_S:
                if not sent:
                    h.write(": keep-alive\n\n")
                await h.flush()
                last_beat = time.monotonic()
            # Wait for the next poll, or stop at once when the client goes away.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(h.client_gone.wait(), EVENT_POLL_S)
            if h.client_gone.is_set():
                return
            job = await h.run(service.get_job, h.ws, job_id, h.lang)
    except StreamClosedError:
        return
    h.finish()


def _event(h: ApiHandler, name: str, data: Any, event_id: str | None = None) -> None:
    head = b"" if event_id is None else b"id: " + event_id.encode() + b"\n"
    h.write(head + b"event: " + name.encode() + b"\ndata: " + encode(data) + b"\n\n")


async def job_model(h: ApiHandler, job_id: str) -> None:
    archive = await h.run(service.model_zip, h.ws, job_id)
    try:
        await h.send_file(archive, f"{job_id}-model.zip", "application/zip")
    finally:
        await h.run(archive.unlink, True)


async def predict(h: ApiHandler, job_id: str) -> None:
    body = h.body_model(m.PredictRequest)
    records, app = list(body.records), h.app
    await h.run(service.check_token_budget, h.ws, job_id, len(records),
                app.predict_max_new_tokens, app.predict_token_budget)
    h.reply(await app.model_work(service.predict, h.ws, app.models, job_id, records, body.proba,
                                 app.predict_max_new_tokens))


async def evaluate(h: ApiHandler, job_id: str) -> None:
    body = h.body_model(m.EvaluateRequest)
    app = h.app
    h.reply(await app.model_work(service.evaluate, h.ws, app.models, job_id, body.dataset_id))
