"""``scripts/demo.py`` (``./run demo``, the README's first command) as a subprocess: it exits 0
and tells the whole story, the four decisions in order; the onboarding QR PNG it writes holds
the OpenID4VP request the wallet scanned; ``--lang zh-TW`` narrates in Traditional Chinese."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from passport.wallet.qr import read_qr

pytestmark = pytest.mark.slow

DEMO = Path(__file__).resolve().parents[2] / "scripts" / "demo.py"
DECISION = re.compile(r"^(?:decision|決定): (\w+)(?: · (\w+))?", re.MULTILINE)


def _run(*args: str) -> str:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, str(DEMO), *args], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc.stdout


def _decisions(output: str) -> list[str]:
    return [reason or status for status, reason in DECISION.findall(output)]


def test_the_demo_tells_the_whole_story_in_order(tmp_path: Path) -> None:
    output = _run("--out", str(tmp_path))
    assert _decisions(output) == ["approved", "policy_unmet", "revoked", "issuer_not_accredited"]
    # the codes behind the reasons, as the verifier answered them
    for code in ("balance_below_minimum", "code: revoked", "accreditation_suspended"):
        assert code in output
    assert [int(n) for n in re.findall(r"^─* ?(\d)\. ", output, re.MULTILINE)] == list(range(1, 10))
    png = tmp_path / "onboarding-request.png"
    request = read_qr(png)
    assert request.startswith("openid4vp://?client_id=decentralized_identifier")
    assert f"the wallet scanned {png.name}" in output
    assert "balanceAtLeast" in output and "USD_50000" in output


def test_the_demo_narrates_in_traditional_chinese(tmp_path: Path) -> None:
    output = _run("--lang", "zh-TW", "--out", str(tmp_path))
    assert "主管機關部署登錄合約" in output and "示範完成" in output
    assert _decisions(output) == ["approved", "policy_unmet", "revoked", "issuer_not_accredited"]


def test_passport_demo_has_the_demos_options() -> None:
    from typer.testing import CliRunner

    from passport_cli.main import app

    result = CliRunner().invoke(app, ["demo", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for option in ("--lang", "--out", "--processes"):
        assert option in result.output
    bad = CliRunner().invoke(app, ["demo", "--lang", "fr"])
    assert bad.exit_code == 2
