"""The dataset and jobs panels, driven as a user drives them: widget values, clicks, and the
browser's upload messages; assertions on what the panel shows."""

from __future__ import annotations

import hashlib

import pytest

pytest.importorskip("ipywidgets")

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
    assert receiver.handle_message({"type": "begin", "name": "x.xlsx", "size": 3}, [])[
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
