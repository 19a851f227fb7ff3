"""The Jobs panel (issue 18): it follows the workspace, a row per job with its buttons, the
device actually used, and Persian wording. Driven as a user drives it; asserts on what it
shows."""

from __future__ import annotations

import json
import time

import pytest

pytest.importorskip("ipywidgets")

import trainlab
from tests.training.conftest import tabular_rows, write_jsonl
from tests.widgets.persian import latin_words, widget_texts
from tests.widgets.test_panels import plain
from trainlab.jobs.records import Records
from trainlab.widgets import JobsPanel


def until(condition, seconds: float = 20.0) -> bool:
    """Wait for what a background thread shows (not a timing assertion: a deadline)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def queued(ws, name: str = "queued one", dataset_id=None, device: str = "cpu",
           status: str = "queued") -> str:
    job_id = trainlab.workspace.new_id("job")
    Records(ws).insert(job_id, name=name, task="tabular", dataset_id=dataset_id, columns={},
                       params={}, device=device, status=status, runner="worker")
    return job_id


def shown(panel) -> str:
    return plain(panel.empty.value + " ".join(r.view.value for r in panel.table.children))


def test_a_job_from_elsewhere_appears_without_refresh(ws, tmp_path):
    panel = JobsPanel(ws, refresh_s=0.05, check_s=0.05)
    assert "No jobs yet." in shown(panel) and panel.refreshing
    other = trainlab.Workspace(ws.path)  # another notebook, the REST server: another connection
    job_id = queued(other, name="from another notebook")
    assert until(lambda: "from another notebook" in shown(panel)), shown(panel)
    assert job_id in panel.rows and not panel.active  # queued: checked, not re-read
    Records(other).start(job_id, runner="worker", pid=1)  # a scheduler starts it
    assert until(lambda: panel.active and "running" in shown(panel))
    ds = ws.datasets.add(write_jsonl(tmp_path / "t.jsonl", tabular_rows(120)))
    result = trainlab.fit(ds, workspace=ws, columns={"target": "label"}, max_steps=3,
                          device="cpu")  # this kernel's own run
    assert until(lambda: result.job_id in panel.rows and "completed" in shown(panel))
    other.jobs.stop(job_id)  # a stop request, then the worker ends it
    Records(other).finish(job_id, "stopped")
    assert until(lambda: not panel.active and "stopped" in shown(panel))


def test_an_idle_panel_checks_but_does_not_re_render(ws):
    queued(ws, status="completed")
    panel = JobsPanel(ws, refresh_s=0.01, check_s=0.01)
    ticks, refreshes = [], []
    tick = panel.watcher.tick
    panel.watcher.tick = lambda changed: (ticks.append(changed), tick(changed))[1]
    refresh = panel.refresh
    panel.refresh = lambda *a: (refreshes.append(1), refresh(*a))[1]
    assert until(lambda: len(ticks) >= 2)
    ticks.clear()
    refreshes.clear()
    assert until(lambda: len(ticks) >= 10)
    assert not any(ticks) and refreshes == []  # nothing changed: nothing re-read or re-drawn
    queued(ws, name="new")
    assert until(lambda: "new" in shown(panel)) and refreshes


def test_closing_the_panel_ends_its_thread(ws):
    panel = JobsPanel(ws, check_s=0.01)
    assert panel.refreshing
    panel.close()
    assert until(lambda: not panel.refreshing)


def test_each_row_has_its_buttons_enabled_by_status(ws):
    job_id = queued(ws)
    panel = JobsPanel(ws, auto_refresh=False)
    row = panel.rows[job_id]
    assert not row.stop.disabled and row.resume.disabled and row.delete.disabled
    row.stop.click()  # a queued job is cancelled
    assert ws.jobs.get(job_id).status == "stopped" and "stopped" in shown(panel)
    assert row.stop.disabled and not row.resume.disabled and not row.delete.disabled
    row.resume.click()
    assert ws.jobs.get(job_id).status == "queued" and "queued" in shown(panel)
    row.stop.click()
    row.delete.click()
    assert "No jobs yet" in shown(panel) and panel.table.children == ()
    assert panel.message.value == ""


def test_a_refused_action_says_so_in_the_panel(ws):
    job_id = queued(ws, name="done", status="completed")
    panel = JobsPanel(ws, auto_refresh=False)
    panel.act(ws.jobs.stop, job_id)  # what a Stop would do, were it enabled
    assert "tl-bad" in panel.message.value and not panel.active


def test_a_row_reads_name_dataset_progress_loss_and_the_device_used(ws, tmp_path):
    ds = ws.datasets.add(write_jsonl(tmp_path / "churn.jsonl", tabular_rows(50)))
    job_id = queued(ws, name="churn model", dataset_id=ds.id, device="auto")
    records = Records(ws)
    records.start(job_id, runner="worker", pid=1)
    records.progress(job_id, 30, 120, 1, 12.0, 100.0)
    records.append_metrics([(job_id, 30, 1, "train", "loss", 0.4321, time.time())])
    folder = ws.jobs_dir / job_id
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"device": "cuda:0"}))
    panel = JobsPanel(ws, auto_refresh=False)
    html = panel.rows[job_id].view.value
    text = plain(html)
    assert text.index("churn model") < text.index("churn.jsonl") < text.index(job_id)
    assert f"{job_id}</code></span>" in html and "font-size:0.85em" in html  # id: small, muted
    assert "role=\"progressbar\"" in html and "25.0%" in text and "step 30/120" in text
    assert "loss 0.4321" in text and "device cuda:0" in text and "auto" not in text


def test_jobs_panel_speaks_only_persian(ws, tmp_path):
    ds = ws.datasets.add(write_jsonl(tmp_path / "churn.jsonl", tabular_rows(50)))
    empty = JobsPanel(ws, lang="fa", auto_refresh=False)
    assert latin_words(widget_texts(empty)) == []
    assert "هنوز کاری نیست" in plain(empty.empty.value)
    ids = {status: queued(ws, name="مدل", dataset_id=ds.id, status=status)
           for status in ("queued", "running", "completed", "failed", "stopped", "interrupted")}
    Records(ws).append_metrics([(ids["running"], 3, 1, "train", "loss", 0.5, time.time())])
    panel = JobsPanel(ws, lang="fa", auto_refresh=False)
    panel.selected.value = ids["completed"]  # its evaluations (none yet)
    panel.act(ws.jobs.stop, ids["completed"])  # an error, in the panel
    assert latin_words(widget_texts(panel), {"churn", "jsonl"}) == []
    text = shown(panel)
    for word in ("در صف", "در حال اجرا", "کامل‌شده", "ناموفق", "متوقف‌شده", "قطع‌شده", "زیان",
                 "ثانیه پیش"):
        assert word in text, word
    assert "dir='rtl'" in panel.rows[ids["queued"]].view.value
