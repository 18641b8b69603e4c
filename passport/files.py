"""Writing files so that a crash never leaves half of one.

Error codes: none; ``OSError`` propagates (callers turn it into their own code, e.g. the
CLI's ``file_unwritable``).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: str | os.PathLike[str], data: bytes | str, *, mode: int = 0o600) -> Path:
    """Replace ``path`` with ``data`` atomically: write a temporary file in the same
    directory with ``mode``, fsync it, ``os.replace`` it over ``path``, fsync the directory
    (so the rename itself survives a power cut). A reader sees the old or the new content,
    never a mix; a crash leaves at most a stray ``.tmp`` file. Creates the directory.
    ``str`` data is written as UTF-8."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # here: reading a wallet (its start-up) writes nothing

    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return target
