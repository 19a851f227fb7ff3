"""ws.datasets.import_hf: a Hugging Face dataset (a save_to_disk folder, or the local cache by
name) becomes an ordinary Parquet dataset; nothing is downloaded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import workspace_files
from trainlab.errors import DatasetError

hf = pytest.importorskip("datasets")

ROWS = {"text": ["فیلم عالی بود", "a dull film", "خوب نبود", "great fun", "بد", "ok"],
        "label": [1, 0, 0, 1, 0, 1],
        "score": [0.9, 0.1, None, 0.8, 0.2, 0.5],
        "tokens": [[1, 2], [3], [], [4, 5, 6], [7], [8, 9]]}


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    hf.disable_progress_bars()


def _saved(tmp_path: Path) -> tuple[Path, Path]:
    one = hf.Dataset.from_dict(ROWS)
    one.save_to_disk(str(tmp_path / "one"))
    both = hf.DatasetDict({"train": one, "test": one.select([1, 3])})
    both.save_to_disk(str(tmp_path / "both"))
    return tmp_path / "one", tmp_path / "both"


def test_a_save_to_disk_dataset_imports_with_its_rows_and_columns(ws, tmp_path) -> None:
    one, _ = _saved(tmp_path)
    ds = ws.datasets.import_hf(one)
    assert ds.format == "parquet" and ds.status == "valid" and ds.name == "one.parquet"
    assert ds.schema == {"text": "string", "label": "integer", "score": "number",
                         "tokens": "list"}
    back = ds.to_pandas()
    assert list(back.columns) == list(ROWS)
    assert back["text"].tolist() == ROWS["text"] and back["label"].tolist() == ROWS["label"]
    assert [None if v != v else v for v in back["score"].tolist()] == ROWS["score"]
    assert [list(v) for v in back["tokens"]] == ROWS["tokens"]
    assert ds.report["rows_total"] == 6
    assert ds.check("text-classification", {"text": "text", "label": "label"})["ok"]
    assert workspace_files(ws) and not list(ws.tmp_dir.glob("*.parquet"))


def test_a_dataset_dict_needs_a_known_split(ws, tmp_path) -> None:
    _, both = _saved(tmp_path)
    test = ws.datasets.import_hf(both, split="test", name="reviews-test.parquet")
    assert test.name == "reviews-test.parquet" and test.rows == 2
    assert test.to_pandas()["text"].tolist() == ["a dull film", "great fun"]
    with pytest.raises(DatasetError) as info:
        ws.datasets.import_hf(both)
    assert info.value.code == "hf_split_required" and "train, test" in str(info.value)
    with pytest.raises(DatasetError) as info:
        ws.datasets.import_hf(both, split="validation")
    assert info.value.code == "hf_split_unknown"
    assert "validation" in str(info.value) and "train, test" in str(info.value)
    assert [d.id for d in ws.datasets.list()] == [test.id]


def test_a_missing_folder_or_name_says_where_it_looked(ws, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(hf.config, "HF_DATASETS_CACHE", tmp_path / "cache")
    for source in (tmp_path / "nowhere", "someone/not-cached"):
        with pytest.raises(DatasetError) as info:
            ws.datasets.import_hf(source)
        assert info.value.code == "hf_dataset_not_found"
        message = str(info.value)
        assert str(source) in message and str(tmp_path / "cache") in message
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(DatasetError) as info:
        ws.datasets.import_hf(plain)
    assert "save_to_disk" in str(info.value) and ws.datasets.list() == []


BARE = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('datasets', 'huggingface_hub', 'transformers'):
            raise ImportError('no hf extra here: ' + name)
sys.meta_path.insert(0, Block())
import pyarrow as pa, pyarrow.parquet as pq, trainlab
pq.write_table(pa.table({'a': [1, 2, 3]}), sys.argv[2])
ws = trainlab.Workspace(sys.argv[1])
ds = ws.datasets.add(sys.argv[2])
try:
    ws.datasets.import_hf(sys.argv[2])
except trainlab.errors.DatasetError as exc:
    print(ds.rows, ds.format, exc.code)
"""


def test_parquet_needs_no_hf_extra_and_import_hf_says_how_to_get_it(tmp_path) -> None:
    out = subprocess.run([sys.executable, "-c", BARE, str(tmp_path / "ws"),
                          str(tmp_path / "t.parquet")], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["3", "parquet", "hf_not_installed"]


CACHED = """
import pathlib, shutil, sys
import datasets, pyarrow as pa, pyarrow.parquet as pq, trainlab
root = pathlib.Path(sys.argv[1])
source = root / "train.parquet"
pq.write_table(pa.table({"t": ["سلام", "hi", "yo"], "y": [1, 0, 1]}), source)
# the layout datasets gives a Hub dataset it has prepared: <owner>___<name>/<config>/<version>/<hash>/
built = datasets.load_dataset("parquet", data_files={"train": str(source)})["train"]
folder = pathlib.Path(built.cache_files[0]["filename"]).parent
target = pathlib.Path(datasets.config.HF_DATASETS_CACHE) / "someone___tiny/default/0.0.0" / folder.name
shutil.copytree(folder, target)
for arrow in target.glob("parquet-*"):
    arrow.rename(arrow.with_name("tiny-" + arrow.name[len("parquet-"):]))
ws = trainlab.Workspace(root / "ws")
ds = ws.datasets.import_hf("someone/tiny", split="train")
print(ds.name, ds.rows, ds.to_pandas()["t"].tolist()[0], ds.schema["y"])
try:
    ws.datasets.import_hf("someone/tiny", split="validation")
except trainlab.TrainlabError as error:
    print(error.code, error.params["splits"])
"""


def test_a_dataset_in_the_local_cache_imports_by_name_offline(tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "HF_HOME": str(tmp_path / "hf"),
           "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    env.pop("HF_DATASETS_CACHE", None)
    env.pop("HF_HUB_CACHE", None)
    out = subprocess.run([sys.executable, "-c", CACHED, str(tmp_path)], capture_output=True,
                         text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["tiny-train.parquet", "3", "سلام", "integer",
                                  "hf_split_unknown", "train"]
