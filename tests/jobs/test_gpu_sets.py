"""The GPUs the platform hands a server (CUDA_VISIBLE_DEVICES, NVIDIA_VISIBLE_DEVICES): the set
trainlab hands out, the scheduler numbering within it, a worker's CUDA_VISIBLE_DEVICES always a
subset of it. On the CPU, by setting the variables; ``visible_gpu_count`` stands in for the
hardware where the rule needs to know how many GPUs CUDA sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.jobs.conftest import SLOW, submit_quietly, wait_until
from trainlab.errors import TrainlabError
from trainlab.jobs import Scheduler, gpus
from trainlab.jobs.gpus import DevicesError, check_devices, detect_gpus, gpu_set


@pytest.fixture()
def platform(monkeypatch):
    """set(cuda=..., nvidia=..., count=N): the variables as a spawner or Kubernetes sets them
    (None: unset) and the number of GPUs CUDA would see."""

    def set_(cuda: str | None = None, nvidia: str | None = None, count: int = 0) -> None:
        for name, value in (("CUDA_VISIBLE_DEVICES", cuda), ("NVIDIA_VISIBLE_DEVICES", nvidia)):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        monkeypatch.setattr(gpus, "visible_gpu_count", lambda: count)

    return set_


@pytest.mark.parametrize(("cuda", "expected"), [
    ("2,3", ["2", "3"]), ("", []), ("-1", []), ("0,-1,1", ["0"]),  # CUDA stops at -1
    (" 1 , 0 ", ["1", "0"]),
    ("GPU-8a1c2f3e-0000-1111-2222-333344445555,GPU-9b", ["GPU-8a1c2f3e-0000-1111-2222-333344445555",
                                                         "GPU-9b"]),
])
def test_cuda_visible_devices_wins(platform, cuda, expected) -> None:
    platform(cuda=cuda, nvidia="all", count=8)  # NVIDIA_VISIBLE_DEVICES is ignored then
    assert detect_gpus() == expected


@pytest.mark.parametrize(("nvidia", "count", "expected"), [
    ("all", 3, ["0", "1", "2"]),
    ("none", 4, []), ("void", 4, []), ("", 4, []),
    ("GPU-aa,GPU-bb", 2, ["GPU-aa", "GPU-bb"]),      # UUIDs: the same inside and outside
    ("2,3", 2, ["0", "1"]),        # in a container: the runtime exposed them as 0 and 1
    ("5", 1, ["0"]),
    ("2,3", 8, ["2", "3"]),        # CUDA sees the host's 8: the list was not applied
    ("2,3", 0, []),                # no GPU at all, whatever the variable says
])
def test_nvidia_visible_devices_as_the_runtime_applies_it(platform, nvidia, count, expected) -> None:
    platform(nvidia=nvidia, count=count)
    assert detect_gpus() == expected


def test_no_variable_means_every_gpu_cuda_sees(platform) -> None:
    platform(count=2)
    assert detect_gpus() == ["0", "1"]


def test_a_configured_gpu_outside_the_set_is_an_error(platform) -> None:
    platform(cuda="2,3")
    assert gpu_set(["3"]) == ["3"]
    assert gpu_set(None) == ["2", "3"]
    with pytest.raises(TrainlabError) as caught:
        gpu_set(["0"])
    assert caught.value.code == "gpus_outside_set"
    message = str(caught.value)
    assert "GPU 0" in message and "2, 3" in message and "CUDA_VISIBLE_DEVICES='2,3'" in message
    assert "c.TrainlabApp.gpus" in message
    assert "CUDA_VISIBLE_DEVICES" in caught.value.message("fa")


def test_cuda_n_is_the_nth_gpu_of_the_set(platform) -> None:
    platform(cuda="4,6")
    assert check_devices(None, "cuda:1") == (1, None)
    with pytest.raises(DevicesError) as caught:
        check_devices(None, "cuda:2")
    assert caught.value.code == "device_outside_set"
    assert "cuda:0 to cuda:1" in str(caught.value) and "4, 6" in str(caught.value)


@pytest.fixture()
def recorder(tmp_path: Path) -> tuple[str, Path]:
    """A stand-in for the worker's python: it writes the environment the scheduler gave it to
    <folder>/<job id>.env and exits (the job then ends interrupted, which is not the point)."""
    folder = tmp_path / "envs"
    folder.mkdir()
    script = tmp_path / "python"
    script.write_text(f'#!/bin/sh\nfor last; do :; done\n'
                      f'env > "{folder}/$last.tmp" && mv "{folder}/$last.tmp" "{folder}/$last.env"\n')
    script.chmod(0o755)
    return str(script), folder


def worker_env(folder: Path, job_id: str) -> dict[str, str]:
    path = folder / f"{job_id}.env"
    wait_until(path.exists)
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def queue(ws, ds, device: str):
    """A queued job recorded with ``device`` (submission checks the device on this machine, which
    has no GPU: the record is set as a kernel on a GPU machine would have it)."""
    job = submit_quietly(ws, ds, **SLOW)
    ws.jobs.records.set_device(job.id, device)
    return job


def test_workers_get_gpus_only_from_the_set(ws, ds, platform, recorder) -> None:
    platform(cuda="2,3")  # the spawner gave this server GPUs 2 and 3 of the machine
    python, folder = recorder
    s = Scheduler(ws, poll_s=60, prewarm=False, python=python)  # turned by hand
    try:
        assert s.gpus == ["2", "3"] and s.max_concurrent == 2
        pinned = queue(ws, ds, "cuda:1")  # the second GPU of the set
        beyond = queue(ws, ds, "cuda:2")  # there is no third
        free = queue(ws, ds, "auto")
        s.tick()
        assert ws.jobs.get(pinned.id).gpus == "3"
        failed = ws.jobs.get(beyond.id)
        assert failed.status == "failed" and failed.error["code"] == "device_outside_set"
        assert ws.jobs.get(free.id).gpus == "2"
        assert worker_env(folder, pinned.id)["CUDA_VISIBLE_DEVICES"] == "3"
        assert worker_env(folder, free.id)["CUDA_VISIBLE_DEVICES"] == "2"
    finally:
        s.close(timeout=10)


def test_a_kubernetes_gpu_set_by_uuid_and_a_cpu_job_beside_it(ws, ds, platform, recorder) -> None:
    platform(nvidia="GPU-aa,GPU-bb", count=2)  # as the NVIDIA device plugin sets it
    python, folder = recorder
    s = Scheduler(ws, poll_s=60, prewarm=False, python=python)
    try:
        assert s.gpus == ["GPU-aa", "GPU-bb"]
        on_gpu = queue(ws, ds, "auto")
        on_cpu = queue(ws, ds, "cpu")
        s.tick()
        assert ws.jobs.get(on_gpu.id).gpus == "GPU-aa"
        assert worker_env(folder, on_gpu.id)["CUDA_VISIBLE_DEVICES"] == "GPU-aa"
        assert worker_env(folder, on_cpu.id)["CUDA_VISIBLE_DEVICES"] == ""  # no GPU at all
    finally:
        s.close(timeout=10)
