"""The review's defects in fine-tuning pretrained models (issue 15), each through what a user
touches: ``trainlab.fit``, ``trainlab.load_model(...).predict/generate``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import trainlab
from tests.hf_models import into_hub_cache, tiny_causal_lm, train_tokenizer
from trainlab.training.hf import hub
from trainlab.training.hf.artifact import base_name

CLS_ROWS = [{"t": text, "y": label} for text, label in
            [("the film was great", "pos"), ("the film was terrible", "neg"),
             ("فیلم عالی بود", "pos"), ("فیلم افتضاح بود", "neg")] * 6]
CLS = {"task": "text-classification", "columns": {"text": "t", "label": "y"}, "device": "cpu",
       "max_steps": 1, "batch_size": 8, "early_stopping": None}
LM_ROWS = [{"q": "question: what is two plus two?", "a": " answer: four"}] * 24
LM = {"task": "causal-lm", "columns": {"prompt": "q", "completion": "a"}, "device": "cpu",
      "max_steps": 1, "batch_size": 8, "early_stopping": None}


@pytest.fixture(scope="module")
def lm_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny GPT-2 with a 128-token context."""
    return tiny_causal_lm(tmp_path_factory.mktemp("lm") / "model", layers=1, context=128)


@pytest.fixture(scope="module")
def lm_model(tmp_path_factory: pytest.TempPathFactory, lm_folder: Path):
    ws = trainlab.Workspace(tmp_path_factory.mktemp("ws"))
    result = trainlab.fit(pd.DataFrame(LM_ROWS), workspace=ws, base_model=str(lm_folder), **LM)
    assert result.status == "completed"
    return trainlab.load_model(result.job_id, workspace=ws)


@pytest.fixture()
def unreachable_hub(hf_home, monkeypatch):
    """Downloads allowed (HF_HUB_OFFLINE unset) but nothing answers at the Hub's address."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    return hf_home


def test_an_unreachable_hub_is_model_not_available_not_a_client_error(unreachable_hub, ws):
    for call in (hub.check_model, hub.resolve_model):
        with pytest.raises(hub.ModelNotAvailable) as caught:
            call("acme/not-cached")
        assert caught.value.params["reason"] == "model_unreachable"
    with pytest.raises(trainlab.TrainlabError) as caught:
        trainlab.fit(pd.DataFrame(CLS_ROWS), workspace=ws, base_model="acme/not-cached", **CLS)
    error = caught.value
    assert (error.code, error.status, error.params["reason"]) == \
        ("model_not_available", 422, "model_unreachable")
    assert "acme/not-cached" in error.message("en") and "در دسترس نیست" in error.message("fa")
    assert ws.jobs.list() == [] and not any(ws.jobs_dir.iterdir())


def test_generate_never_overruns_the_context(lm_model):
    assert lm_model.module.positions() == 128
    assert isinstance(lm_model.generate("سلام"), str)  # default 200 new tokens > 128 positions
    long = "question: what is two plus two? " * 60  # far more than 128 tokens
    assert len(lm_model.module.tokenizer(long)["input_ids"]) > 128
    tail = lm_model.generate(long, max_new_tokens=1000, temperature=0)
    assert isinstance(tail, str)
    # a long prompt keeps its end: the same as giving only its last tokens
    ids = lm_model.module.tokenizer(long)["input_ids"]
    short = lm_model.module.tokenizer.decode(ids[-(128 - 20):])
    assert lm_model.generate(long, max_new_tokens=20, temperature=0) == \
        lm_model.generate(short, max_new_tokens=20, temperature=0)


def test_a_seeded_generate_leaves_the_global_rng_alone(lm_model):
    torch.manual_seed(123)
    before = torch.get_rng_state()
    first = lm_model.generate("question:", max_new_tokens=8, seed=7, temperature=1.0)
    assert torch.equal(torch.get_rng_state(), before)
    assert lm_model.generate("question:", max_new_tokens=8, seed=7, temperature=1.0) == first


@pytest.mark.parametrize(("prompt", "max_new_tokens", "code"), [
    (None, 5, "bad_prompt"), (42, 5, "bad_prompt"), ("hi", 0, "bad_max_new_tokens"),
    ("hi", -3, "bad_max_new_tokens"), ("hi", 2.5, "bad_max_new_tokens"),
])
def test_generate_refuses_bad_arguments(lm_model, prompt, max_new_tokens, code):
    with pytest.raises(trainlab.TrainlabError) as caught:
        lm_model.generate(prompt, max_new_tokens=max_new_tokens)
    assert (caught.value.code, caught.value.status) == (code, 422)
    assert caught.value.message("fa") != caught.value.message("en")


def _fit_error(ws, folder: Path, **settings) -> trainlab.TrainlabError:
    with pytest.raises(trainlab.TrainlabError) as caught:
        trainlab.fit(pd.DataFrame(LM_ROWS), workspace=ws, base_model=str(folder),
                     **{**LM, **settings})
    return caught.value


def test_a_folder_without_tokenizer_files_is_refused(lm_folder, tmp_path, ws):
    folder = tmp_path / "no-tokenizer"
    shutil.copytree(lm_folder, folder)
    for file in folder.glob("*"):
        if file.name.startswith(("tokenizer", "special_tokens", "vocab", "merges")):
            file.unlink()
    error = _fit_error(ws, folder)
    assert (error.code, error.status) == ("hf_no_tokenizer", 422)
    assert str(folder) in error.message("en") and str(folder) in error.message("fa")


def test_a_tokenizer_larger_than_the_embeddings_is_refused(tmp_path, ws):
    from transformers import GPT2Config, GPT2LMHeadModel

    tokenizer = train_tokenizer("gpt2")
    small = len(tokenizer) - 10
    config = GPT2Config(vocab_size=small, n_embd=16, n_layer=1, n_head=2, n_positions=64,
                        eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.bos_token_id)
    folder = tmp_path / "small-vocab"
    GPT2LMHeadModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    error = _fit_error(ws, folder)
    assert (error.code, error.status) == ("hf_vocab_mismatch", 422)
    assert error.params["tokens"] == len(tokenizer) and error.params["vocab"] == small


def test_the_token_cache_is_keyed_by_the_models_positions(lm_folder, tmp_path, ws):
    """Same tokenizer, same data, a 16-position model after a 128-position one: its own rows."""
    from transformers import GPT2Config, GPT2LMHeadModel

    short = tmp_path / "short"
    config = GPT2Config.from_pretrained(lm_folder)
    config.n_positions = 16
    GPT2LMHeadModel(config).save_pretrained(short)
    for file in lm_folder.iterdir():
        if file.name.startswith(("tokenizer", "special_tokens")):
            shutil.copy(file, short / file.name)
    rows = [{"t": "question: what is two plus two? answer: four. " * 4}] * 24
    ds = ws.datasets.add(pd.DataFrame(rows), name="long-rows")
    settings = {**LM, "columns": {"text": "t"}}
    first = trainlab.fit(ds, workspace=ws, base_model=str(lm_folder), **settings)
    again = trainlab.fit(ds, workspace=ws, base_model=str(lm_folder), **settings)
    assert first.status == again.status == "completed" and again.cached_tensors
    other = trainlab.fit(ds, workspace=ws, base_model=str(short), **settings)
    assert other.status == "completed" and not other.cached_tensors
    meta = json.loads((Path(other.model_path) / "model.json").read_text())
    assert meta["state"]["max_length"] == 16


FRESH_CLASSIFIER = """
import json, sys
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
folder, texts = sys.argv[1], json.loads(sys.argv[2])
assert 'trainlab' not in sys.modules
model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
tok = AutoTokenizer.from_pretrained(folder)
with torch.no_grad():
    probs = [torch.softmax(model(**tok(t, return_tensors='pt')).logits[0], 0).tolist() for t in texts]
print(json.dumps({"id2label": model.config.id2label, "probs": probs}))
"""


def test_a_lora_classifier_loads_with_plain_transformers(tiny_models, ws):
    """Three labels on a two-label base head: the artifact loads in a fresh process with
    transformers alone, with the label map, and gives trainlab's probabilities."""
    rows = [{"t": text, "y": label} for text, label in
            [("the film was great", "pos"), ("the film was terrible", "neg"),
             ("فیلم عالی بود", "pos"), ("what a waste of time", "meh")] * 6]
    result = trainlab.fit(pd.DataFrame(rows), workspace=ws, base_model=str(tiny_models["classifier"]),
                          lora=True, **CLS)
    folder = Path(result.model_path)
    assert (folder / "config.json").is_file() and (folder / "model.safetensors").is_file()
    assert (folder / "adapter" / "adapter_config.json").is_file()
    texts = [r["t"] for r in rows[:4]]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", FRESH_CLASSIFIER, str(folder), json.dumps(texts)],
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    theirs = json.loads(out.stdout.strip().splitlines()[-1])
    assert theirs["id2label"] == {"0": "meh", "1": "neg", "2": "pos"}
    ours = trainlab.load_model(result.job_id, workspace=ws).predict_proba(texts)
    assert list(ours.columns) == ["meh", "neg", "pos"]
    assert np.allclose(ours.to_numpy(), np.array(theirs["probs"]), atol=1e-5)


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory, tiny_models):
    ws = trainlab.Workspace(tmp_path_factory.mktemp("ws"))
    result = trainlab.fit(pd.DataFrame(CLS_ROWS), workspace=ws,
                          base_model=str(tiny_models["classifier"]), **CLS)
    return trainlab.load_model(result.job_id, workspace=ws)


def test_no_records_give_an_empty_result_of_the_usual_type(classifier):
    assert classifier.predict([]) == []
    empty = pd.DataFrame({"t": pd.Series([], dtype=str)}, index=pd.Index([], name="k"))
    series = classifier.predict(empty)
    assert isinstance(series, pd.Series) and len(series) == 0 and series.index.name == "k"
    probs = classifier.predict_proba([])
    assert isinstance(probs, pd.DataFrame) and probs.shape == (0, 2)
    assert list(probs.columns) == ["neg", "pos"]
    assert classifier.predict_proba(empty).shape == (0, 2)


@pytest.mark.parametrize("method", ["predict", "predict_proba"])
@pytest.mark.parametrize("records", [None, 7])
def test_records_that_are_not_records_are_refused(classifier, method, records):
    with pytest.raises(trainlab.TrainlabError) as caught:
        getattr(classifier, method)(records)
    assert (caught.value.code, caught.value.status) == ("bad_records", 422)
    assert type(records).__name__ in caught.value.message("fa")


def _without_weights(source: Path, folder: Path) -> Path:
    shutil.copytree(source, folder)
    for file in folder.glob("*.safetensors"):
        file.unlink()
    return folder


def test_a_folder_without_safetensors_weights_is_refused_before_a_job(lm_folder, tmp_path, ws,
                                                                      hf_home):
    bare = _without_weights(lm_folder, tmp_path / "bare")
    pickled = _without_weights(lm_folder, tmp_path / "pickled")
    (pickled / "pytorch_model.bin").write_bytes(b"never unpickled")
    for folder in (bare, pickled):
        with pytest.raises(trainlab.TrainlabError) as caught:
            trainlab.fit(pd.DataFrame(LM_ROWS), workspace=ws, base_model=str(folder), **LM)
        error = caught.value
        assert (error.code, error.status, error.params["reason"]) == \
            ("model_not_available", 422, "model_no_weights")
        assert "pytorch_model.bin" in error.message("en") and "safetensors" in error.message("fa")
    assert ws.jobs.list() == [] and not any(ws.jobs_dir.iterdir())
    snapshot = into_hub_cache(bare, hf_home / "hub", "acme/no-weights")
    with pytest.raises(hub.ModelNotAvailable) as caught:
        hub.check_model("acme/no-weights")
    assert caught.value.params["reason"] == "model_no_weights"
    assert caught.value.params["looked"] == str(snapshot)


def test_an_unknown_model_type_is_hf_wrong_model(lm_folder, tmp_path, ws):
    folder = tmp_path / "odd-type"
    shutil.copytree(lm_folder, folder)
    config = json.loads((folder / "config.json").read_text())
    config["model_type"] = "nosuchtype"
    (folder / "config.json").write_text(json.dumps(config))
    error = _fit_error(ws, folder)
    assert (error.code, error.status) == ("hf_wrong_model", 422)
    assert "nosuchtype" in error.message("en") and "nosuchtype" in error.message("fa")


def test_a_lora_adapter_keeps_the_pinned_revision_of_its_base(lm_folder, hf_home, ws):
    pinned, newer = "c" * 40, "a" * 40
    snapshot = into_hub_cache(lm_folder, hf_home / "hub", "acme/tiny-lm", commit=pinned)
    into_hub_cache(lm_folder, hf_home / "hub", "acme/tiny-lm", commit=newer)  # main moves on
    result = trainlab.fit(pd.DataFrame(LM_ROWS), workspace=ws, base_model=f"acme/tiny-lm@{pinned}",
                          lora=True, **LM)
    adapter = json.loads((Path(result.model_path) / "adapter_config.json").read_text())
    assert (adapter["base_model_name_or_path"], adapter["revision"]) == ("acme/tiny-lm", pinned)
    meta = json.loads((Path(result.model_path) / "model.json").read_text())
    assert base_name(meta["hf"]) == f"acme/tiny-lm@{pinned}"
    assert hub.resolve_model(base_name(meta["hf"])).path == snapshot
    assert isinstance(trainlab.load_model(result.job_id, workspace=ws).generate("q", 3), str)


def test_a_long_prompt_is_cut_from_the_left_so_the_completion_keeps_its_loss(lm_folder, ws):
    from transformers import AutoTokenizer

    rows = [{"q": "question: what is two plus two? " * 6, "a": " answer: four"}] * 24
    result = trainlab.fit(pd.DataFrame(rows), workspace=ws, base_model=str(lm_folder),
                          max_length=16, **LM)
    tok = AutoTokenizer.from_pretrained(lm_folder)
    assert len(tok(rows[0]["q"])["input_ids"]) > 16
    completion = len(tok(rows[0]["a"], add_special_tokens=False)["input_ids"]) + 1  # + EOS
    assert completion < 16
    scored = trainlab.load_model(result.job_id, workspace=ws).evaluate(pd.DataFrame(rows))
    assert scored.metrics["tokens"] == len(rows) * completion


@pytest.fixture()
def fake_hub(hf_home, monkeypatch):
    """A local Hub answering model_info for any id with a pickled-weights-only file list."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            repo = self.path.split("?")[0].removeprefix("/api/models/")
            body = json.dumps({"id": repo, "sha": "b" * 40, "siblings": [
                {"rfilename": "config.json"}, {"rfilename": "pytorch_model.bin"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}")
    yield
    server.shutdown()
    server.server_close()


def test_a_hub_repo_with_only_pickled_weights_is_refused_before_download(fake_hub, ws):
    with pytest.raises(trainlab.TrainlabError) as caught:
        trainlab.fit(pd.DataFrame(LM_ROWS), workspace=ws, base_model="acme/bin-only", **LM)
    error = caught.value
    assert (error.code, error.params["reason"]) == ("model_not_available", "model_no_weights")
    assert "acme/bin-only" in error.message("en")
    assert ws.jobs.list() == [] and not any(ws.jobs_dir.iterdir())


def test_the_panel_says_why_in_words_when_there_are_no_weights():
    from trainlab.widgets.form import form_error

    params = {"name": "acme/bin-only", "looked": "/models", "reason": "model_no_weights"}
    for lang, word in (("en", "safetensors"), ("fa", "وزنی")):
        shown = str(form_error("model_not_available", params, lang))
        assert word in shown and "model_no_weights" not in shown
