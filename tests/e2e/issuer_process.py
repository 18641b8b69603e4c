"""``issuer serve`` as a real process for the end-to-end tests."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def issuer_serve(
    env: dict[str, str], port: int, log_path: Path, *args: str
) -> Iterator[subprocess.Popen[bytes]]:
    """``issuer serve --port PORT ARGS`` with ``env``, its output in ``log_path``; stopped
    (terminate, then kill) when the block ends; then its log must hold no traceback."""
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "issuer"), "serve", "--port", str(port), *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield server
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    text = log_path.read_text()
    assert "Traceback" not in text, text[-3000:]
