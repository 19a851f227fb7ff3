"""The Ray side of a Ray job: what runs inside each Ray Train worker, and the storage they share.

Each worker runs :func:`train_loop`, which calls trainlab's own :func:`trainlab.training.fit`
(the same loop as a local job) in a scratch workspace of its own: the job's datasets are
copied there from ``storage_path/<job_id>/data/``, because a worker may be on a machine that
cannot open the job's workspace. Ray Train has already joined the workers into a torch process
group and set ``RANK``/``WORLD_SIZE``, so the loop runs DDP as under ``torchrun``.

Rank 0 alone speaks: every event of the run (start, progress, evaluations, checkpoints, the
end, an error) goes to the :class:`~trainlab.jobs.ray_relay.Relay` actor the driver made, and
the driver writes them into the workspace. Checkpoints are copied to
``storage_path/<job_id>/checkpoints/`` as soon as they are written, and the model to
``storage_path/<job_id>/model/`` at the end; a run (re)started with a checkpoint there
continues from it (a resume, or Ray Train's restart after a lost node). A stop asked of the
relay is seen by rank 0, and through the loop's all-reduce by every rank at the same step.

``ray``, ``pyarrow.fs`` and torch (through trainlab's training) are imported inside the
functions that use them: Ray's controller unpickles :func:`train_loop` and stays torch-free.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

STOP_POLL_S = 0.25  # how often a worker asks the relay whether to stop
CHECKPOINT_FILES = ("last.pt", "best.pt")


class Storage:
    """The folder (or object store URL, through ``pyarrow.fs``) all nodes reach:
    ``<storage_path>/<job_id>/{data,checkpoints,model}``."""

    def __init__(self, storage_path: str, job_id: str) -> None:
        from pyarrow import fs

        if "://" in storage_path:
            self.fs, root = fs.FileSystem.from_uri(storage_path)
        else:
            self.fs, root = fs.LocalFileSystem(), os.path.abspath(os.path.expanduser(storage_path))
        self.root = f"{root.rstrip('/')}/{job_id}"

    def path(self, *parts: str) -> str:
        """A path inside the job's storage folder."""
        return "/".join((self.root, *parts))

    def exists(self, *parts: str) -> bool:
        """Whether that file or folder is there."""
        from pyarrow import fs

        return self.fs.get_file_info(self.path(*parts)).type != fs.FileType.NotFound

    def put(self, local: Path, *parts: str) -> None:
        """Copy a local file or folder there; a file is written beside and renamed into place."""
        from pyarrow import fs

        target = self.path(*parts)
        self.fs.create_dir(target.rsplit("/", 1)[0], recursive=True)
        if local.is_dir():
            self.fs.create_dir(target, recursive=True)
            fs.copy_files(str(local), target, source_filesystem=fs.LocalFileSystem(),
                          destination_filesystem=self.fs)
            return
        partial = f"{target}.partial"
        fs.copy_files(str(local), partial, source_filesystem=fs.LocalFileSystem(),
                      destination_filesystem=self.fs)
        self.fs.move(partial, target)

    def get(self, local: Path, *parts: str) -> bool:
        """Copy a file or folder from there to ``local``; False when it is not there."""
        from pyarrow import fs

        if not self.exists(*parts):
            return False
        local.parent.mkdir(parents=True, exist_ok=True)
        if self.fs.get_file_info(self.path(*parts)).type == fs.FileType.Directory:
            local.mkdir(exist_ok=True)
        fs.copy_files(self.path(*parts), str(local), source_filesystem=self.fs,
                      destination_filesystem=fs.LocalFileSystem())
        return True

    def get_checkpoints(self, folder: Path) -> bool:
        """The stored checkpoints into ``folder``; True when there is a ``last.pt``."""
        for name in CHECKPOINT_FILES:
            if self.exists("checkpoints", name):
                partial = folder / f"{name}.partial"
                self.get(partial, "checkpoints", name)
                os.replace(partial, folder / name)
        return (folder / "last.pt").is_file()


def _forward(relay: Any, storage: Storage, checkpoints: Path) -> Any:
    """Rank 0's callback: every event to the relay, each checkpoint to the storage first.
    (Made here, so that importing this module imports no torch.)"""
    from trainlab.training.callbacks import Callback

    class Forward(Callback):
        def on_start(self, info: dict[str, Any]) -> None:
            relay.push.remote("start", info)

        def on_step(self, *args: Any) -> None:
            relay.push.remote("step", args)

        def on_throughput(self, *args: Any) -> None:
            relay.push.remote("throughput", args)

        def on_eval(self, metrics: dict[str, Any]) -> None:
            relay.push.remote("eval", metrics)

        def on_checkpoint(self, path: str) -> None:
            for name in CHECKPOINT_FILES:
                if (checkpoints / name).is_file():
                    storage.put(checkpoints / name, "checkpoints", name)
            relay.push.remote("checkpoint", path)

        def on_end(self, result: Any) -> None:
            relay.push.remote("end", result.to_dict())

    return Forward()


class _RemoteStop:
    """Rank 0's stop callable: the relay's flag, asked at most every ``STOP_POLL_S``; once seen,
    it stays seen."""

    def __init__(self, relay: Any) -> None:
        self.relay, self.seen, self._next = relay, False, 0.0

    def __call__(self) -> bool:
        import ray

        now = time.monotonic()
        if not self.seen and now >= self._next:
            self._next = now + STOP_POLL_S
            self.seen = bool(ray.get(self.relay.stopping.remote(), timeout=30))
        return self.seen


def _restore_dataset(ws: Any, storage: Storage, row: dict[str, Any]) -> None:
    """The staged dataset ``row["id"]`` made a dataset of the scratch workspace ``ws``, with the
    same id, files and record as in the job's workspace."""
    folder = ws.datasets_dir / row["id"]
    if not storage.get(folder, "data", row["id"]):
        raise FileNotFoundError(storage.path("data", row["id"]))
    names = list(row)
    ws.store.execute(f"INSERT INTO datasets ({', '.join(names)}) VALUES"
                     f" ({', '.join('?' * len(names))})", tuple(row[n] for n in names))


def scratch_folder(job_id: str, rank: int) -> Path:
    """The scratch workspace of one rank of a job on its node: the same path for every attempt,
    so a restart or a resume removes what a killed attempt left (its ``finally`` never ran)."""
    return Path(tempfile.gettempdir()) / "trainlab-ray" / f"{job_id}-r{rank}"


def train_loop(config: dict[str, Any]) -> None:
    """One Ray Train worker: trainlab's ``fit`` on the job's data, rank 0 reporting to the relay.

    ``config``: job_id, storage_path, relay (the actor's handle), datasets (their records) and
    fit_kwargs (dataset, task, columns, device and the job's hyperparameters).
    """
    import ray.train

    from trainlab.jobs.reporting import error_record
    from trainlab.training import fit
    from trainlab.workspace import Workspace

    job_id, relay = config["job_id"], config["relay"]
    rank = ray.train.get_context().get_world_rank()
    storage = Storage(config["storage_path"], job_id)
    scratch = scratch_folder(job_id, rank)  # a killed attempt's folder is reclaimed here
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        ws = Workspace(scratch)
        for row in config["datasets"]:
            _restore_dataset(ws, storage, row)
        checkpoints = ws.jobs_dir / job_id / "checkpoints"
        checkpoints.mkdir(parents=True, exist_ok=True)
        kwargs = dict(config["fit_kwargs"])
        if storage.get_checkpoints(checkpoints):  # a resume, or Ray Train's restart
            kwargs["resume_from"] = str(checkpoints / "last.pt")
        callbacks = [_forward(relay, storage, checkpoints)] if rank == 0 else []
        # Rank 0 alone asks the relay: the loop shares its answer with every rank, and the rank
        # that reports must be the one that saw the request (else a stop reads as early stopping)
        stop = _RemoteStop(relay) if rank == 0 else None
        try:
            result = fit(workspace=ws, job_id=job_id, stop=stop, callbacks=callbacks, **kwargs)
            if rank == 0:
                folder = ws.jobs_dir / job_id
                for name in ("config.json", "result.json"):
                    storage.put(folder / name, name)
                storage.put(Path(result.model_path), "model")
                ray.get(relay.push.remote("saved", None))
        except Exception as exc:
            if rank == 0:
                ray.get(relay.push.remote("error", error_record(exc)))
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
