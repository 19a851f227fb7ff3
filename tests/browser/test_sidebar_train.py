"""The New training job form in a real browser (one JupyterLab with the sidebar, one Chromium):
"Train on this file…" in the file browser imports the file and opens the form on it, filled
with the task and column roles the server infers (POST datasets/{id}/check with {}); Start is
enabled once the check says ok, opens the job view, which reaches completed with its loss chart
drawn, and the sidebar's jobs list shows it completed by itself (the status bar's poll tells it
the set of running jobs changed). From the Launcher card: a dataset the check refuses shows
the check's message and keeps Start disabled; a bad hyperparameter gets a message next to it
and no request is sent; a job the API refuses shows the API's message, the form kept as
typed."""

from __future__ import annotations

import pytest

from tests.browser.helpers import (
    BLANK_CANVAS,
    collect_errors,
    lab_with_the_sidebar,
    launch,
    needs_sidebar,
    screenshot,
)
from tests.server.conftest import stop_live_server

pytestmark = needs_sidebar

ROWS = "x1,x2,label\n" + "".join(f"{i},{(i * 7) % 5},{i % 2}\n" for i in range(40))
ONE_CLASS = "x1,x2,label\n" + "".join(f"{i},{i % 3},1\n" for i in range(40))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    server = lab_with_the_sidebar(tmp_path_factory.mktemp("train"))
    try:
        yield server
    finally:
        stop_live_server(server)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


def open_lab(browser, lab, errors: list[str]):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    collect_errors(page, errors)
    page.goto(f"{lab.url}lab?token={lab.token}")
    expect(page.locator(".jp-SideBar [data-id='trainlab-sidebar']")).to_be_visible(
        timeout=60_000)
    return page


def upload(lab, name: str, text: str) -> dict:
    import requests

    r = requests.post(lab.api + "datasets", params={"filename": name}, data=text.encode(),
                      headers=lab.headers(), timeout=60)
    r.raise_for_status()
    return r.json()


def test_train_on_this_file_fills_the_form_and_trains_to_completed(lab, browser, tmp_path):
    import requests
    from playwright.sync_api import expect

    (lab.root / "flowers.csv").write_text(ROWS)
    errors: list[str] = []
    page = open_lab(browser, lab, errors)
    page.locator(".jp-SideBar [data-id='filebrowser']").click()
    page.locator(".jp-DirListing-item[data-file-type]", has_text="flowers.csv").click(
        button="right")
    page.locator(".lm-Menu-itemLabel", has_text="Train on this file…").click()

    form = page.locator("form.trainlab-new-job")
    expect(form).to_be_visible(timeout=30_000)
    made = requests.get(lab.api + "datasets", headers=lab.headers(), timeout=30).json()["items"]
    assert [d["name"] for d in made] == ["flowers.csv"]
    expect(form.locator("[data-trainlab=dataset-select]")).to_have_value(made[0]["id"])
    # filled from the server's inference: the task, the target, the other columns as features
    expect(form.locator("[data-trainlab=task-select]")).to_have_value(
        "tabular-classification", timeout=60_000)
    roles = form.locator("select[data-trainlab=role]")
    expect(roles).to_have_count(3)
    expect(form.locator("select[data-trainlab=role][data-column=label]")).to_have_value("target")
    expect(form.locator("select[data-trainlab=role][data-column=x1]")).to_have_value("features")
    check = form.locator("[data-trainlab=check]")
    expect(check).to_have_attribute("data-ok", "true")
    expect(check).to_contain_text("40 of 40 rows")
    start = form.locator("button[data-trainlab=start]")
    expect(start).to_be_enabled()

    # a role edit checks again: Start waits for the new answer
    form.locator("select[data-trainlab=role][data-column=x2]").select_option("ignore")
    expect(check).to_have_attribute("data-ok", "true", timeout=30_000)
    expect(check).to_have_attribute("data-state", "done")
    expect(start).to_be_enabled()

    form.locator("[data-trainlab=param-max_steps]").fill("20")
    form.locator("[data-trainlab=param-batch_size]").fill("8")
    assert form.locator("[data-trainlab=param-lr]").get_attribute("placeholder") == "0.001"
    form.locator("[data-trainlab=job-name]").fill("from the form")
    screenshot(page, tmp_path, "new-job")
    page.locator(".jp-SideBar [data-id='trainlab-sidebar']").click()
    start.click()

    job_row = page.locator(".trainlab-sidebar [data-trainlab=job]")
    expect(job_row).to_have_count(1, timeout=30_000)
    jobs = requests.get(lab.api + "jobs", headers=lab.headers(), timeout=30).json()["items"]
    assert len(jobs) == 1
    job = jobs[0]
    assert job["name"] == "from the form"
    assert job["dataset_id"] == made[0]["id"]
    assert job["task"] == "tabular-classification"
    assert job["columns"] == {"target": "label", "features": ["x1"]}
    assert job["params"]["max_steps"] == 20 and job["params"]["batch_size"] == 8
    assert job["device"] == "auto"

    # Start opened the job view; it follows the job to completed and draws the loss chart
    view = page.locator(f"#trainlab-job-{job['id']} [data-trainlab=job-view]")
    expect(view).to_be_visible(timeout=30_000)
    expect(page.locator("form.trainlab-new-job")).to_have_count(0)  # the form closed
    expect(view).to_have_attribute("data-status", "completed", timeout=120_000)
    canvas = view.locator(".trainlab-chart canvas").first
    expect(canvas).to_be_attached(timeout=30_000)
    assert canvas.evaluate(BLANK_CANVAS)
    # the sidebar's row follows with no refresh by hand
    expect(job_row).to_have_attribute("data-status", "completed", timeout=60_000)
    screenshot(page, tmp_path, "new-job-completed")
    page.close()
    assert errors == [], errors


def test_launcher_form_keeps_start_disabled_on_a_failed_check_and_bad_numbers(
        lab, browser, tmp_path):
    import requests
    from playwright.sync_api import expect

    single = upload(lab, "single.csv", ONE_CLASS)
    good = upload(lab, "good.csv", ROWS)
    said = requests.post(lab.api + f"datasets/{single['id']}/check", json={},
                         headers=lab.headers(), timeout=60).json()
    assert said["ok"] is False and said["errors"][0]["code"] == "too_few_classes"
    errors: list[str] = []
    page = open_lab(browser, lab, errors)
    page.locator(".jp-LauncherCard", has_text="New training job").click()
    form = page.locator("form.trainlab-new-job")
    expect(form).to_be_visible(timeout=30_000)
    start = form.locator("button[data-trainlab=start]")
    expect(start).to_be_disabled()

    picker = form.locator("[data-trainlab=dataset-select]")
    expect(picker.locator(f"option[value='{good['id']}']")).to_be_attached()
    picker.select_option(single["id"])
    check = form.locator("[data-trainlab=check]")
    expect(check).to_have_attribute("data-state", "done", timeout=60_000)
    expect(check).to_have_attribute("data-ok", "false")
    problem = check.locator(".trainlab-check-problem[data-code=too_few_classes]")
    expect(problem).to_have_text(said["errors"][0]["message"])
    expect(start).to_be_disabled()
    screenshot(page, tmp_path, "new-job-check-failed")

    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.url) if r.method == "POST"
            and r.url.split("?")[0].endswith("/trainlab/api/jobs") else None)
    picker.select_option(good["id"])
    expect(check).to_have_attribute("data-ok", "true", timeout=60_000)
    expect(start).to_be_enabled()
    lr = form.locator("[data-trainlab=param-lr]")
    for typed in ("-1", "fast"):
        lr.fill(typed)
        start.click()
        expect(form.locator(".trainlab-field-error[data-param=lr]")).to_have_text(
            "The learning rate must be a number above 0 and at most 10, like 0.001 "
            f'(not "{typed}").')
    form.locator("[data-trainlab=param-epochs]").fill("2.5")
    start.click()
    expect(form.locator(".trainlab-field-error[data-param=epochs]")).to_have_text(
        'Epochs must be a whole number of at least 1 (not "2.5").')
    expect(lr).to_have_value("fast")  # the form is kept as typed
    screenshot(page, tmp_path, "new-job-bad-number")
    assert posted == []

    # a 4xx from POST jobs (the dataset deleted after its check): the API's message, form kept
    requests.delete(lab.api + f"datasets/{good['id']}", headers=lab.headers(),
                    timeout=30).raise_for_status()
    refused = requests.post(lab.api + "jobs", json={"dataset_id": good["id"]},
                            headers=lab.headers(), timeout=30)
    assert refused.status_code == 404
    lr.fill("0.01")
    form.locator("[data-trainlab=param-epochs]").fill("2")
    start.click()
    expect(form.locator(".trainlab-error[data-trainlab=submit-error]")).to_have_text(
        refused.json()["error"]["message"])
    expect(form.locator(".trainlab-field-error")).to_have_count(0)
    expect(lr).to_have_value("0.01")
    assert len(posted) == 1
    page.close()
    # the refused POST (its cache-busting query left out), and nothing else
    assert [e.split("?")[0] for e in errors] == [f"404 {lab.api}jobs"], errors
    jobs = requests.get(lab.api + "jobs", headers=lab.headers(), timeout=30).json()["items"]
    assert [j for j in jobs if j["dataset_id"] in (single["id"], good["id"])] == []
