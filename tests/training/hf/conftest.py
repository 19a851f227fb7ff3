"""Tiny pretrained models for the Hugging Face tests, built once per session (no downloads), and
an offline Hugging Face home per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hf_models import tiny_causal_lm, tiny_classifier


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``{"classifier": folder, "causal-lm": folder}``: save_pretrained folders."""
    root = tmp_path_factory.mktemp("tiny-models")
    return {"classifier": tiny_classifier(root / "classifier"),
            "causal-lm": tiny_causal_lm(root / "causal-lm")}


@pytest.fixture()
def hf_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Hugging Face home, offline: nothing can be downloaded."""
    home = tmp_path / "hf-home"
    home.mkdir()
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return home
