"""The Jobs part of the Training sidebar in a real browser (JupyterLab started by the test,
the system's Chromium through Playwright): a small job's row reaches ``completed``; its view
draws the chart, shows the log, the metrics, the model path and predicts two records as the
REST API does; a long job's row moves live through its event stream (the list's own timer is
set far out), stops from the sidebar within a second of the click (timed in the page),
resumes, stops again and is deleted; a running job's view draws its chart live from the
metrics cursor and, across a Stop and a Resume, keeps every step once, as ``GET metrics`` has
them. One lab server and one browser for the module."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests

from tests.browser.helpers import (
    BLANK_CANVAS,
    collect_errors,
    lab_with_the_sidebar,
    launch,
    needs_sidebar,
    open_sidebar,
    screenshot,
)
from tests.server.conftest import stop_live_server
from tests.server.test_jobs_api import csv_bytes

# The list's slow timer is set far out: what moves a row while its job runs is the stream.
# The chart keeps every point it is sent undownsampled (the most GET metrics allows), so
# its counts can be compared with GET metrics' points one for one.
SETTINGS = {"refreshIntervalS": 120, "chartPoints": 100_000}

pytestmark = needs_sidebar


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(server, page, errors, requested URLs): the sidebar open, English, one browser."""
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("jobs-lab")
    settings = tmp / "settings" / "trainlab"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps(SETTINGS))
    server = lab_with_the_sidebar(tmp, f"--LabApp.user_settings_dir={tmp / 'settings'}")
    p = sync_playwright().start()
    browser = None
    try:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        requested: list[str] = []
        collect_errors(page, errors)
        page.on("request", lambda r: requested.append(r.url))
        open_sidebar(page, server)
        yield server, page, errors, requested
    finally:
        if browser is not None:
            browser.close()
        p.stop()
        stop_live_server(server)


def session(server) -> requests.Session:
    s = requests.Session()
    s.headers.update(server.headers())
    return s


def submit(server, **params) -> dict:
    """A tabular job on a small generated CSV, submitted through REST (as a notebook would)."""
    s = session(server)
    ds = s.post(server.api + "datasets", params={"filename": "shapes.csv"}, data=csv_bytes(300),
                timeout=60)
    ds.raise_for_status()
    job = s.post(server.api + "jobs", json={
        "dataset_id": ds.json()["id"], "columns": {"target": "label"},
        "params": {"batch_size": 8, "early_stopping": None, **params}}, timeout=30)
    job.raise_for_status()
    return job.json()


# Every step a job row shows, recorded in the page as it changes.
WATCH_STEPS = """id => {
  window.__steps = new Set();
  const record = () => {
    const row = document.querySelector(`[data-trainlab=job][data-id="${id}"]`);
    if (row && row.dataset.status === 'running') { window.__steps.add(row.dataset.step); }
  };
  record();
  new MutationObserver(record).observe(document.querySelector('.trainlab-sidebar'),
    {subtree: true, attributes: true, childList: true});
}"""


# Clicks a row's button and resolves with the milliseconds until the row shows `status`.
CLICK_UNTIL = """async ([id, button, status]) => {
  const row = () => document.querySelector(`[data-trainlab=job][data-id="${id}"]`);
  const started = performance.now();
  row().querySelector(`button[data-trainlab=${button}]`).click();
  return await new Promise(resolve => {
    const check = () => {
      if (row() && row().dataset.status === status) {
        resolve(performance.now() - started);
        return true;
      }
      return false;
    };
    if (check()) { return; }
    const observer = new MutationObserver(() => check() && observer.disconnect());
    observer.observe(document.body, {subtree: true, attributes: true, childList: true});
    setTimeout(() => resolve(-1), 60000);
  });
}"""


def test_a_job_completes_and_its_view_shows_chart_log_metrics_model_and_predicts(
        lab, tmp_path):
    from playwright.sync_api import expect

    server, page, errors, _ = lab
    job = submit(server, max_steps=120, eval_every=40)
    sidebar = page.locator(".trainlab-sidebar")
    # nothing ran: the list is not polled; its Refresh button shows the new job
    sidebar.locator("button[data-trainlab='refresh-jobs']").click()
    row = sidebar.locator(f"[data-trainlab='job'][data-id='{job['id']}']")
    expect(row).to_have_count(1, timeout=30_000)
    expect(row).to_have_attribute("data-status", "completed", timeout=120_000)
    screenshot(page, tmp_path, "jobs")

    row.click()  # opens the job view
    view = page.locator(f"#trainlab-job-{job['id']} [data-trainlab='job-view']")
    expect(view).to_have_attribute("data-status", "completed", timeout=30_000)
    canvas = view.locator(".trainlab-chart canvas").first
    expect(canvas).to_be_attached(timeout=30_000)
    assert canvas.evaluate(BLANK_CANVAS)
    expect(view.locator(".trainlab-log")).to_contain_text("end: completed", timeout=30_000)
    expect(view.locator(".trainlab-metrics tr[data-metric='accuracy']")).to_have_count(1)
    model = Path(view.locator(".trainlab-model-path").inner_text())
    assert model.name == "model" and (model / "model.json").is_file(), model
    records = [{"x": 0.5, "z": 1.0, "color": "red"}, {"x": -2.0, "z": 0.1, "color": "blue"}]
    view.locator(".trainlab-predict-input").fill(json.dumps(records))
    view.locator("button[data-trainlab='predict']").click()
    shown = view.locator(".trainlab-prediction")
    expect(shown).to_have_count(2, timeout=30_000)
    direct = session(server).post(server.api + f"jobs/{job['id']}/predict",
                                  json={"records": records}, timeout=60).json()
    assert [r.locator("td").nth(1).inner_text() for r in shown.all()] == [
        str(p) for p in direct["predictions"]]
    screenshot(page, tmp_path, "job-view")
    assert errors == [], errors


def test_a_running_row_is_live_stops_within_a_second_resumes_and_deletes(lab):
    from playwright.sync_api import expect

    server, page, errors, requested = lab
    job = submit(server, max_steps=10**6, eval_every=10**6)
    page.locator(".trainlab-sidebar button[data-trainlab='refresh-jobs']").click()
    row = page.locator(f".trainlab-sidebar [data-trainlab='job'][data-id='{job['id']}']")
    expect(row).to_have_attribute("data-status", "running", timeout=120_000)
    # live: the row's step moves with the job's progress events (the list is not re-read)
    page.evaluate(WATCH_STEPS, job["id"])
    page.wait_for_function("() => window.__steps.size >= 3", timeout=60_000)
    assert any(f"jobs/{job['id']}/events" in u for u in requested)
    took_ms = page.evaluate(CLICK_UNTIL, [job["id"], "stop", "stopped"])
    print(f"stop -> stopped in the row: {took_ms:.0f} ms")
    assert 0 <= took_ms <= 1000, took_ms  # the "stopped within a second"
    now = session(server).get(server.api + f"jobs/{job['id']}", timeout=30).json()
    assert now["status"] == "stopped"

    row.locator("button[data-trainlab='resume']").click()
    expect(row).to_have_attribute("data-status", "running", timeout=120_000)
    took_ms = page.evaluate(CLICK_UNTIL, [job["id"], "stop", "stopped"])
    print(f"second stop -> stopped in the row: {took_ms:.0f} ms")
    assert 0 <= took_ms <= 1000, took_ms

    row.locator("button[data-trainlab='delete']").click()
    page.locator(".jp-Dialog button.jp-mod-warn").click()
    expect(row).to_have_count(0, timeout=30_000)
    gone = session(server).get(server.api + f"jobs/{job['id']}", timeout=30)
    assert gone.status_code == 404
    assert errors == [], errors


def series_of(items) -> dict[str, list[int]]:
    """The steps of each charted series ("split/name": train loss, validation metrics) of
    GET metrics' items, in the order given."""
    out: dict[str, list[int]] = {}
    for p in items:
        if (p["split"] != "train" or p["name"] == "loss") and p["value"] is not None:
            out.setdefault(f"{p['split']}/{p['name']}", []).append(p["step"])
    return out


def test_a_running_jobs_view_draws_live_and_keeps_each_step_once_over_a_resume(lab, tmp_path):
    from playwright.sync_api import expect

    server, page, errors, requested = lab
    s = session(server)
    job = submit(server, max_steps=10**6, eval_every=20)
    metrics_url = server.api + f"jobs/{job['id']}/metrics"
    page.locator(".trainlab-sidebar button[data-trainlab='refresh-jobs']").click()
    row = page.locator(f".trainlab-sidebar [data-trainlab='job'][data-id='{job['id']}']")
    expect(row).to_have_attribute("data-status", "running", timeout=120_000)
    row.click()  # opens the job view while the job runs
    view = page.locator(f"#trainlab-job-{job['id']} [data-trainlab='job-view']")
    expect(view).to_have_attribute("data-status", "running", timeout=30_000)
    chart = view.locator(".trainlab-chart")
    expect(chart).to_have_attribute("data-points", re.compile(r"^[1-9]"), timeout=60_000)
    expect(chart.locator("canvas").first).to_be_attached(timeout=30_000)
    # live: the chart grows from the job's event stream (the view reads GET metrics once)
    first = int(chart.get_attribute("data-points"))
    page.wait_for_function("([el, n]) => +el.dataset.points > n",
                           arg=[chart.element_handle(), first], timeout=60_000)
    assert chart.locator("canvas").first.evaluate(BLANK_CANVAS)
    assert any(f"jobs/{job['id']}/events?cursor=" in u for u in requested)

    view.locator("button[data-trainlab='stop']").click()
    expect(view).to_have_attribute("data-status", "stopped", timeout=30_000)
    stopped = s.get(metrics_url, timeout=30).json()
    old_cursor = stopped["cursor"]
    stop_step = max(series_of(stopped["items"])["train/loss"])
    asked = len(requested)
    view.locator("button[data-trainlab='resume']").click()
    expect(view).to_have_attribute("data-status", "running", timeout=120_000)
    # the resumed run's own points arrive through the stream
    page.wait_for_function(
        "([el, step]) => (JSON.parse(el.dataset.series || '{}')['train/loss'] || [0, -1])[1]"
        " > step + 20", arg=[chart.element_handle(), stop_step], timeout=60_000)
    drawn = json.loads(chart.get_attribute("data-series"))
    now = s.get(metrics_url, timeout=30).json()
    # (a resume from the stop's own checkpoint rewrites nothing, so the metrics run may stay;
    # one from an earlier checkpoint moves it and the stream sends `reset`: both are proved
    # in tests/server/test_metrics_cursor.py and jest's jobStreams/sse specs)
    recorded = series_of(now["items"])
    for key, steps in recorded.items():
        assert len(steps) == len(set(steps)), key  # the server's history: each step once
    assert set(drawn) <= set(recorded), (drawn, list(recorded))
    for key, (count, last) in drawn.items():
        # every step the chart has, once: as many as GET metrics has up to its last one
        assert count == sum(1 for step in recorded[key] if step <= last), (key, count, last)
    assert drawn["train/loss"][1] > stop_step
    # did the view follow the old cursor across the resume, or read GET metrics after the
    # new run began? Either way the counts hold.
    after = [u for u in requested[asked:] if f"jobs/{job['id']}/events?cursor=" in u]
    print("events after the resume:", [u.split("?")[1] for u in after], "cursor at the stop", old_cursor)
    screenshot(page, tmp_path, "job-live")
    view.locator("button[data-trainlab='stop']").click()
    expect(view).to_have_attribute("data-status", "stopped", timeout=30_000)
    assert errors == [], errors
