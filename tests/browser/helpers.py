"""What the browser tests share: the system's Chromium (never a downloaded one), launched
headless, a collector of the page's errors, and screenshots."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# In CI (CI=true) a missing browser fails the run: make test installs it there.
needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and os.environ.get("CI") != "true",
    reason="needs the system chromium (make test installs it)")


def launch(p):
    """Headless Chromium from the system, for a sync_playwright() ``p``; video is off."""
    return p.chromium.launch(executable_path=CHROMIUM, headless=True,
                             args=["--no-sandbox", "--disable-dev-shm-usage"])


def collect_errors(page, errors: list[str]) -> None:
    """Append the page's console errors, uncaught exceptions, 5xx answers and trainlab's 4xx to
    ``errors``. A failed request logs "Failed to load resource" without its address: the address
    comes from the response instead, so JupyterLab's own 404s (settings or translation files it
    probes for) are told apart from trainlab's."""
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and not m.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500
            or (r.status >= 400 and "/trainlab/" in r.url) else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))


def screenshot(target, tmp_path: Path, name: str) -> Path:
    """A screenshot of ``target`` (a Playwright page, or a locator for one element) as
    ``sidebar-<name>.png`` in the test's ``tmp_path`` and, when the environment variable
    TRAINLAB_SCREENSHOTS names a folder, a copy there (created if missing). Returns the
    path in ``tmp_path``."""
    path = tmp_path / f"sidebar-{name}.png"
    target.screenshot(path=str(path))
    if os.environ.get("TRAINLAB_SCREENSHOTS"):
        folder = Path(os.environ["TRAINLAB_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / path.name)
    return path
