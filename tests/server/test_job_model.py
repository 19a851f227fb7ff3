"""The REST answer's pydantic ``Job`` and the jobs layer's ``Job`` dataclass are one shape: the
same fields, in the same order, with the same types; a field added to one without the other
fails here, not in a client."""

from __future__ import annotations

import dataclasses
import typing

from trainlab.jobs.records import Job, JobStatus
from trainlab.server import models as m


def test_pydantic_job_matches_the_dataclass() -> None:
    hints = typing.get_type_hints(Job)
    dataclass_fields = [(f.name, hints[f.name]) for f in dataclasses.fields(Job)]
    model_fields = [(name, info.annotation) for name, info in m.Job.model_fields.items()]
    # The refinements: a recorded evaluation and the progress are plain dicts in the dataclass
    # and their documented shapes (m.Evaluation, m.Progress) in the API's model.
    refined = {"evaluations": (list[dict[str, typing.Any]] | None, list[m.Evaluation] | None),
               "progress": (dict[str, typing.Any], m.Progress)}
    for name, (plain, documented) in refined.items():
        assert (name, plain) in dataclass_fields and (name, documented) in model_fields
    assert [f for f in model_fields if f[0] not in refined] == \
        [f for f in dataclass_fields if f[0] not in refined]


PROGRESS = {"step": 3, "total_steps": 10, "epoch": 0, "fraction": 0.3, "eta_s": 1.5,
            "samples_per_s": 120.0, "tokens_per_s": 4000.0}


def test_the_progress_model_has_what_the_records_report() -> None:
    assert list(m.Progress.model_fields) == list(PROGRESS)


def test_a_job_validates_as_the_model_and_keeps_its_status() -> None:
    job = Job(id="job_x", name="n", task="tabular", dataset_id=None, columns={}, params={},
              device="cpu", status=JobStatus.QUEUED, runner="worker", pid=None, host=None,
              gpus=None, progress=PROGRESS, metrics=None, best_metrics=None, error=None,
              note=None, stop_requested=False, created_at="2026-01-01T00:00:00.000Z",
              started_at=None, finished_at=None, heartbeat_at=None, paths={"dir": "/x"})
    model = m.Job.model_validate(job.to_dict())
    assert model.status is JobStatus.QUEUED
    assert model.model_dump(mode="json") == {**job.to_dict(), "status": "queued"}
