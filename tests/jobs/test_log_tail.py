"""A job's log read from its end (the sidebar's job view opening on a long log): only whole
lines, at most the bytes asked, and the offset to tail it from."""

from __future__ import annotations

from pathlib import Path

from trainlab.jobs.reporting import read_log


def test_the_tail_is_whole_lines_of_the_last_bytes_and_tails_on(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    lines = [f"step {i} loss {1 / (i + 1):.6f}\n" for i in range(5000)]
    log.write_text("".join(lines))
    size = log.stat().st_size
    text, offset = read_log(log, tail=1000)
    assert offset == size and 0 < len(text.encode()) <= 1000
    assert text.endswith(lines[-1]) and text.startswith("step ")  # starts at a line's start
    assert "".join(lines).endswith(text)
    with log.open("a") as f:
        f.write("end: completed\n")
    assert read_log(log, offset) == ("end: completed\n", size + 15)


def test_a_tail_longer_than_the_log_or_behind_the_offset_reads_from_the_offset(
        tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    log.write_text("one\ntwo\nthree\n")
    assert read_log(log, tail=1 << 20) == ("one\ntwo\nthree\n", 14)
    assert read_log(log, 4, tail=100) == ("two\nthree\n", 14)
    # the last bytes start exactly on a line: nothing of it is lost
    assert read_log(log, tail=10) == ("two\nthree\n", 14)
    assert read_log(log, tail=9) == ("three\n", 14)
    assert read_log(tmp_path / "missing.txt", tail=10) == ("", 0)
