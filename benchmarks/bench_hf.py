"""Fine-tuning a pretrained Hugging Face model: trainlab vs ``transformers.Trainer``.

    python benchmarks/bench_hf.py [--device cpu|cuda] [--models lm,classifier] [--repeat 3]

The same model (built from a config with random weights and saved with ``save_pretrained``
into a temporary folder: nothing is downloaded), the same generated texts (variable length),
batch size, sequence length, precision, learning rate, schedule (warmup + cosine), AdamW,
gradient clipping and number of steps, fine-tuned by

- trainlab: ``trainlab.fit(ds, task=..., base_model=<folder>, ...)`` as a user calls it, in a
  temporary workspace (its default length bucketing, its tokenisation cache beside the dataset,
  an evaluation, a checkpoint and the saved artifact, all inside the timed call);
- ``Trainer``: the usual script: the texts tokenised once beforehand (outside the timing),
  ``from_pretrained``, ``DataCollatorWithPadding`` (classifier) or
  ``DataCollatorForLanguageModeling(mlm=False)`` (LM), ``TrainingArguments`` with the same
  hyperparameters, logging every 10 steps like trainlab, one evaluation at the end like
  trainlab, saving off, ``report_to=[]``; model loading and ``train()`` timed.

The steps cover the training rows exactly once, so both see the same samples and the same real
(non-pad) tokens: tokens/s counts those for both. One warm-up run of each is dropped, the
repeats alternate, medians are reported with the ratio trainlab/Trainer (whole calls).
Beside them: ``trainlab_in_loop_samples_per_s`` (trainlab's training steps alone) and
``trainer_train_samples_per_s`` (what Trainer reports for ``train()``). On CUDA the LM is
GPT-2-small-shaped (124M parameters, context 1024, bf16) and the line also has its MFU:
(6N + attention FLOPs per token) x tokens/s / the GPU's dense bf16 peak, N the parameters
without the position embeddings, attention 12 x layers x width x row length per token.

Prints one JSON line per model.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import trainlab

SYLLABLES = ["ka", "ro", "mi", "sa", "te", "lu", "na", "po", "ve", "di", "shi", "ba", "go", "fe",
             "ar", "zan", "del", "mor", "tin", "kes"]


def specs(device: torch.device) -> dict[str, dict[str, Any]]:
    """Each model's shape, data and run: tiny on CPU, GPT-2-small / BERT-base shaped on CUDA."""
    if device.type == "cpu":
        return {
            "lm": {"task": "causal-lm", "kind": "gpt2", "vocab": 400, "width": 64, "layers": 2,
                   "heads": 2, "context": 128, "words": (8, 40), "batch": 16, "steps": 16},
            "classifier": {"task": "text-classification", "kind": "bert", "vocab": 400,
                           "width": 64, "layers": 2, "heads": 2, "context": 128,
                           "words": (4, 60), "batch": 16, "steps": 16}}
    return {
        "lm": {"task": "causal-lm", "kind": "gpt2", "vocab": 50257, "tok_vocab": 4000,
               "width": 768, "layers": 12, "heads": 12, "context": 1024, "words": (400, 1000),
               "batch": 16, "steps": 40},
        "classifier": {"task": "text-classification", "kind": "bert", "vocab": 30522,
                       "tok_vocab": 4000, "width": 768, "layers": 12, "heads": 12,
                       "context": 512, "words": (30, 400), "batch": 32, "steps": 40}}


def texts(n: int, words: tuple[int, int], seed: int) -> list[str]:
    """``n`` generated texts of ``words`` pseudo-words each (uniform), from a fixed lexicon."""
    rng = random.Random(seed)
    lexicon = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3)))
               for _ in range(3000)]
    return [" ".join(rng.choice(lexicon) for _ in range(rng.randint(*words))) for _ in range(n)]


def build_model(spec: dict[str, Any], folder: Path, corpus: list[str]) -> None:
    """A fast tokenizer trained on ``corpus`` and a model from config (random weights)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import (
        BertConfig,
        BertForSequenceClassification,
        GPT2Config,
        GPT2LMHeadModel,
        PreTrainedTokenizerFast,
    )

    size = spec.get("tok_vocab", spec["vocab"])
    if spec["kind"] == "bert":
        raw = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        raw.pre_tokenizer = pre_tokenizers.Whitespace()
        raw.decoder = decoders.WordPiece()
        raw.train_from_iterator(corpus, trainers.WordPieceTrainer(
            vocab_size=size, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
            show_progress=False))
        raw.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", special_tokens=[("[CLS]", raw.token_to_id("[CLS]")),
                                                     ("[SEP]", raw.token_to_id("[SEP]"))])
        tok = PreTrainedTokenizerFast(tokenizer_object=raw, unk_token="[UNK]", pad_token="[PAD]",
                                      cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
        config = BertConfig(vocab_size=max(spec["vocab"], len(tok)), hidden_size=spec["width"],
                            num_hidden_layers=spec["layers"], num_attention_heads=spec["heads"],
                            intermediate_size=4 * spec["width"],
                            max_position_embeddings=spec["context"], num_labels=2,
                            pad_token_id=tok.pad_token_id)
        torch.manual_seed(0)
        model: Any = BertForSequenceClassification(config)
    else:
        raw = Tokenizer(models.BPE())
        raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        raw.decoder = decoders.ByteLevel()
        raw.train_from_iterator(corpus, trainers.BpeTrainer(
            vocab_size=size, special_tokens=["<|endoftext|>", "<pad>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
        tok = PreTrainedTokenizerFast(tokenizer_object=raw, bos_token="<|endoftext|>",
                                      eos_token="<|endoftext|>", unk_token="<|endoftext|>",
                                      pad_token="<pad>")
        config = GPT2Config(vocab_size=max(spec["vocab"], len(tok)), n_embd=spec["width"],
                            n_layer=spec["layers"], n_head=spec["heads"],
                            n_positions=spec["context"], bos_token_id=tok.bos_token_id,
                            eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
        torch.manual_seed(0)
        model = GPT2LMHeadModel(config)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)


def tokenised(spec: dict[str, Any], folder: Path, rows: list[dict[str, Any]]) -> list[dict]:
    """The rows as the Trainer script tokenises them, as trainlab does: special tokens, a
    classifier's texts cut at the context, the LM's texts ended with the end-of-text token."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folder)
    enc = tok([r["text"] for r in rows], truncation=True, max_length=spec["context"])
    out = []
    for ids, row in zip(enc["input_ids"], rows, strict=True):
        if spec["task"] == "causal-lm":
            ids = [*ids, tok.eos_token_id]
            # trainlab cuts a longer text into pieces (more rows): the texts are made shorter
            assert len(ids) <= spec["context"], (len(ids), spec["context"])
            out.append({"input_ids": ids})
        else:
            out.append({"input_ids": ids, "labels": row["label"]})
    return out


def run_trainer(spec: dict[str, Any], folder: Path, train: list[dict], val: list[dict],
                device: torch.device, out_dir: Path, in_train: list[float] | None = None) -> float:
    """Seconds for ``from_pretrained`` + ``Trainer(...).train()``; ``in_train`` gets the
    samples/s Trainer reports for ``train()`` alone (its set-up and evaluation included)."""
    import transformers
    from transformers import (
        AutoModelForCausalLM,
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorForLanguageModeling,
        DataCollatorWithPadding,
        PrinterCallback,
        Trainer,
        TrainingArguments,
    )

    transformers.logging.set_verbosity_error()
    tok = AutoTokenizer.from_pretrained(folder)
    cuda = device.type == "cuda"
    args = TrainingArguments(
        output_dir=str(out_dir), per_device_train_batch_size=spec["batch"],
        per_device_eval_batch_size=2 * spec["batch"], max_steps=spec["steps"],
        learning_rate=5e-5, weight_decay=0.01, warmup_steps=0.05, lr_scheduler_type="cosine",
        max_grad_norm=1.0, bf16=cuda, use_cpu=not cuda, logging_steps=10,
        eval_strategy="steps", eval_steps=spec["steps"], save_strategy="no", report_to=[],
        disable_tqdm=True, seed=0, optim="adamw_torch_fused" if cuda else "adamw_torch")
    if cuda:
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    if spec["task"] == "causal-lm":
        model = AutoModelForCausalLM.from_pretrained(folder, attn_implementation="sdpa")
        collator: Any = DataCollatorForLanguageModeling(tok, mlm=False)
    else:
        model = AutoModelForSequenceClassification.from_pretrained(
            folder, num_labels=2, attn_implementation="sdpa")
        collator = DataCollatorWithPadding(tok)
    trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=val,
                      data_collator=collator)
    trainer.remove_callback(PrinterCallback)  # the loss is logged, not printed (JSON lines only)
    output = trainer.train()
    if cuda:
        torch.cuda.synchronize(device)
    elapsed = time.perf_counter() - start
    if in_train is not None:
        in_train.append(output.metrics["train_samples_per_second"])
    return elapsed


def run_trainlab(spec: dict[str, Any], folder: Path, ds: Any, val: Any, device: torch.device,
                 ws: trainlab.Workspace, in_loop: list[float] | None = None) -> float:
    """Seconds for the whole ``trainlab.fit`` call; ``in_loop`` gets its steps-only samples/s."""
    columns = {"text": "text"} if spec["task"] == "causal-lm" else {"text": "text", "label": "label"}
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    result = trainlab.fit(ds, task=spec["task"], columns=columns, validation=val, workspace=ws,
                          base_model=str(folder), lora=False, batch_size=spec["batch"],
                          max_steps=spec["steps"], lr=5e-5, max_length=spec["context"],
                          device=str(device), precision="bf16" if device.type == "cuda" else "fp32",
                          early_stopping=None)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elapsed = time.perf_counter() - start
    assert result.steps == spec["steps"], result.steps
    if in_loop is not None and result.samples_per_s:
        in_loop.append(result.samples_per_s)
    return elapsed


def bench(name: str, spec: dict[str, Any], device: torch.device, repeat: int, root: Path) -> dict:
    n_train = spec["batch"] * spec["steps"]
    corpus = texts(n_train + 64, spec["words"], seed=1)
    labels = [int("ka" in t.split()[0]) for t in corpus]
    rows = [{"text": t, "label": y} for t, y in zip(corpus, labels, strict=True)]
    folder = root / f"{name}-model"
    build_model(spec, folder, corpus)
    train_rows, val_rows = rows[:n_train], rows[n_train:]
    ws = trainlab.Workspace(root / f"{name}-ws")
    ds = ws.datasets.add(_jsonl(root / f"{name}-train.jsonl", train_rows, spec["task"]))
    val = ws.datasets.add(_jsonl(root / f"{name}-val.jsonl", val_rows, spec["task"]))
    train_tok, val_tok = tokenised(spec, folder, train_rows), tokenised(spec, folder, val_rows)
    lengths = np.array([len(r["input_ids"]) for r in train_tok], dtype=np.float64)
    tokens = float(lengths.sum())  # real tokens of one pass over the training rows
    run_trainer(spec, folder, train_tok, val_tok, device, root / "trainer")   # warm-up
    run_trainlab(spec, folder, ds, val, device, ws)                          # warm-up (+ cache)
    theirs, ours, in_loop, in_train = [], [], [], []
    for _ in range(repeat):
        theirs.append(run_trainer(spec, folder, train_tok, val_tok, device, root / "trainer",
                                  in_train))
        ours.append(run_trainlab(spec, folder, ds, val, device, ws, in_loop))
    t_s, o_s = statistics.median(theirs), statistics.median(ours)
    line: dict[str, Any] = {
        "bench": "hf", "device": str(device), "model": name, "task": spec["task"],
        "trainlab_samples_per_s": round(n_train / o_s, 1),
        "trainer_samples_per_s": round(n_train / t_s, 1),
        "trainlab_tokens_per_s": round(tokens / o_s, 1),
        "trainer_tokens_per_s": round(tokens / t_s, 1),
        "ratio": round(t_s / o_s, 3),
        "trainlab_in_loop_samples_per_s": round(statistics.median(in_loop), 1) if in_loop else None,
        "trainer_train_samples_per_s": round(statistics.median(in_train), 1),
        "batch_size": spec["batch"], "steps": spec["steps"], "context": spec["context"],
        "mean_tokens_per_sample": round(tokens / n_train, 1), "repeats": repeat,
        "precision": "bf16" if device.type == "cuda" else "fp32",
        "threads": torch.get_num_threads()}
    if device.type == "cuda":
        line["gpu"] = torch.cuda.get_device_name(device)
        if spec["task"] == "causal-lm":
            from trainlab.training.devices import peak_flops

            n = _parameters(folder)
            attn = 12 * spec["layers"] * spec["width"] * float((lengths ** 2).sum()) / tokens
            peak = peak_flops(device, "bf16")
            line["parameters"] = n
            if peak:
                line["trainlab_mfu"] = round(tokens / o_s * (6 * n + attn) / peak, 3)
                line["trainer_mfu"] = round(tokens / t_s * (6 * n + attn) / peak, 3)
    return line


def _parameters(folder: Path) -> int:
    """Parameters of the LM without its position embeddings (the tied head counts once)."""
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(folder)
    total = sum(p.numel() for p in model.parameters())
    return total - model.transformer.wpe.weight.numel()


def _jsonl(path: Path, rows: list[dict[str, Any]], task: str) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({"text": r["text"]} if task == "causal-lm" else r) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--models", default="lm,classifier")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
    warnings.filterwarnings("ignore")
    logging.getLogger("transformers").setLevel(logging.ERROR)
    table = specs(device)
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            line = bench(name, table[name], device, args.repeat, Path(tmp))
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
