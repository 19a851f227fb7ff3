"""A pruned trial's job shows as pruned in the Jobs panel, with its note (issue 19 review)."""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("ipywidgets")

from tests.training.conftest import tabular_rows, write_jsonl
from trainlab.jobs.driver import advance
from trainlab.jobs.experiment_records import ExperimentRecords
from trainlab.jobs.records import job_note
from trainlab.widgets import JobsPanel


def test_a_pruned_trial_shows_pruned_with_its_note(ws, tmp_path) -> None:
    ds = ws.datasets.add(write_jsonl(tmp_path / "t.jsonl", tabular_rows(60)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exp = ws.experiments.create("p", ds, columns={"target": "label"}, space={"lr": [0.01]},
                                    trials=1, params={"max_steps": 5})
    advance(ws)
    job_id = exp.refresh().trials[0]["job_id"]
    # what the driver does when the pruner says so: the trial pruned, its job stopped, a note
    ExperimentRecords(ws).end_trial(exp.id, 0, "pruned", 0.4)
    ws.jobs.stop(job_id)
    ws.jobs.records.set_note(job_id, job_note("note_pruned", step=5, metric="accuracy",
                                              value=0.4, pruner="median"))
    for lang, pruned, note in (("en", "pruned", "median pruner at step 5"),
                               ("fa", "هرس‌شده", "هرس‌کنندهٔ median")):
        panel = JobsPanel(ws, auto_refresh=False, lang=lang)
        row = panel.job_html(ws.jobs.get(job_id))
        assert pruned in row
        panel.selected.value = job_id
        assert exp.id in panel.details.value
        assert note in panel.details.value  # the note, in the panel's language
        if lang == "en":
            assert "trial 0 of" in panel.details.value
    other = ws.jobs.submit(dataset_id=ds.id, columns={"target": "label"}, params={"max_steps": 5},
                           warn=False)
    ws.jobs.stop(other.id)  # an ordinary stopped job: no badge
    assert "pruned" not in JobsPanel(ws, auto_refresh=False).job_html(ws.jobs.get(other.id))
