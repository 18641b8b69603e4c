"""Every console script of the project starts and answers --help quickly and cleanly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


@pytest.mark.parametrize("script", ["passport", "wallet", "issuer", "verifier"])
def test_console_script_help(script: str) -> None:
    proc = subprocess.run([str(BIN / script), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Usage" in proc.stdout and "Traceback" not in proc.stderr
