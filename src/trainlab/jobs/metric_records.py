"""The SQL of a job's metrics history (the ``job_metrics`` table and the job's ``metrics_run``),
part of :class:`~trainlab.jobs.records.Records`.

Rows are read two ways: by step (``ws.jobs.metrics``, a chart's history) and in the order they
were written, by rowid (REST's events cursor ``"<run>.<rowid>"``: a row written late for an
early step, e.g. a validation point after the next training point, is still found). The rowid
of ``job_metrics`` is stable: rows are only appended and deleted, and the workspace never
runs VACUUM. A run that repeats steps (a resume after its checkpoint, or from scratch)
deletes their old rows and adds one to the job's ``metrics_run`` in the same transaction, so
a cursor from before it is recognisably old (new rows may reuse deleted rowids).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trainlab.workspace.store import Store


class MetricRecords:
    """The metrics methods of :class:`~trainlab.jobs.records.Records` (needs ``self.store``)."""

    store: Store

    def metrics(self, job_id: str, since_step: int) -> list[dict[str, Any]]:
        """The points from ``since_step`` on, by step (the rows of a step in written order)."""
        rows = self.store.query(
            "SELECT step, epoch, split, name, value, time FROM job_metrics"
            " WHERE job_id=? AND step>=? ORDER BY step, rowid", (job_id, since_step))
        return [dict(r) for r in rows]

    def metrics_after(self, job_id: str, after: int, since_step: int = 0, by_step: bool = False
                      ) -> tuple[int, int, list[dict[str, Any]]]:
        """One snapshot of the history in written order: ``(run, last, rows)``. ``run`` is the
        job's metrics run (0, one more at each :meth:`truncate_metrics`; 0 for an unknown job),
        ``rows`` the points with ``rowid > after`` and ``step >= since_step`` ordered by rowid,
        each with its ``rowid``, and ``last`` the job's last rowid (``after`` or more when the
        cursor is of this run; a row at or below it that is not in ``rows`` has a step below
        ``since_step``). ``by_step`` orders the rows as :meth:`metrics` does."""
        with self.store.snapshot() as conn:
            head = conn.execute(
                "SELECT metrics_run, (SELECT MAX(rowid) FROM job_metrics WHERE job_id=?)"
                " FROM jobs WHERE id=?", (job_id, job_id)).fetchone()
            rows = conn.execute(
                "SELECT rowid, step, epoch, split, name, value, time FROM job_metrics"
                " WHERE job_id=? AND rowid>? AND step>=? ORDER BY "
                + ("step, rowid" if by_step else "rowid"),
                (job_id, after, since_step)).fetchall()
        run, last = (head[0], head[1] or 0) if head else (0, 0)
        return run, last, [dict(r) for r in rows]

    def metrics_run(self, job_id: str) -> int | None:
        """The job's metrics run (see :meth:`metrics_after`); None for an unknown job."""
        rows = self.store.query("SELECT metrics_run FROM jobs WHERE id=?", (job_id,))
        return rows[0][0] if rows else None

    def append_metrics(self, rows: list[tuple[Any, ...]]) -> None:
        """(job_id, step, epoch, split, name, value, time) rows, in one transaction."""
        if rows:
            with self.store.transaction() as conn:
                conn.executemany("INSERT INTO job_metrics VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def truncate_metrics(self, job_id: str, after_step: int) -> None:
        """A run repeats the steps after its start (a checkpoint's step; -1 for a run from
        scratch, e.g. a job stopped before its first checkpoint): forget their old values. When
        any were forgotten, a new metrics run starts in the same transaction (a reader's cursor
        is then stale); a first run forgets nothing and keeps run 0."""
        with self.store.transaction() as conn:
            gone = conn.execute("DELETE FROM job_metrics WHERE job_id=? AND step>?",
                                (job_id, after_step)).rowcount
            if gone:
                conn.execute("UPDATE jobs SET metrics_run=metrics_run+1 WHERE id=?", (job_id,))
