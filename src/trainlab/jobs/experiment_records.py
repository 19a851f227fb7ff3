"""Every SQL statement on the ``experiments`` and ``experiment_trials`` tables (issue 19).

An experiment's record says what is searched and how; each trial row links a trial number to
its job, its sampled parameters, its state (``running`` while its job is queued or running,
then ``completed``, ``failed``, ``pruned`` or ``stopped``) and its value. Every state change is
one conditional UPDATE, so two schedulers never both tell Optuna about the same trial.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from trainlab import i18n
from trainlab.jobs.records import now_iso, render_note

if TYPE_CHECKING:
    from trainlab.workspace import Workspace

EXPERIMENT_STATES = ("running", "completed", "stopped")
TRIAL_STATES = ("running", "completed", "failed", "pruned", "stopped")
_JSON = ("columns", "space", "params")


def _experiment(row: Any) -> dict[str, Any]:
    out = dict(row)
    for key in _JSON:
        out[key] = json.loads(out.pop(f"{key}_json"))
    out["note"] = render_note(out.get("note"))
    return out


def _trial(row: Any) -> dict[str, Any]:
    out = dict(row)
    out["params"] = json.loads(out.pop("params_json"))
    error = out.pop("error_json", None)
    kept = json.loads(error) if error else None  # rendered in the reader's language
    out["error"] = kept and {**kept, "message": i18n.render(kept["code"], kept["params"])}
    return out


class ExperimentRecords:
    """The experiments of one workspace, as plain dicts."""

    def __init__(self, ws: Workspace) -> None:
        self.store = ws.store

    def insert(self, record: dict[str, Any]) -> None:
        now = now_iso()
        row = {**{k: v for k, v in record.items() if k not in _JSON},
               **{f"{k}_json": json.dumps(record[k]) for k in _JSON},
               "status": "running", "created_at": now, "updated_at": now}
        names = ", ".join(row)
        self.store.execute(f"INSERT INTO experiments ({names}) VALUES ({', '.join('?' * len(row))})",
                           tuple(row.values()))

    def get(self, experiment_id: str) -> dict[str, Any] | None:
        rows = self.store.query("SELECT * FROM experiments WHERE id=?", (experiment_id,))
        return _experiment(rows[0]) if rows else None

    def find(self, limit: int, cursor: str | None) -> list[dict[str, Any]]:
        """Newest first, ``limit`` at most, older than the id ``cursor``."""
        sql, args = "SELECT * FROM experiments", []
        if cursor:
            sql, args = sql + " WHERE id < ?", [cursor]
        rows = self.store.query(sql + " ORDER BY id DESC LIMIT ?", (*args, limit))
        return [_experiment(r) for r in rows]

    def running_ids(self) -> list[str]:
        """The experiments that still ask or tell: running ones, stopped ones with trials to
        tell, and ended ones whose trial's job changed since it was told (resumed by hand)."""
        rows = self.store.query(
            "SELECT id FROM experiments WHERE status='running' OR id IN"
            " (SELECT t.experiment_id FROM experiment_trials t WHERE t.state='running' OR"
            "  (t.job_id IS NOT NULL AND t.state!='completed' AND"
            "   t.job_status IS NOT (SELECT status FROM jobs WHERE id=t.job_id))) ORDER BY id")
        return [r["id"] for r in rows]

    def set_status(self, experiment_id: str, status: str, only_from: str = "running") -> bool:
        return self.store.execute(
            "UPDATE experiments SET status=?, updated_at=? WHERE id=? AND status=?",
            (status, now_iso(), experiment_id, only_from)) == 1

    def set_note(self, experiment_id: str, note: str | None) -> None:
        """The experiment's note (a :func:`~trainlab.jobs.records.job_note`), None to clear."""
        self.store.execute("UPDATE experiments SET note=? WHERE id=?", (note, experiment_id))

    def signature(self, experiment_id: str) -> tuple[Any, ...]:
        """What a turn of the driver depends on: the experiment's status and, per trial, its
        state, its job's status and the job's last metric row. Equal: nothing to do."""
        rows = self.store.query(
            "SELECT t.number, t.state, t.job_id, t.job_status, j.status,"
            " (SELECT MAX(rowid) FROM job_metrics m WHERE m.job_id=t.job_id) FROM"
            " experiment_trials t LEFT JOIN jobs j ON j.id=t.job_id WHERE t.experiment_id=?"
            " ORDER BY t.number", (experiment_id,))
        status = self.store.query("SELECT status FROM experiments WHERE id=?", (experiment_id,))
        return (status[0][0] if status else None, *(tuple(r) for r in rows))

    def delete(self, experiment_id: str) -> None:
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM experiment_trials WHERE experiment_id=?", (experiment_id,))
            conn.execute("DELETE FROM experiments WHERE id=?", (experiment_id,))
            conn.execute("UPDATE jobs SET experiment_id=NULL, trial=NULL WHERE experiment_id=?",
                         (experiment_id,))

    # -- trials ------------------------------------------------------------------------------
    def trials(self, experiment_id: str) -> list[dict[str, Any]]:
        rows = self.store.query("SELECT * FROM experiment_trials WHERE experiment_id=?"
                                " ORDER BY number", (experiment_id,))
        return [_trial(r) for r in rows]

    def add_trial(self, experiment_id: str, number: int, params: dict[str, Any]) -> bool:
        """Claim trial ``number`` (False: it exists already)."""
        with self.store.transaction() as conn:
            return conn.execute(
                "INSERT OR IGNORE INTO experiment_trials (experiment_id, number, params_json, state)"
                " VALUES (?, ?, ?, 'running')", (experiment_id, number, json.dumps(params))
            ).rowcount == 1

    def link(self, experiment_id: str, number: int, job_id: str) -> None:
        """The trial's job, and the job's experiment and trial number, in one transaction."""
        with self.store.transaction() as conn:
            conn.execute("UPDATE experiment_trials SET job_id=? WHERE experiment_id=? AND number=?",
                         (job_id, experiment_id, number))
            conn.execute("UPDATE jobs SET experiment_id=?, trial=? WHERE id=?",
                         (experiment_id, number, job_id))
            conn.execute("UPDATE experiments SET updated_at=? WHERE id=?", (now_iso(), experiment_id))

    def end_trial(self, experiment_id: str, number: int, state: str,
                  value: float | None = None, job_status: str | None = None,
                  error: dict[str, Any] | None = None, only_from: str = "running") -> bool:
        """Move a trial from ``only_from`` to ``state`` (``job_status``: its job's status then;
        ``error``: the code and params of why it could not run); False when another process did
        it first."""
        with self.store.transaction() as conn:
            done = conn.execute(
                "UPDATE experiment_trials SET state=?, value=?, job_status=?, error_json=?"
                " WHERE experiment_id=? AND number=? AND state=?",
                (state, value, job_status, json.dumps(error, default=str) if error else None,
                 experiment_id, number, only_from)).rowcount == 1
            if done:
                conn.execute("UPDATE experiments SET updated_at=? WHERE id=?",
                             (now_iso(), experiment_id))
        return done

    def saw_job(self, experiment_id: str, number: int, job_status: str) -> None:
        """Record the job status an ended trial has seen (its job was resumed, then ended)."""
        self.store.execute("UPDATE experiment_trials SET job_status=? WHERE experiment_id=? AND"
                           " number=?", (job_status, experiment_id, number))

    def reported(self, experiment_id: str, number: int, step: int) -> bool:
        """Move the trial's last reported step forward to ``step``; False when it is there."""
        return self.store.execute(
            "UPDATE experiment_trials SET reported_step=? WHERE experiment_id=? AND number=?"
            " AND reported_step<? AND state='running'", (step, experiment_id, number, step)) == 1

    def val_history(self, job_id: str, metric: str) -> list[tuple[int, float]]:
        """(step, value) of the job's validation ``metric``, in step order, nulls left out."""
        rows = self.store.query("SELECT step, value FROM job_metrics WHERE job_id=? AND split='val'"
                                " AND name=? AND value IS NOT NULL ORDER BY step, rowid",
                                (job_id, metric))
        return [(r["step"], r["value"]) for r in rows]
