"""passport.files.write_atomic: the one atomic writer (keys, deployments, configs, CLI output)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from passport.files import write_atomic


def test_writes_replaces_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "dir" / "f.json"
    write_atomic(target, "one")
    assert target.read_text() == "one" and stat.S_IMODE(os.stat(target).st_mode) == 0o600
    write_atomic(target, b"two", mode=0o644)
    assert target.read_bytes() == b"two" and stat.S_IMODE(os.stat(target).st_mode) == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == ["f.json"]


def test_a_failed_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f"
    write_atomic(target, "old")

    def power_cut(fd: int) -> None:  # the crash comes after the data, before the rename
        raise OSError("power cut")

    monkeypatch.setattr(os, "fsync", power_cut)
    with pytest.raises(OSError, match="power cut"):
        write_atomic(target, b"new")
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_the_old_writers_are_this_one() -> None:
    from passport import keystore

    assert keystore.write_atomic is write_atomic
