"""The sidebar's Datasets in a real browser (one JupyterLab, one Chromium for the module):
files uploaded from the desktop through the file input and by a real drag and drop show up
with their rows; a broken file shows its report with the lines and codes the REST API gives,
its preview and profile (histograms drawn as SVG), and is deleted after a confirmation; a
200 MB upload broken off by a page reload resumes from the server's offset when the same file
is picked again, and its dataset has the file's sha256."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from tests.browser.helpers import (
    collect_errors,
    lab_with_the_sidebar,
    launch,
    needs_sidebar,
    open_sidebar,
    screenshot,
)
from tests.server.conftest import stop_live_server

pytestmark = needs_sidebar


# Wraps window.fetch before JupyterLab loads: while localStorage says so, the PUTs of upload
# parts after the first N never get an answer (a connection that hangs).
HANG_AFTER = """(() => {
  const real = window.fetch.bind(window);
  let n = 0;
  window.fetch = (input, init) => {
    const method = (init && init.method) || (input instanceof Request ? input.method : 'GET');
    const url = input instanceof Request ? input.url : String(input);
    const after = localStorage.getItem('trainlab.test.hangAfter');
    if (after !== null && method === 'PUT' && url.includes('/datasets/uploads/')
        && n++ >= Number(after)) {
      return new Promise(() => {});
    }
    return real(input, init);
  };
})()"""


class Lab:
    """The module's JupyterLab, browser page and collected page errors."""

    def __init__(self, server, page, errors: list[str], out: Path) -> None:
        self.server, self.page, self.errors, self.out = server, page, errors, out

    def shot(self, what: str) -> None:
        screenshot(self.page, self.out, what)

    def open_sidebar(self):
        return open_sidebar(self.page, self.server)

    def rest(self, method: str, path: str, **kw):
        import requests

        r = requests.request(method, self.server.api + path, headers=self.server.headers(),
                             timeout=60, **kw)
        r.raise_for_status()
        return r.json()

    def dataset(self, name: str) -> dict:
        found = [d for d in self.rest("GET", "datasets?limit=1000")["items"] if d["name"] == name]
        assert len(found) == 1, found
        return found[0]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("lab")
    server = lab_with_the_sidebar(tmp)
    errors: list[str] = []
    try:
        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            collect_errors(page, errors)
            yield Lab(server, page, errors, tmp)
            browser.close()
    finally:
        stop_live_server(server)


def test_files_from_the_input_and_a_drag_and_drop_show_with_their_rows(lab, tmp_path):
    import requests
    from playwright.sync_api import expect

    sidebar = lab.open_sidebar()
    picked = tmp_path / "picked.csv"
    picked.write_text("x,y\n" + "".join(f"{i},{i * i}\n" for i in range(200)))
    sidebar.locator("input.trainlab-upload-input").set_input_files(str(picked))
    row = sidebar.locator("[data-trainlab=dataset][data-name='picked.csv']")
    expect(row).to_have_attribute("data-status", "valid", timeout=30_000)
    expect(row.locator(".trainlab-rows")).to_have_text("200 rows")
    kib = f"{picked.stat().st_size / 1024:.1f}".removesuffix(".0")
    expect(row.locator(".trainlab-size")).to_have_text(f"{kib} kB")
    expect(sidebar.locator(".trainlab-upload-progress")).to_have_count(0)

    # a real drop: a DataTransfer holding a File, dispatched on the drop zone
    transfer = lab.page.evaluate_handle("""() => {
        const dt = new DataTransfer();
        dt.items.add(new File(['a,b\\n1,2\\n3,4\\n5,6\\n'], 'dropped.csv', {type: 'text/csv'}));
        return dt;
    }""")
    lab.page.dispatch_event(".trainlab-drop", "drop", {"dataTransfer": transfer})
    row = sidebar.locator("[data-trainlab=dataset][data-name='dropped.csv']")
    expect(row).to_have_attribute("data-status", "valid", timeout=30_000)
    expect(row.locator(".trainlab-rows")).to_have_text("3 rows")
    assert lab.dataset("dropped.csv")["rows"] == 3

    # a format the server refuses: its message in the upload's row, which can be dismissed
    refused = tmp_path / "notes.txt"
    refused.write_text("not a dataset\n")
    sidebar.locator("input.trainlab-upload-input").set_input_files(str(refused))
    progress = sidebar.locator(".trainlab-upload-progress[data-name='notes.txt']")
    answer = requests.post(lab.server.api + "datasets/uploads", headers=lab.server.headers(),
                           json={"filename": "notes.txt", "size": 14}, timeout=30)
    assert answer.status_code in (415, 422), answer.text  # 422: no format for ".txt"
    expect(progress.locator(".trainlab-error")).to_have_text(answer.json()["error"]["message"])
    lab.shot("datasets")
    progress.locator("[data-trainlab=cancel-upload]").click()
    expect(progress).to_have_count(0)
    expected = [e for e in lab.errors
                if e.startswith(f"{answer.status_code} ") and "/datasets/uploads" in e]
    assert len(expected) == 1, lab.errors
    lab.errors.remove(expected[0])
    assert lab.errors == [], lab.errors


def test_a_broken_file_shows_its_report_preview_profile_and_is_deleted(lab, tmp_path):
    from playwright.sync_api import expect

    sidebar = lab.open_sidebar()
    broken = tmp_path / "broken.csv"
    # line 3: a short row; line 4: a word in a numeric field; line 6: one field too many
    broken.write_text("n,label,score\n1,a,0.5\n2,b\nseven,c,1.5\n4,d,2.5\n5,e,3.5,extra\n"
                      + "".join(f"{i},f,{i / 2}\n" for i in range(6, 30)))
    sidebar.locator("input.trainlab-upload-input").set_input_files(str(broken))
    row = sidebar.locator("[data-trainlab=dataset][data-name='broken.csv']")
    expect(row).to_have_attribute("data-status", "invalid", timeout=30_000)
    expect(row.locator(".trainlab-badge")).to_have_text("invalid: 2 bad rows")
    ds = lab.dataset("broken.csv")
    report = lab.rest("GET", f"datasets/{ds['id']}/report")
    assert {e["line"] for e in report["errors"]} == {3, 6}

    row.locator(".trainlab-dataset-name").click()
    view = lab.page.locator(f"#trainlab-dataset-{ds['id']}")
    expect(view).to_be_visible(timeout=30_000)
    for kind, issues in (("error", report["errors"]), ("warning", report["warnings"])):
        shown = view.locator(f".trainlab-report-{kind}")
        expect(shown).to_have_count(len(issues))
        for issue in issues:
            cell = view.locator(f".trainlab-report-{kind}[data-line='{issue['line']}']"
                                f"[data-code='{issue['code']}']")
            expect(cell).to_contain_text(issue["message"])
    assert report["warnings"] and report["warnings"][0]["line"] == 4
    for code, n in report["error_counts"].items():
        expect(view.locator(f".trainlab-report-counts tr[data-code='{code}']")).to_contain_text(
            str(n))
    lab.shot("dataset-report")

    view.locator("[data-trainlab-tab=preview]").click()
    table = view.locator(".trainlab-preview-table tbody tr")
    expect(table).to_have_count(ds["rows"])
    expect(table.first).to_have_attribute("data-line", "2")
    view.locator("input.trainlab-goto-row").fill("20")
    view.locator(".trainlab-goto button").click()
    expect(table).to_have_count(ds["rows"] - 19)
    preview = lab.rest("GET", f"datasets/{ds['id']}/preview?offset=19&limit=1")
    expect(table.first).to_have_attribute("data-line", str(preview["lines"][0]))

    view.locator("[data-trainlab-tab=profile]").click()
    expect(view.locator(".trainlab-profile-table tr[data-field='score']")).to_be_visible()
    bars = view.locator(".trainlab-histogram[data-field='score'] svg rect")
    hist = lab.rest("GET", f"datasets/{ds['id']}/histograms")["fields"]["score"]
    expect(bars).to_have_count(len(hist["counts"]))
    expect(view.locator(".trainlab-histogram[data-field='label']")).to_have_count(0)
    expect(view.locator(".trainlab-top-bar span").first).to_be_visible()
    lab.shot("dataset-profile")

    # delete, after the confirmation
    row.locator("button[data-trainlab=delete]").click()
    dialog = lab.page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("broken.csv")
    dialog.locator("button.jp-mod-warn").click()
    expect(row).to_have_count(0, timeout=30_000)
    assert not [d for d in lab.rest("GET", "datasets")["items"] if d["name"] == "broken.csv"]
    assert lab.errors == [], lab.errors


def test_a_200_mb_upload_broken_off_by_a_reload_resumes_with_the_right_sha256(lab, tmp_path):
    from playwright.sync_api import expect

    started = time.perf_counter()
    big = tmp_path / "big.csv"
    block = "".join(f"{i},{i % 7},{i * 0.25},label_{i % 13}\n" for i in range(10_000)).encode()
    with big.open("wb") as f:
        f.write(b"id,group,value,label\n")
        while f.tell() < 200 * 2**20:
            f.write(block)
    digest = hashlib.sha256(big.read_bytes()).hexdigest()
    size = big.stat().st_size
    part = 8 * 2**20

    puts: list[str] = []
    lab.page.on("request", lambda r: puts.append(r.headers.get("content-range", ""))
                if r.method == "PUT" and "/datasets/uploads/" in r.url else None)
    # the connection "hangs" after 3 parts: later PUTs get no answer (page.route cannot be
    # used: Playwright's interception of 8 MiB request bodies stalls the upload)
    lab.page.add_init_script(HANG_AFTER)
    sidebar = lab.open_sidebar()
    lab.page.evaluate("localStorage.setItem('trainlab.test.hangAfter', '3')")
    sidebar.locator("input.trainlab-upload-input").set_input_files(str(big))
    expect(sidebar.locator(".trainlab-upload-progress")).to_have_attribute(
        "data-phase", "uploading", timeout=60_000)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ups = lab.rest("GET", "datasets/uploads")["items"]
        if ups and ups[0]["offset"] == 3 * part:
            break
        time.sleep(0.2)
    assert ups[0]["offset"] == 3 * part and ups[0]["sha256"] == digest, ups
    lab.shot("upload-progress")
    lab.page.evaluate("localStorage.removeItem('trainlab.test.hangAfter')")
    lab.page.reload()
    before = len(puts)

    sidebar = lab.open_sidebar()
    sidebar.locator("input.trainlab-upload-input").set_input_files(str(big))
    row = sidebar.locator("[data-trainlab=dataset][data-name='big.csv']")
    expect(row).to_have_attribute("data-status", "valid", timeout=240_000)
    resumed = puts[before:]
    assert resumed[0] == f"bytes {3 * part}-{4 * part - 1}/{size}", resumed[:3]
    assert resumed[-1].endswith(f"-{size - 1}/{size}")
    assert len(resumed) == -(-(size - 3 * part) // part)
    ds = lab.dataset("big.csv")
    assert ds["sha256"] == digest and ds["size_bytes"] == size
    assert lab.rest("GET", "datasets/uploads")["items"] == []
    lab.shot("upload-resumed")
    print(f"\n200 MB upload with a reload: {time.perf_counter() - started:.1f} s")
    assert lab.errors == [], lab.errors
