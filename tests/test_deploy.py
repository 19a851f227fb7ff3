"""deploy/: the single-user image cannot be built here (no container runtime), so what can be
checked is: the Dockerfile installs through deploy/install.sh, with the torch the test suite pins,
as a user who is not root; and install.sh's two pip commands resolve in a fresh environment to
that torch (never a newer CUDA build) with trainlab and JupyterHub's single-user server; and
the build context's .dockerignore leaves out the checkout's environments and build outputs.

The resolve needs a package index (pip's configured one: an index, a mirror or find-links). It
is skipped, saying so, only when that index does not answer (decided by asking it, through
`pip index versions torch`, never by the wording of an error); otherwise it must pass."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from fnmatch import fnmatch
from pathlib import Path

import pytest

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


def dockerignore_excludes(path: str, patterns: list[str]) -> bool:
    """Whether Docker's .dockerignore rules (the last matching line wins; '!' re-includes; a
    pattern also excludes what is under a matched folder) leave ``path`` out of the context."""
    parts = path.split("/")
    excluded = False
    for pattern in patterns:
        keep = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        if pattern.startswith("**/"):
            hit = any(fnmatch(part, pattern[3:]) for part in parts)
        else:
            hit = any(fnmatch(prefix, pattern) for prefix in prefixes)
        if hit:
            excluded = not keep
    return excluded


def test_the_build_context_leaves_out_environments_and_build_outputs() -> None:
    """`docker build -f deploy/Dockerfile .` sends the checkout: without .dockerignore that was
    .venv (gigabytes), .git, node_modules and the compiled scanner too."""
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for left_out in (".venv", ".venv/lib/python3.11/site-packages/torch/__init__.py",
                     ".venv-latest/bin/python", ".git/HEAD", "build/asan/_scanner.so",
                     "dist/trainlab-0.1.0.whl", "tests/hub/proxy/node_modules/x/package.json",
                     "src/trainlab/datasets/_scanner.so", "src/trainlab/__pycache__/a.pyc",
                     ".pytest_cache/v", ".ruff_cache/x", ".coverage"):
        assert dockerignore_excludes(left_out, patterns), left_out
    for needed in ("pyproject.toml", "hatch_build.py", "README.md", "deploy/install.sh",
                   "src/trainlab/__init__.py", "src/trainlab/datasets/scanner.c",
                   "jupyter-config/jupyter_server_config.d/trainlab.json"):
        assert not dockerignore_excludes(needed, patterns), needed


def fresh_environment(tmp_path: Path) -> Path:
    """A new virtual environment (nothing installed but pip); its python. Skips the test when
    pip's configured package index does not answer there (e.g. offline without a mirror)."""
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    probe = subprocess.run([str(python), "-m", "pip", "index", "versions", "torch",
                            "--timeout", "10", "--retries", "0"],
                           capture_output=True, text=True, timeout=120)
    if probe.returncode != 0:
        pytest.skip("needs a package index: pip's configured index (or mirror) did not answer "
                    f"`pip index versions torch` (exit {probe.returncode}): "
                    f"{probe.stderr.strip()[-300:]}")
    return python


def test_install_sh_resolves_the_pinned_torch_trainlab_and_jupyterhub(tmp_path: Path) -> None:
    """A dry run in a fresh environment (nothing installed): pip resolves each command as the
    image would, from the configured index. Without torch pinned in the second command, its
    resolve picked the newest (CUDA) torch."""
    python = fresh_environment(tmp_path)
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


def test_without_a_reachable_index_the_resolve_skips_and_says_why(tmp_path: Path,
                                                                   monkeypatch) -> None:
    """Offline (here: pip's configuration replaced by an index nobody serves), the resolve test
    skips with a reason naming the missing index instead of failing."""
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for name in ("PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")  # the discard port
    with pytest.raises(pytest.skip.Exception, match="needs a package index"):
        fresh_environment(tmp_path)
