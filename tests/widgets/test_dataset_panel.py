"""The Datasets panel and ui() (issue 18): lists that follow the workspace, the upload line,
the server's file suggestions, the profile, Persian wording, and a stored notebook's
fallback. Driven as a user drives them; asserts on what they show."""

from __future__ import annotations

import pytest

pytest.importorskip("ipywidgets")

import trainlab
from tests.widgets.persian import latin_words, widget_texts
from tests.widgets.test_jobs_panel import queued, until
from tests.widgets.test_panels import csv_data, plain, send_file
from trainlab.widgets import DatasetPanel, JobsPanel, TrainPanel
from trainlab.widgets.panels import server_files


def labels(dropdown) -> list[str]:
    return [label for label, _ in dropdown.options]


def test_ui_lists_datasets_added_elsewhere_by_name_in_both_tabs(ws, tmp_path):
    tabs = trainlab.ui(ws, check_s=0.02)
    datasets, train, *_ = tabs.panels
    path = tmp_path / "late.csv"
    path.write_bytes(csv_data(40))
    other = trainlab.Workspace(ws.path)  # another notebook, or the REST API
    ds = other.datasets.add(path)
    one = tmp_path / "one.csv"
    one.write_bytes(csv_data(1))
    other.datasets.add(one)
    assert until(lambda: "one.csv (1 row, valid)" in labels(datasets.picker))
    assert until(lambda: "late.csv (40 rows, valid)" in labels(datasets.picker)), \
        labels(datasets.picker)
    assert until(lambda: "late.csv (40 rows, valid)" in labels(train.picker))
    assert ds.id not in labels(train.picker)  # never a bare id
    datasets.picker.value = ds.id  # picked in the first tab: handed to the second
    assert train.picker.value == ds.id and train.picker.label == "late.csv (40 rows, valid)"


def test_a_new_dataset_keeps_the_selection_and_its_views(ws, tmp_path):
    first = tmp_path / "first.csv"
    first.write_bytes(csv_data(30))
    panel = DatasetPanel(ws, check_s=0.02)
    ds = panel.import_path(str(first))
    summary = panel.summary.value
    second = tmp_path / "second.csv"
    second.write_bytes(csv_data(20))
    trainlab.Workspace(ws.path).datasets.add(second)
    assert until(lambda: any(label.startswith("second.csv") for label in labels(panel.picker)))
    assert panel.picker.value == ds.id and panel.summary.value == summary


def test_the_upload_line_clears_when_another_dataset_is_picked(ws, tmp_path):
    good = ws.datasets.add(_write(tmp_path / "good.csv", csv_data(10)))
    panel = DatasetPanel(ws, auto_refresh=False)
    reply = send_file(panel.upload.receiver, "broken.csv", b"a,b\n1,2\n3\n")
    assert reply["type"] == "done"
    assert panel.upload.status_text == "✓ broken.csv: invalid, 1 row"
    panel.picker.value = good.id
    assert panel.upload.status_text == ""
    assert "good.csv" in plain(panel.summary.value)


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def test_server_files_leave_out_hidden_tool_and_browser_folders(tmp_path):
    keep = ["data/train.csv", "nested/deeper/more.jsonl", "records.json", "x.ndjson"]
    drop = [".hidden/a.csv", "work/.ipynb_checkpoints/t-checkpoint.csv",
            "chrome-profile/Default/metadata.json", "chrome-profile/Default/x.csv",
            "a/b/.cache/c.csv", "env/lib/python3.11/site-packages/pkg/data.csv",
            "node_modules/pkg/package.json", "web/package.json", "__pycache__/x.json",
            "data/.secret.csv", "notes.txt", "deep/er/still/.git/x.json",
            "my-workspace/trainlab.db", "my-workspace/datasets/ds_x/data.csv"]
    for name in keep + drop:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("a\n1\n")
    assert sorted(server_files(str(tmp_path))) == sorted(keep)


def test_new_server_files_are_proposed_without_rebuilding(ws, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    panel = DatasetPanel(ws, check_s=0.02)
    assert "data/new.csv" not in panel.path.options
    (tmp_path / "data" / "new.csv").write_text("a\n1\n")
    assert until(lambda: "data/new.csv" in panel.path.options)


def test_the_profile_marks_estimates_and_draws_histograms(ws, tmp_path):
    rows = "\n".join(f"{i},{i * 7919 % 100003},{'ab'[i % 2]}" for i in range(30_000))
    ds = ws.datasets.add(_write(tmp_path / "wide.csv", f"n,h,c\n{rows}\n".encode()))
    panel = DatasetPanel(ws, auto_refresh=False)
    panel.picker.value = ds.id
    html = panel.profile_view.value
    assert html.count("class='trainlab-hist'") == 2  # n and h: numbers
    assert "min 0 · mean 1.5e+04 · max 29,999" in plain(html)
    if not ds.profile()["fields"]["h"]["distinct_exact"]:
        assert "≈" in html and "an estimate" in html and "title=" in html
    assert (ds.directory / "histograms.json").exists()  # computed once, kept


def test_dataset_panel_speaks_only_persian(ws, tmp_path):
    empty = DatasetPanel(ws, lang="fa", auto_refresh=False)
    assert latin_words(widget_texts(empty)) == []
    good = ws.datasets.add(_write(tmp_path / "people.csv", (
        "name,age,city\n" + "".join(f"p{i},{'not_a_number' if i == 24 else i},c{i % 3}\n"
                                    for i in range(60))).encode()))
    bad = ws.datasets.add(_write(tmp_path / "broken.csv", b"a,b\n1,2\n3\n4,5\n6\n"))
    panel = DatasetPanel(ws, lang="fa", auto_refresh=False)
    data_words = {"people", "csv", "broken", "name", "age", "city", "a", "b", "not_a_number",
                  *(f"p{i}" for i in range(60)), "c0", "c1", "c2"}
    for ds in (good, bad):
        panel.picker.value = ds.id
        assert latin_words(widget_texts(panel), data_words) == [], ds.name
    panel.picker.value = good.id
    text = plain(panel.report_view.value + panel.profile_view.value + panel.summary.value)
    for word in ("عدد صحیح", "کمینه", "میانگین", "بیشینه", "معتبر", "هشدارها", "سطر 26"):
        assert word in text, word
    panel.picker.value = bad.id
    assert "+2" in panel.summary.value and "نامعتبر" in plain(panel.summary.value)
    assert '<bdi dir="ltr">+2</bdi> نامعتبر)' in panel.summary.value  # not "(invalid 2+)"
    send_file(panel.upload.receiver, "late.csv", b"x,y\n1,2\n")
    assert panel.upload.status_text == "✓ \u2068late.csv\u2069: معتبر، 1 سطر"
    panel.import_path("nowhere/none.csv")  # an error, in the panel
    assert latin_words(widget_texts(panel), data_words | {"nowhere", "none", "late", "x", "y"}) == []


def test_a_stored_notebook_shows_a_snapshot_of_each_panel(ws, tmp_path):
    ds = ws.datasets.add(_write(tmp_path / "churn.csv", csv_data(50)))
    queued(ws, name="churn run", dataset_id=ds.id)
    panel = DatasetPanel(ws, auto_refresh=False)
    panel.picker.value = ds.id
    tabs = trainlab.ui(ws)
    try:
        for widget, words in ((panel, "churn.csv"), (JobsPanel(ws, auto_refresh=False), "churn run"),
                              (TrainPanel(ds, workspace=ws), "churn.csv"), (tabs, "trainlab")):
            bundle = widget._repr_mimebundle_()
            assert {"text/plain", "text/html",
                    "application/vnd.jupyter.widget-view+json"} <= set(bundle)
            assert len(bundle["text/plain"]) < 120 and "children=" not in bundle["text/plain"]
            assert words in plain(bundle["text/html"]), type(widget).__name__
        train = TrainPanel(ds, workspace=ws)._repr_mimebundle_()["text/plain"]
        assert train.startswith("trainlab training panel: dataset churn.csv") and "task" in train
    finally:
        tabs.close()


def test_ui_speaks_only_persian_outside_the_training_tab(ws, tmp_path):
    ws.datasets.add(_write(tmp_path / "churn.csv", csv_data(30)))
    tabs = trainlab.ui(ws, lang="fa")
    try:
        datasets, _, jobs, experiments = tabs.panels
        assert list(tabs.titles) == ["مجموعه‌داده‌ها", "آموزش", "کارها", "آزمایش‌ها"]
        assert "trainlab-rtl" in tabs._dom_classes
        for panel in (datasets, jobs, experiments):
            assert latin_words(widget_texts(panel), {"churn", "csv"}) == []
        assert "پنل" in tabs._repr_mimebundle_()["text/plain"]
    finally:
        tabs.close()


def test_a_large_file_is_binned_from_its_first_blocks_and_says_so(ws, tmp_path, monkeypatch):
    from trainlab.datasets import histogram

    rows = "\n".join(f"{i},{i % 1000}" for i in range(700_000))  # over one ~4 MB block
    ds = ws.datasets.add(_write(tmp_path / "long.csv", f"n,m\n{rows}\n".encode()))
    assert len(ds.index) > 1
    monkeypatch.setattr(histogram, "MAX_BYTES", 1)  # the first block only
    hist = histogram.histograms(ds)["m"]
    assert hist["sampled"] and 0 < hist["rows"] < ds.rows == 700_000
    assert sum(hist["counts"]) == hist["rows"]
    panel = DatasetPanel(ws, auto_refresh=False)
    panel.picker.value = ds.id
    assert f"({hist['rows']:,} rows)" in panel.profile_view.value
    panel.close()
