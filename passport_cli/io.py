"""File input and output for the commands, with errors a person can act on."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from passport import jsonsafe
from passport.errors import MalformedError
from passport.keys import PrivateKey


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MalformedError("file_not_found", f"{path}: no such file.") from None
    except IsADirectoryError:
        raise MalformedError("file_unreadable", f"{path} is a directory, not a file.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MalformedError("file_unreadable", f"{path}: cannot read it ({exc}).") from None


def read_json(path: Path) -> Any:
    return jsonsafe.loads(read_text(path), what=str(path), max_bytes=64 * jsonsafe.MAX_BYTES)


def read_private_key(path: Path) -> PrivateKey:
    """Load a private JWK written by ``passport key generate``."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise MalformedError("key_malformed", f"{path} does not hold a JWK object.")
    return PrivateKey.from_jwk(data)


def write_secret(path: Path, data: str, *, force: bool = False) -> None:
    """Write ``data`` to a new file readable by its owner only (mode 0600).

    Refuses to replace an existing file unless ``force``: a key is never lost by accident.
    """
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise MalformedError(
            "file_exists", f"{path} already exists; choose another path or pass --force."
        ) from None
    except OSError as exc:
        raise MalformedError("file_unwritable", f"{path}: cannot write it ({exc}).") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(data)


def write_atomic(path: Path, data: str) -> None:
    """Replace ``path`` with ``data`` all at once: a crash leaves the old file or the new one."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise MalformedError("file_unwritable", f"{path}: cannot write it ({exc}).") from None
