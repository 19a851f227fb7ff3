"""trainlab's Prometheus metrics, served by jupyter_server at ``{base_url}metrics`` from
prometheus_client's default registry, next to jupyter_server's own (docs/rest-api.md, "Metrics").

Three kinds:

- counters and histograms that the server updates as things happen: job starts and ends (the
  scheduler's ``on_event`` hook, :func:`job_event`), upload bytes and failures (the streamed
  bodies, the import route and :func:`observe_request`), and the latency of every trainlab
  route (:func:`observe_request`, called once per request from the handler's ``on_finish``);
- gauges read from the workspace when Prometheus scrapes (:class:`WorkspaceCollector`): jobs by
  status, datasets and their bytes, the throughput of running jobs.

Everything registers once per process (when this module is first imported): several servers in
one process (the test suite) share the counters, and the collector reads the workspace of the
newest server that is running (:func:`attach`, :func:`detach`).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from trainlab.jobs.records import FINAL, JobStatus
from trainlab.server.operation import METHODS

log = logging.getLogger("trainlab.server")

# Requests: from a few milliseconds (health, a page of jobs) to minutes (a large upload, SSE).
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                   300.0, 1800.0)
# Jobs: from a second (a prewarmed worker, a tiny job) to days.
QUEUE_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0,
                 12 * 3600.0, 86400.0)
DURATION_BUCKETS = (1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 3 * 3600.0,
                    6 * 3600.0, 12 * 3600.0, 86400.0, 3 * 86400.0, 7 * 86400.0)
# The routes that bring a file in: their error answers count as upload failures.
UPLOAD_ROUTES = frozenset({("POST", "datasets"), ("POST", "datasets/uploads"),
                           ("PUT", "datasets/uploads/{upload_id}"), ("POST", "datasets/import")})
UPLOAD_KINDS = ("body", "part", "import")

JOB_STARTS = Counter("trainlab_job_starts", "Background jobs the scheduler started (resumed "
                     "runs included).")
JOB_ENDS = Counter("trainlab_job_ends", "Background jobs that ended, by result.", ["result"])
JOB_QUEUE = Histogram("trainlab_job_queue_seconds", "Time a new job waited queued before it "
                      "started (resumed runs are left out: their queueing is not recorded).",
                      buckets=QUEUE_BUCKETS)
JOB_DURATION = Histogram("trainlab_job_duration_seconds", "Time from a job's start to its end "
                         "(the last run of a resumed job).", buckets=DURATION_BUCKETS)
UPLOAD_BYTES = Counter("trainlab_upload_bytes", "Bytes received for datasets: request bodies "
                       "(kind=body), resumable upload parts (part), files imported from the "
                       "server's root directory (import).", ["kind"])
UPLOAD_FAILURES = Counter("trainlab_upload_failures", "Uploads and imports refused or broken "
                          "off, by reason (the error code, or client_gone).", ["reason"])
REQUEST_DURATION = Histogram("trainlab_request_duration_seconds", "Latency of trainlab's REST "
                             "routes, by route template, method and status.",
                             ["route", "method", "status"], buckets=REQUEST_BUCKETS)

for _result in FINAL:  # every result shows, 0 included, from the first scrape on
    JOB_ENDS.labels(result=_result.value)
for _kind in UPLOAD_KINDS:
    UPLOAD_BYTES.labels(kind=_kind)


# -- events ------------------------------------------------------------------------------------
def _seconds(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return max(0.0, (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())


def job_event(ws: Any, kind: str, job: Any) -> None:
    """The scheduler's ``on_event`` hook (bind ``ws`` with functools.partial): ``kind`` is
    ``"start"`` when it claimed a queued job and ``"end"`` when the job's process is gone;
    ``job`` is the job's record then (a :class:`trainlab.jobs.Job`, or None if deleted).
    Never raises: a metric is not worth a scheduler's turn."""
    try:
        _count(ws, kind, job)
    except Exception as exc:
        log.warning("trainlab: job metrics not counted: %s: %s", type(exc).__name__, exc)


def _count(ws: Any, kind: str, job: Any) -> None:
    if job is None:
        return
    if kind == "start":
        JOB_STARTS.inc()
        rows = ws.store.query("SELECT resume FROM jobs WHERE id=?", (job.id,))
        waited = _seconds(job.created_at, job.started_at)
        if waited is not None and rows and not rows[0]["resume"]:
            JOB_QUEUE.observe(waited)
    elif kind == "end" and job.status in FINAL:
        JOB_ENDS.labels(result=str(job.status)).inc()
        ran = _seconds(job.started_at, job.finished_at)
        if ran is not None:
            JOB_DURATION.observe(ran)


def upload_bytes(kind: str, count: int) -> None:
    """``count`` bytes of a dataset arrived (``kind``: body, part or import)."""
    UPLOAD_BYTES.labels(kind=kind).inc(count)


def upload_failed(reason: str) -> None:
    """An upload or import failed; ``reason`` is an error code (a bounded set) or client_gone."""
    UPLOAD_FAILURES.labels(reason=reason).inc()


def observe_request(handler: Any) -> None:
    """One finished request of a trainlab handler: its latency under the route's template (never
    the URL, whose ids would make a series per dataset), and an upload route's failure. The
    labels stay bounded whatever a client sends: ``method`` is a route method or ``other``, and
    a request with a method or path no route has is recorded only once authenticated (tornado
    answers an unknown method 405 before authentication)."""
    ops = handler.ops
    method = handler.request.method or ""
    if method not in ops and not handler.authenticated:
        return  # a method or path no route has, from someone unknown: no series of theirs
    op = ops.get(method) or next(iter(ops.values()), None)
    route = op.path if op is not None else "(unknown)"
    if method not in METHODS:
        method = "other"  # the label takes a bounded set, whatever a client sends
    status = handler.get_status()
    REQUEST_DURATION.labels(route=route, method=method, status=str(status)).observe(
        handler.request.request_time())
    if status >= 400 and (method, route) in UPLOAD_ROUTES:
        upload_failed(getattr(handler, "trainlab_error", None) or f"http_{status}")


# -- gauges read at scrape time -------------------------------------------------------------
class WorkspaceCollector(Collector):
    """Gauges read from the attached server's workspace on each scrape. The scrape runs on the
    server's event loop (jupyter_server's handler calls the registry directly), so this reads
    only three indexed or small queries (a WAL reader never waits for a writer) and answers
    nothing rather than breaking the whole page when the store cannot be read."""

    def __init__(self) -> None:
        self._apps: list[weakref.ref[Any]] = []
        self._lock = threading.Lock()

    def attach(self, app: Any) -> None:
        """Read ``app.workspace`` from now on (the newest attached app wins)."""
        with self._lock:
            self._apps = [r for r in self._apps if r() is not None and r() is not app]
            self._apps.append(weakref.ref(app))

    def detach(self, app: Any) -> None:
        """Stop reading ``app``'s workspace (its server stops)."""
        with self._lock:
            self._apps = [r for r in self._apps if r() is not None and r() is not app]

    def _workspace(self) -> Any:
        with self._lock:
            app = self._apps[-1]() if self._apps else None
        return getattr(app, "workspace", None)

    def describe(self) -> list[Metric]:
        """The families, without reading anything (what the registry checks names with)."""
        return list(self._families())

    def collect(self) -> Iterator[Metric]:
        """The gauges, read now from the workspace."""
        ws = self._workspace()
        if ws is None:
            return iter(())
        started = time.perf_counter()
        try:
            families = self._families(ws)
        except Exception as exc:  # a scrape never fails because of us
            log.warning("trainlab: metrics not read from %s: %s: %s", ws.path,
                        type(exc).__name__, exc)
            return iter(())
        spent = time.perf_counter() - started
        if spent > 0.05:
            log.warning("trainlab: reading the metrics took %.0f ms", spent * 1e3)
        return iter(families)

    @staticmethod
    def _families(ws: Any = None) -> list[Metric]:
        jobs = GaugeMetricFamily("trainlab_jobs", "Jobs in the workspace, by status.",
                                 labels=["status"])
        datasets = GaugeMetricFamily("trainlab_datasets", "Datasets stored in the workspace.")
        stored = GaugeMetricFamily("trainlab_dataset_bytes",
                                   "Bytes of the datasets' stored files.")
        samples = GaugeMetricFamily("trainlab_job_samples_per_second",
                                    "Training throughput of each running job (its latest "
                                    "progress report).", labels=["job"])
        tokens = GaugeMetricFamily("trainlab_job_tokens_per_second",
                                   "Tokens/s of each running job that counts tokens (text, "
                                   "causal LM): its latest progress report.", labels=["job"])
        if ws is not None:
            counts = dict.fromkeys((s.value for s in JobStatus), 0)
            for row in ws.store.query("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status"):
                counts[row["status"]] = row["n"]
            for status, count in counts.items():
                jobs.add_metric([status], count)
            row = ws.store.query("SELECT COUNT(*) AS n, COALESCE(SUM(size_bytes), 0) AS bytes"
                                 " FROM datasets")[0]
            datasets.add_metric([], row["n"])
            stored.add_metric([], row["bytes"])
            for row in ws.store.query("SELECT id, samples_per_s FROM jobs WHERE status=?"
                                      " AND samples_per_s IS NOT NULL", (JobStatus.RUNNING,)):
                samples.add_metric([row["id"]], row["samples_per_s"])
            for row in ws.store.query("SELECT id, tokens_per_s FROM jobs WHERE status=?"
                                      " AND tokens_per_s IS NOT NULL", (JobStatus.RUNNING,)):
                tokens.add_metric([row["id"]], row["tokens_per_s"])
        return [jobs, datasets, stored, samples, tokens]


COLLECTOR = WorkspaceCollector()
REGISTRY.register(COLLECTOR)


def attach(app: Any) -> None:
    """Serve ``app``'s workspace gauges (called when the extension starts)."""
    COLLECTOR.attach(app)


def detach(app: Any) -> None:
    """No more gauges from ``app`` (called when the extension stops)."""
    COLLECTOR.detach(app)
