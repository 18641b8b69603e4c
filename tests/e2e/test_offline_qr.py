"""Issue 11 end to end with real processes: anvil, ``issuer init`` / ``serve`` / ``offer
--type offline-bank-statement``, the ``wallet`` CLI receiving the offline credential and
writing ``wallet proof-qr`` PNGs; a trust snapshot taken while the chain and the issuer run;
then both stopped and every socket refused, and the QRs (read back from the PNGs by
zxing-cpp) verified from the snapshot alone: approved, and tampered / replayed /
wrong-challenge QRs refused with their codes.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cbor2
import httpx
import pytest
from issuer_process import issuer_serve
from PIL import Image

from passport.chain import node
from passport.chain.deployment import Deployment
from passport.chain.registries import StatusRegistryClient, TrustRegistryClient
from passport.offline import (
    InMemoryReplayStore,
    build_snapshot,
    decode_qr_text,
    discover_status_lists,
    encode_qr_text,
    qr_image,
    read_qr_image,
    verify_offline,
)
from passport.report import ReportStatus
from passport.status.fetch import LocalFirstFetcher
from passport_cli.wiring import build_resolver

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BIN = Path(sys.executable).parent
SAMPLE = Path(__file__).resolve().parents[2] / "issuer_service" / "sample_data" / "customers.json"
TIERS = "balanceAtLeast/USD_1000,balanceAtLeast/USD_5000,balanceAtLeast/USD_10000"


def _run(binary: str, env: dict[str, str], *args: str, check: bool = True) -> Any:
    proc = subprocess.run(
        [str(BIN / binary), *args], env=env, capture_output=True, text=True, timeout=180
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    if check:
        assert proc.returncode == 0, f"{binary} {' '.join(args)}: {proc.stderr}"
    return proc


def _wait(what: str, condition: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)
    return value


def _health(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _cut_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network is cut in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))  # type: ignore[arg-type]
    return attempts


def _tampered(text: str) -> str:
    """The same QR with the first disclosed tier flipped (true -> false)."""
    proof = cbor2.loads(decode_qr_text(text))
    disclosed = cbor2.loads(proof[1])
    disclosed[0][0][2] = not disclosed[0][0][2]
    proof[1] = cbor2.dumps(disclosed)
    return encode_qr_text(cbor2.dumps(proof))


def test_offline_proof_of_funds_from_the_real_issuer_verified_with_everything_stopped(
    anvil: node.NodeStatus,
    anvil_deployment: Deployment,
    tmp_path: Path,
    free_port: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deployment_file = anvil_deployment.save(tmp_path / "deployment.json")
    env = {**os.environ, "ISSUER_PASSPHRASE": "bank pass", "ISSUER_CONFIG": str(tmp_path / "bank")}
    base_url = f"http://127.0.0.1:{free_port}"
    bank_did = json.loads(
        _run(
            "issuer", env, "init", "--name", "Bank of Formosa", "--deployment",
            str(deployment_file), "--base-url", base_url, "--kdf", "interactive", "--json",
        ).stdout
    )["did"]  # fmt: skip
    _run(
        "passport", env, "registry", "accredit", bank_did, "--types",
        "KYCCredential,BankStatementCredential", "--jurisdiction", "TW",
        "--deployment", str(deployment_file),
    )  # fmt: skip
    _run("issuer", env, "import", str(SAMPLE))
    wallet_env = {
        **os.environ,
        "WALLET_PASSPHRASE": "citizen pass",
        "WALLET_KDF": "interactive",
        "WALLET_LANG": "en",
        "COLUMNS": "200",
    }
    home = ["--wallet", str(tmp_path / "wallet"), "--deployment", str(deployment_file)]

    def wallet(*args: str, check: bool = True) -> Any:
        return _run("wallet", wallet_env, *home, *args, check=check)

    with issuer_serve(env, free_port, tmp_path / "serve.log", "--anchor-interval", "2") as server:
        _wait("the issuer", lambda: _health(base_url))
        metadata = httpx.get(f"{base_url}/.well-known/openid-credential-issuer").json()
        offline_conf = metadata["credential_configurations_supported"][
            "OfflineBankStatementCredential"
        ]
        assert offline_conf["format"] == "dfp-offline-cwt"

        wallet("init")
        offer = json.loads(
            _run(
                "issuer", env, "offer", "TW-0003", "--type", "offline-bank-statement",
                "--png", str(tmp_path / "offer.png"), "--json",
            ).stdout
        )  # fmt: skip
        # no offline credential yet: a clear refusal with its code
        missing = wallet(
            "proof-qr", "--type", "bank-statement", "--claims", "name",
            "--out", str(tmp_path / "none.png"), check=False,
        )  # fmt: skip
        assert missing.returncode == 1 and "[offline_credential_missing]" in missing.stderr
        received = wallet("receive", "--qr", offer["png"], "--pin", offer["tx_code"])
        assert "offline" in received.stdout and "OfflineBankStatementCredential" in received.stdout
        listed = json.loads(wallet("list", "--json").stdout)
        assert [c["format"] for c in listed] == ["dfp-offline-cwt"]
        assert listed[0]["issuer"] == bank_did

        shown = wallet(
            "proof-qr", "--type", "bank-statement", "--claims", TIERS, "--challenge", "K7Q2-9X",
            "--out", str(tmp_path / "proof.png"),
        )  # fmt: skip
        assert "█" in shown.stdout and "K7Q2-9X" in shown.stdout
        by_slot = json.loads(
            wallet(
                "proof-qr", "--type", "bank-statement", "--claims", "name,nationality",
                "--out", str(tmp_path / "slot.png"), "--json",
            ).stdout
        )  # fmt: skip
        assert isinstance(by_slot["binding"], int) and by_slot["version"] <= 22
        history = json.loads(wallet("history", "--json").stdout)
        assert [h["outcome"] for h in history][-2:] == ["shown", "shown"]
        assert history[-2]["disclosed"][0]["claims"] == TIERS.split(",")

        # the verifier's sync, while the chain and the issuer run
        chain = anvil_deployment.connect()
        anchors = StatusRegistryClient(chain, anvil_deployment)
        # the anchor worker publishes the group's revocation and suspension lists
        lists = _wait(
            "the status lists on chain",
            lambda: (
                (found := discover_status_lists(anchors, bank_did)) and len(found) >= 2 and found
            ),
        )
        verifier_env = {
            **os.environ,
            "VERIFIER_PASSPHRASE": "verifier pass",
            "VERIFIER_CONFIG": str(tmp_path / "verifier"),
        }
        _run(
            "verifier", verifier_env, "init", "--name", "Banque du Léman", "--deployment",
            str(deployment_file), "--base-url", "http://127.0.0.1:9", "--kdf", "insecure-fast",
            "--allow-loopback", "--json",
        )  # fmt: skip
        synced = json.loads(
            _run("verifier", verifier_env, "sync", "--issuer", bank_did, "--json").stdout
        )
        assert synced["offline"]["issuers"] == [bank_did]
        assert sorted(synced["offline"]["status_lists"]) == sorted(lists)
        # a later sync keeps the issuers without naming them again
        again = json.loads(_run("verifier", verifier_env, "sync", "--json").stdout)
        assert again["offline"]["issuers"] == [bank_did]
        snapshot = build_snapshot(
            resolver=build_resolver(deployment_file),
            trust=TrustRegistryClient(chain, anvil_deployment),
            status_fetcher=LocalFirstFetcher(),
            anchors=anchors,
            issuers=[bank_did],
            status_lists=lists,
            now=datetime.now(UTC),
            chain_id=anvil_deployment.chain_id,
        )
        server.terminate()
    node.down(tmp_path / "anvil")

    # `verifier verify-qr` with the chain and the issuer gone
    def verify_qr(image: Path, *args: str) -> tuple[int, Any]:
        proc = _run("verifier", verifier_env, "verify-qr", str(image), *args, "--json", check=False)
        return proc.returncode, json.loads(proc.stdout)

    code, answer = verify_qr(tmp_path / "proof.png", "--challenge", "K7Q2-9X")
    assert (code, answer["status"]) == (0, "verified"), answer
    assert set(answer["claims"]["balanceAtLeast"]) == {"USD_1000", "USD_5000", "USD_10000"}
    assert answer["snapshot"]["ageSeconds"] >= 0
    code, answer = verify_qr(tmp_path / "proof.png", "--challenge", "K7Q2-9X")
    assert (code, answer["status"]) == (1, "invalid") and "replayed" in answer["codes"]
    code, answer = verify_qr(tmp_path / "slot.png", "--challenge", "ZZ11")
    assert code == 1 and "challenge_mismatch" in answer["codes"]
    qr_image(_tampered(read_qr_image(Image.open(tmp_path / "proof.png")))).save(
        tmp_path / "tampered.png"
    )
    code, answer = verify_qr(tmp_path / "tampered.png", "--challenge", "K7Q2-9X")
    assert code == 1 and "offline_disclosure_invalid" in answer["codes"]
    code, answer = verify_qr(tmp_path / "slot.png")
    assert (code, answer["status"]) == (0, "verified"), answer
    plain = _run("verifier", verifier_env, "verify-qr", str(tmp_path / "slot.png"), check=False)
    assert plain.returncode == 1 and "replayed" in plain.stdout and "old)" in plain.stdout
    # past the configured age the answer is indeterminate, never approved
    config_file = tmp_path / "verifier" / "verifier.json"
    config = json.loads(config_file.read_text())
    config_file.write_text(json.dumps({**config, "offline_max_age_hours": 0.0001}))
    time.sleep(1)
    wallet(  # a fresh QR: the wallet needs no network
        "proof-qr", "--type", "bank-statement", "--claims", "name", "--challenge", "STALE1",
        "--out", str(tmp_path / "fresh.png"), "--no-terminal",
    )  # fmt: skip
    code, answer = verify_qr(tmp_path / "fresh.png", "--challenge", "STALE1")
    assert (code, answer["status"]) == (1, "indeterminate") and "offline_snapshot_stale" in answer[
        "codes"
    ]
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"not an image")
    bad = _run("verifier", verifier_env, "verify-qr", str(garbage), check=False)
    assert bad.returncode == 2 and "offline_qr_unreadable" in bad.stderr

    # the same checks in process with the network cut
    attempts = _cut_network(monkeypatch)

    text = read_qr_image(Image.open(tmp_path / "proof.png"))
    assert text.startswith("DFP1:")
    seen = InMemoryReplayStore()
    now = datetime.now(UTC)
    approved = verify_offline(text, snapshot, now=now, challenge="K7Q2-9X", seen=seen)
    assert approved.status is ReportStatus.VERIFIED, approved.to_dict()
    replayed = verify_offline(text, snapshot, now=now, challenge="K7Q2-9X", seen=seen)
    assert "replayed" in replayed.codes and replayed.status is ReportStatus.INVALID
    other_code = verify_offline(text, snapshot, now=now, challenge="ZZ11", seen=seen)
    assert "challenge_mismatch" in other_code.codes
    tampered = verify_offline(_tampered(text), snapshot, now=now, challenge="K7Q2-9X")
    assert "offline_disclosure_invalid" in tampered.codes
    slot_text = read_qr_image(Image.open(tmp_path / "slot.png"))
    by_time = verify_offline(slot_text, snapshot, now=now, seen=seen)
    assert by_time.status is ReportStatus.VERIFIED, by_time.to_dict()
    assert attempts == []  # nothing even tried the network
