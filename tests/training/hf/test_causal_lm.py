"""Fine-tuning a pretrained causal LM with LoRA: the completion loss goes down, only the adapter
trains, prompts carry no loss, stop + resume is exact, and the artifact loads in a fresh
process with transformers (+ peft for an unmerged adapter) as with ``trainlab.load_model``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
import torch

import trainlab
from tests.hf_models import tiny_causal_lm

QA = [("two plus two", "four"), ("capital of iran", "tehran"), ("سلام", "سلام، خوبم"),
      ("color of the sky", "blue")]
ROWS = [{"q": f"question: {q}?", "a": f" answer: {a}"} for q, a in QA] * 8
SETTINGS = {"task": "causal-lm", "columns": {"prompt": "q", "completion": "a"}, "device": "cpu",
            "batch_size": 8, "lora": True, "early_stopping": None, "log_every": 2, "seed": 5}
EVERYWHERE = ["c_attn", "c_proj", "c_fc"]


@pytest.fixture(scope="module")
def lm_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # a larger initial scale than GPT-2's 0.02, so the frozen tied head gives logits a LoRA can
    # move (a real pretrained model has them already)
    return tiny_causal_lm(tmp_path_factory.mktemp("lm") / "model",
                          texts=[r["q"] + r["a"] for r in ROWS], initializer_range=0.3)


@pytest.fixture(scope="module")
def lora_run(tmp_path_factory: pytest.TempPathFactory, lm_folder: Path):
    ws = trainlab.Workspace(tmp_path_factory.mktemp("ws"))
    result = trainlab.fit(pd.DataFrame(ROWS), workspace=ws, base_model=str(lm_folder), epochs=10,
                          lr=2e-2, lora_r=16, lora_targets=EVERYWHERE, **SETTINGS)
    return ws, result


def test_lora_drives_the_completion_loss_well_down(lora_run):
    _ws, result = lora_run
    assert result.status == "completed"
    start = result.train_history[0]["loss"]
    assert result.history[-1]["loss"] < 0.5 * start
    assert result.metrics["perplexity"] > 1.0


def test_only_the_adapter_trains_and_is_checkpointed(lora_run):
    ws, result = lora_run
    meta = json.loads((Path(result.model_path) / "model.json").read_text())
    assert meta["hf"]["lora"] is True and meta["hf"]["lora_targets"] == EVERYWHERE
    assert 0 < meta["trainable_parameters"] < result.config["parameters"]
    state = torch.load(ws.jobs_dir / result.job_id / "checkpoints" / "last.pt",
                       weights_only=True)["model"]
    assert state and all("lora_" in name for name in state)
    assert sum(t.numel() for t in state.values()) == meta["trainable_parameters"]
    files = sorted(p.name for p in Path(result.model_path).iterdir())
    assert {"adapter_config.json", "adapter_model.safetensors", "tokenizer.json"} <= set(files)
    assert "config.json" not in files  # an adapter folder: transformers loads the base first
    adapter = json.loads((Path(result.model_path) / "adapter_config.json").read_text())
    assert Path(adapter["base_model_name_or_path"]) == Path(meta["hf"]["base_path"])


def test_prompt_tokens_carry_no_loss(lora_run, lm_folder):
    from transformers import AutoTokenizer

    ws, result = lora_run
    tok = AutoTokenizer.from_pretrained(lm_folder)
    completion_tokens = sum(len(tok(r["a"], add_special_tokens=False)["input_ids"]) + 1  # + EOS
                            for r in ROWS)
    scored = trainlab.load_model(result.job_id, workspace=ws).evaluate(pd.DataFrame(ROWS))
    assert scored.metrics["tokens"] == completion_tokens


def test_generate_continues_a_prompt(lora_run):
    ws, result = lora_run
    model = trainlab.load_model(result.job_id, workspace=ws)
    assert model.generate("question: two plus two?", max_new_tokens=4, temperature=0).startswith(
        " answer")
    sampled = model.generate("question:", max_new_tokens=5, temperature=1.0, top_k=20, seed=3)
    assert sampled == model.generate("question:", max_new_tokens=5, temperature=1.0, top_k=20,
                                     seed=3)


FRESH = """
import json, sys
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
folder, text = sys.argv[1], sys.argv[2]
model = AutoModelForCausalLM.from_pretrained(folder).eval()
tok = AutoTokenizer.from_pretrained(folder)
with torch.no_grad():
    print(json.dumps(model(**tok(text, return_tensors='pt')).logits[0].tolist()))
unused = [name for name in sys.argv[3].split(',') if name in sys.modules]
assert not unused, unused
"""


def _fresh_logits(folder: str, text: str, unused: str) -> torch.Tensor:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", FRESH, folder, text, unused], capture_output=True,
                         text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    return torch.tensor(json.loads(out.stdout.strip().splitlines()[-1]))


def _our_logits(model, text: str) -> torch.Tensor:
    ids = torch.tensor([model.task.tokenizer(text)["input_ids"]])
    with torch.no_grad():
        return model.module(ids, torch.ones_like(ids))[0].float()


def test_the_adapter_loads_with_transformers_and_peft_in_a_fresh_process(lora_run):
    ws, result = lora_run
    text = "question: capital of iran? answer:"
    theirs = _fresh_logits(result.model_path, text, unused="trainlab")
    ours = _our_logits(trainlab.load_model(result.job_id, workspace=ws), text)
    assert torch.allclose(ours, theirs, atol=1e-4)


def test_merge_writes_weights_plain_transformers_loads_without_peft(lm_folder, ws):
    rows = [{"story": r["q"] + r["a"]} for r in ROWS]
    result = trainlab.fit(pd.DataFrame(rows), workspace=ws, base_model=str(lm_folder),
                          **{**SETTINGS, "columns": {"text": "story"}}, max_steps=3, merge=True)
    folder = Path(result.model_path)
    assert (folder / "config.json").is_file() and (folder / "model.safetensors").is_file()
    assert (folder / "adapter" / "adapter_config.json").is_file()
    text = "question: two plus two?"
    theirs = _fresh_logits(str(folder), text, unused="trainlab,peft")
    ours = _our_logits(trainlab.load_model(result.job_id, workspace=ws), text)
    assert torch.allclose(ours, theirs, atol=1e-4)


class _StopAt(trainlab.Callback):
    def __init__(self, at: int | None = None) -> None:
        self.at, self.event, self.steps = at, threading.Event(), []

    def on_step(self, step, total_steps, epoch, loss, lr, samples_per_s, eta_s):
        self.steps.append((step, loss))
        if self.at is not None and step == self.at:
            self.event.set()


def test_stop_then_resume_of_a_lora_run_is_exact(lm_folder, ws):
    settings = {**SETTINGS, "epochs": 2, "lr": 1e-2, "log_every": 1}  # peft's default targets
    df = pd.DataFrame(ROWS)
    whole = _StopAt()
    one_go = trainlab.fit(df, workspace=ws, base_model=str(lm_folder), callbacks=[whole],
                          **settings)
    first = _StopAt(at=3)  # mid first epoch (4 steps an epoch)
    stopped = trainlab.fit(df, workspace=ws, base_model=str(lm_folder), callbacks=[first],
                           stop=first.event, **settings)
    assert stopped.status == "stopped" and stopped.steps == 3
    second = _StopAt()
    resumed = trainlab.fit(resume_from=stopped.job_id, workspace=ws, callbacks=[second])
    assert resumed.status == "completed" and resumed.job_id == stopped.job_id
    assert first.steps + second.steps == whole.steps
    assert [e["loss"] for e in resumed.history] == [e["loss"] for e in one_go.history]
    ours, theirs = one_go.module.checkpoint_state(), resumed.module.checkpoint_state()
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)
