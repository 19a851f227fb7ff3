"""deploy/: the single-user image cannot be built here (no container runtime), so what can be
checked is: the Dockerfile installs through deploy/install.sh, with the torch the test suite pins,
as a user who is not root; and install.sh's two pip commands resolve in a fresh environment to
that torch (never a newer CUDA build) with trainlab and JupyterHub's single-user server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "deploy" / "Dockerfile").read_text()
INSTALL = ROOT / "deploy" / "install.sh"


def makefile_torch() -> str:
    return re.search(r"^TORCH_VERSION \?= (\S+)$", (ROOT / "Makefile").read_text(), re.M).group(1)


def test_the_image_installs_the_suites_torch_through_install_sh_as_a_user() -> None:
    torch = makefile_torch()
    assert re.search(rf"^ARG TORCH_VERSION={re.escape(torch)}$", DOCKERFILE, re.M)
    assert f"TORCH_VERSION:-{torch}" in INSTALL.read_text()
    assert re.search(r"^ARG BASE_IMAGE=quay\.io/jupyter/[\w-]+-notebook:\S+$", DOCKERFILE, re.M)
    assert "sh /tmp/install.sh" in DOCKERFILE and "COPY --chown=1000:100 deploy/install.sh" in DOCKERFILE
    users = re.findall(r"^USER (\S+)$", DOCKERFILE, re.M)
    assert users[-1] not in ("root", "0")  # the final stage runs as jovyan
    assert re.search(r"^ENV TRAINLAB_HOME=/home/jovyan/", DOCKERFILE, re.M)


def test_install_sh_resolves_the_pinned_torch_trainlab_and_jupyterhub(tmp_path: Path) -> None:
    """A dry run in a fresh environment (nothing installed): pip resolves each command as the
    image would, from the configured index. Without torch pinned in the second command, its
    resolve picked the newest (CUDA) torch."""
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    out = subprocess.run(["sh", str(INSTALL), str(ROOT), "--dry-run"],
                         env={**os.environ, "PYTHON": str(python)},
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    plans = [line for line in out.stdout.splitlines() if line.startswith("Would install ")]
    assert len(plans) == 2, out.stdout[-3000:]
    pinned = re.compile(rf"torch-{re.escape(makefile_torch())}(\+\w+)?$")  # 2.13.0 or 2.13.0+cpu
    for plan in plans:
        torches = [p for p in plan.split() if p.startswith("torch-")]
        assert len(torches) == 1 and pinned.match(torches[0]), torches
    second = plans[1].split()
    assert "trainlab-0.1.0" in second
    assert any(p.startswith("jupyterhub-") for p in second)  # jupyterhub-singleuser
    assert any(p.startswith("jupyterlab-") for p in second)
    assert str(sys.executable) not in out.stdout  # it used the fresh environment
