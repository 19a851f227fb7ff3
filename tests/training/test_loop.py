"""The loop: callbacks, stop, Ctrl-C, checkpoints, exact resume, accumulation, schedule."""

from __future__ import annotations

import os
import signal
import threading

import pytest
import torch

import trainlab
from trainlab.training import checkpoint
from trainlab.training.loop import warmup_cosine

# dropout is on in the tabular MLP, so an exact resume must restore the RNG too
SETTINGS = {"columns": {"target": "label"}, "epochs": 2, "batch_size": 16, "seed": 7,
            "early_stopping": None, "log_every": 1, "device": "cpu"}


class Record(trainlab.Callback):
    def __init__(self, stop_at: int | None = None, event: threading.Event | None = None) -> None:
        self.steps: list[tuple[int, float]] = []
        self.events: list[str] = []
        self.evals: list[dict] = []
        self.stop_at, self.event = stop_at, event

    def on_start(self, info):
        self.events.append("start")
        self.info = info

    def on_step(self, step, total_steps, epoch, loss, lr, samples_per_s, eta_s):
        self.steps.append((step, loss))
        self.total = total_steps
        assert samples_per_s > 0 and eta_s >= 0 and lr > 0
        if self.stop_at is not None and step == self.stop_at and self.event is not None:
            self.event.set()

    def on_eval(self, metrics):
        self.evals.append(metrics)

    def on_checkpoint(self, path):
        self.events.append("checkpoint")

    def on_end(self, result):
        self.events.append("end")


def _weights(result) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in result.module.state_dict().items()}


def test_stop_then_resume_equals_one_go(ws: trainlab.Workspace, tabular_ds) -> None:
    whole = Record()
    one_go = trainlab.fit(tabular_ds, workspace=ws, callbacks=[whole], **SETTINGS)
    per_epoch = whole.total // 2
    assert one_go.status == "completed" and one_go.steps == whole.total

    stop = threading.Event()
    first = Record(stop_at=per_epoch, event=stop)
    stopped = trainlab.fit(tabular_ds, workspace=ws, callbacks=[first], stop=stop, **SETTINGS)
    assert stopped.status == "stopped" and stopped.stop_reason == "requested"
    assert stopped.steps == per_epoch
    assert "checkpoint" in first.events and first.events[-1] == "end"

    second = Record()
    resumed = trainlab.fit(resume_from=stopped.job_id, workspace=ws, callbacks=[second])
    assert resumed.job_id == stopped.job_id and resumed.status == "completed"
    assert first.steps + second.steps == whole.steps  # the same losses, step for step
    assert [e["loss"] for e in resumed.history] == [e["loss"] for e in one_go.history]
    assert resumed.train_history == one_go.train_history  # the loss curve survives a resume
    for name, tensor in _weights(one_go).items():
        assert torch.equal(tensor, _weights(resumed)[name]), name


def test_stop_mid_epoch_resumes_from_that_batch(ws: trainlab.Workspace, tabular_ds) -> None:
    whole = Record()
    trainlab.fit(tabular_ds, workspace=ws, callbacks=[whole], **SETTINGS)
    stop = threading.Event()
    first = Record(stop_at=5, event=stop)
    stopped = trainlab.fit(tabular_ds, workspace=ws, callbacks=[first], stop=stop, **SETTINGS)
    assert stopped.steps == 5
    state = checkpoint.load(stopped.checkpoint_path)
    assert (state["step"], state["epoch"], state["batch"]) == (5, 0, 5)
    assert {"model", "optimizer", "scheduler", "scaler", "rng", "config"} <= set(state)
    second = Record()
    trainlab.fit(resume_from=stopped.checkpoint_path, workspace=ws, callbacks=[second])
    assert first.steps + second.steps == whole.steps


def test_a_callable_stop_flag_and_the_saved_checkpoints(ws: trainlab.Workspace, tabular_ds) -> None:
    calls = {"n": 0}

    def should_stop() -> bool:
        calls["n"] += 1
        return calls["n"] > 3

    result = trainlab.fit(tabular_ds, workspace=ws, stop=should_stop, **SETTINGS)
    assert result.status == "stopped" and result.steps == 4
    job = ws.jobs_dir / result.job_id
    assert (job / "checkpoints" / "last.pt").is_file()
    assert (job / "model" / "model.safetensors").is_file()  # a stopped run still gives a model
    assert (job / "config.json").is_file() and (job / "result.json").is_file()


def test_ctrl_c_stops_cleanly_with_a_checkpoint(ws: trainlab.Workspace, tabular_ds) -> None:
    class Interrupt(trainlab.Callback):
        def on_step(self, step, *rest):
            if step == 3:
                os.kill(os.getpid(), signal.SIGINT)

    result = trainlab.fit(tabular_ds, workspace=ws, callbacks=[Interrupt()], **SETTINGS)
    assert result.status == "stopped" and result.stop_reason == "interrupted"
    assert result.steps in (3, 4)  # the signal lands at the next step boundary
    assert checkpoint.load(result.checkpoint_path)["step"] == result.steps
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored


def test_callbacks_see_every_step_and_eval_in_order(ws: trainlab.Workspace, tabular_ds) -> None:
    rec = Record()
    result = trainlab.fit(tabular_ds, workspace=ws, callbacks=[rec], **SETTINGS)
    assert rec.events[0] == "start" and rec.events[-1] == "end"
    assert [s for s, _ in rec.steps] == list(range(1, result.steps + 1))
    assert [e["epoch"] for e in rec.evals] == [0, 1]  # eval each epoch by default
    assert rec.info["config"]["total_steps"] == result.steps
    assert result.config["eval_every"] == result.steps // 2


def test_log_every_batches_on_step_calls(ws: trainlab.Workspace, tabular_ds) -> None:
    rec = Record()
    result = trainlab.fit(tabular_ds, workspace=ws, callbacks=[rec], **{**SETTINGS, "log_every": 5})
    assert len(rec.steps) < result.steps / 3
    assert rec.steps[-1][0] == result.steps


def test_gradient_accumulation_counts_optimizer_steps(ws: trainlab.Workspace, tabular_ds) -> None:
    plain = trainlab.fit(tabular_ds, workspace=ws, **SETTINGS)
    accumulated = trainlab.fit(tabular_ds, workspace=ws, **{**SETTINGS, "grad_accum": 2})
    per_epoch = plain.steps // 2  # batches of one epoch; two of them make one optimizer step
    assert accumulated.steps == 2 * -(-per_epoch // 2)
    assert accumulated.config["grad_accum"] == 2


def test_early_stopping_ends_a_run_that_stopped_improving(ws: trainlab.Workspace, tabular_ds) -> None:
    result = trainlab.fit(tabular_ds, workspace=ws, **{**SETTINGS, "epochs": 60, "early_stopping": 2,
                                                        "log_every": 10})
    assert result.status == "completed" and result.stop_reason == "early_stopping"
    assert result.steps < result.config["total_steps"]
    assert any("Early stopping" in note for note in result.notes)
    best_step = result.metrics["step"]
    assert all(e["accuracy"] <= result.metrics["accuracy"] for e in result.history)
    assert result.history[-1]["step"] > best_step


def test_warmup_then_cosine() -> None:
    f = warmup_cosine(100, 0.1, 0.1)
    assert f(0) == pytest.approx(0.1) and f(9) == pytest.approx(1.0)
    assert f(10) == pytest.approx(1.0) and f(55) == pytest.approx(0.55)
    assert f(100) == pytest.approx(0.1)
    assert all(f(i) >= f(i + 1) for i in range(10, 100))


def test_same_seed_same_run(ws: trainlab.Workspace, tabular_ds) -> None:
    a = trainlab.fit(tabular_ds, workspace=ws, **SETTINGS)
    b = trainlab.fit(tabular_ds, workspace=ws, **SETTINGS)
    assert a.history == b.history
    c = trainlab.fit(tabular_ds, workspace=ws, **{**SETTINGS, "seed": 8})
    assert c.history != a.history
