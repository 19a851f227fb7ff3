"""The scheduler: starts queued jobs in worker processes, hands out GPUs, enforces stops,
and finds jobs whose process died.

    python -m trainlab.jobs.scheduler [WORKSPACE] [--max-concurrent N] [--gpus 0,1] [--max-job-seconds S]

It polls the store (every ``poll_s``), so a job queued by any process that opens the
workspace starts within a second. Each worker runs in its own process group with
``CUDA_VISIBLE_DEVICES`` set to its GPUs; no two jobs share a GPU unless ``jobs_per_gpu`` > 1.
A job with ``devices=N`` gets N GPUs at once (or waits for them) and runs under
``python -m torch.distributed.run --standalone --nproc-per-node=N -m trainlab.jobs.worker``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trainlab import i18n
from trainlab.jobs import ray_driver
from trainlab.jobs.driver import advance
from trainlab.jobs.gpus import DevicesError, check_devices, detect_gpus, gpu_set, pick_gpus
from trainlab.jobs.processes import Adopted, end_ranks, ranks, signal_group
from trainlab.jobs.records import HOST, JobStatus, Records, job_note, pid_alive
from trainlab.jobs.time_limit import enforce_time_limit
from trainlab.workspace import Workspace, new_id
from trainlab.workspace.files import owned, process_stat

__all__ = ["Scheduler", "detect_gpus", "main"]

MONITOR_EVERY_S = 2.0


@dataclass
class _Worker:
    job_id: str
    process: subprocess.Popen[bytes] | Adopted
    gpus: list[str]
    ranks: int = 1
    stop_sent_at: float | None = None
    killed: bool = False
    reason: str | None = None
    started: float = field(default_factory=time.monotonic)  # for max_job_seconds


class Scheduler:
    """Runs the workspace's queued jobs, at most ``max_concurrent`` at once.

    Defaults: one job per GPU, or one job when there is no GPU. ``stop_grace_s`` is how long a
    worker has to stop cleanly after SIGTERM before its whole process group is killed. With
    ``prewarm`` one spare worker waits with torch already imported, so a job starts training
    in about a second instead of paying for the imports. ``on_event(kind, job)`` is called
    with the job's record, ``"start"`` at claim and ``"end"`` once its process is gone (metrics).
    """

    def __init__(self, workspace: Workspace | str | os.PathLike[str], *,
                 max_concurrent: int | None = None, gpus: list[str | int] | None = None,
                 jobs_per_gpu: int = 1, stop_grace_s: float = 10.0, poll_s: float = 0.2,
                 heartbeat_stale_s: float = 30.0, python: str = sys.executable,
                 prewarm: bool = True, executor: str = "local", max_job_seconds: float = 0.0,
                 on_event: Callable[[str, Any], None] | None = None, **ray: Any) -> None:
        self.ws = workspace if isinstance(workspace, Workspace) else Workspace(workspace)
        self.records = Records(self.ws)
        self.gpus = [str(g) for g in (detect_gpus() if gpus is None else gpus)]
        self.on_event = on_event
        self.jobs_per_gpu = max(1, int(jobs_per_gpu))
        default = len(self.gpus) * self.jobs_per_gpu if self.gpus else 1
        self.max_concurrent = max(1, int(max_concurrent or default))
        self.stop_grace_s, self.poll_s = float(stop_grace_s), float(poll_s)
        self.max_job_seconds = float(max_job_seconds)  # 0: no limit; longer jobs are stopped
        self.heartbeat_stale_s, self.python, self.executor = float(heartbeat_stale_s), python, executor
        self.prewarm, self.driver = ray_driver.executor_plan(executor, prewarm, **ray)
        self._spare: subprocess.Popen[bytes] | None = None
        self._spare_out: Path | None = None
        self._spare_retry_at = 0.0
        self.id = new_id("sch")
        self.workers: dict[str, _Worker] = {}
        self.peak_running = 0
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_monitor = self._last_beat = 0.0
        self._lock = threading.RLock()

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> Scheduler:
        """Recover stale jobs, register, and run in a background thread."""
        self.reconcile()
        self._beat(force=True)
        self._thread = threading.Thread(target=self._run, name="trainlab-scheduler", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._halt.wait(self.poll_s):
            try:
                self.tick()
            except Exception as exc:
                print(f"trainlab scheduler: {type(exc).__name__}: {exc}", file=sys.stderr)

    def close(self, timeout: float | None = None) -> None:
        """Stop scheduling; running workers get SIGTERM and come back ``interrupted``
        (checkpointed, resumable); after the grace period they are killed."""
        self._halt.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            for worker in self.workers.values():
                signal_group(worker.process, signal.SIGTERM)
            deadline = time.monotonic() + (self.stop_grace_s if timeout is None else timeout)
            while self.workers and time.monotonic() < deadline:
                self._reap(shutdown=True)
                time.sleep(0.05)
            for worker in self.workers.values():
                signal_group(worker.process, signal.SIGKILL)
                worker.process.wait()
            self._reap(shutdown=True)
            self._drop_spare()
        self.records.scheduler_gone(self.id)

    def __enter__(self) -> Scheduler:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one turn ----------------------------------------------------------------------------
    def tick(self) -> None:
        with self._lock:
            self._beat()
            self._reap()
            enforce_time_limit(self.records, self.ws.jobs_dir, self.workers, self.max_job_seconds)
            self._enforce_stops()
            self._launch()
            advance(self.ws, self.max_concurrent)  # experiments: tell, prune, ask (issue 19)
            if self.prewarm and (self._spare is None or self._spare.poll() is not None) and \
                    time.monotonic() >= self._spare_retry_at:
                self._start_spare()
            if time.monotonic() - self._last_monitor >= MONITOR_EVERY_S:
                self._last_monitor = time.monotonic()
                self.reconcile()

    def _beat(self, force: bool = False) -> None:
        now = time.time()
        if force or now - self._last_beat >= 1.0:
            self._last_beat = now
            self.records.scheduler_beat(self.id)

    def reconcile(self) -> list[str]:
        """Every running job whose process is gone or silent becomes ``interrupted``; a live
        worker whose scheduler died is adopted: counted, and stopped like one of ours."""
        found = []
        now = time.time()
        for row in self.records.running():
            if row["id"] in self.workers:
                continue
            reason = None
            adopted = self._orphan(row) if row["runner"] == "worker" and row["host"] == HOST else None
            if adopted is not None:
                self.workers[row["id"]] = _Worker(
                    row["id"], adopted, [g for g in (row["gpus"] or "").split(",") if g],
                    max(1, len(ranks(self.ws.jobs_dir / row["id"]))))
                self.peak_running = max(self.peak_running, len(self.workers))
                continue
            if row["host"] == HOST and not pid_alive(row["pid"], row["host"]):
                gone = "note_kernel_gone" if row["runner"] == "foreground" else "note_worker_gone"
                reason = job_note(gone, pid=row["pid"])
            elif row["heartbeat_at"] is not None and now - row["heartbeat_at"] > self.heartbeat_stale_s:
                reason = job_note("note_no_heartbeat", seconds=round(now - row["heartbeat_at"]))
            if reason and self.records.finish(row["id"], JobStatus.INTERRUPTED, note=reason):
                found.append(row["id"])
                self._event("end", row["id"])
        return found

    def _orphan(self, row: Any) -> Adopted | None:
        """The job's worker process, when it is a live worker of this workspace whose parent is
        no scheduler (its own died and it was reparented); None otherwise. Needs ``/proc``."""
        stat = process_stat(row["pid"]) if row["pid"] else None
        if stat is None or stat[0] == "Z":
            return None
        try:
            with open(f"/proc/{row['pid']}/cmdline", "rb") as f:
                command = f.read().split(b"\0")
        except OSError:
            return None
        if not ray_driver.DRIVER_MODULES & set(command) or os.fsencode(self.ws.path) not in command:
            return None  # the pid was given to another process since
        parent = stat[1]
        if parent in self.records.scheduler_pids() and pid_alive(parent, HOST):
            return None  # a living scheduler runs it
        return Adopted(row["pid"], stat[2])

    def _event(self, kind: str, job_id: str) -> None:
        if self.on_event is not None:
            self.on_event(kind, self.records.get(job_id))

    def _gpu_load(self) -> dict[str, int]:
        load = dict.fromkeys(self.gpus, 0)
        for worker in self.workers.values():
            for gpu in worker.gpus:
                load[gpu] = load.get(gpu, 0) + 1
        return load

    def _launch(self) -> None:
        while len(self.workers) < self.max_concurrent:
            head = self.records.next_queued()
            if head is None:
                return
            job_id, device = head
            devices = self.records.get(job_id).params.get("devices")
            if self.executor != "local":  # Ray places the workers: nothing to reserve here
                devices, device = None, "cpu"
            try:
                count, _ = check_devices(devices, device, self.gpus)
            except DevicesError as exc:  # more GPUs than this scheduler has: it would wait forever
                self.records.finish(job_id, JobStatus.FAILED, only_from=(JobStatus.QUEUED,),
                                    error={"code": exc.code, "message": str(exc), "traceback": ""})
                continue
            gpus = pick_gpus(self.gpus, self._gpu_load(), self.jobs_per_gpu, device, devices)
            if gpus is None:
                return  # the head of the queue waits for its GPUs; the rest wait behind it
            if not self.records.start(job_id, runner="worker", pid=os.getpid(),
                                      gpus=",".join(gpus) or None, executor=self.executor):
                continue  # another scheduler took it
            self._event("start", job_id)
            try:
                process = self._spawn(job_id, gpus, device, count)
            except OSError as exc:
                self.records.finish(job_id, JobStatus.FAILED, error={
                    "code": "worker_start_failed", "traceback": "",
                    "message": i18n.render("worker_start_failed", {"detail": str(exc)})})
                self._event("end", job_id)
                continue
            self.records.set_pid(job_id, process.pid)
            self.workers[job_id] = _Worker(job_id, process, gpus, count)
            self.peak_running = max(self.peak_running, len(self.workers))

    def _spawn(self, job_id: str, gpus: list[str], device: str, count: int = 1
               ) -> subprocess.Popen[bytes]:
        """The job's worker: one process, or ``torchrun`` with ``count`` ranks (no spare then)."""
        changes: dict[str, str] = {}
        if gpus:
            changes["CUDA_VISIBLE_DEVICES"] = ",".join(gpus)
            if device.startswith("cuda:"):  # the one GPU it sees is cuda:0
                self.records.set_device(job_id, "cuda")
        elif self.gpus:
            changes["CUDA_VISIBLE_DEVICES"] = ""  # a CPU job on a GPU machine stays off the GPUs
        folder = self.ws.jobs_dir / job_id
        folder.mkdir(parents=True, exist_ok=True)
        spare = self._take_spare(job_id, changes, folder / "worker.out") if count == 1 else None
        if spare is not None:
            return spare
        module = ["-m", *self.driver, str(self.ws.path), job_id]  # the executor's process
        if count > 1 and self.executor == "local":  # torchrun leads; each rank dies with it
            module = ["-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={count}",
                      f"--log-dir={folder / 'torchrun'}", *module]  # else a /tmp dir per job
        with open(folder / "worker.out", "ab") as out:
            return subprocess.Popen([self.python, *module], env={**self._env(), **changes},
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                    start_new_session=True)

    def _env(self) -> dict[str, str]:
        return {**os.environ, "TRAINLAB_HOME": str(self.ws.path)}

    def _start_spare(self) -> None:
        if self._spare is not None and self._spare.poll() is not None:
            self._spare_retry_at = time.monotonic() + 30.0  # it died waiting: do not spin
            with contextlib.suppress(OSError, AttributeError):  # say why before its file goes
                print("trainlab scheduler: the spare worker died:",
                      self._spare_out.read_text(errors="replace")[-2000:], file=sys.stderr)
            self._drop_spare()
            return
        self._drop_spare()
        self._spare_out = owned(self.ws.tmp_dir / f"spare-{new_id('w')}.out")
        with open(self._spare_out, "ab") as out:
            command = [self.python, "-m", "trainlab.jobs.worker", str(self.ws.path), "--spare"]
            self._spare = subprocess.Popen(command, env=self._env(), stdin=subprocess.PIPE,
                                           stdout=out, stderr=out, start_new_session=True)

    def _take_spare(self, job_id: str, env: dict[str, str], output: Path
                    ) -> subprocess.Popen[bytes] | None:
        """Hand the job to the spare worker, if one is alive; None to start a fresh one."""
        spare, self._spare = self._spare, None
        if spare is None or spare.poll() is not None or spare.stdin is None:
            self._drop_spare(spare)
            return None
        order = json.dumps({"job_id": job_id, "env": env, "output": str(output)})
        try:
            spare.stdin.write(order.encode() + b"\n")
            spare.stdin.close()
        except OSError:  # it died between the check and the write
            self._drop_spare(spare)
            return None
        if self._spare_out is not None:  # its output goes to the job's folder now
            self._spare_out.unlink(missing_ok=True)
        return spare

    def _drop_spare(self, spare: subprocess.Popen[bytes] | None = None) -> None:
        """End the spare (or ``spare``); its output file goes too (one per start piled up)."""
        if self._spare_out is not None:
            self._spare_out.unlink(missing_ok=True)
            self._spare_out = None
        if spare is None:
            spare, self._spare = self._spare, None
        if spare is None:
            return
        if spare.poll() is None:
            signal_group(spare, signal.SIGKILL)
            spare.wait()
        if spare.stdin is not None and not spare.stdin.closed:
            with contextlib.suppress(OSError):
                spare.stdin.close()

    def _enforce_stops(self) -> None:
        if not self.workers:
            return
        wanted = self.records.stops_wanted()
        now = time.monotonic()
        for worker in self.workers.values():
            if worker.job_id in wanted and worker.stop_sent_at is None:
                worker.stop_sent_at = now
                signal_group(worker.process, signal.SIGTERM)
            elif worker.stop_sent_at is not None and not worker.killed and \
                    now - worker.stop_sent_at > self.stop_grace_s:
                worker.killed = True
                signal_group(worker.process, signal.SIGKILL)

    def _reap(self, shutdown: bool = False) -> None:
        for job_id, worker in list(self.workers.items()):
            code = worker.process.poll()
            if code is None:
                continue
            del self.workers[job_id]
            if worker.ranks > 1:  # torchrun is gone: so is every rank (normally gone already)
                end_ranks(self.ws.jobs_dir / job_id)
            if worker.stop_sent_at is not None:
                note = (job_note("note_stop_forced", seconds=self.stop_grace_s) if worker.killed
                        else worker.reason or job_note("note_stopped_before_start"))
                self.records.finish(job_id, JobStatus.STOPPED, note=note)
            else:
                note = (job_note("note_server_shut_down") if shutdown
                        else job_note("note_worker_gone", pid=worker.process.pid)
                        if isinstance(worker.process, Adopted)
                        else job_note("note_ranks_exited", world=worker.ranks, code=code)
                        if worker.ranks > 1
                        else job_note("note_worker_killed", signal=-code) if code < 0
                        else job_note("note_worker_exited", code=code))
                self.records.finish(job_id, JobStatus.INTERRUPTED, note=note)
            self._event("end", job_id)

    @property
    def running(self) -> list[str]:
        return list(self.workers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run trainlab's job scheduler until interrupted.")
    parser.add_argument("workspace", nargs="?", default=None)
    parser.add_argument("--max-concurrent", type=int, default=None)
    parser.add_argument("--gpus", default=None, help="comma-separated GPU ids (default: all)")
    parser.add_argument("--stop-grace-seconds", type=float, default=10.0)
    parser.add_argument("--max-job-seconds", type=float, default=0.0, help="stop longer jobs")
    args = ray_driver.add_executor_arguments(parser).parse_args(argv)
    gpus = gpu_set(None if args.gpus is None else [g for g in args.gpus.split(",") if g], "--gpus")
    scheduler = Scheduler(Workspace(args.workspace), max_concurrent=args.max_concurrent, gpus=gpus,
                          stop_grace_s=args.stop_grace_seconds, max_job_seconds=args.max_job_seconds,
                          **ray_driver.executor_options(args))
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    scheduler.start()
    print(f"trainlab scheduler on {scheduler.ws.path}: up to {scheduler.max_concurrent} job(s),"
          f" GPUs: {', '.join(scheduler.gpus) or 'none'}", flush=True)
    done.wait()
    scheduler.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
