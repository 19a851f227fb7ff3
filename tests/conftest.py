from __future__ import annotations

import json
from pathlib import Path

import pytest

import trainlab
from tests.training.hf.conftest import hf_home, tiny_models  # noqa: F401  (fixtures for every folder)


@pytest.fixture(scope="session", autouse=True)
def _scratch_default_workspace(tmp_path_factory: pytest.TempPathFactory):
    """A test that uses the default workspace (no ``workspace=``) gets a scratch one, never the
    ``~/.local/share/trainlab`` of whoever runs the suite."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRAINLAB_HOME", str(tmp_path_factory.mktemp("default-workspace")))
        yield


@pytest.fixture()
def ws(tmp_path: Path) -> trainlab.Workspace:
    return trainlab.Workspace(tmp_path / "ws")


@pytest.fixture()
def write(tmp_path: Path):
    """write(name, text_or_bytes) -> path of a file in a scratch folder."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / "files" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return _write


def jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def workspace_files(ws: trainlab.Workspace) -> list[Path]:
    """Every file under datasets/ and tmp/ (what a rejected upload must not leave behind)."""
    return [p for p in (*ws.datasets_dir.rglob("*"), *ws.tmp_dir.rglob("*")) if p.is_file()]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``gpu`` run only where CUDA is (benchmarks/gpu_check.sh runs them)."""
    if not any(item.get_closest_marker("gpu") for item in items):
        return
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if item.get_closest_marker("gpu"):
            item.add_marker(skip)
