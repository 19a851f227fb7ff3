"""The file system a workspace lies on, read from a mount table like /proc/mounts."""

from __future__ import annotations

from pathlib import Path

from trainlab.workspace.mounts import filesystem_type, on_network_filesystem


def table(tmp_path: Path, home: Path) -> Path:
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/sda1 / ext4 rw,relatime 0 0\n"
        f"server:/export/home {home} nfs4 rw,vers=4.2 0 0\n"
        f"/dev/rbd0 {home}/block\\040vol ext4 rw 0 0\n"
        "tmpfs /tmp tmpfs rw 0 0\n")
    return mounts


def test_the_longest_mount_point_names_the_file_system(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "block vol" / "ws").mkdir(parents=True)
    (home / "ws").mkdir()
    mounts = table(tmp_path, home)
    assert filesystem_type(home / "ws", mounts) == "nfs4"
    assert on_network_filesystem(home / "ws", mounts) == "nfs4"
    assert filesystem_type(home / "block vol" / "ws", mounts) == "ext4"  # an escaped space
    assert on_network_filesystem(home / "block vol" / "ws", mounts) is None
    assert filesystem_type(tmp_path / "homework", mounts) != "nfs4"  # a prefix, not a parent


def test_a_symlink_is_followed_and_no_table_is_no_answer(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "ws").mkdir(parents=True)
    (tmp_path / "link").symlink_to(home / "ws")
    mounts = table(tmp_path, home)
    assert on_network_filesystem(tmp_path / "link", mounts) == "nfs4"
    assert filesystem_type(home, tmp_path / "no-such-file") is None
