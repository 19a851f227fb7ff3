"""One turn of every experiment: tell Optuna how trials went, prune weak ones, ask for new ones.

:func:`advance` runs in the scheduler's tick (:meth:`trainlab.jobs.Scheduler.tick`), so a search
goes on with no kernel attached. Each experiment is advanced under a file lock of its own (a
second scheduler skips it for this turn), and every trial's state change is a conditional
UPDATE (:class:`~trainlab.jobs.experiment_records.ExperimentRecords`), so a trial is never
submitted or told twice. A turn with nothing to do costs one indexed query.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trainlab.errors import TrainlabError
from trainlab.jobs.experiment_records import ExperimentRecords
from trainlab.jobs.records import JobStatus, job_note
from trainlab.jobs.search import apply, distributions, grid_points, parse_space, study

if TYPE_CHECKING:
    from trainlab.workspace import Workspace

# A finished job's status -> its trial's state (a completed job without a value failed).
_ENDED = {JobStatus.COMPLETED: "completed", JobStatus.FAILED: "failed",
          JobStatus.INTERRUPTED: "failed", JobStatus.STOPPED: "stopped"}


def experiment_dir(ws: Workspace, experiment_id: str) -> Path:
    """``<workspace>/experiments/<id>``: the Optuna journal and the lock."""
    return ws.path / "experiments" / experiment_id


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[bool]:
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing releases the lock


def advance(ws: Workspace, default_concurrency: int = 1) -> None:
    """Advance every experiment that is running or has trials to tell; ``default_concurrency``:
    how many trials run at once where the experiment did not say (the scheduler's slots)."""
    records = ExperimentRecords(ws)
    for experiment_id in records.running_ids():
        try:
            with _locked(experiment_dir(ws, experiment_id)) as mine:
                if mine:
                    _advance_one(ws, records, experiment_id, default_concurrency)
        except Exception as exc:  # one broken experiment never stops the scheduler or the others
            print(f"trainlab experiment {experiment_id}: {type(exc).__name__}: {exc}",
                  file=sys.stderr)


def best_value(history: list[tuple[int, float]], direction: str) -> float | None:
    """The best value of a metric's history (None when it has none)."""
    values = [v for _, v in history]
    if not values:
        return None
    return max(values) if direction == "maximize" else min(values)


def _advance_one(ws: Workspace, records: ExperimentRecords, experiment_id: str,
                 default_concurrency: int) -> None:
    import optuna

    exp = records.get(experiment_id)
    if exp is None:
        return
    space = parse_space(exp["space"], exp["strategy"])
    trials = records.trials(experiment_id)
    s = study(experiment_dir(ws, experiment_id), experiment_id, exp["direction"], exp["strategy"],
              exp["seed"], space, exp["pruner"], len(trials))
    known = {t["number"] for t in trials}
    frozen = {t.number: t for t in s.get_trials(deepcopy=False)}
    for number, trial in frozen.items():  # asked, then the process died before recording it
        if number not in known and trial.state == optuna.trial.TrialState.RUNNING:
            s.tell(number, state=optuna.trial.TrialState.FAIL)
    running = 0
    for trial in trials:
        if trial["state"] == "running":
            running += _follow(ws, records, exp, trial, s, frozen.get(trial["number"]))
        elif trial["state"] == "pruned" and trial["job_id"]:  # its job still stopping: a slot
            job = ws.jobs.records.get(trial["job_id"])
            running += job is not None and not job.done
    if exp["status"] != "running":
        return
    limit = exp["max_concurrent"] or default_concurrency
    total = len(trials)
    dists = distributions(space)
    grid = grid_points(space) if exp["strategy"] == "grid" else None
    wanted = min(exp["trials"], len(grid)) if grid is not None else exp["trials"]
    while total < wanted and running < limit:
        if grid is not None:  # the next point of the grid, in order
            s.enqueue_trial(grid[total], skip_if_exists=False)
        asked = s.ask(dists)
        total += 1
        if not records.add_trial(experiment_id, asked.number, asked.params):
            continue
        running += _submit(ws, records, exp, asked, s)
    if total >= wanted and running == 0:
        records.set_status(experiment_id, "completed")


def _follow(ws: Workspace, records: ExperimentRecords, exp: dict[str, Any],
            trial: dict[str, Any], s: Any, frozen: Any) -> int:
    """Report a running trial's new validation values, prune it or tell how it ended; 1 if its
    job still runs."""
    import optuna

    from trainlab.jobs.service import JobConflict

    state = optuna.trial.TrialState
    experiment_id, number = exp["id"], trial["number"]
    job = ws.jobs.records.get(trial["job_id"]) if trial["job_id"] else None
    if job is None or frozen is None:  # never submitted (a process died), or deleted since
        if records.end_trial(experiment_id, number, "failed") and frozen is not None and \
                frozen.state == state.RUNNING:
            s.tell(number, state=state.FAIL)
        return 0
    metric = exp["metric"]
    history = records.val_history(job.id, metric)
    live = optuna.trial.Trial(s, frozen._trial_id)  # Optuna's handle on a trial it stores
    for step, value in history:
        if step > trial["reported_step"] and records.reported(experiment_id, number, step):
            live.report(value, step)
            if not job.done and live.should_prune() and \
                    records.end_trial(experiment_id, number, "pruned", value):
                ws.jobs.records.set_note(job.id, job_note(
                    "note_pruned", step=step, metric=metric, value=round(value, 6),
                    pruner=exp["pruner"]))
                with contextlib.suppress(JobConflict):
                    ws.jobs.stop(job.id)
                s.tell(number, state=state.PRUNED)
                return 1  # its job holds a slot until it has stopped
    if not job.done:
        return 1
    ended = _ENDED[job.status]
    value = best_value(history, exp["direction"])
    if ended == "completed" and value is None:
        ended = "failed"
    if records.end_trial(experiment_id, number, ended, value):
        if ended == "completed":
            s.tell(number, value)
        else:
            s.tell(number, state=state.FAIL)
    return 0


def _submit(ws: Workspace, records: ExperimentRecords, exp: dict[str, Any], asked: Any,
            s: Any) -> int:
    """Queue the trial's job (1), or record it failed when its point cannot run (0)."""
    import optuna

    params = apply(exp["params"], asked.params)
    try:
        job = ws.jobs.submit(dataset_id=exp["dataset_id"], task=exp["task"],
                             columns=exp["columns"], params=params, device=exp["device"],
                             name=f"{exp['name']} #{asked.number}", warn=False)
    except TrainlabError:
        records.end_trial(exp["id"], asked.number, "failed")
        s.tell(asked.number, state=optuna.trial.TrialState.FAIL)
        return 0
    records.link(exp["id"], asked.number, job.id)
    now = records.get(exp["id"])
    if now is not None and now["status"] == "stopped":  # stopped while this one was queued
        from trainlab.jobs.service import JobConflict

        with contextlib.suppress(JobConflict):
            ws.jobs.stop(job.id)
    return 1
