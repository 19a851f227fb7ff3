"""Finding a base model: a folder, a Hub id in the local cache, or a clear error offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hf_models import into_hub_cache
from trainlab.training.hf import hub


def test_a_folder_resolves_to_itself(tiny_models, hf_home):
    ref = hub.check_model(str(tiny_models["classifier"]))
    assert ref.path == tiny_models["classifier"].resolve() and ref.repo_id is None


def test_a_cached_hub_id_resolves_offline_and_is_listed(tiny_models, hf_home):
    snapshot = into_hub_cache(tiny_models["causal-lm"], hf_home / "hub", "acme/tiny-lm")
    ref = hub.resolve_model("acme/tiny-lm")
    assert ref.repo_id == "acme/tiny-lm" and ref.path == snapshot
    listed = hub.cached_models()
    assert [(m["id"], m["model_type"], m["architectures"]) for m in listed] == \
        [("acme/tiny-lm", "gpt2", ["GPT2LMHeadModel"])]
    assert Path(listed[0]["path"]) == snapshot and listed[0]["size"] > 0


def test_hf_hub_cache_wins_over_hf_home(tiny_models, hf_home, tmp_path, monkeypatch):
    other = tmp_path / "elsewhere"
    into_hub_cache(tiny_models["causal-lm"], other, "acme/tiny-lm")
    monkeypatch.setenv("HF_HUB_CACHE", str(other))
    assert hub.find_model("acme/tiny-lm").path.is_relative_to(other)


@pytest.mark.parametrize(("name", "reason"), [
    ("acme/not-cached", "model_offline"),
    ("./no/such/folder", "model_no_folder"),
    ("not a valid id!", "model_bad_name"),
])
def test_unavailable_models_say_what_and_where(hf_home, name, reason):
    with pytest.raises(hub.ModelNotAvailable) as caught:
        hub.check_model(name)
    error = caught.value
    assert error.code == "model_not_available" and error.params["reason"] == reason
    assert name in error.message("en") and error.params["looked"] in error.message("en")
    assert name in error.message("fa") and "در دسترس نیست" in error.message("fa")


def test_a_folder_without_config_is_refused(tmp_path, hf_home):
    (tmp_path / "weights").mkdir()
    with pytest.raises(hub.ModelNotAvailable) as caught:
        hub.check_model(str(tmp_path / "weights"))
    assert caught.value.params["reason"] == "model_no_config"


def test_no_cache_folder_lists_nothing(hf_home):
    assert hub.cached_models() == []
