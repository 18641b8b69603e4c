"""The ``verifier`` CLI on an offline (did:key) verifier: init, request (URI, terminal QR,
PNG), sessions, show, audit, audit verify, purge, --json everywhere; errors as one line on
stderr with exit 2, never a traceback. (With a chain: tests/e2e/test_verifier_service.py.)"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from verifier_service.cli import app

BIN = Path(sys.executable).parent
ENV = {"VERIFIER_PASSPHRASE": "cli test passphrase"}


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VERIFIER_PASSPHRASE", ENV["VERIFIER_PASSPHRASE"])
    directory = tmp_path / "verifier"
    result = CliRunner().invoke(
        app,
        ["init", "--name", "Banque du Léman", "--config", str(directory), "--offline",
         "--kdf", "insecure-fast", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["did"].startswith("did:key:") and len(data["api_key"]) > 30
    assert (directory / "policy.toml").exists() and (directory / "keys.json").exists()
    stored = json.loads((directory / "verifier.json").read_text())
    assert data["api_key"] not in json.dumps(stored)  # only its hash is kept
    return directory


def _run(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_request_sessions_show_audit_and_purge(config: Path, tmp_path: Path) -> None:
    png = tmp_path / "request.png"
    created = json.loads(
        _run("request", "--config", str(config), "--png", str(png), "--json").stdout
    )
    assert created["uri"].startswith("openid4vp://?client_id=decentralized_identifier%3Adid%3Akey")
    import zxingcpp
    from PIL import Image

    assert [r.text for r in zxingcpp.read_barcodes(Image.open(png))] == [created["uri"]]
    human = _run("request", "--config", str(config), "--lang", "zh-TW").stdout
    assert "openid4vp://" in human and "█" in human or "▀" in human
    rows = json.loads(_run("sessions", "--config", str(config), "--json").stdout)
    assert len(rows) == 2 and {r["status"] for r in rows} == {"pending"}
    assert {r["channel"] for r in rows} == {"cli"}
    shown = json.loads(
        _run("show", created["session_id"], "--config", str(config), "--json").stdout
    )
    assert shown["session_id"] == created["session_id"] and shown["uri"] == created["uri"]
    assert "pending" in _run("show", created["session_id"], "--config", str(config)).stdout.lower()
    entries = json.loads(_run("audit", "--config", str(config), "--json").stdout)
    assert [e["action"] for e in entries] == ["session_created", "session_created"]
    verified = json.loads(_run("audit", "verify", "--config", str(config), "--json").stdout)
    assert verified["ok"] and verified["entries"] == 2
    purged = json.loads(
        _run("purge", "--config", str(config), "--older-than-days", "0", "--json").stdout
    )
    assert purged["deleted"] == 2
    assert json.loads(_run("sessions", "--config", str(config), "--json").stdout) == []
    sync = json.loads(_run("sync", "--config", str(config), "--json").stdout)
    assert sync["chain"] is None


def _script(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "verifier"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_audit_verify_fails_on_a_tampered_log(config: Path) -> None:
    _run("request", "--config", str(config), "--no-qr")
    _run("request", "--config", str(config), "--no-qr")
    with sqlite3.connect(config / "verifier.db") as raw:
        raw.execute("DROP TRIGGER verifier_audit_no_update")
        raw.execute("UPDATE verifier_audit SET actor = 'nobody' WHERE seq = 1")
    proc = _script("audit", "verify", "--config", str(config))
    assert proc.returncode == 1 and "TAMPERED" in proc.stdout
    assert "audit_entry_modified" in proc.stderr and "Traceback" not in proc.stderr


def test_errors_are_one_line_with_exit_2(tmp_path: Path, config: Path) -> None:
    proc = _script("sessions", "--config", str(tmp_path / "nowhere"))
    assert proc.returncode == 2
    assert "verifier_not_initialised" in proc.stderr and "Traceback" not in proc.stderr
    proc = _script("request", "--config", str(config), env={"VERIFIER_PASSPHRASE": "wrong"})
    assert proc.returncode == 2 and "keystore_locked" in proc.stderr
    proc = _script("show", "nope", "--config", str(config))
    assert proc.returncode == 1 and "session_unknown" in proc.stderr
    proc = _script("init", "--name", "Again", "--config", str(config), "--offline", env=ENV)
    assert proc.returncode == 2 and "verifier_already_initialised" in proc.stderr
    bad_policy = tmp_path / "bad.toml"
    bad_policy.write_text("name = 'x'\n")
    proc = _script(
        "init", "--name", "X", "--config", str(tmp_path / "v2"), "--offline",
        "--policy", str(bad_policy), env=ENV,
    )  # fmt: skip
    assert proc.returncode == 2 and "policy_invalid" in proc.stderr
    assert not (tmp_path / "v2").exists()


def test_a_corrupted_configuration_is_verifier_config_malformed(config: Path) -> None:
    stored = config / "verifier.json"
    for broken in ("{not json", "[1, 2]"):
        stored.write_text(broken)
        proc = _script("sessions", "--config", str(config))
        assert proc.returncode == 2, proc.stderr
        assert "verifier_config_malformed" in proc.stderr and "Traceback" not in proc.stderr
        assert str(stored) in proc.stderr
        assert stored.read_text() == broken  # nothing rewritten
