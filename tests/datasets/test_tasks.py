"""The task registry is the one list of tasks: the dataset check, the job spec, the training
panel and training all read it."""

from __future__ import annotations

from pathlib import Path

import pytest

import trainlab
from tests.training.conftest import write_jsonl
from trainlab.datasets import tasks
from trainlab.datasets.tasks import TaskSpec, task_names, task_spec
from trainlab.errors import DatasetError


@pytest.fixture()
def poems(monkeypatch: pytest.MonkeyPatch) -> TaskSpec:
    """A task registered for this test only."""
    monkeypatch.setattr(tasks, "TASKS", dict(tasks.TASKS))
    return tasks.register(TaskSpec("poems", ("text", "author"), (("text",),)))


def test_the_built_in_tasks_and_what_they_need() -> None:
    assert task_names() == ("tabular", "tabular-classification", "tabular-regression",
                            "text-classification", "causal-lm")
    assert task_spec("tabular").needed({}) == ("target",)
    assert task_spec("causal-lm").needed({"text": "t"}) == ("text",)
    assert task_spec("causal-lm").needed({"prompt": "p"}) == ("prompt", "completion")
    with pytest.raises(DatasetError) as err:
        task_spec("translation")
    assert err.value.code == "unknown_task" and "causal-lm" in err.value.message("en")


def test_training_builds_every_registered_task() -> None:
    from trainlab.training.tasks import builders

    assert set(builders()) == set(task_names()) - {"tabular"}  # "tabular" is resolved first


def test_a_registered_task_reaches_the_check_the_job_spec_and_the_panel(
        ws: trainlab.Workspace, tmp_path: Path, poems: TaskSpec) -> None:
    from trainlab.jobs.spec import JobSpec, validate_spec

    rows = [{"text": f"a line of verse number {i}", "author": "hafez" if i % 2 else "rumi"}
            for i in range(40)]
    ds = ws.datasets.add(write_jsonl(tmp_path / "poems.jsonl", rows))
    assert ds.check("poems", {"text": "text"})["ok"]
    with pytest.raises(DatasetError) as err:
        ds.check("poems", {"author": "author"})
    assert err.value.code == "missing_mapping"
    spec = JobSpec(dataset_id=ds.id, task="poems", columns={"text": "text"})
    assert validate_spec(ws, spec)[:2] == ("poems", {"text": "text"})

    pytest.importorskip("ipywidgets")
    from trainlab.widgets import TrainPanel

    panel = TrainPanel(ds, workspace=ws)
    assert "poems" in [value for _, value in panel.task.options] and "author" in panel.roles
    panel.task.value = "poems"
    panel.roles["text"].value = "text"
    shown = {role for role, box in panel.roles.items() if box.layout.display != "none"}
    assert shown == {"text", "author"} and panel.features.layout.display == "none"
    assert "✓" in panel.check_view.value and not panel.start.disabled
