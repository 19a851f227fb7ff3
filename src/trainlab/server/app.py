"""The ``trainlab`` Jupyter server extension: the REST API and the job scheduler.

Configuration (``jupyter_server_config.py`` or the command line)::

    c.TrainlabApp.workspace_dir = "/data/trainlab"     # default: $TRAINLAB_HOME, ~/.local/share/trainlab
    c.TrainlabApp.workspace_dir = "/data/{username}/trainlab"  # under JupyterHub: one per user
    c.TrainlabApp.max_upload_bytes = 20 * 1024**3
    c.TrainlabApp.max_concurrent_jobs = 2               # default: one per GPU, or one
    c.TrainlabApp.gpus = ["0", "1"]                     # default: every GPU it was given
    c.TrainlabApp.stop_grace_seconds = 30
    c.TrainlabApp.allowed_formats = ["jsonl", "json", "csv", "parquet"]
    c.TrainlabApp.model_threads = 2                     # predict's own threads
    c.TrainlabApp.model_queue = 8                       # predicts that may wait; beyond: 503
    c.TrainlabApp.predict_token_budget = 10_000         # prompts x max_new_tokens per request
    c.TrainlabApp.health_min_free_bytes = 2 * 1024**3   # /health answers 503 below it
    c.TrainlabApp.activity_interval = 30                # s between activity marks while jobs run

Quotas and fair sharing (issue 17; 0 turns each off; docs/rest-api.md, "Quotas and rate limits")::

    c.TrainlabApp.max_concurrent_jobs = 1               # running jobs per user (one server each)
    c.TrainlabApp.max_jobs_queued = 20                  # submit/resume beyond: 429 too_many_jobs
    c.TrainlabApp.max_workspace_bytes = 50 * 1024**3    # datasets + jobs; beyond: 507 quota_exceeded
    c.TrainlabApp.max_job_seconds = 4 * 3600            # a longer background job is stopped
    c.TrainlabApp.write_rate_per_minute = 120           # writes per user; beyond: 429 rate_limited
    c.TrainlabApp.write_burst = 30                      # writes a user may make at once

GPUs: the scheduler hands out the GPUs the platform gave the server (CUDA_VISIBLE_DEVICES, else
NVIDIA_VISIBLE_DEVICES, else every GPU CUDA sees: trainlab.jobs.gpus); ``gpus`` names some of
them, and one outside that set is an error at start (logged; /health answers 503). Metrics:
trainlab's Prometheus metrics join jupyter_server's at ``{base_url}metrics``
(trainlab.server.metrics).

Under JupyterHub, ``{username}`` in ``workspace_dir`` is the hub's user ($JUPYTERHUB_USER, else
the OS user), plain (no conversion or format spec), and must be one safe folder name
(:func:`is_folder_name`, else the server does not start); the default already follows each
user's home. While jobs run or wait the server
marks itself active every ``activity_interval`` seconds, and jupyterhub-singleuser reports that
to the hub, so the idle culler leaves a training server alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from tornado.ioloop import PeriodicCallback
from traitlets import Bool, Enum, Float, Integer, List, TraitError, Unicode, validate

from trainlab.errors import TrainlabError
from trainlab.server.user_workspace import template_problem, workspace_path
from trainlab.workspace import DEFAULT_MAX_UPLOAD_BYTES, Workspace
from trainlab.workspace.mounts import on_network_filesystem

FORMATS = ("jsonl", "json", "csv", "parquet")


class TrainlabApp(ExtensionApp):
    """Serves a trainlab workspace over REST under ``{base_url}trainlab/api/`` and runs its
    background jobs."""

    name = "trainlab"
    load_other_extensions = True

    workspace_dir = Unicode(
        "", config=True,
        help="The workspace folder. Empty: $TRAINLAB_HOME, else ~/.local/share/trainlab. "
        "'{username}' in it is the JupyterHub user ($JUPYTERHUB_USER, else the OS user). "
        "Exported to kernels as TRAINLAB_HOME so notebooks and the server share it.")
    max_upload_bytes = Integer(DEFAULT_MAX_UPLOAD_BYTES, config=True,
                               help="Largest dataset accepted, in bytes (413 above it).")
    max_concurrent_jobs = Integer(0, config=True,
                                  help="Background jobs run at once; 0: one per GPU, or one.")
    gpus = List(Unicode(), default_value=None, allow_none=True, config=True,
                help="GPU ids the scheduler hands out, among those the server was given "
                "(CUDA_VISIBLE_DEVICES, else NVIDIA_VISIBLE_DEVICES); None: all of them.")
    stop_grace_seconds = Float(30.0, config=True,
                               help="After SIGTERM, how long a worker has to checkpoint before "
                               "it is killed (stop requests and server shutdown).")
    allowed_formats = List(Unicode(), default_value=list(FORMATS), config=True,
                           help="Dataset formats accepted by upload and import.")
    run_scheduler = Bool(True, config=True,
                         help="Run the job scheduler in this server (turn off when another "
                         "process runs `python -m trainlab.jobs.scheduler` on the workspace).")
    prewarm_worker = Bool(True, config=True,
                          help="Keep one worker with torch imported, so a job starts in ~1 s.")
    validate_responses = Bool(False, config=True,
                              help="Check every answer against its OpenAPI model before sending "
                              "it (the test suite turns this on; it costs ~1 ms on a list).")
    threads = Integer(8, config=True, help="Threads for blocking work (disk, SQLite, parsing).")
    model_threads = Integer(2, config=True,
                            help="Threads of the model executor: predict (loading a model, "
                            "inference, generation) runs there, never in the pool of `threads`, "
                            "so listing, health and events stay fast under any predict load.")
    model_queue = Integer(8, config=True,
                          help="Predict requests that may wait for a model thread; beyond "
                          "model_threads + model_queue a request is answered 503 model_busy.")
    predict_max_new_tokens = Integer(100, config=True,
                                     help="Tokens a causal-lm predict generates per prompt.")
    predict_token_budget = Integer(10_000, config=True,
                                   help="Most tokens one causal-lm predict may generate (prompts "
                                   "x predict_max_new_tokens); beyond it: 422 token_budget.")
    # issue 17: health
    health_min_free_bytes = Integer(
        256 * 1024**2, config=True, help="Free bytes the workspace's disk needs for GET health to "
        "answer ready (200); below it: 503 not_ready, so a readiness probe stops sending users.")
    # issue 17: JupyterHub
    activity_interval = Float(30.0, config=True,
                              help="Seconds between activity marks while jobs run or wait "
                              "(JupyterHub's idle culler sees them; keep it well under its timeout).")
    # issue 20: where background jobs run (docs/scale-out.md)
    executor = Enum(["local", "ray"], "local", config=True,
                    help="Where background jobs run: 'local' (worker processes on this machine) or "
                    "'ray' (a Ray cluster through Ray Train; needs pip install 'trainlab[ray]').")
    ray_address = Unicode("auto", config=True,
                          help="The Ray head, HOST:PORT, for executor 'ray' ('auto': the cluster "
                          "this machine joined with 'ray start').")
    storage_path = Unicode("", config=True,
                           help="Where Ray jobs keep their staged data, checkpoints and models: a "
                           "folder every Ray node reaches, or an object store URL (s3://..., gs://...).")
    ray_max_failures = Integer(0, config=True,
                               help="How often Ray Train restarts a job from its last checkpoint "
                               "after losing a worker or node; 0: the job ends interrupted.")
    ray_workers = Integer(1, config=True,
                          help="Ray Train workers (processes, one GPU each when the cluster has "
                          "GPUs) per Ray job, unless the job sets devices.")
    ray_cpus_per_worker = Float(1.0, config=True,
                                help="CPUs Ray reserves for each Ray Train worker of a Ray job.")
    # issue 17: quotas (one server is one user's; docs/rest-api.md, "Quotas and rate limits")
    max_jobs_queued = Integer(0, config=True,
                              help="Jobs that may wait in the queue; a job submitted over REST "
                              "beyond it is answered 429 too_many_jobs. 0: no limit.")
    max_workspace_bytes = Integer(0, config=True,
                                  help="Most bytes the workspace's datasets and jobs may hold; an "
                                  "upload or import that would not fit is answered 507 "
                                  "quota_exceeded. 0: no limit.")
    max_job_seconds = Float(0.0, config=True,
                            help="A background job running longer is stopped (checkpointed, "
                            "resumable) and ends 'stopped' with a note. 0: no limit.")
    write_rate_per_minute = Float(0.0, config=True,
                                  help="Write requests (POST, PUT, DELETE) a user may make a "
                                  "minute, after a burst of write_burst; beyond: 429 rate_limited "
                                  "with Retry-After. 0: off.")
    write_burst = Integer(30, config=True,
                          help="Write requests a user may make at once before "
                          "write_rate_per_minute applies.")

    @validate("max_jobs_queued", "max_workspace_bytes", "max_job_seconds",
              "write_rate_per_minute", "write_burst", "health_min_free_bytes")
    def _check_limits(self, proposal: dict[str, Any]) -> Any:
        """issue 17: a limit is a finite number, 0 or more (write_burst: 1 or more)."""
        name, value = proposal["trait"].name, proposal["value"]
        low = 1 if name == "write_burst" else 0
        if not (math.isfinite(value) and value >= low):
            raise TraitError(f"c.TrainlabApp.{name} = {value!r}: use a number from {low} up"
                             + (" (0 turns it off)" if low == 0 else ""))
        return value

    @validate("allowed_formats")
    def _check_formats(self, proposal: dict[str, Any]) -> list[str]:
        bad = [f for f in proposal["value"] if f not in FORMATS]
        if bad:
            raise TraitError(f"allowed_formats: unknown {bad}; use some of {list(FORMATS)}")
        return list(proposal["value"])

    @validate("workspace_dir")
    def _check_workspace_template(self, proposal: dict[str, Any]) -> str:
        problem = template_problem(proposal["value"])
        if problem:
            raise TraitError(problem)
        return proposal["value"]

    @validate("activity_interval")
    def _check_activity_interval(self, proposal: dict[str, Any]) -> float:
        if not proposal["value"] > 0:
            raise TraitError(f"activity_interval must be > 0 seconds, not {proposal['value']}")
        return float(proposal["value"])

    # -- set up ------------------------------------------------------------------------------
    def initialize_settings(self) -> None:
        path = workspace_path(self.workspace_dir)
        self.workspace = Workspace(path, max_upload_bytes=self.max_upload_bytes)
        os.environ["TRAINLAB_HOME"] = str(self.workspace.path)  # kernels inherit it
        network = on_network_filesystem(self.workspace.path)
        if network:  # docs/deploy-jupyterhub.md, "Storage and the SQLite caveat"
            self.log.warning("trainlab: the workspace %s is on a network file system (%s): SQLite's "
                             "locks are unreliable there; put it on a local or block volume "
                             "(TRAINLAB_HOME or c.TrainlabApp.workspace_dir)", self.workspace.path,
                             network)
        from trainlab.server.service import ModelCache
        from trainlab.server.uploads import Uploads

        self.pool = ThreadPoolExecutor(max(2, self.threads), thread_name_prefix="trainlab")
        self.model_executor = ThreadPoolExecutor(max(1, self.model_threads),
                                                 thread_name_prefix="trainlab-model")
        self.model_load = 0  # model requests running or waiting (touched on the event loop only)
        self.uploads = Uploads(self.workspace)
        self.models = ModelCache()
        # issue 17: quotas
        from trainlab.server.quotas import RateLimiter, WorkspaceUsage

        self.queue_lock = threading.Lock()  # max_jobs_queued: one check-and-queue at a time
        self.rate_limiter = RateLimiter(self.write_rate_per_minute, self.write_burst)
        self.usage = WorkspaceUsage([self.workspace.datasets_dir, self.workspace.jobs_dir],
                                    pending=self.uploads.declared)
        self.root_dir = self.serverapp.root_dir if self.serverapp is not None else os.getcwd()
        self.scheduler: Any = None
        self._gpu_ids: list[str] | None = None
        self._gpu_error: TrainlabError | None = None
        # issue 17: metrics (registered once per process; this server's workspace from now on)
        from trainlab.server import metrics

        metrics.attach(self)
        self._activity: PeriodicCallback | None = None
        self._sigint: Any = None  # the SIGINT handler before _stop_on_sigint, to restore
        self._openapi: dict[str, dict[str, Any]] = {}
        self.log.info("trainlab: workspace %s", self.workspace.path)

    def initialize_handlers(self) -> None:
        from trainlab.server.routes import handlers

        self.handlers.extend(handlers(self))

    def openapi_document(self, base: str) -> dict[str, Any]:
        """The API's OpenAPI document, served under ``base`` (built once per base)."""
        from trainlab.server.openapi import document
        from trainlab.server.routes import ROUTES

        if base not in self._openapi:
            self._openapi[base] = document(ROUTES, base)
        return self._openapi[base]

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        loop = asyncio.get_running_loop()
        if self.run_scheduler:
            from trainlab.jobs.scheduler import Scheduler
            from trainlab.server import metrics

            def start() -> Any:
                gpus = self.gpu_ids()  # a configured GPU outside the set: raised, start fails
                return Scheduler(self.workspace, max_concurrent=self.max_concurrent_jobs or None,
                                 gpus=gpus, stop_grace_s=self.stop_grace_seconds,
                                 on_event=functools.partial(metrics.job_event, self.workspace),
                                 prewarm=self.prewarm_worker, executor=self.executor,
                                 ray_address=self.ray_address, storage_path=self.storage_path or None,
                                 ray_max_failures=self.ray_max_failures,
                                 ray_workers=self.ray_workers,  # start() reconciles stale jobs first
                                 ray_cpus_per_worker=self.ray_cpus_per_worker,
                                 max_job_seconds=self.max_job_seconds).start()

            self.scheduler = await loop.run_in_executor(self.pool, start)
            self.log.info("trainlab: scheduler running (%d concurrent job(s), GPUs: %s)",
                          self.scheduler.max_concurrent, ",".join(self.scheduler.gpus) or "none")
        self._stop_on_sigint()
        self._activity = PeriodicCallback(self._bump_activity, self.activity_interval * 1000)
        self._activity.start()
        await self._bump_activity()

    def _stop_on_sigint(self) -> None:
        """SIGINT stops the server cleanly, like SIGTERM. jupyter_server handles SIGINT only on
        a terminal (to ask for confirmation); elsewhere it raises KeyboardInterrupt and the
        server exits without stopping its extensions, leaving the workers training with their
        jobs 'running'. JupyterHub's local spawners stop a server with SIGINT first."""
        if (self.serverapp is None or threading.current_thread() is not threading.main_thread()
                or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
            return
        serverapp = self.serverapp
        self._sigint = signal.default_int_handler
        signal.signal(signal.SIGINT, lambda _sig, _frame: serverapp.stop(from_signal=True))

    async def _bump_activity(self) -> None:
        """While jobs run, tell JupyterHub's idle culler this server is busy."""
        counts = await asyncio.get_running_loop().run_in_executor(
            self.pool, self.workspace.jobs.active_counts)
        if any(counts.values()) and self.serverapp is not None and self.serverapp.web_app is not None:
            self.serverapp.web_app.settings["trainlab_last_activity"] = datetime.now(UTC)

    async def model_work(self, fn: Any, *args: Any) -> Any:
        """Run model work on the model executor. At most ``model_threads`` run and
        ``model_queue`` wait; a request beyond that is refused at once (503 model_busy), so a
        flood of predicts neither holds connections open nor grows an unbounded queue."""
        most = max(1, self.model_threads) + max(0, self.model_queue)
        if self.model_load >= most:
            raise TrainlabError("model_busy", status=503, busy=self.model_load,
                                threads=self.model_threads, queue=self.model_queue)
        self.model_load += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self.model_executor, functools.partial(fn, *args))
        finally:
            self.model_load -= 1

    def allow_hidden(self) -> bool:
        """The server's ContentsManager.allow_hidden: import reads a hidden file only where
        /api/contents would serve it."""
        manager = getattr(self.serverapp, "contents_manager", None)
        return bool(getattr(manager, "allow_hidden", False))

    def scheduler_alive(self) -> bool:
        """This server's scheduler was started and not closed."""
        return self.scheduler is not None

    def gpu_ids(self) -> list[str]:
        """The GPUs this server hands out (``gpus`` checked against the set it was given, once;
        blocking: finding them may import torch). Raises the check's TrainlabError."""
        if self._gpu_ids is None and self._gpu_error is None:
            from trainlab.jobs.gpus import gpu_set

            try:
                self._gpu_ids = gpu_set(self.gpus)
            except TrainlabError as exc:
                self._gpu_error = exc
        if self._gpu_error is not None:
            raise self._gpu_error
        return self._gpu_ids or []

    def server_state(self) -> Any:
        """What GET health checks besides the workspace (blocking: see :meth:`gpu_ids`)."""
        from trainlab.server.health import ServerState

        state = ServerState(self.run_scheduler, self.scheduler is not None,
                            min_free_bytes=self.health_min_free_bytes)
        try:
            state.gpu_ids = (self.scheduler.gpus if self.scheduler is not None
                             else self.gpu_ids())
        except TrainlabError as exc:
            state.gpu_error = exc
        return state

    async def stop_extension(self) -> None:
        """Server shutdown: running workers checkpoint and end ``interrupted`` (resumable)."""
        from trainlab.server import metrics

        metrics.detach(self)  # issue 17: metrics
        if self._activity is not None:
            self._activity.stop()
        if self._sigint is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, self._sigint)  # as it was before the extension started
        if self.scheduler is not None:
            scheduler, self.scheduler = self.scheduler, None
            await asyncio.get_running_loop().run_in_executor(self.pool, scheduler.close)
        with contextlib.suppress(Exception):
            self.pool.shutdown(wait=False, cancel_futures=True)
        with contextlib.suppress(Exception):
            self.model_executor.shutdown(wait=False, cancel_futures=True)
