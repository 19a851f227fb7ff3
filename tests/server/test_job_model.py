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
    # The one refinement: a recorded evaluation is a plain dict in the dataclass and its
    # documented shape (m.Evaluation) in the API's model.
    refined = {"evaluations": (list[dict[str, typing.Any]] | None, list[m.Evaluation] | None)}
    for name, (plain, documented) in refined.items():
        assert (name, plain) in dataclass_fields and (name, documented) in model_fields
    assert [f for f in model_fields if f[0] not in refined] == \
        [f for f in dataclass_fields if f[0] not in refined]


def test_a_job_validates_as_the_model_and_keeps_its_status() -> None:
    job = Job(id="job_x", name="n", task="tabular", dataset_id=None, columns={}, params={},
              device="cpu", status=JobStatus.QUEUED, runner="worker", pid=None, host=None,
              gpus=None, progress={"step": 0}, metrics=None, best_metrics=None, error=None,
              note=None, stop_requested=False, created_at="2026-01-01T00:00:00.000Z",
              started_at=None, finished_at=None, heartbeat_at=None, paths={"dir": "/x"})
    model = m.Job.model_validate(job.to_dict())
    assert model.status is JobStatus.QUEUED
    assert model.model_dump(mode="json") == {**job.to_dict(), "status": "queued"}
