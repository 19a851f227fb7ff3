"""The Jobs panel shows the selected job's recorded evaluations (issue 21)."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("ipywidgets")

import trainlab
from tests.training.conftest import tabular_rows, write_jsonl
from trainlab.widgets import JobsPanel


def test_the_jobs_panel_lists_a_jobs_evaluations(ws, tmp_path):
    ds = ws.datasets.add(write_jsonl(tmp_path / "train.jsonl", tabular_rows(200)))
    result = trainlab.fit(ds, workspace=ws, columns={"target": "label"}, max_steps=5, device="cpu")
    panel = JobsPanel(ws, auto_refresh=False)
    panel.selected.value = result.job_id
    assert "trainlab.evaluate(job_id, data)" in panel.details.value  # none yet
    held = ws.datasets.add(write_jsonl(tmp_path / "held.jsonl", tabular_rows(40, seed=3)))
    first = trainlab.evaluate(result.job_id, held, workspace=ws)
    trainlab.evaluate(result.job_id, pd.DataFrame(tabular_rows(30, seed=4)), workspace=ws)
    panel.refresh()
    from tests.widgets.test_panels import plain

    html = plain(panel.details.value)
    assert panel.details.value.count("<li>") == 2 and f"held.jsonl {held.id}" in html
    assert f"accuracy {first.metrics['accuracy']:.4g}" in html and "macro_f1" in html
    stored = ws.datasets.add(pd.DataFrame(tabular_rows(30, seed=4)))  # the frame, stored once
    assert "40/40 rows scored" in html and "evaluation data" in html and stored.id in html
    assert "30/30" in html
    fa = JobsPanel(ws, auto_refresh=False, lang="fa")
    fa.selected.value = result.job_id
    assert "ارزیابی‌ها" in fa.details.value and "dir='rtl'" in fa.details.value
    panel.selected.value = None
    assert panel.details.value == ""
