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
import json
import os
import sys
import time
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
# The notes of a job interrupted by a server restart (not by its own crash): resumed.
_RESTART_NOTES = ("note_server_shut_down", "note_shut_down_resume", "note_worker_gone",
                  "note_no_heartbeat")
# Per (workspace, experiment): its Optuna study and the signature after its last turn, kept
# across turns (a journal is replayed once, then read incrementally); and the last error
# printed (text, time), so a broken experiment does not print on every tick.
_STUDIES: dict[tuple[str, str], tuple[Any, tuple[Any, ...], tuple[Any, ...]]] = {}
_PRINTED: dict[tuple[str, str], tuple[str, float]] = {}
PRINT_EVERY_S = 600.0


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
    how many trials run at once where the experiment did not say (the scheduler's slots).
    A turn is skipped for an experiment where nothing changed since its last one."""
    records = ExperimentRecords(ws)
    ids = records.running_ids()
    for key in [k for k in _STUDIES if k[0] == str(ws.path) and k[1] not in ids]:
        del _STUDIES[key]  # ended experiments: their studies are not kept
    for experiment_id in ids:
        key = (str(ws.path), experiment_id)
        try:
            with _locked(experiment_dir(ws, experiment_id)) as mine:
                if mine:
                    _advance_one(ws, records, experiment_id, default_concurrency)
        except Exception as exc:  # one broken experiment never stops the scheduler or the others
            _STUDIES.pop(key, None)  # reopened next turn
            _failed_turn(records, key, exc)


def advance_one(ws: Workspace, experiment_id: str) -> bool:
    """One turn of one experiment now, under its lock (False: another process holds it and
    does the turn). :meth:`ExperimentStore.stop` uses it to end the trials whose jobs are
    done, with or without a scheduler."""
    with _locked(experiment_dir(ws, experiment_id)) as mine:
        if mine:
            _advance_one(ws, ExperimentRecords(ws), experiment_id, 1)
        return mine


def _failed_turn(records: ExperimentRecords, key: tuple[str, str], exc: Exception) -> None:
    """Keep the error on the experiment (its note) and print it once per error and
    :data:`PRINT_EVERY_S`."""
    text = f"{type(exc).__name__}: {exc}"[:500]
    with contextlib.suppress(Exception):  # the store itself may be what fails
        records.set_note(key[1], job_note("experiment_turn_failed", error=text))
    last = _PRINTED.get(key)
    now = time.monotonic()
    if last is None or last[0] != text or now - last[1] >= PRINT_EVERY_S:
        _PRINTED[key] = (text, now)
        print(f"trainlab experiment {key[1]}: {text}", file=sys.stderr)


def live_trial(s: Any, frozen: Any) -> Any:
    """Optuna's handle on a trial it stores (``frozen``: the study's FrozenTrial), to report an
    intermediate value and ask the pruner.

    Optuna hands a :class:`optuna.trial.Trial` only to the caller of ``study.ask()``; the driver
    asks in one scheduler turn and reports in later ones, maybe in another process, and Optuna
    has no public way to get the handle again. ``Trial(study, trial_id)`` is what ``ask`` builds
    itself; this one helper is the only use of the private ``_trial_id``
    (tests/jobs/test_driver.py pins it against the installed Optuna)."""
    import optuna

    return optuna.trial.Trial(s, frozen._trial_id)


def best_value(history: list[tuple[int, float]], direction: str) -> float | None:
    """The best value of a metric's history (None when it has none)."""
    values = [v for _, v in history]
    if not values:
        return None
    return max(values) if direction == "maximize" else min(values)


def _advance_one(ws: Workspace, records: ExperimentRecords, experiment_id: str,
                 default_concurrency: int) -> None:
    import optuna

    key = (str(ws.path), experiment_id)
    cached = _STUDIES.get(key)
    # Skipped only when nothing changed during the last turn nor since: a job that ends while
    # a turn runs shows in that turn's end signature but not in what it read (compared with
    # the end alone, the trial stayed running for ever); a turn's own writes that a job then
    # undoes (queued again, interrupted again) show only against the end.
    seen = records.signature(experiment_id)
    if cached is not None and cached[1] == cached[2] == seen:
        return  # nothing changed since the last turn
    exp = records.get(experiment_id)
    if exp is None:
        return
    space = parse_space(exp["space"], exp["strategy"])
    trials = records.trials(experiment_id)
    s = cached[0] if cached is not None else study(
        experiment_dir(ws, experiment_id), experiment_id, exp["direction"], exp["strategy"],
        exp["seed"], space, exp["pruner"], len(trials))
    state = optuna.trial.TrialState
    known = {t["number"] for t in trials}
    frozen = {t.number: t for t in s.get_trials(deepcopy=False)}
    for number, trial in frozen.items():  # asked, then the process died before recording it
        if number not in known and trial.state == state.RUNNING:
            s.tell(number, state=state.FAIL)
    running = 0
    for trial in trials:
        if trial["state"] == "running":
            running += _follow(ws, records, exp, trial, s, frozen.get(trial["number"]))
            continue
        found = frozen.get(trial["number"])
        if found is not None and found.state == state.RUNNING:  # a lost tell: told again
            told = {"completed": None, "pruned": state.PRUNED}.get(trial["state"], state.FAIL)
            s.tell(trial["number"], trial["value"] if told is None else None, state=told,
                   skip_if_finished=True)
        job = ws.jobs.records.get(trial["job_id"]) if trial["job_id"] else None
        if job is not None and not job.done:  # a pruned job still stopping, or resumed by hand
            running += trial["state"] == "pruned"
        elif job is not None and job.status != trial["job_status"]:
            _ended_again(ws, records, exp, trial, job, s, space)
    if exp["status"] == "running":
        _ask(ws, records, exp, s, space, len(trials), running, default_concurrency)
    _STUDIES[key] = (s, seen, records.signature(experiment_id))


def _ask(ws: Workspace, records: ExperimentRecords, exp: dict[str, Any], s: Any,
         space: dict[str, Any], total: int, running: int, default_concurrency: int) -> None:
    """Queue new trials up to the experiment's concurrency; complete it when all have ended."""
    limit = exp["max_concurrent"] or default_concurrency
    dists = distributions(space)
    grid = grid_points(space) if exp["strategy"] == "grid" else None
    wanted = min(exp["trials"], len(grid)) if grid is not None else exp["trials"]
    while total < wanted and running < limit:
        if grid is not None:  # the next point of the grid, in order
            s.enqueue_trial(grid[total], skip_if_exists=False)
        asked = s.ask(dists)
        total += 1
        if not records.add_trial(exp["id"], asked.number, asked.params):
            continue
        submitted = _submit(ws, records, exp, asked, s)
        if submitted is None:  # the experiment cannot go on (its dataset is gone)
            return
        running += submitted
    if total >= wanted and running == 0:
        records.set_status(exp["id"], "completed")


def _ended_again(ws: Workspace, records: ExperimentRecords, exp: dict[str, Any],
                 trial: dict[str, Any], job: Any, s: Any, space: dict[str, Any]) -> None:
    """An ended trial whose job was resumed by hand and has ended again: completed with its
    value when the job completed (Optuna gets it as a completed trial of its own: the first
    one stays failed there), else only the job's status is recorded."""
    import optuna

    value = best_value(records.val_history(job.id, exp["metric"]), exp["direction"])
    if job.status == JobStatus.COMPLETED and value is not None and records.end_trial(
            exp["id"], trial["number"], "completed", value, job.status,
            only_from=trial["state"]):
        s.add_trial(optuna.trial.create_trial(
            params=trial["params"], distributions=distributions(space), value=value))
    else:
        records.saw_job(exp["id"], trial["number"], job.status)


def _follow(ws: Workspace, records: ExperimentRecords, exp: dict[str, Any],
            trial: dict[str, Any], s: Any, frozen: Any) -> int:
    """Report a running trial's new validation values, prune it or tell how it ended; 1 if its
    job still runs (or was resumed after a server restart)."""
    import optuna

    from trainlab.jobs.service import JobConflict

    state = optuna.trial.TrialState
    experiment_id, number = exp["id"], trial["number"]
    job = ws.jobs.records.get(trial["job_id"]) if trial["job_id"] else None
    if job is None or frozen is None:  # never submitted (a process died), or deleted since
        if records.end_trial(experiment_id, number, "failed") and frozen is not None:
            s.tell(number, state=state.FAIL, skip_if_finished=True)
        return 0
    metric = exp["metric"]
    history = records.val_history(job.id, metric)
    live = live_trial(s, frozen)
    for step, value in history:
        if step > trial["reported_step"]:
            live.report(value, step)  # told Optuna first: a crash here reports it again
            if not records.reported(experiment_id, number, step):
                continue
            if not job.done and live.should_prune() and \
                    records.end_trial(experiment_id, number, "pruned", value, job.status):
                ws.jobs.records.set_note(job.id, job_note(
                    "note_pruned", step=step, metric=metric, value=round(value, 6),
                    pruner=exp["pruner"]))
                with contextlib.suppress(JobConflict):
                    ws.jobs.stop(job.id)
                s.tell(number, state=state.PRUNED, skip_if_finished=True)
                return 1  # its job holds a slot until it has stopped
    if not job.done:
        return 1
    if job.status == JobStatus.INTERRUPTED and exp["status"] == "running" and \
            _note_code(ws, job.id) in _RESTART_NOTES:
        with contextlib.suppress(JobConflict):  # resumed already by someone else: as good
            ws.jobs.resume(job.id)
        return 1
    ended = _ENDED[job.status]
    value = best_value(history, exp["direction"])
    if ended == "completed" and value is None:
        ended = "failed"
    if records.end_trial(experiment_id, number, ended, value, job.status):
        if ended == "completed":
            s.tell(number, value, skip_if_finished=True)
        else:
            s.tell(number, state=state.FAIL, skip_if_finished=True)
    return 0


def _note_code(ws: Workspace, job_id: str) -> str | None:
    """The message code of the job's stored note (None without one)."""
    rows = ws.store.query("SELECT note FROM jobs WHERE id=?", (job_id,))
    note = rows[0]["note"] if rows else None
    if not note or not note.startswith("{"):
        return None
    return json.loads(note).get("code")


def _submit(ws: Workspace, records: ExperimentRecords, exp: dict[str, Any], asked: Any,
            s: Any) -> int | None:
    """Queue the trial's job (1), or record it failed with why when its point cannot run (0);
    None when the experiment's dataset is gone (the experiment is stopped, with a note)."""
    import optuna

    params = apply(exp["params"], asked.params)
    try:
        job = ws.jobs.submit(dataset_id=exp["dataset_id"], task=exp["task"],
                             columns=exp["columns"], params=params, device=exp["device"],
                             name=f"{exp['name']} #{asked.number}", warn=False)
    except TrainlabError as exc:
        records.end_trial(exp["id"], asked.number, "failed",
                          error={"code": exc.code, "params": exc.params})
        s.tell(asked.number, state=optuna.trial.TrialState.FAIL, skip_if_finished=True)
        if exc.code == "dataset_not_found":
            records.set_note(exp["id"], job_note("experiment_dataset_gone",
                                                 dataset=exp["dataset_id"]))
            records.set_status(exp["id"], "stopped")
            return None
        return 0
    records.link(exp["id"], asked.number, job.id)
    now = records.get(exp["id"])
    if now is not None and now["status"] == "stopped":  # stopped while this one was queued
        from trainlab.jobs.service import JobConflict

        with contextlib.suppress(JobConflict):
            ws.jobs.stop(job.id)
    return 1
