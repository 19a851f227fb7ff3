"""A dataset that jobs may still start or resume from is not deleted without force
(issue 14, 2.10)."""

from __future__ import annotations

import warnings

import pytest

from tests.jobs.conftest import FAST
from trainlab.errors import NotFoundError, TrainlabError
from trainlab.jobs.records import JobStatus


def submit(ws, ds):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ws.jobs.submit(dataset_id=ds.id, columns={"target": "label"}, params=FAST)


@pytest.mark.parametrize("status", [JobStatus.QUEUED, JobStatus.STOPPED, JobStatus.INTERRUPTED,
                                    JobStatus.RUNNING])
def test_a_dataset_jobs_still_use_is_kept(ws, ds, status) -> None:
    job = submit(ws, ds)
    other = submit(ws, ds)
    if status != JobStatus.QUEUED:
        ws.store.execute("UPDATE jobs SET status=? WHERE id=?", (status.value, job.id))
    ws.jobs.stop(other.id)  # a cancelled job is 'stopped': it could be resumed too
    with pytest.raises(TrainlabError) as err:
        ws.datasets.delete(ds.id)
    assert err.value.code == "dataset_in_use" and err.value.status == 409
    assert sorted(err.value.details["jobs"]) == sorted([job.id, other.id])
    assert job.id in str(err.value) and "force=True" in str(err.value)
    assert ws.datasets.get(ds.id).path.is_file()  # nothing lost


def test_force_deletes_it_anyway(ws, ds) -> None:
    submit(ws, ds)
    ws.datasets.delete(ds.id, force=True)
    with pytest.raises(NotFoundError):
        ws.datasets.get(ds.id)


def test_finished_jobs_do_not_hold_a_dataset(ws, ds) -> None:
    done, failed = submit(ws, ds), submit(ws, ds)
    ws.store.execute("UPDATE jobs SET status='completed' WHERE id=?", (done.id,))
    ws.store.execute("UPDATE jobs SET status='failed' WHERE id=?", (failed.id,))
    ws.datasets.delete(ds.id)
    with pytest.raises(NotFoundError):
        ws.datasets.get(ds.id)
