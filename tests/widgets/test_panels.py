"""The dataset and jobs panels, driven as a user drives them: widget values, clicks, and the
browser's upload messages; assertions on what the panel shows."""

from __future__ import annotations

import hashlib
import time

import pytest

pytest.importorskip("ipywidgets")

import trainlab
from tests.conftest import workspace_files
from trainlab.widgets import DatasetPanel
from trainlab.widgets.upload import CHUNK_BYTES, Receiver


def plain(html: str) -> str:
    """What an HTML value reads as: tags gone, whitespace collapsed."""
    import html as h
    import re

    return " ".join(h.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def send_file(receiver: Receiver, name: str, data: bytes, chunk: int = CHUNK_BYTES,
              sha256: str | None = "auto") -> dict:
    """What the browser half does: begin, 1 MiB chunks each after the last ack, end."""
    reply = receiver.handle_message({"type": "begin", "name": name, "size": len(data)}, [])
    while reply["type"] == "ack" and reply["offset"] < len(data):
        part = memoryview(data)[reply["offset"]: reply["offset"] + chunk]
        reply = receiver.handle_message({"type": "chunk", "offset": reply["offset"]}, [part])
    if reply["type"] != "ack":
        return reply
    digest = hashlib.sha256(data).hexdigest() if sha256 == "auto" else sha256
    return receiver.handle_message({"type": "end", "sha256": digest}, [])


def csv_data(rows: int) -> bytes:
    return b"x,color,label\n" + b"".join(
        f"{i * 0.37:.3f},{'rgb'[i % 3]},{'ab'[(i // 3) % 2]}\n".encode() for i in range(rows))


def test_a_chunked_upload_arrives_byte_identical_and_is_shown(ws):
    panel = DatasetPanel(ws)
    data = csv_data(400_000)  # ~6.5 MB: seven 1 MiB chunks
    reply = send_file(panel.upload.receiver, "big.csv", data)
    assert reply["type"] == "done", reply
    ds = ws.datasets.get(reply["dataset"]["id"])
    assert ds.path.read_bytes() == data and ds.sha256 == hashlib.sha256(data).hexdigest()
    assert panel.picker.value == ds.id and "big.csv" in panel.summary.value
    assert "valid" in panel.summary.value and "400,000" in panel.summary.value
    assert "3 0.37 g a" in plain(panel.preview_view.value)  # file line 3
    assert "color" in panel.profile_view.value and "trainlab-hist" in panel.profile_view.value


def test_a_broken_upload_leaves_nothing(ws):
    receiver = DatasetPanel(ws).upload.receiver
    data = csv_data(1000)
    assert send_file(receiver, "t.csv", data, sha256="0" * 64)["code"] == "upload_checksum_mismatch"
    reply = receiver.handle_message({"type": "begin", "name": "t.csv", "size": len(data)}, [])
    reply = receiver.handle_message({"type": "chunk", "offset": 5}, [data[:10]])
    assert reply["type"] == "error"  # a chunk at the wrong offset
    assert receiver.handle_message({"type": "begin", "name": "x.parquet", "size": 3}, [])[
        "code"] == "unsupported_format"
    assert workspace_files(ws) == [] and ws.datasets.list() == []


def test_a_broken_dataset_shows_its_errors_paged(ws, tmp_path):
    lines = ['{"a": 1}'] + ["{broken" if i % 2 else f'{{"a": {i}}}' for i in range(1, 150)]
    path = tmp_path / "b.jsonl"
    path.write_text("\n".join(lines) + "\n")
    panel = DatasetPanel(ws, lang="fa")
    ds = panel.import_path(str(path))
    assert ds is not None and ds.status == "invalid"
    assert "نامعتبر" in panel.summary.value and "dir='rtl'" in panel.summary.value
    assert "invalid_json" in panel.report_view.value and "1–50 / 75" in panel.report_view.value
    assert panel.previous.disabled and not panel.next.disabled
    panel.next.click()
    assert "51–75 / 75" in panel.report_view.value and panel.next.disabled
    assert "سطر" in panel.report_view.value  # Persian messages


def test_importing_a_missing_file_says_so_in_the_panel(ws):
    panel = DatasetPanel(ws)
    panel.path.value = "nowhere/none.csv"
    panel.import_button.click()
    assert "No file at" in panel.message.value and ws.datasets.list() == []


# -- the training panel ----------------------------------------------------------------------------
from tests.training.conftest import tabular_rows, write_jsonl  # noqa: E402
from trainlab.widgets import TrainPanel  # noqa: E402


@pytest.fixture()
def table_ds(ws, tmp_path):
    return ws.datasets.add(write_jsonl(tmp_path / "table.jsonl", tabular_rows(400)))


def test_the_panel_infers_the_mapping_checks_it_and_trains_to_the_end(ws, table_ds):
    panel = TrainPanel(table_ds, workspace=ws)
    assert panel.task.value == "tabular" and panel.roles["target"].value == "label"
    assert "✓" in panel.check_view.value and not panel.start.disabled
    panel.batch_size.value = 32
    panel.train(max_steps=40, log_every=5, eval_every=10)
    assert panel.stop.disabled is False  # running: Stop is live, Start is not
    result = panel.wait(120)
    assert result is not None and result.status == "completed"
    assert "completed" in panel.outcome.value and f'load_model("{result.job_id}")' in panel.outcome.value
    assert "accuracy" in panel.outcome.value and panel.progress.value == panel.progress.max == 40
    assert "<svg" in panel.chart.value and "train loss" in panel.chart.value
    assert "step 40" in panel.status.value and not panel.start.disabled and panel.stop.disabled
    assert ws.jobs.get(result.job_id).status == "completed"


def test_the_panel_works_in_the_workspace_its_dataset_is_in(ws, table_ds, tmp_path, monkeypatch):
    monkeypatch.setenv("TRAINLAB_HOME", str(tmp_path / "home"))
    panel = TrainPanel(table_ds)  # no workspace=: the dataset's own, not the default one
    assert panel.ws is ws and panel.picker.value == table_ds.id and "✓" in panel.check_view.value


def test_stop_ends_stopped_with_a_checkpoint_within_a_second(ws, table_ds):
    panel = TrainPanel(table_ds, workspace=ws)
    panel.early_stopping.value = 0
    panel.batch_size.value = 8
    panel.train(max_steps=10**6, log_every=5)
    deadline = time.monotonic() + 60
    while not panel.state and time.monotonic() < deadline:
        time.sleep(0.05)
    assert panel.state, "training did not start"
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


def test_ui_has_three_tabs_and_speaks_persian(ws, table_ds):
    tabs = trainlab.ui(ws, lang="fa")
    assert [tabs.get_title(i) for i in range(3)] == ["مجموعه‌داده‌ها", "آموزش", "کارها"]
    assert "trainlab-rtl" in tabs._dom_classes and "direction: rtl" in tabs.panels[0].children[0].value
    datasets, train, _ = tabs.panels
    datasets.picker.value = table_ds.id  # picking a dataset hands it to the training panel
    assert train.picker.value == table_ds.id and train.roles["target"].value == "label"


def test_the_chart_sends_a_bounded_number_of_points():
    from trainlab.widgets.render import CHART_POINTS, chart_svg

    svg = chart_svg({"train loss": [(i, 1 / (i + 1)) for i in range(100_000)]})
    assert svg.count(",") <= CHART_POINTS + 5 and len(svg) < 20_000


def test_the_import_box_proposes_the_data_files_under_the_notebook(ws, tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_bytes(csv_data(10))
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "b.csv").write_bytes(b"x\n1\n")
    (tmp_path / "notes.txt").write_text("no")
    monkeypatch.chdir(tmp_path)
    panel = DatasetPanel(ws)
    assert list(panel.path.options) == ["data/a.csv"]
    panel.path.value = "data/a.csv"
    panel.import_button.click()
    assert panel.dataset is not None and panel.dataset.rows == 10
