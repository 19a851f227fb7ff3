"""The Training sidebar in a real browser: JupyterLab started by the test with trainlab's
prebuilt extension, headless Chromium from the system driven by Playwright. The icon is in the
left bar, opens the sidebar with its two sections, and a CSV added from the file browser's
context menu ("Add to trainlab datasets", a POST through JupyterLab's ServerConnection) shows
up in the Datasets section, and its row opens its view from the keyboard; a running job shows in
the status bar, whose item opens the sidebar from the keyboard too; the settings are
JupyterLab's, from the extension's schema. In Persian, the sidebar, the New training job form
and the dataset view are right to left and speak Persian."""

from __future__ import annotations

import json
import re

from tests.browser.helpers import (
    collect_errors,
    lab_with_the_sidebar,
    launch,
    needs_sidebar,
    open_sidebar,
    screenshot,
)
from tests.server.conftest import stop_live_server
from tests.server.test_real_server import training

pytestmark = needs_sidebar


def test_the_training_icon_opens_the_sidebar_and_a_file_becomes_a_dataset(tmp_path):
    import requests
    from playwright.sync_api import expect, sync_playwright

    server = lab_with_the_sidebar(tmp_path)
    (server.root / "shapes.csv").write_text("side,area\n1,1\n2,4\n3,9\n")
    errors: list[str] = []
    try:
        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            collect_errors(page, errors)
            page.goto(f"{server.url}lab?token={server.token}")
            tab = page.locator(".jp-SideBar [data-id='trainlab-sidebar']")
            expect(tab).to_be_visible(timeout=60_000)
            expect(tab.locator("svg")).to_be_attached()  # our icon
            tab.click()
            sidebar = page.locator(".trainlab-sidebar")
            expect(sidebar).to_be_visible()
            expect(sidebar.locator(".trainlab-section-title")).to_have_text(["Datasets", "Jobs"])
            expect(sidebar.locator("input.trainlab-upload-input")).to_be_attached()
            assert sidebar.evaluate("n => getComputedStyle(n).direction") == "ltr"
            screenshot(page, tmp_path, "empty")

            # the file browser's context menu adds the file; the sidebar lists it
            page.locator(".jp-SideBar [data-id='filebrowser']").click()
            item = page.locator(".jp-DirListing-item[data-file-type]", has_text="shapes.csv")
            item.click(button="right")
            page.locator(".lm-Menu-itemLabel", has_text="Add to trainlab datasets").click()
            row = sidebar.locator("[data-trainlab='dataset']")
            expect(row).to_have_count(1, timeout=30_000)
            assert "shapes" in row.get_attribute("data-name")
            expect(row).to_have_attribute("data-status", "valid")
            screenshot(page, tmp_path, "dataset")

            # the keyboard: the row's name is a named button; Enter opens the dataset's view
            button = row.locator(".trainlab-dataset-name")
            expect(button).to_have_attribute("role", "button")
            name, row_id = row.get_attribute("data-name"), row.get_attribute("data-id")
            expect(button).to_have_attribute("aria-label", f"Open the dataset {name}")
            button.focus()
            page.keyboard.press("Enter")
            view = page.locator(f"#trainlab-dataset-{row.get_attribute('data-id')}")
            expect(view.locator(".trainlab-view-header h2")).to_have_text(name, timeout=30_000)

            # a running job: the status bar says so (its slow poll); a click opens the sidebar
            job = training(server, past_step=5)
            page.locator(".jp-SideBar [data-id='filebrowser']").click()
            expect(sidebar).to_be_hidden()
            item = page.locator(".trainlab-status-item")
            expect(item).to_have_text(re.compile(r"^1 job running · \d+%$"), timeout=30_000)
            expect(item).to_have_attribute("role", "button")
            item.focus()
            page.keyboard.press("Enter")  # as a click: opens the sidebar
            expect(sidebar).to_be_visible()
            screenshot(page, tmp_path, "status")

            # 102 datasets: the list shows the newest 100 and "More" loads the rest
            with requests.Session() as http:
                http.headers.update(server.headers())
                for i in range(100):
                    http.post(f"{server.api}datasets", params={"filename": f"d{i}.csv"},
                              data=b"a,b\n1,2\n", timeout=30).raise_for_status()
            # added meanwhile (as by a notebook): the sidebar reloads its lists when shown
            page.locator(".jp-SideBar [data-id='filebrowser']").click()
            expect(sidebar).to_be_hidden()
            page.locator(".jp-SideBar [data-id='trainlab-sidebar']").click()
            rows = sidebar.locator("[data-trainlab='dataset']")
            expect(rows).to_have_count(100, timeout=30_000)
            expect(rows.first).to_have_attribute("data-name", "d99.csv")
            expect(sidebar.locator(f"[data-id='{row_id}']")).to_have_count(0)  # shapes: page 2
            sidebar.locator("button[data-trainlab='more-datasets']").click()
            expect(rows).to_have_count(102, timeout=30_000)
            expect(sidebar.locator(f"[data-id='{row_id}']")).to_have_count(1)
            expect(sidebar.locator("button[data-trainlab='more-datasets']")).to_have_count(0)
            # and by the palette's command, from the first page again
            requests.post(f"{server.api}datasets", params={"filename": "newest.csv"},
                          data=b"a,b\n1,2\n", headers=server.headers(),
                          timeout=30).raise_for_status()
            page.keyboard.press("Control+Shift+C")
            page.locator(".lm-CommandPalette-input").fill("Refresh datasets and jobs")
            page.keyboard.press("Enter")
            expect(rows.first).to_have_attribute("data-name", "newest.csv", timeout=30_000)
            browser.close()
            requests.post(f"{server.api}jobs/{job['id']}/stop", headers=server.headers(),
                          timeout=30).raise_for_status()
        # the settings editor's form: the schema the bundle ships, with its defaults
        plugin = requests.get(f"{server.url}lab/api/settings/trainlab:plugin",
                              headers=server.headers(), timeout=30).json()
        assert plugin["schema"]["properties"]["refreshIntervalS"]["default"] == 5
        assert set(plugin["schema"]["properties"]) == {
            "refreshIntervalS", "chartPoints", "uploadPartMiB", "maxStreams"}
    finally:
        stop_live_server(server)
    assert errors == [], errors
    assert (tmp_path / "sidebar-dataset.png").stat().st_size > 10_000


def test_in_persian_the_sidebar_speaks_persian_right_to_left(tmp_path):
    import requests
    from playwright.sync_api import expect, sync_playwright

    settings = tmp_path / "settings" / "@jupyterlab" / "translation-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"locale": "fa_IR"}))
    server = lab_with_the_sidebar(tmp_path, f"--LabApp.user_settings_dir={tmp_path / 'settings'}")
    errors: list[str] = []
    try:
        # Persian is a language JupyterLab offers, and it serves the sidebar's catalogue
        served = requests.get(f"{server.url}lab/api/translations/fa_IR", headers=server.headers(),
                              timeout=30).json()
        assert served["data"]["trainlab"]["Jobs"] == ["کارها"], served.get("message")
        packs = requests.get(f"{server.url}lab/api/translations", headers=server.headers(),
                             timeout=30).json()["data"]
        assert "fa_IR" in packs
        job = training(server, past_step=5)  # its dataset and it, listed in the sidebar
        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            collect_errors(page, errors)
            sidebar = open_sidebar(page, server)
            expect(sidebar.locator(".trainlab-section-title")).to_have_text(
                ["مجموعه‌داده‌ها", "کارها"])
            assert sidebar.evaluate("n => getComputedStyle(n).direction") == "rtl"
            expect(sidebar).to_have_class(re.compile(r"\btrainlab-rtl\b"))

            # with a dataset and a running job listed (added through the REST API)
            row = sidebar.locator(f"[data-trainlab='job'][data-id='{job['id']}']")
            expect(row).to_have_attribute("data-status", "running", timeout=30_000)
            dataset = sidebar.locator(f"[data-trainlab='dataset'][data-id='{job['dataset_id']}']")
            expect(dataset).to_have_count(1, timeout=30_000)
            expect(dataset.locator(".trainlab-badge")).to_have_text("معتبر")
            shot = screenshot(sidebar, tmp_path, "fa")
            requests.post(f"{server.api}jobs/{job['id']}/stop", headers=server.headers(),
                          timeout=30).raise_for_status()

            # the New training job form: right to left, its labels in Persian
            dataset.locator("button[data-trainlab='train']").click()
            form = page.locator("form.trainlab-new-job")
            expect(form).to_be_visible(timeout=30_000)
            assert form.evaluate("n => getComputedStyle(n).direction") == "rtl"
            expect(form.locator("h2")).to_have_text("کار آموزشی تازه")
            task = form.locator("[data-trainlab=task-select]")
            expect(task).to_have_value("tabular-classification", timeout=60_000)
            expect(task.locator("option:checked")).to_have_text("دسته‌بندی جدولی")
            expect(form.locator("label:has([data-trainlab=param-epochs]) > span").first
                   ).to_have_text("دوره‌ها")
            form.locator("[data-trainlab=param-epochs]").fill("2.5")
            form.locator("[data-trainlab=param-lr]").fill("0.01")
            expect(form.locator("[data-trainlab=check]")).to_have_attribute(
                "data-ok", "true", timeout=60_000)
            form.locator("button[data-trainlab=start]").click()
            expect(form.locator(".trainlab-field-error[data-param=epochs]")).to_have_text(
                "دوره‌ها باید عددی صحیح و دست‌کم 1 باشد (نه «2.5»).")
            screenshot(page, tmp_path, "fa-new-job")

            # the dataset view: right to left, its tabs in Persian
            dataset.click()
            view = page.locator(f"#trainlab-dataset-{job['dataset_id']} .trainlab-dataset-view")
            expect(view).to_be_visible(timeout=30_000)
            assert view.evaluate("n => getComputedStyle(n).direction") == "rtl"
            expect(view.locator("[data-trainlab-tab]")).to_have_text(
                ["گزارش", "پیش‌نمایش", "نمایه"])
            screenshot(page, tmp_path, "fa-dataset")
            browser.close()
    finally:
        stop_live_server(server)
    assert errors == [], errors
    assert shot.stat().st_size > 10_000
