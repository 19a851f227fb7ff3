"""In a real browser: JupyterLab with trainlab, the quickstart notebook run from the Run menu,
the training panel drawn and reaching 'completed' with its chart. Headless Chromium from the
system (Debian's `chromium`, which `make test` installs), driven by Playwright."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.server.conftest import start_live_server, stop_live_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="needs the system chromium (make test installs it)")


def test_quickstart_runs_in_jupyterlab_and_the_panel_trains(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    server = start_live_server(tmp_path, "--TrainlabApp.prewarm_worker=False", app="lab")
    shutil.copy(NOTEBOOKS / "01-quickstart.ipynb", server.root / "01-quickstart.ipynb")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-dev-shm-usage"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{server.url}lab/tree/01-quickstart.ipynb?token={server.token}")
            expect(page.locator(".jp-Notebook .jp-Cell").first).to_be_visible(timeout=60_000)
            accept = page.locator(".jp-Dialog button.jp-mod-accept")  # "Select Kernel": Python 3
            try:
                accept.wait_for(state="visible", timeout=10_000)
                accept.click()
            except Exception:  # no dialog this time: the kernel was chosen from the metadata
                pass
            expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first) \
                .to_be_attached(timeout=60_000)
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            panel_outcome = page.locator(".widget-html-content", has_text="completed").first
            expect(panel_outcome).to_be_visible(timeout=150_000)
            expect(page.locator("svg.trainlab-chart polyline").first).to_be_attached()
            expect(page.locator("text=load_model(").first).to_be_visible()
            page.screenshot(path=str(tmp_path / "quickstart.png"), full_page=True)
            browser.close()
    finally:
        stop_live_server(server)
    assert (tmp_path / "quickstart.png").stat().st_size > 10_000
