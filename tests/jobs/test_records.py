"""The job records: the status enum against the store's schema, notes as message codes,
the heartbeat's log."""

from __future__ import annotations

import json
import logging
import re
import time
from pathlib import Path

import trainlab
from trainlab import i18n
from trainlab.jobs import records, reporting
from trainlab.jobs.records import JobStatus, Records
from trainlab.workspace import new_id


def test_job_status_is_the_list_the_store_checks(ws: trainlab.Workspace) -> None:
    table = ws.store.query("SELECT sql FROM sqlite_master WHERE type='table' AND name='jobs'")
    check = re.search(r"status IN\s*\(([^)]*)\)", table[0]["sql"])
    assert check is not None
    assert re.findall(r"'(\w+)'", check.group(1)) == [s.value for s in JobStatus]


def _queued(ws: trainlab.Workspace) -> str:
    job_id = new_id("job")
    Records(ws).insert(job_id, name="j", task="tabular", dataset_id=None, columns={}, params={},
                       device="cpu", status=JobStatus.QUEUED, runner="worker")
    return job_id


def test_a_note_is_stored_as_a_code_and_read_in_the_readers_language(ws: trainlab.Workspace) -> None:
    job_id = _queued(ws)
    ws.jobs.stop(job_id)
    stored = json.loads(ws.store.query("SELECT note FROM jobs WHERE id=?", (job_id,))[0]["note"])
    assert stored == {"code": "note_cancelled", "params": {}}
    assert ws.jobs.get(job_id).note == "Cancelled before it started."
    assert ws.jobs.get(job_id, lang="fa").note == i18n.MESSAGES["note_cancelled"]["fa"]
    assert [j.note for j in ws.jobs.list(lang="fa")] == [i18n.MESSAGES["note_cancelled"]["fa"]]


def test_a_note_written_as_text_reads_as_it_was(ws: trainlab.Workspace) -> None:
    job_id = _queued(ws)
    ws.store.execute("UPDATE jobs SET note=? WHERE id=?", ("Resumed at noon from step 3.", job_id))
    assert ws.jobs.get(job_id, lang="fa").note == "Resumed at noon from step 3."


def test_every_note_the_jobs_write_has_a_message() -> None:
    folder = Path(records.__file__).parent
    codes = {code for path in folder.glob("*.py")
             for code in re.findall(r'"(note_\w+)"', path.read_text(encoding="utf-8"))}
    assert len(codes) >= 10
    assert codes <= set(i18n.MESSAGES), codes - set(i18n.MESSAGES)


class _FailingRecords:
    """A store whose heartbeat write fails: twice with one problem, then with another."""

    def __init__(self) -> None:
        self.beats = 0

    def heartbeat(self, job_id: str) -> None:
        self.beats += 1
        raise OSError("disk full" if self.beats <= 2 else "read-only file system")


def test_a_heartbeat_logs_each_problem_once(monkeypatch, caplog) -> None:
    monkeypatch.setattr(reporting, "HEARTBEAT_EVERY_S", 0.005)
    failing = _FailingRecords()
    with caplog.at_level(logging.WARNING, logger="trainlab.jobs"), \
            reporting.Heartbeat(failing, "job_x"):  # type: ignore[arg-type]
        deadline = time.monotonic() + 10
        while failing.beats < 6 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert failing.beats >= 6
    problems = [r.getMessage() for r in caplog.records if r.name == "trainlab.jobs"]
    assert len(problems) == 2
    assert "disk full" in problems[0] and "read-only file system" in problems[1]
    assert all("job_x" in p for p in problems)
