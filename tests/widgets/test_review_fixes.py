"""Issue 18's review findings, each driven as a user drives the panels and asserted on what
they show (helper G)."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("ipywidgets")

import trainlab
from tests.widgets.conftest import start_long_run, wait_for
from tests.widgets.persian import latin_words, widget_texts
from trainlab.widgets import JobsPanel, TrainPanel


# -- 1: a closed panel stops its run -----------------------------------------------------------
def test_closing_the_panel_stops_its_run_with_a_checkpoint(ws, table_ds):
    panel = TrainPanel(table_ds, workspace=ws)
    start_long_run(panel)
    asked = time.monotonic()
    panel.close()
    assert time.monotonic() - asked < 5 and not panel.thread.is_alive()
    assert panel.result.status == "stopped" and panel.result.checkpoint_path
    assert ws.jobs.get(panel.result.job_id).status == "stopped"


def test_closing_ui_stops_the_training_tab_run(ws, table_ds):
    tabs = trainlab.ui(ws)
    train = tabs.panels[1]
    train.picker.value = table_ds.id
    start_long_run(train)
    asked = time.monotonic()
    tabs.close()
    assert time.monotonic() - asked < 5 and not train.thread.is_alive()
    assert train.result.status == "stopped" and train.result.checkpoint_path
    watchers = [p.watcher for p in (tabs.panels[0], *tabs.panels[2:]) if p.watcher]
    for watcher in watchers:
        watcher._thread.join(5)
    assert not any(watcher.alive for watcher in watchers)


# -- 2: the panel's runs are named in its language ---------------------------------------------
def test_the_persian_jobs_tab_names_the_panels_runs_in_persian(ws, table_ds):
    panel = TrainPanel(table_ds, workspace=ws, lang="fa")
    panel.batch_size.value = "32"
    panel.train(max_steps=5, log_every=5)
    result = panel.wait(120)
    assert result.status == "completed"
    job = panel.submit()
    assert ws.jobs.get(result.job_id).name == "جدولی روی table.jsonl"
    assert ws.jobs.get(job.id).name == ws.jobs.get(result.job_id).name
    jobs = JobsPanel(ws, lang="fa")
    assert latin_words(widget_texts(jobs), allowed={"table", "jsonl"}) == []
    assert "روی" in jobs.rows[job.id].view.value
    english = TrainPanel(table_ds, workspace=ws)
    assert english.submit() is not None
    assert ws.jobs.list()[0].name == "tabular on table.jsonl"
    row = JobsPanel(ws).rows[ws.jobs.list()[0].id].view.value
    assert row.count("table.jsonl") == 1  # the name says the dataset: not twice


# -- 6: a watcher survives a failing tick --------------------------------------------------------
def test_a_failing_check_shows_in_the_panel_and_the_panel_keeps_following(ws, table_ds,
                                                                          monkeypatch):
    ticks: list[str] = []
    following = JobsPanel._tick

    def flaky(self, changed):
        ticks.append(self.message.value)  # what the panel shows when the tick runs
        if len(ticks) == 1:
            raise OSError("disk hiccup")
        return following(self, changed)

    monkeypatch.setattr(JobsPanel, "_tick", flaky)
    panel = JobsPanel(ws, check_s=0.01, refresh_s=0.01)
    wait_for(lambda: len(ticks) >= 2)
    assert "disk hiccup" in ticks[1] and "✗" in ticks[1]  # shown while it backed off
    job = ws.jobs.submit(dataset_id=table_ds.id, task="tabular", warn=False)
    wait_for(lambda: job.id in panel.rows)  # it went on following the workspace
    assert panel.refreshing and "disk hiccup" not in panel.message.value


# -- 4 and 5: the snapshot names the task; dataset names are isolated in Persian lists ---------
def test_the_persian_snapshot_names_the_task_not_its_id(ws, table_ds):
    panel = TrainPanel(table_ds, workspace=ws, lang="fa")
    shown = panel._repr_mimebundle_()["text/plain"]
    assert panel.task.value == "tabular" and "tabular" not in shown
    assert panel.task.label in shown and panel.task.label in panel.snapshot_html()


def test_persian_dataset_lists_isolate_the_names(ws, table_ds):
    from trainlab.widgets import DatasetPanel

    fa_train = TrainPanel(table_ds, workspace=ws, lang="fa")
    assert fa_train.picker.label == "\u2068table.jsonl\u2069"
    fa_ui = trainlab.ui(ws, lang="fa")
    for picker in (fa_ui.panels[0].picker, fa_ui.panels[1].picker):
        labels = [label for label, value in picker.options if value == table_ds.id]
        assert labels and labels[0].startswith("\u2068table.jsonl\u2069"), labels
    en = DatasetPanel(ws)
    assert next(label for label, value in en.picker.options if value).startswith("table.jsonl (")
    assert TrainPanel(table_ds, workspace=ws).picker.label == "table.jsonl"


# -- 7: Persian durations in Persian units ---------------------------------------------------------
def test_persian_status_line_eta_and_run_time_use_persian_units(ws, table_ds):
    import html
    import re

    from trainlab import display

    def shown(widget) -> str:
        return html.unescape(re.sub(r"<[^>]+>", "", widget.value))

    panel = TrainPanel(table_ds, workspace=ws, lang="fa")
    start_long_run(panel)
    wait_for(lambda: "ثانیه" in shown(panel.status) or "دقیقه" in shown(panel.status))
    assert not re.search(r"\d (s|min|h)\b", shown(panel.status))  # the ETA
    panel.request_stop()
    panel.wait(60)
    ended = shown(panel.status)
    assert "ثانیه" in ended and not re.search(r"\d (s|min|h)\b", ended), ended  # the run time
    # English output stays as stored notebooks have it
    assert (display.duration(12.34), display.duration(245), display.duration(7380)) == (
        "12.3 s", "4 min 05 s", "2 h 03 min")
    assert display.duration(245, lang="fa") == "4 دقیقه 05 ثانیه"


# -- 3: what the relaxed reader found ------------------------------------------------------------
DATA = {"table", "jsonl", "x", "z", "color", "amount", "label"}


def test_the_persian_form_names_a_column_type_in_persian(ws, table_ds):
    from tests.widgets.persian import data_text, visible_text

    panel = TrainPanel(table_ds, workspace=ws, lang="fa")
    panel.task.value = "tabular-regression"
    panel.roles["target"].value = "color"  # a category column: not a number
    shown = panel.check_view.value
    assert "wrong_column_type" in data_text(shown) and "دسته‌ای" in visible_text(shown)
    assert "category" not in shown
    assert latin_words(widget_texts(panel), allowed=DATA) == []


def test_persian_cards_show_statuses_in_persian(ws, table_ds):
    from trainlab import display
    from trainlab.datasets.show import dataset_html

    card = dataset_html(table_ds, "fa")
    assert "معتبر" in card and ">valid<" not in card
    assert "valid" in dataset_html(table_ds, "en")
    # English output is what it was (stored notebooks keep it)
    assert display.status_badge("valid") == ('<b style="color:var(--jp-success-color1, #388e3c)">'
                                             '<bdi dir="ltr">valid</bdi></b>')
    assert display.status_badge("paused", "fa").endswith('<bdi dir="ltr">paused</bdi></b>')


# -- 9: the features list, Persian line lists, the evaluations table's headers ----------------
def test_persian_report_lists_lines_with_the_persian_comma(ws, tmp_path):
    import html
    import re

    from trainlab.widgets import DatasetPanel

    rows = "".join(f"p{i},{'not_a_number' if i in (5, 9, 12) else i},c{i % 3}\n" for i in range(60))
    path = tmp_path / "people.csv"
    path.write_text("name,age,city\n" + rows)
    ds = ws.datasets.add(path)
    panel = DatasetPanel(ws, lang="fa", auto_refresh=False)
    panel.picker.value = ds.id
    shown = html.unescape(re.sub(r"<[^>]+>", "", panel.report_view.value))
    assert "7، 11، 14" in shown and "7, 11" not in shown, shown
    english = DatasetPanel(ws, auto_refresh=False)
    english.picker.value = ds.id
    assert "7, 11, 14" in html.unescape(re.sub(r"<[^>]+>", "", english.report_view.value))


def test_the_features_list_does_not_offer_the_target(ws, table_ds):
    panel = TrainPanel(table_ds, workspace=ws)
    assert panel.roles["target"].value == "label"
    assert "label" not in panel.features.options and "x" in panel.features.options
    panel.features.value = ("x", "color")
    panel.roles["target"].value = "amount"  # another target: its column leaves the list
    assert "amount" not in panel.features.options and "label" in panel.features.options
    assert panel.features.value == ("x", "color")  # the user's other choices stay
    panel.roles["target"].value = "x"
    assert panel.features.value == ("color",) and "x" not in panel.features.options
