"""What the browser tests share: the system's Chromium (never a downloaded one), launched
headless, a collector of the page's errors, screenshots, and for the sidebar's tests a
`jupyter lab` with this checkout's bundle and the sidebar opened in it."""

from __future__ import annotations

import os
import shutil
import tomllib
from pathlib import Path

import pytest

from tests.server.conftest import start_live_server

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


ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "src/trainlab/labextension"  # make labext builds it

# Every sidebar test: the system Chromium and the built bundle (in CI, missing either fails).
needs_sidebar = [needs_chromium, pytest.mark.skipif(
    not (BUNDLE / "package.json").is_file() and os.environ.get("CI") != "true",
    reason="the JupyterLab sidebar is not built (make labext)")]


SETTINGS_FLAG = "--LabApp.user_settings_dir="


def lab_with_the_sidebar(tmp_path: Path, *extra: str):
    """`jupyter lab` seeing this checkout's bundle (as `make labext` links it into the venv) and
    its catalogue: the entry points pyproject.toml declares, in a dist-info on PYTHONPATH (what
    installing trainlab writes; the environment's own trainlab may predate them). Its user
    settings (``--LabApp.user_settings_dir``, the caller's or a new one) never ask about
    Jupyter's news: that toast would cover the screenshots."""
    settings = next((Path(a[len(SETTINGS_FLAG):]) for a in extra if a.startswith(SETTINGS_FLAG)),
                    None)
    if settings is None:
        settings = tmp_path / "lab-settings"
        extra = (*extra, f"{SETTINGS_FLAG}{settings}")
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True, exist_ok=True)
    if not news.exists():
        news.write_text('{"fetchNews": "false"}')
    extensions = tmp_path / "jupyter" / "labextensions"
    extensions.mkdir(parents=True)
    (extensions / "trainlab").symlink_to(BUNDLE, target_is_directory=True)
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    meta = tmp_path / "meta" / "trainlab_sidebar_test-0.dist-info"
    meta.mkdir(parents=True)
    (meta / "METADATA").write_text("Metadata-Version: 2.1\nName: trainlab-sidebar-test\nVersion: 0\n")
    (meta / "entry_points.txt").write_text("".join(
        f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in points.items()) + "\n"
        for group, points in declared.items() if group.startswith("jupyterlab.")))
    path = os.pathsep.join(p for p in (str(meta.parent), os.environ.get("PYTHONPATH")) if p)
    env = {"JUPYTER_PATH": str(tmp_path / "jupyter"), "PYTHONPATH": path}
    return start_live_server(tmp_path, "--TrainlabApp.prewarm_worker=False", *extra, app="lab",
                             env=env)


def open_sidebar(page, server):
    """Open JupyterLab of ``server`` in ``page`` and the Training sidebar in it (its icon in
    the left bar); returns the sidebar's locator."""
    from playwright.sync_api import expect

    page.goto(f"{server.url}lab?token={server.token}")
    tab = page.locator(".jp-SideBar [data-id='trainlab-sidebar']")
    expect(tab).to_be_visible(timeout=60_000)
    sidebar = page.locator(".trainlab-sidebar")
    if not sidebar.is_visible():
        tab.click()
    expect(sidebar).to_be_visible()
    return sidebar


# True when a canvas holds something drawn (it differs from a blank one of its size).
BLANK_CANVAS = """c => {
  const blank = document.createElement('canvas');
  blank.width = c.width; blank.height = c.height;
  return c.width > 0 && c.toDataURL() !== blank.toDataURL();
}"""
