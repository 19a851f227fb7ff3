"""The resume note names the step training restarts from: the last checkpoint's."""

from __future__ import annotations

import trainlab
from trainlab.training import checkpoint


def test_the_resume_note_names_the_checkpoint_step_not_the_last_progress(ws, ds) -> None:
    result = trainlab.fit(ds, workspace=ws, columns={"target": "label"}, max_steps=30,
                          early_stopping=None, checkpoint_every=20, log_every=1)
    saved = checkpoint.load(ws.jobs_dir / result.job_id / "checkpoints" / "last.pt")["step"]
    # the run got further than its checkpoint, then died (kill -9): progress says 27
    ws.store.execute("UPDATE jobs SET status='interrupted', step=27 WHERE id=?", (result.job_id,))
    (ws.jobs_dir / result.job_id / "checkpoints" / "last.pt").unlink()
    checkpoint.save(ws.jobs_dir / result.job_id / "checkpoints" / "last.pt",
                    {"step": 20, "epoch": 0}, ws.tmp_dir)
    assert saved == 30
    note = ws.jobs.resume(result.job_id).note
    assert "from step 20" in note, note
    assert "27" not in note


def test_a_resume_without_a_checkpoint_says_it_starts_over(ws, ds) -> None:
    result = trainlab.fit(ds, workspace=ws, columns={"target": "label"}, max_steps=5)
    ws.store.execute("UPDATE jobs SET status='interrupted', step=4 WHERE id=?", (result.job_id,))
    (ws.jobs_dir / result.job_id / "checkpoints" / "last.pt").unlink()
    note = ws.jobs.resume(result.job_id).note
    assert "from step 0" in note, note
