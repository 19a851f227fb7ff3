"""The training panel (issue 18, helper D), driven as a user drives it: widget values and
clicks; assertions on what it shows."""

from __future__ import annotations

import html
import itertools
import re
import time

import pytest

pytest.importorskip("ipywidgets")

import trainlab
from tests.training.conftest import reviews, write_jsonl
from tests.widgets.conftest import start_long_run, wait_for
from tests.widgets.persian import LATIN_WORD, html_texts, latin_words, widget_texts
from trainlab.widgets import TrainPanel


def text(widget) -> str:
    """What an HTML widget reads as, tags left out."""
    return html.unescape(re.sub(r"<[^>]+>", "", widget.value))


def test_the_panel_infers_the_mapping_checks_it_and_trains_to_the_end(ws, table_ds):
    panel = TrainPanel(table_ds, workspace=ws)
    assert panel.task.value == "tabular" and panel.roles["target"].value == "label"
    assert "✓" in panel.check_view.value and not panel.start.disabled
    panel.batch_size.value = "32"
    panel.train(max_steps=40, log_every=5, eval_every=10)
    assert panel.stop.disabled is False  # running: Stop is live, Start is not
    result = panel.wait(120)
    assert result is not None and result.status == "completed"
    assert "completed" in panel.outcome.value and f'load_model("{result.job_id}")' in panel.outcome.value
    assert "accuracy" in panel.outcome.value and panel.progress.value == panel.progress.max == 40
    assert "<svg" in panel.chart.value and "train loss" in panel.chart.value
    assert "step 40 of 40" in text(panel.status) and not panel.start.disabled and panel.stop.disabled
    assert ws.jobs.get(result.job_id).status == "completed"


def test_the_panel_works_in_the_workspace_its_dataset_is_in(ws, table_ds, tmp_path, monkeypatch):
    monkeypatch.setenv("TRAINLAB_HOME", str(tmp_path / "home"))
    panel = TrainPanel(table_ds)  # no workspace=: the dataset's own, not the default one
    assert panel.ws is ws and panel.picker.value == table_ds.id and "✓" in panel.check_view.value


def test_stop_ends_stopped_with_a_checkpoint_within_a_second(ws, table_ds):
    panel = TrainPanel(table_ds, workspace=ws)
    start_long_run(panel)
    asked = time.monotonic()
    panel.stop.click()
    result = panel.wait(30)
    assert time.monotonic() - asked < 1.0
    assert result.status == "stopped" and result.checkpoint_path
    assert "stopped" in panel.outcome.value


def test_a_broken_mapping_keeps_start_disabled_and_says_why(ws, tmp_path):
    rows = [{"text": "a" if i % 2 else "", "label": None if i % 3 else "x"} for i in range(60)]
    ds = ws.datasets.add(write_jsonl(tmp_path / "t.jsonl", rows))
    panel = TrainPanel(ds, workspace=ws)
    panel.task.value = "text-classification"
    panel.roles["text"].value = "text"
    panel.roles["label"].value = "label"
    assert panel.start.disabled and panel.background.disabled
    shown = panel.check_view.value  # the problems, named, in a table
    assert "<table" in shown and "too_few_classes" in shown and "empty_text" in shown
    assert panel.train() is None


def test_errors_show_in_the_panel_not_as_a_traceback(ws, table_ds):
    panel = TrainPanel(table_ds, workspace=ws)
    panel.train(max_steps=5, lr=1e9)  # refused by the settings check
    panel.wait(30)
    assert "tl-bad" in panel.outcome.value and "<details>" in panel.outcome.value
    assert panel.progress.bar_style == "danger" and not panel.start.disabled


def test_run_in_background_submits_a_job(ws, table_ds):
    panel = TrainPanel(table_ds, workspace=ws)
    panel.background.click()
    jobs = ws.jobs.list()
    assert len(jobs) == 1 and jobs[0].status == "queued" and jobs[0].runner == "worker"
    assert jobs[0].id in panel.outcome.value


def test_your_own_module(ws):
    import torch
    import torch.nn.functional as F
    from torch import nn

    x = torch.randn(256, 4)
    y = (x[:, 0] > 0).long()
    panel = TrainPanel(model=nn.Linear(4, 2), workspace=ws, train=(x, y), val=(x, y),
                       loss=F.cross_entropy)
    assert not panel.start.disabled and panel.mapping.layout.display == "none"
    panel.train(max_steps=20, batch_size=32)
    assert panel.wait(60).status == "completed"


def test_ui_has_four_tabs_and_speaks_persian(ws, table_ds):
    tabs = trainlab.ui(ws, lang="fa")
    assert [tabs.get_title(i) for i in range(4)] == ["مجموعه‌داده‌ها", "آموزش", "کارها",
                                                     "آزمایش‌ها"]
    assert "trainlab-rtl" in tabs._dom_classes and "direction: rtl" in tabs.panels[0].children[0].value
    datasets, train, *_ = tabs.panels
    datasets.picker.value = table_ds.id  # picking a dataset hands it to the training panel
    assert train.picker.value == table_ds.id and train.roles["target"].value == "label"


def test_the_chart_sends_a_bounded_number_of_points():
    from trainlab.widgets.chart import CHART_POINTS, plot

    svg = plot([("train loss", "red", [(i, 1 / (i + 1)) for i in range(100_000)], False)],
               y_title="loss", x_title="step")
    assert svg.count("<polyline") == 1
    points = svg.split('<polyline points="')[1].split('"')[0].split()
    assert len(points) <= CHART_POINTS and len(svg) < 30_000




# -- issue 18 ----------------------------------------------------------------------------------
def completed_run(panel: TrainPanel, **extra):
    panel.batch_size.value = "32"
    panel.train(**{"max_steps": 40, "log_every": 5, "eval_every": 10, **extra})
    result = panel.wait(120)
    assert result is not None and result.status == "completed"
    return result


def test_each_run_starts_clean_with_a_preparing_phase_and_stop_in_set_up_is_honest(ws, table_ds):
    """Item 2: no old status, bar, log, chart, table or outcome once Start is pressed again; a
    visible "preparing" phase until step 1; Stop during set-up ends "stopped at step N of M"
    with no ETA, and offers no load_model for a model never evaluated."""
    panel = TrainPanel(table_ds, workspace=ws)
    completed_run(panel)
    assert "step 40 of 40" in text(panel.status) and panel.table.value and panel.chart.value
    panel.early_stopping.value = 0
    panel.train(max_steps=10**6, eval_every=10**5, log_every=1)  # Start again
    panel.stop.click()  # during set-up
    shown_during_set_up = (text(panel.status), list(panel.log_view.lines), panel.chart.value,
                           panel.table.value, panel.outcome.value, panel.progress.value)
    result = panel.wait(120)
    status, log, chart, table, outcome, bar = shown_during_set_up
    assert "step 40" not in status and ("Preparing" in status or "Stopping" in status)
    assert len(log) <= 2 and "preparing" in log[0] and not chart and not table and not outcome
    assert bar == 0
    assert result.status == "stopped" and not result.history
    shown = text(panel.outcome)
    assert re.match(r"stopped at step [\d,]+ of [\d,]+", shown), shown
    assert "no evaluation yet" in shown and "load_model" not in shown
    assert "ETA" not in text(panel.status) and "step" in text(panel.status)
    assert panel.progress.bar_style == "warning" and panel.stop.disabled


def test_the_log_sends_appended_lines_and_keeps_the_newest_in_view(ws, table_ds):
    """Item 3: each new line is appended (what was sent stays, in order, so the browser only
    adds a line and keeps the user's scroll); the box scrolls to the newest line when it was
    at the bottom; the log keeps its last lines; a new run starts a new log."""
    from trainlab.widgets.live import LOG_LINES, LogView

    panel = TrainPanel(table_ds, workspace=ws)
    sent = []
    panel.log_view.observe(lambda c: sent.append((panel.log_view.first, list(c["new"]))), "lines")
    result = completed_run(panel)
    lines = panel.log_view.lines
    assert "preparing" in lines[0] and "completed" in lines[-1] and len(lines) >= 4
    assert result.job_id in lines[1]
    for (_, before), (_, after) in itertools.pairwise(sent[1:]):
        assert after[:len(before)] == before and len(after) == len(before) + 1
    assert "scrollTop = box.scrollHeight" in LogView._esm and "atBottom" in LogView._esm
    assert "replaceChildren" in LogView._esm  # only for a new run
    for i in range(LOG_LINES + 50):
        panel.log_line(f"line {i}")
    assert len(panel.log_view.lines) == LOG_LINES and panel.log_view.lines[-1] == \
        f"line {LOG_LINES + 49}" and panel.log_view.first == len(lines) + 50
    panel.log_view.clear()
    assert panel.log_view.first == 0 and panel.log_view.lines == []


def test_a_stopped_run_shows_its_metrics_and_an_early_stopped_run_shows_finished(ws, table_ds):
    """Item 4."""
    panel = TrainPanel(table_ds, workspace=ws)
    panel.early_stopping.value = 0
    panel.batch_size.value = "16"
    panel.train(max_steps=10**6, log_every=2, eval_every=4)
    wait_for(lambda: len(panel.history) >= 2)
    panel.stop.click()
    result = panel.wait(60)
    assert result.status == "stopped" and result.history
    shown = text(panel.outcome)
    assert "accuracy" in shown and ("last evaluation" in shown or "best evaluation" in shown)
    assert f"stopped at step {result.steps:,}" in shown and "load_model" in shown
    assert "<table" in panel.table.value and "ETA" not in text(panel.status)

    panel.early_stopping.value = 1
    panel.train(max_steps=3000, log_every=1, eval_every=1)
    result = panel.wait(120)
    assert result.status == "completed" and result.stop_reason == "early_stopping"
    assert panel.progress.value == panel.progress.max and panel.progress.bar_style == "success"
    total = result.config["total_steps"]
    assert (f"completed — early stopping at step {result.steps:,} of {total:,}: validation "
            "loss stopped improving") in text(panel.outcome)
    assert "early stopping" in panel.log_view.lines[-1]


def text_ds(ws, tmp_path):
    return ws.datasets.add(write_jsonl(tmp_path / "reviews.jsonl", reviews()))


def test_changing_task_keeps_the_columns_and_errors_speak_the_form(ws, tmp_path):
    """Item 5: label -> target and back, text kept; errors worded for the form, by code."""
    panel = TrainPanel(text_ds(ws, tmp_path), workspace=ws)
    assert panel.task.value == "text-classification"
    assert panel.roles["label"].value == "label" and panel.roles["text"].value == "review"
    panel.task.value = "tabular"
    assert panel.roles["target"].value == "label" and panel.features.value == ("review",)
    panel.task.value = "text-classification"
    assert panel.roles["label"].value == "label" and panel.roles["text"].value == "review"
    assert "✓" in panel.check_view.value
    panel.roles["text"].value = None
    shown = text(panel.check_view)
    assert "Choose the Text column." in shown and "columns=" not in shown
    assert panel.start.disabled
    panel.task.value = "tabular"
    panel.roles["target"].value = None
    assert "Choose the Target column." in text(panel.check_view)
    fa = TrainPanel(text_ds(ws, tmp_path / "fa"), workspace=ws, lang="fa")
    fa.roles["label"].value = None
    assert "ستون برچسب را انتخاب کنید." in text(fa.check_view)


def test_the_validation_share_and_patience_follow_the_task_until_moved(ws, tmp_path):
    panel = TrainPanel(text_ds(ws, tmp_path), workspace=ws)
    assert panel.task.value == "text-classification" and panel.val_fraction.value == 0.1
    assert panel.early_stopping.value == 5
    panel.task.value = "tabular"
    assert panel.val_fraction.value == 0.2 and panel.params()["val_fraction"] == 0.2
    assert panel.early_stopping.value == 20 and panel.params()["early_stopping"] == 20
    panel.val_fraction.value = 0.3
    panel.task.value = "text-classification"
    assert panel.val_fraction.value == 0.3  # the user's choice stays
    assert panel.early_stopping.value == 5  # this one still follows the task


def test_the_panel_infers_tabular_for_a_table_with_numbers_and_a_comment(ws, tmp_path):
    """Item 7, as the panel shows it (the rules: tests/training/test_infer_task.py)."""
    from tests.training.test_infer_task import survey_rows

    ds = ws.datasets.add(write_jsonl(tmp_path / "survey.jsonl", survey_rows()))
    panel = TrainPanel(ds, workspace=ws)
    assert panel.task.value == "tabular" and panel.roles["target"].value == "label"
    assert {"age", "income"} <= set(panel.features.value)


def test_the_form_is_grouped_with_auto_placeholders_and_a_stop_that_looks_disabled(ws, table_ds):
    """Looks: Data · Model · Training · Advanced (collapsed); "auto" placeholders; buttons
    that size to their labels; Stop without the warning colour while disabled."""
    import ipywidgets as w

    panel = TrainPanel(table_ds, workspace=ws)
    groups = [text(c) for c in panel.mapping.children[:1] + panel.children[2].children
              if isinstance(c, w.HTML) and "tl-group" in c.value]
    assert groups == ["Data", "Model", "Training"]
    advanced = next(c for c in panel.children[2].children if isinstance(c, w.Accordion))
    assert advanced.titles == ("Advanced",) and advanced.selected_index is None
    assert panel.early_stopping in advanced.children[0].children
    for box in (panel.epochs, panel.batch_size, panel.lr):
        assert box.placeholder == "auto" and box.value == "" and "0:" not in box.description
    assert "epochs" not in panel.params() and "batch_size" not in panel.params()
    panel.epochs.value = "3"
    assert panel.params()["epochs"] == 3
    panel.lr.value = "fast"
    assert panel.train() is None and "is not a number" in text(panel.outcome)
    panel.lr.value = ""
    for button in (panel.start, panel.stop, panel.background):
        assert button.layout.width == "auto" and button.icon
    assert panel.stop.disabled and panel.stop.button_style == ""
    panel.early_stopping.value = 0
    panel.train(max_steps=10**6, log_every=1)
    assert panel.stop.button_style == "warning" and not panel.stop.disabled
    panel.stop.click()
    panel.wait(60)
    assert panel.stop.disabled and panel.stop.button_style == ""
    assert "var(--jp-" in panel.children[0].value and "#fff" not in panel.children[0].value


def test_the_status_line_smooths_samples_per_second_and_the_eta(ws, table_ds):
    """Status line: samples/s and ETA are moving averages, not the last window's."""
    from trainlab.widgets.train import _Live

    panel = TrainPanel(table_ds, workspace=ws)
    live = _Live(panel)
    live.on_start({"job_id": "job_x", "task": "tabular-classification", "device": "cpu",
                   "total_steps": 1000, "parameters": 1234, "notes": []})
    shown = []
    for i, (rate, eta) in enumerate([(1300, 900), (74000, 20), (1300, 880), (74000, 18)] * 3):
        live.on_step(10 * (i + 1), 1000, 0, 0.5, 1e-3, rate, eta)
        panel.draw()
        shown.append(text(panel.status))
    rates = [float(re.search(r"· ([\d,]+) samples/s", s).group(1).replace(",", "")) for s in shown]
    assert max(rates[4:]) / min(rates[4:]) < 3  # the raw values differ 57-fold
    assert all("ETA" in s and "loss 0.5" in s and "epoch 1" in s for s in shown)


def test_the_chart_has_axes_grid_smoothing_and_a_metric_chart():
    from trainlab.widgets.chart import smooth, training_charts

    names = {"train": "train loss", "smoothed": "train loss (smoothed)", "val": "validation loss",
             "loss": "loss", "step": "step", "metric": "accuracy"}
    series = {"train": [(i, 2 / (i + 1) + (0.3 if i % 2 else 0)) for i in range(1, 200)],
              "val": [(i, 1 / i) for i in range(20, 200, 20)],
              "metric": [(i, 0.5 + i / 500) for i in range(20, 200, 20)]}
    svg = training_charts(series, names, metric="accuracy")
    assert svg == training_charts(series, names, metric="accuracy")  # deterministic
    assert svg.count("<svg") == 2 and ">step</text>" in svg and ">loss</text>" in svg
    assert ">train loss (smoothed)</text>" in svg and ">validation loss</text>" in svg
    assert svg.count("stroke-dasharray") >= 6 and "<circle" in svg  # gridlines, val dots
    labels = re.findall(r'dir="ltr" direction="ltr" fill="currentColor">([^<]*)<', svg)
    assert labels and all(re.fullmatch(r"[-\d.,e+]+", v) and re.search(r"\d", v) for v in labels)
    log = training_charts(series, names, metric="accuracy", log=True)
    assert log != svg and "1e-03" not in log
    smoothed = smooth([(0, 1.0), (1, 0.0), (2, 1.0), (3, 0.0)])
    assert smoothed[0] == (0, 1.0) and 0.3 < smoothed[-1][1] < 0.7


def test_the_chart_toggle_draws_the_loss_on_a_log_scale(ws, table_ds):
    panel = TrainPanel(table_ds, workspace=ws)
    completed_run(panel)
    linear = panel.chart.value
    assert panel.log_scale.layout.display == ""
    panel.log_scale.value = True
    assert panel.chart.value != linear and "<svg" in panel.chart.value


def test_a_run_ends_with_a_table_of_its_evaluations(ws, table_ds):
    panel = TrainPanel(table_ds, workspace=ws)
    result = completed_run(panel)
    table = panel.table.value
    assert table.count("<tr>") == 1 + len(result.history) and len(result.history) >= 4
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", table)
    assert heads == ["Step", "Epoch", "Train loss", "Validation loss", "Accuracy"]  # one case
    first = result.history[0]
    assert f'<bdi dir="ltr">{first["step"]}</bdi>' in table
    assert f'{first["loss"]:.4g}' in table and f'{first["accuracy"]:.4g}' in table


def persian_words(panel: TrainPanel, allowed: set[str]) -> list[str]:
    from trainlab.widgets.form import devices

    texts = list(widget_texts(panel)) + [t for line in panel.log_view.lines
                                         for t in html_texts("log", line)]
    allowed |= {word for label, _ in devices("fa") for word in LATIN_WORD.findall(label)}
    return latin_words(texts, allowed=allowed)


def test_train_panel_speaks_only_persian(ws, table_ds, tmp_path):
    """Persian: every label, status, task name, log line, the status line, the outcome."""
    data = {"table", "jsonl", "x", "z", "color", "amount", "label"}
    panel = TrainPanel(table_ds, workspace=ws, lang="fa")
    assert persian_words(panel, data) == []  # fresh, with a dataset
    assert "جدولی" in dict(panel.task.options).__repr__() or panel.task.label.startswith("جدولی")
    panel.batch_size.value = "32"
    panel.train(max_steps=40, log_every=5, eval_every=10)
    wait_for(lambda: panel.state)
    assert persian_words(panel, data) == []  # running
    assert panel.wait(120).status == "completed"
    assert persian_words(panel, data) == []  # after a completed run
    assert "کامل‌شده" in text(panel.outcome) and "گام 40 از 40" in text(panel.status)
    panel.early_stopping.value = 0
    panel.train(max_steps=10**6, log_every=2, eval_every=4)
    wait_for(lambda: panel.history)
    panel.stop.click()
    panel.wait(60)
    assert persian_words(panel, data) == []  # after a stopped run
    assert "متوقف شد" in text(panel.outcome)
    panel.task.value = "tabular"
    panel.roles["target"].value = None
    assert persian_words(panel, data) == []  # with a check error
    assert "ستون هدف را انتخاب کنید." in text(panel.check_view)
    rows = [{"text": "a" if i % 2 else "", "label": "x"} for i in range(30)]
    broken = ws.datasets.add(write_jsonl(tmp_path / "t.jsonl", rows))
    other = TrainPanel(broken, workspace=ws, lang="fa")
    other.task.value = "text-classification"
    other.roles["text"].value, other.roles["label"].value = "text", "label"
    assert "<table" in other.check_view.value
    assert persian_words(other, data | {"t", "text"}) == []  # row problems


LOG_PAGE = """<html><body><div id="host" style="width:400px"></div><pre id="out">pending</pre>
<script type="module">
const mod = await import(URL.createObjectURL(new Blob([%s], {type: "text/javascript"})));
const state = {lines: [], first: 0, direction: "ltr"}; const handlers = {};
const model = {get: k => state[k], on: (e, f) => { (handlers[e] ||= []).push(f); }};
function send(lines, first) { state.lines = lines; state.first = first;
  (handlers["change:lines"] || []).forEach(f => f()); }
const el = document.getElementById("host");
mod.default.render({model, el});
const box = el.querySelector(".tl-log"), out = {};
const atBottom = () => Math.abs(box.scrollHeight - box.clientHeight - box.scrollTop) < 2;
let lines = [];
for (let i = 0; i < 30; i++) { lines = [...lines, "line " + i]; send(lines, 0); }
out.newest = atBottom() && box.children.length === 30;
box.scrollTop = 10;
for (let i = 30; i < 40; i++) { lines = [...lines, "line " + i]; send(lines, 0); }
out.kept = box.scrollTop === 10 && box.children.length === 40;
box.scrollTop = box.scrollHeight;
lines = [...lines.slice(5), "line 40"]; send(lines, 5);
out.dropped = box.children.length === 36 && box.firstChild.textContent === "line 5" && atBottom();
send(["preparing"], 0);
out.new_run = box.children.length === 1 && box.firstChild.textContent === "preparing";
document.getElementById("out").textContent = JSON.stringify(out);
</script></body></html>"""


def test_the_log_widget_in_a_browser_shows_the_newest_line_and_keeps_a_scroll(tmp_path):
    """Item 3, the browser half: the log widget's JavaScript in headless Chromium with the
    kernel's messages replayed (newest in view; a user who scrolled up stays there)."""
    import json
    import shutil
    import subprocess

    from trainlab.widgets.live import LogView

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no Chromium here")
    page = tmp_path / "log.html"
    page.write_text(LOG_PAGE % json.dumps(LogView._esm))
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--virtual-time-budget=3000",
                          "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    found = re.search(r'<pre id="out">([^<]*)</pre>', dom)
    assert found and json.loads(html.unescape(found.group(1))) == {
        "newest": True, "kept": True, "dropped": True, "new_run": True}
