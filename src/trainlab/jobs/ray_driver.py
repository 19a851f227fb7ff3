"""The driver of one Ray job: ``python -m trainlab.jobs.ray_driver <workspace> <job_id> --ray-address
HOST:PORT --storage-path PATH [--max-failures N] [--workers N] [--cpus-per-worker N]``.

The scheduler starts it instead of a worker when its executor is ``ray``; it runs on the
scheduler's machine, one per job. It connects to the cluster, stages the job's datasets in
``storage_path/<job_id>/data/``, and runs a Ray Train ``TorchTrainer`` whose workers train with
trainlab's own loop (:mod:`trainlab.jobs.ray_train`). What rank 0 reports through the relay
actor is written here, into the workspace, by the same :class:`JobReporter` a local job uses;
the driver's heartbeat keeps the job alive. At the end the model is copied from the storage
into the job's folder, where a local job's model is, so ``ws.jobs.load_model`` works.

SIGTERM (what the scheduler sends for a stop, or when it shuts down) asks the workers to
checkpoint and end: ``stopped``, or ``interrupted`` when nobody asked for the stop. A lost node
restarts the run from its last checkpoint while ``max_failures`` allows, else the job ends
``interrupted`` (resumable) with a note.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import threading
import time
from types import SimpleNamespace
from typing import Any

from trainlab.errors import TrainlabError
from trainlab.jobs.records import JobStatus, Records, job_note, render_note
from trainlab.jobs.reporting import Heartbeat, JobLog, JobReporter, StopFlag, error_record, stop_file
from trainlab.workspace import Workspace
from trainlab.workspace.files import write_json

POLL_S = 0.2
DRIVER_MODULES = {b"trainlab.jobs.worker", b"trainlab.jobs.ray_driver"}  # a job's process
EXECUTORS = ("local", "ray")
CONNECT_TIMEOUT_S = 5.0
CONTROLLER_FAILURE_LIMIT = 2  # retries of a worker group start-up that timed out (60 s): 3 tries
_NOT_PARAMS = ("task", "columns", "dataset_id", "device", "total_steps", "parameters", "world_size",
               "n_train", "n_val", "architecture", "precision")


def executor_plan(executor: str = "local", prewarm: bool = True, *, ray_address: str | None = None,
                  storage_path: str | None = None, ray_max_failures: int = 0, ray_workers: int = 1,
                  ray_cpus_per_worker: float = 1.0) -> tuple[bool, list[str]]:
    """How the scheduler runs a job: whether a spare worker waits with torch imported
    (``prewarm``, local only), and what follows ``python -m`` before the workspace and the job's
    id: the worker module (``local``), or this driver with the cluster's settings (``ray``).

    ``ray_address`` is the Ray head (``HOST:PORT``, or ``auto`` for the cluster this machine
    joined with ``ray start``; the default); ``storage_path`` a folder every node reaches, or an
    object store URL; ``ray_max_failures`` how often Ray Train restarts a run from its last
    checkpoint after losing a worker; ``ray_workers`` and ``ray_cpus_per_worker`` the
    ``ScalingConfig`` of each job (a job's own ``devices`` param, where above 1, wins).
    """
    if executor not in EXECUTORS:
        raise TrainlabError("invalid_argument", name="executor",
                            detail=f"'local' or 'ray'; got {executor!r}")
    if executor == "local":
        return prewarm, ["trainlab.jobs.worker"]
    return False, ["trainlab.jobs.ray_driver", f"--ray-address={ray_address or 'auto'}",
            f"--storage-path={storage_path or ''}", f"--max-failures={int(ray_max_failures)}",
            f"--workers={int(ray_workers)}", f"--cpus-per-worker={float(ray_cpus_per_worker)}"]


def add_executor_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The scheduler's command-line flags for its executor (``--executor ray --ray-address ...``)."""
    parser.add_argument("--executor", choices=EXECUTORS, default="local",
                        help="where jobs run: local worker processes, or a Ray cluster")
    parser.add_argument("--ray-address", default=None, help="the Ray head, HOST:PORT (default: auto)")
    parser.add_argument("--storage-path", default=None,
                        help="checkpoints and models of Ray jobs: a folder all nodes reach, or a URL")
    parser.add_argument("--ray-max-failures", type=int, default=0,
                        help="restarts from the last checkpoint after a lost node (default 0)")
    parser.add_argument("--ray-workers", type=int, default=1, help="Ray Train workers per job")
    parser.add_argument("--ray-cpus-per-worker", type=float, default=1.0)
    return parser


def executor_options(args: argparse.Namespace) -> dict[str, Any]:
    """The :class:`~trainlab.jobs.Scheduler` keywords those flags give."""
    return {"executor": args.executor, "ray_address": args.ray_address,
            "storage_path": args.storage_path, "ray_max_failures": args.ray_max_failures,
            "ray_workers": args.ray_workers, "ray_cpus_per_worker": args.ray_cpus_per_worker}


def check_reachable(address: str) -> None:
    """Refuse an address where no Ray head listens, at once, instead of ``ray.init`` retrying
    for minutes (``ray_unreachable``). ``auto`` and ``ray://`` addresses are left to Ray."""
    if address == "auto" or "://" in address:
        return
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), CONNECT_TIMEOUT_S).close()
    except (OSError, ValueError) as exc:
        raise TrainlabError("ray_unreachable", address=address, detail=str(exc) or
                            type(exc).__name__, status=503) from exc


class RayJob:
    """One job run on a Ray cluster; :meth:`run` returns when the job's record is final."""

    def __init__(self, ws: Workspace, job_id: str, *, address: str, storage_path: str | None,
                 max_failures: int = 0, workers: int = 1, cpus_per_worker: float = 1.0) -> None:
        self.ws, self.job_id, self.records = ws, job_id, Records(ws)
        if storage_path and "://" not in storage_path:  # the workers' cwd is not the driver's
            storage_path = os.path.abspath(os.path.expanduser(storage_path))
        self.address, self.storage_path = address, storage_path
        self.max_failures, self.workers = int(max_failures), max(1, int(workers))
        self.cpus_per_worker = float(cpus_per_worker)
        self.folder = ws.jobs_dir / job_id
        self.log = JobLog(self.folder / "log.txt")
        self.reporter = JobReporter(self.records, job_id, self.log)
        self.flag = StopFlag(self.records, job_id)
        self.terminated = threading.Event()  # SIGTERM: a stop asked, or the scheduler going away
        self.end: dict[str, Any] | None = None
        self.error: dict[str, Any] | None = None
        self.saved = self.started = False
        self.asked: tuple[dict[str, float], int, dict[str, float]] | None = None  # for ray_no_resources

    def run(self) -> JobStatus:
        """Train, write what the workers report, and finish the record; returns its status."""
        self.records.set_executor(self.job_id, "ray")  # the scheduler did; a driver run by hand
        try:
            with Heartbeat(self.records, self.job_id):
                status, note, error = self._run()
        except Exception as exc:  # before training: unreachable, no storage, no ray
            self.log.write(f"error: {type(exc).__name__}: {exc}")
            status, note, error = JobStatus.FAILED, None, error_record(exc)
        self.log.close()
        self.records.finish(self.job_id, status, note=note, error=error)
        return status

    def _run(self) -> tuple[JobStatus, str | None, dict[str, Any] | None]:
        if not self.storage_path:
            raise TrainlabError("ray_no_storage")
        check_reachable(self.address)
        os.environ["RAY_TRAIN_V2_ENABLED"] = "1"  # the Ray Train that was tested (its errors)
        try:
            import ray
            from ray.train import FailureConfig, RunConfig, ScalingConfig
            from ray.train.torch import TorchTrainer
            from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
        except ImportError as exc:
            raise TrainlabError("ray_extra_missing", detail=str(exc)) from exc
        from trainlab.jobs.ray_relay import Relay
        from trainlab.jobs.ray_train import Storage, train_loop

        job = self.records.get(self.job_id)
        assert job is not None
        storage = Storage(self.storage_path, self.job_id)
        rows = self._stage(job, storage)
        stop_file(self.ws.jobs_dir, self.job_id).unlink(missing_ok=True)  # an old request
        try:
            ray.init(address=self.address, log_to_driver=True, configure_logging=False)
        except ConnectionError as exc:  # "auto" with no cluster on this machine
            raise TrainlabError("ray_unreachable", address=self.address, detail=str(exc),
                                status=503) from exc
        signal.signal(signal.SIGTERM, lambda *_: self.terminated.set())  # ray.init took it
        try:
            use_gpu = job.device.startswith("cuda") or (
                job.device == "auto" and ray.cluster_resources().get("GPU", 0) > 0)
            here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
            relay = ray.remote(Relay).options(num_cpus=0, scheduling_strategy=here).remote()
            devices = job.params.get("devices")  # a job's own number of workers (or GPU list)
            # every job records devices (1 unless asked): 1 leaves it to ray_workers
            workers = len(devices) if isinstance(devices, list) else devices \
                if isinstance(devices, int) and devices > 1 else self.workers
            params = {k: v for k, v in job.params.items() if k != "devices"}  # Ray places them
            fit_kwargs = {"dataset": job.dataset_id, "task": job.task, "columns": job.columns,
                          "device": "cuda" if use_gpu else "cpu", **params}
            resources = {"CPU": self.cpus_per_worker, **({"GPU": 1} if use_gpu else {})}
            trainer = TorchTrainer(
                train_loop, train_loop_config={
                    "job_id": self.job_id, "storage_path": self.storage_path, "relay": relay,
                    "datasets": rows, "fit_kwargs": fit_kwargs},
                scaling_config=ScalingConfig(num_workers=workers, use_gpu=use_gpu,
                                             resources_per_worker=resources),
                run_config=RunConfig(name="ray", storage_path=storage.path(),
                                     failure_config=FailureConfig(
                                         max_failures=self.max_failures,
                                         controller_failure_limit=CONTROLLER_FAILURE_LIMIT)))
            outcome: dict[str, Any] = {}
            thread = threading.Thread(target=_fit, args=(trainer, outcome), daemon=True)
            thread.start()
            asked = False
            while thread.is_alive():
                thread.join(POLL_S)
                self._handle(self._take(relay), storage)
                if not asked and (self.terminated.is_set() or self.flag()):
                    asked = True
                    relay.request_stop.remote()
            self._handle(self._take(relay), storage)
            if not self.started and _no_resources(outcome.get("error")):  # asked, and the cluster has
                self.asked = (resources, workers, {k: v for k, v in ray.cluster_resources().items()
                                                   if k in ("CPU", "GPU")})
        finally:
            ray.shutdown()
        return self._outcome(outcome.get("error"), storage)

    def _take(self, relay: Any) -> list[tuple[str, Any]]:
        """The relay's new events; none once it is gone (its node died: the run fails too)."""
        import ray
        from ray.exceptions import GetTimeoutError, RayActorError

        try:
            return ray.get(relay.take.remote(), timeout=30)
        except (RayActorError, GetTimeoutError):  # gone, or busy: asked again next turn
            return []

    def _stage(self, job: Any, storage: Any) -> list[dict[str, Any]]:
        """The job's datasets copied to the storage; their records, for the workers. A resumed
        job's checkpoints too: the job's folder has the latest, whoever wrote it (a Ray run
        mirrors its checkpoints there, a local worker writes them there)."""
        from trainlab.jobs.ray_train import CHECKPOINT_FILES

        if self.records.resume_wanted(self.job_id):
            for name in CHECKPOINT_FILES:
                if (self.folder / "checkpoints" / name).is_file():
                    storage.put(self.folder / "checkpoints" / name, "checkpoints", name)
        ids = [job.dataset_id, job.params.get("validation")]
        rows = []
        for dataset_id in [i for i in ids if isinstance(i, str) and i.startswith("ds_")]:
            found = self.ws.store.query("SELECT * FROM datasets WHERE id=?", (dataset_id,))
            if not found:
                raise TrainlabError("dataset_not_found", id=dataset_id, status=404)
            if not storage.exists("data", dataset_id):
                storage.put(self.ws.datasets_dir / dataset_id, "data", dataset_id)
            rows.append(dict(found[0]))
        return rows

    def _handle(self, events: list[tuple[str, Any]], storage: Any) -> None:
        for kind, payload in events:
            if kind == "start":
                self._start(payload)
            elif kind == "step":
                self.reporter.on_step(*payload)
            elif kind == "throughput":
                self.reporter.on_throughput(*payload)
            elif kind == "eval":
                self.reporter.on_eval(payload)
            elif kind == "checkpoint":  # mirrored, so ws.jobs.resume names its step
                storage.get_checkpoints(self.folder / "checkpoints")
                self.reporter.on_checkpoint(str(self.folder / "checkpoints" / "last.pt"))
            elif kind == "end":
                self.end = payload
            elif kind == "error":
                self.error = payload
            elif kind == "saved":
                self.saved = True

    def _start(self, info: dict[str, Any]) -> None:
        """What the job's record learns when training starts (or restarts after a lost node)."""
        config = info["config"]
        self.started = True  # a later start-up that finds no room (a node lost) is an interruption
        self.error = None  # a restarted attempt: the last one's error was its lost peer's
        params = {k: v for k, v in config.items() if k not in _NOT_PARAMS}
        self.records.describe(self.job_id, info["task"], config.get("dataset_id"),
                              config.get("columns") or {}, params)
        self.reporter.flush()
        # the steps this run repeats lose their old values: all of them for a run from scratch
        self.records.truncate_metrics(self.job_id, info.get("start_step") or -1)
        if self.end is None and self.reporter.main_metric is not None:  # a second start
            self.records.set_note(self.job_id, job_note("note_ray_restarted",
                                                        step=info.get("start_step") or 0))
        write_json(self.folder / "config.json", self.ws.tmp_dir, config)
        self.reporter.on_start(info)

    def _outcome(self, failure: BaseException | None, storage: Any
                 ) -> tuple[JobStatus, str | None, dict[str, Any] | None]:
        self.reporter.flush()  # what was buffered before a failure too
        if self.asked is not None:  # Ray Train gave up starting the workers
            resources, workers, cluster = self.asked
            error = error_record(TrainlabError("ray_no_resources", workers=workers,
                                               resources=resources, cluster=cluster))
            self.log.write(f"error: {error['message']}")
            return JobStatus.FAILED, None, error
        if failure is not None and _lost(failure):  # a worker or node gone, no restart left
            note = job_note("note_ray_workers_lost", detail=_lost(failure),
                            max_failures=self.max_failures)
            self.log.write(f"end: interrupted: {render_note(note)}")
            return JobStatus.INTERRUPTED, note, None
        if failure is not None or self.error is not None:  # the training code failed
            error = self.error or error_record(failure)
            self.log.write(f"error: {error['message']}")
            return JobStatus.FAILED, None, error
        if self.end is None or not self.saved:
            return JobStatus.FAILED, None, error_record(TrainlabError("ray_no_result",
                                                                      address=self.address))
        for name in ("config.json", "result.json"):
            storage.get(self.folder / name, name)
        storage.get(self.folder / "model", "model")
        result = SimpleNamespace(**{**self.end, "model_path": str(self.folder / "model")})
        self.reporter.on_end(result)
        note = None
        if result.stop_reason == "early_stopping":
            note = job_note("note_early_stopped", step=result.steps,
                            total=result.config.get("total_steps"), metric=self.reporter.main_metric)
        status = JobStatus(result.status)
        if status == JobStatus.STOPPED and self.terminated.is_set() and \
                not self.records.stop_requested(self.job_id):
            status, note = JobStatus.INTERRUPTED, job_note("note_shut_down_resume")
        return status, note, None


def _no_resources(failure: BaseException | None) -> bool:
    """Whether Ray Train gave up starting the workers: the cluster never had room for them."""
    from ray.train import ControllerError
    from ray.train.v2._internal.exceptions import (
        InsufficientClusterResourcesError,
        WorkerGroupStartupTimeoutError,
    )

    return isinstance(failure, ControllerError) and isinstance(
        failure.controller_failure, (WorkerGroupStartupTimeoutError, InsufficientClusterResourcesError))


def _lost(failure: BaseException) -> str | None:
    """How Ray Train lost a worker (a dead actor or node, a failed health check, its controller
    gone), in a line; None when it failed because the training code raised."""
    from ray.exceptions import RayActorError
    from ray.train import ControllerError, WorkerGroupError
    from ray.train.v2._internal.exceptions import (
        WorkerHealthCheckFailedError,
        WorkerHealthCheckTimeoutError,
    )

    gone = (RayActorError, WorkerHealthCheckFailedError, WorkerHealthCheckTimeoutError)
    if isinstance(failure, ControllerError):
        causes = [failure.controller_failure]
    elif isinstance(failure, WorkerGroupError):
        causes = [e for e in failure.worker_failures.values() if isinstance(e, gone)]
    else:
        return None
    lines = [line for e in causes for line in str(e).splitlines() if line.strip()]
    return lines[0][:300] if lines else (type(causes[0]).__name__ if causes else None)


def _fit(trainer: Any, outcome: dict[str, Any]) -> None:
    try:
        outcome["result"] = trainer.fit()
    except Exception as exc:  # Ray Train's TrainingFailedError: reported by the driver
        outcome["error"] = exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one trainlab job on a Ray cluster.")
    parser.add_argument("workspace")
    parser.add_argument("job_id")
    parser.add_argument("--ray-address", required=True)
    parser.add_argument("--storage-path", default=None)
    parser.add_argument("--max-failures", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--cpus-per-worker", type=float, default=1.0)
    args = parser.parse_args(argv)
    ws = Workspace(args.workspace)
    job = Records(ws).get(args.job_id)
    if job is None or job.status != JobStatus.RUNNING:
        print(f"job {args.job_id} is not running; nothing to do", file=sys.stderr)
        return 0
    run = RayJob(ws, args.job_id, address=args.ray_address, storage_path=args.storage_path,
                 max_failures=args.max_failures, workers=args.workers,
                 cpus_per_worker=args.cpus_per_worker)
    signal.signal(signal.SIGTERM, lambda *_: run.terminated.set())
    started = time.time()
    status = run.run()
    print(json.dumps({"job_id": args.job_id, "status": str(status),
                      "seconds": round(time.time() - started, 1)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
