"""Which filesystem a path lives on: SQLite files (the submission ledger, optuna studies) must not sit on a network
filesystem, where its file locking is unreliable."""

from __future__ import annotations

from pathlib import Path

NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "afs", "glusterfs", "lustre", "9p"}
)


def filesystem_type(path: Path) -> str:
    """The type of the mount that holds `path` (longest matching mount point in /proc/self/mounts; '' if unknown)."""
    best, kind = "", ""
    try:
        with open("/proc/self/mounts") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) > 2 and str(path).startswith(parts[1]) and len(parts[1]) > len(best):
                    best, kind = parts[1], parts[2]
    except OSError:
        pass
    return kind


def on_network_filesystem(path: Path) -> bool:
    return filesystem_type(path) in NETWORK_FILESYSTEMS
