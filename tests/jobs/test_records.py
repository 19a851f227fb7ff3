"""The job records: the status enum against the store's schema."""

from __future__ import annotations

import re

import trainlab
from trainlab.jobs.records import JobStatus


def test_job_status_is_the_list_the_store_checks(ws: trainlab.Workspace) -> None:
    table = ws.store.query("SELECT sql FROM sqlite_master WHERE type='table' AND name='jobs'")
    check = re.search(r"status IN\s*\(([^)]*)\)", table[0]["sql"])
    assert check is not None
    assert re.findall(r"'(\w+)'", check.group(1)) == [s.value for s in JobStatus]
