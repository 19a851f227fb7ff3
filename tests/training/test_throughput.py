"""Tokens per second while a text job trains: a ``tokens_per_s`` train metric in the job's
history, and the ``trainlab_job_tokens_per_second`` gauge that operators scrape."""

from __future__ import annotations

import trainlab
from tests.training.conftest import TINY_TEXT
from trainlab.training.callbacks import Callback


class Scrape(Callback):
    """Reads the Prometheus collector's families at each evaluation (the job is running, and
    the reporter has just flushed its metrics)."""

    def __init__(self, ws: trainlab.Workspace) -> None:
        self.ws, self.seen = ws, []

    def on_eval(self, metrics: dict) -> None:
        from trainlab.server.metrics import WorkspaceCollector

        for family in WorkspaceCollector._families(self.ws):
            if family.name == "trainlab_job_tokens_per_second":
                self.seen.extend((s.labels["job"], s.value) for s in family.samples)


def test_a_text_job_records_tokens_per_second_and_the_gauge_shows_it(ws, reviews_ds,
                                                                        tabular_ds) -> None:
    scrape = Scrape(ws)
    result = trainlab.fit(reviews_ds, workspace=ws, arch=TINY_TEXT, max_steps=12, log_every=2,
                          eval_every=6, callbacks=[scrape])
    history = [m for m in ws.jobs.metrics(result.job_id)
               if m["split"] == "train" and m["name"] == "tokens_per_s"]
    assert [m["step"] for m in history] == list(range(2, 13, 2))
    assert all(m["value"] > 0 for m in history)
    assert scrape.seen and {job for job, _ in scrape.seen} == {result.job_id}
    assert all(v > 0 for _, v in scrape.seen)
    table = Scrape(ws)  # a table counts no tokens: no series for its job
    tab = trainlab.fit(tabular_ds, workspace=ws, label="label", max_steps=6, eval_every=3,
                       callbacks=[table])
    assert not [m for m in ws.jobs.metrics(tab.job_id) if m["name"] == "tokens_per_s"]
    assert table.seen == []
    # the jobs row keeps the latest rate (what the gauge reads without scanning the history)
    assert ws.jobs.get(result.job_id).progress["tokens_per_s"] > 0
    assert ws.jobs.get(tab.job_id).progress["tokens_per_s"] is None
