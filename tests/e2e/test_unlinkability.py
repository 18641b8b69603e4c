"""The linkability test with processes (docs/unlinkability.md): anvil, ``issuer serve`` and two
``verifier serve`` instances (each its own SQLite database, ``keep_raw_presentation`` on, policy
``eudi.toml`` pointed at this bank's vct) on 127.0.0.1; the ``wallet`` CLI receives the bank's
SD-JWT VC batches (``kyc-dc``, ``bank-statement-dc``) and onboards at both; both approve. The
two databases then share no signature, digest, salt, holder key or status entry; a copy reused
with ``--allow-reuse`` at a third verifier shares them with the first.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from linkability import kinds, stored_values
from processes import POLICIES, IssuerProcess, Server, cli, cli_json, serve, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CUSTOMER = "TW-0001"


def _wallet(directory: Path, deployment: Path, *args: str, check: bool = True) -> Any:
    env = {
        **os.environ,
        "WALLET_PASSPHRASE": "citizen pass",
        "WALLET_KDF": "interactive",
        "WALLET_LANG": "en",
        "COLUMNS": "200",
    }
    return cli("wallet", env, "--wallet", str(directory), "--deployment", str(deployment),
               *args, check=check)  # fmt: skip


def _verifier(tmp: Path, deployment: Path, port: int, name: str, policy: Path) -> dict[str, Any]:
    config = tmp / name
    env = {**os.environ, "VERIFIER_PASSPHRASE": "e2e verifier", "VERIFIER_CONFIG": str(config)}
    base_url = f"http://127.0.0.1:{port}"
    init = cli_json(
        "verifier", env, "init", "--name", name, "--deployment", str(deployment),
        "--base-url", base_url, "--policy", str(policy), "--response-mode", "direct_post",
        "--kdf", "insecure-fast", "--allow-loopback",
    )  # fmt: skip
    settings_file = config / "verifier.json"
    settings = json.loads(settings_file.read_text(encoding="utf-8"))
    settings["keep_raw_presentation"] = True  # so that there is something to compare
    settings_file.write_text(json.dumps(settings), encoding="utf-8")
    server = serve("verifier", env, ["--port", str(port), "--log-level", "warning"],
                   tmp / f"{name}.log", base_url)  # fmt: skip
    return {
        "base": base_url,
        "headers": {"Authorization": f"Bearer {init['api_key']}"},
        "db": config / "verifier.db",
        "server": server,
    }


def _onboard(verifier: dict[str, Any], wallet: Path, deployment: Path, *extra: str) -> Any:
    with httpx.Client(timeout=30) as http:
        created = http.post(
            f"{verifier['base']}/api/requests", json={}, headers=verifier["headers"]
        ).json()
        sent = _wallet(wallet, deployment, "present", created["uri"], "--yes", *extra, "--json")
        assert json.loads(sent.stdout)["outcome"] == "sent", sent.stderr
        return http.get(
            f"{verifier['base']}/api/sessions/{created['session_id']}",
            headers=verifier["headers"],
        ).json()


def test_two_verifier_processes_cannot_link_the_citizen(
    issuer_process: IssuerProcess, chain_deployment: Path, tmp_path: Path
) -> None:
    issuer = issuer_process
    policy = tmp_path / "eudi.toml"
    policy.write_text(
        (POLICIES / "eudi.toml")
        .read_text(encoding="utf-8")
        .replace("http://127.0.0.1:8000", issuer.base_url),
        encoding="utf-8",
    )
    wallet = tmp_path / "wallet"
    _wallet(wallet, chain_deployment, "init")
    for kind in ("kyc-dc", "bank-statement-dc"):
        offer = issuer.offer(CUSTOMER, kind)
        got = _wallet(wallet, chain_deployment, "receive", offer["uri"], "--pin",
                      offer["tx_code"], "--copies", "2", "--json")  # fmt: skip
        (held,) = json.loads(got.stdout)
        assert held["format"] == "dc+sd-jwt" and held["copies_unused"] == 2, held
    wait_for("the issuer's status lists on chain", issuer.drained)
    servers: list[Server] = []
    try:
        verifiers = []
        for name in ("leman", "rhone", "jura"):
            started = _verifier(tmp_path, chain_deployment, _port(), name, policy)
            servers.append(started["server"])
            verifiers.append(started)
        a, b, c = verifiers
        for verifier in (a, b):
            decided = _onboard(verifier, wallet, chain_deployment)
            assert decided["status"] == "approved", decided
        found_a, found_b = stored_values(a["db"]), stored_values(b["db"])
        assert {"signature", "digest", "salt", "key", "status"} <= kinds(found_a)
        assert found_a & found_b == set(), sorted(found_a & found_b)[:10]
        # every copy is used now: a third verifier gets nothing without --allow-reuse ...
        refused = _wallet(wallet, chain_deployment, "present",
                          _new_uri(c), "--yes", check=False)  # fmt: skip
        assert refused.returncode == 1 and "copies_exhausted" in refused.stderr
        # ... and with it, a reused copy that links the visit to an earlier one
        decided = _onboard(c, wallet, chain_deployment, "--allow-reuse")
        assert decided["status"] == "approved", decided
        found_c = stored_values(c["db"])
        linked = (found_a | found_b) & found_c
        assert {"signature", "digest", "salt", "key", "status"} <= kinds(linked)
        with sqlite3.connect(a["db"]) as db:
            assert db.execute("SELECT count(*) FROM verifier_sessions").fetchone()[0] >= 1
    finally:
        for server in servers:
            log = server.stop()
            assert "Traceback" not in log, log[-3000:]


def _port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _new_uri(verifier: dict[str, Any]) -> str:
    with httpx.Client(timeout=30) as http:
        created = http.post(
            f"{verifier['base']}/api/requests", json={}, headers=verifier["headers"]
        ).json()
    return str(created["uri"])
