"""``./run demo --processes``: the demo's story with anvil, ``issuer serve`` and ``verifier
serve`` as processes on 127.0.0.1 and the wallet CLI as subprocesses, narrated in Traditional
Chinese; it exits 0 with the four decisions in order, and leaves no process behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from passport.wallet.qr import read_qr

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DEMO = Path(__file__).resolve().parents[2] / "scripts" / "demo.py"
DECISION = re.compile(r"^(?:decision|決定): (\w+)(?: · (\w+))?", re.MULTILINE)


def _running(marker: str) -> list[str]:
    """Command lines of live processes that mention ``marker`` (their temp directory)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmdline:
                found.append(cmdline)
    return found


def test_the_demo_with_processes_in_traditional_chinese(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TMPDIR": str(tmp_path)}
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(DEMO), "--processes", "--lang", "zh-TW", "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=900,
    )  # fmt: skip
    output = proc.stdout
    assert proc.returncode == 0, output[-4000:] + proc.stderr[-3000:]
    assert "Traceback" not in output + proc.stderr
    assert "主管機關部署登錄合約" in output and "示範完成" in output
    decisions = [reason or status for status, reason in DECISION.findall(output)]
    assert decisions == ["approved", "policy_unmet", "revoked", "issuer_not_accredited"], output
    for command in ("$ passport chain up", "$ issuer serve", "$ verifier serve", "$ wallet"):
        assert command in output
    assert read_qr(out / "onboarding-request.png").startswith(
        "openid4vp://?client_id=decentralized_identifier"
    )
    # every process it started is gone (their state lived under TMPDIR)
    assert _running(str(tmp_path)) == []


def test_ctrl_c_stops_every_process_the_demo_started(tmp_path: Path) -> None:
    """SIGINT to the demo's process group (what Ctrl-C in a terminal sends) once the bank's
    service runs: exit 130, anvil and the servers are gone, the temporary folder too."""
    import signal
    import time

    env = {
        **os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONUNBUFFERED": "1",
        "TMPDIR": str(tmp_path),
    }
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        demo = subprocess.Popen(
            [sys.executable, str(DEMO), "--processes"], stdout=out, stderr=subprocess.STDOUT,
            env=env, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 600
        while "$ issuer serve" not in log.read_text() and demo.poll() is None:
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        time.sleep(1)  # the server is being started or waited for
        os.killpg(demo.pid, signal.SIGINT)
        assert demo.wait(timeout=120) == 130, log.read_text()[-3000:]
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
    text = log.read_text()
    assert "Traceback" not in text and "every process the demo started is stopped" in text
    group = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _pgid(p) == demo.pid]
    assert group == []
    assert _running(str(tmp_path)) == []  # anvil (its own session) is stopped too
    assert [p.name for p in tmp_path.iterdir()] == ["demo.log"]


def _pgid(proc: Path) -> int | None:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[2])
    except (OSError, IndexError, ValueError):
        return None
