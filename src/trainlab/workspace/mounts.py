"""Which file system a folder is on, to warn before SQLite is put on a network one.

SQLite's locks (and WAL's shared memory) hold on a local file system or a block volume; on NFS,
SMB or FUSE network mounts they are unreliable, and a workspace database there can stay locked
or be corrupted (https://www.sqlite.org/howtocorrupt.html#_filesystems_with_broken_or_missing_lock_implementations).
"""

from __future__ import annotations

import os
from pathlib import Path

NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "lustre",
    "fuse.sshfs", "fuse.s3fs", "fuse.gcsfuse", "fuse.rclone", "fuse.juicefs", "fuse.glusterfs",
    "fuse.cephfs", "beegfs", "gpfs", "virtiofs",
})


def _unescape(field: str) -> str:
    """/proc/mounts writes a space, tab, newline and backslash in a path as octal escapes."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def filesystem_type(path: str | os.PathLike[str], mounts: str = "/proc/mounts") -> str | None:
    """The type of the file system ``path`` lies on (``ext4``, ``nfs4``, ...): the mount point
    that is the longest prefix of its real path. None where ``mounts`` cannot be read (not
    Linux)."""
    try:
        lines = Path(mounts).read_text().splitlines()
    except OSError:
        return None
    real = os.path.realpath(path)
    best, kind = -1, None
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = _unescape(fields[1])
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= best:  # a later mount over the same point wins
            best, kind = len(point), fields[2]
    return kind


def on_network_filesystem(path: str | os.PathLike[str], mounts: str = "/proc/mounts") -> str | None:
    """The network file system type ``path`` is on (``nfs4``, ``cifs``, ...), else None."""
    kind = filesystem_type(path, mounts)
    return kind if kind in NETWORK_FILESYSTEMS else None
