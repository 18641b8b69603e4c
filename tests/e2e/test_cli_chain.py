"""The regulator's and a bank's chain work through the ``passport`` CLI against a real anvil.

anvil, the deployment and every command run as real processes on 127.0.0.1: deploy, give a
bank a did:ethr with an Ed25519 assertion key, accredit it, issue and verify a credential
through the chain, rotate the key, suspend, restart the node and find the state again.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str, cwd: Path, expect: int | None = 0) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "passport_cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    if expect is not None:
        assert proc.returncode == expect, f"{args}: {proc.stdout}\n{proc.stderr}"
    return proc


def cli_json(*args: str, cwd: Path, expect: int = 0) -> Any:
    return json.loads(cli(*args, "--json", cwd=cwd, expect=expect).stdout)


def credential(issuer: str, holder: str) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential", "ExampleBankCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2099-01-01T00:00:00Z",
        "credentialSubject": {"id": holder, "name": "Lin Mei-Hua"},
    }


def test_regulator_and_bank_on_a_real_anvil(tmp_path: Path) -> None:
    d = tmp_path
    port = _free_port()
    rpc = f"http://127.0.0.1:{port}"
    state = str(d / "anvil")
    up = cli_json("chain", "up", "--port", str(port), "--state", state, cwd=d)
    try:
        assert up["running"] and up["chain_id"] == 31337
        assert cli_json("chain", "status", "--state", state, cwd=d)["answering"] is True

        deployed = cli_json("chain", "deploy", "--rpc", rpc, cwd=d)
        assert set(deployed["deployment"]["addresses"]) == {
            "DIDRegistry",
            "TrustRegistry",
            "StatusRegistry",
        }
        assert (d / ".passport" / "deployment.json").exists()

        # the bank: a chain account (secp256k1) that owns its did:ethr, an Ed25519 signing key
        cli("key", "generate", "--type", "secp256k1", "--out", "bank-owner.jwk", cwd=d)
        cli("key", "generate", "--type", "ed25519", "--out", "bank-sign-1.jwk", cwd=d)
        cli("key", "generate", "--type", "ed25519", "--out", "bank-sign-2.jwk", cwd=d)
        cli("key", "generate", "--out", "holder.jwk", cwd=d)
        bank = cli("did", "ethr", "create", "--key", "bank-owner.jwk", cwd=d).stdout.strip()
        assert bank.startswith("did:ethr:0x7a69:0x")
        holder = cli("did", "create", "--key", "holder.jwk", cwd=d).stdout.strip()

        published = cli_json(
            "did",
            "ethr",
            "publish-key",
            "--owner-key",
            "bank-owner.jwk",
            "--ed25519-key",
            "bank-sign-1.jwk",
            cwd=d,
        )
        assert published["did"] == bank and published["operations"][0]["gas_used"] > 0
        cli(
            "did",
            "ethr",
            "add-service",
            "--owner-key",
            "bank-owner.jwk",
            "--type",
            "OID4VCI",
            "--endpoint",
            "https://bank.example/oid4vci",
            cwd=d,
        )
        doc = json.loads(cli("did", "resolve", bank, cwd=d).stdout)
        assert doc["id"] == bank and doc["service"][0]["serviceEndpoint"].endswith("/oid4vci")

        # the regulator accredits the bank; anyone else cannot
        cli(
            "registry",
            "accredit",
            bank,
            "--types",
            "KYCCredential,BankStatementCredential",
            "--jurisdiction",
            "TW",
            "--until",
            "2099-01-01",
            cwd=d,
        )
        shown = cli_json("registry", "show", bank, cwd=d)
        assert shown["status"]["KYCCredential"] == "accredited"
        assert shown["status"]["FidoKeyBindingCredential"] == "not_accredited"
        intruder = cli("registry", "suspend", bank, "--key", "bank-owner.jwk", cwd=d, expect=None)
        assert intruder.returncode == 1 and "contract_reverted" in intruder.stderr

        # a credential signed by the published key verifies through the chain
        (d / "cred.json").write_text(json.dumps(credential(bank, holder)))
        issued = cli(
            "vc",
            "issue",
            "--key",
            "bank-sign-1.jwk",
            "--format",
            "di-jcs",
            "--issuer",
            bank,
            "cred.json",
            cwd=d,
        ).stdout
        (d / "old.json").write_text(issued)
        assert cli_json("vc", "verify", "old.json", cwd=d)["status"] == "verified"

        # rotation: the old key's credential no longer verifies, the new key's does
        rotated = cli_json(
            "did",
            "ethr",
            "rotate-key",
            "--owner-key",
            "bank-owner.jwk",
            "--old-key",
            "bank-sign-1.jwk",
            "--new-key",
            "bank-sign-2.jwk",
            cwd=d,
        )
        assert len(rotated["operations"]) == 2
        stale = cli_json("vc", "verify", "old.json", cwd=d, expect=1)
        assert stale["status"] == "invalid"
        refused = cli(
            "vc",
            "issue",
            "--key",
            "bank-sign-1.jwk",
            "--format",
            "di-jcs",
            "--issuer",
            bank,
            "cred.json",
            cwd=d,
            expect=2,
        )
        assert "issuer_key_mismatch" in refused.stderr
        (d / "new.json").write_text(
            cli(
                "vc",
                "issue",
                "--key",
                "bank-sign-2.jwk",
                "--format",
                "sd-jwt",
                "--issuer",
                bank,
                "cred.json",
                cwd=d,
            ).stdout
        )
        assert cli_json("vc", "verify", "new.json", cwd=d)["status"] == "verified"

        # the foreign bank's policy: only issuers the regulator accredited for the type
        unaccredited = cli_json(
            "vc", "verify", "--require-accreditation", "new.json", cwd=d, expect=1
        )
        codes = [c["code"] for c in unaccredited["checks"] if "code" in c]
        assert codes == ["issuer_not_accredited"]  # accredited for KYC/BankStatement, not this
        example_type = ["--types", "ExampleBankCredential", "--jurisdiction", "TW"]
        cli("registry", "accredit", bank, *example_type, cwd=d)
        trusted = cli_json("vc", "verify", "--require-accreditation", "new.json", cwd=d)
        assert "accreditation" in [c["check"] for c in trusted["checks"]]

        cli("registry", "suspend", bank, "--reason", "audit", cwd=d)
        suspended = cli_json("vc", "verify", "--require-accreditation", "new.json", cwd=d, expect=1)
        assert [c["code"] for c in suspended["checks"] if "code" in c] == ["issuer_not_accredited"]
        history = cli_json("registry", "show", bank, cwd=d)
        assert [e["kind"] for e in history["history"]] == ["accredited", "accredited", "suspended"]
        assert history["status"]["KYCCredential"] == "suspended"
        table = cli("registry", "show", bank, cwd=d).stdout
        assert "accredited" in table and "suspended" in table and "audit" in table

        # a restart keeps the chain's state
        assert cli_json("chain", "down", "--state", state, cwd=d)["stopped"] is True
        down = cli("chain", "status", "--state", state, cwd=d, expect=1)
        assert "not running" in down.stdout
        cli("chain", "up", "--port", str(port), "--state", state, cwd=d)
        again = cli_json("registry", "show", bank, cwd=d)
        assert [e["kind"] for e in again["history"]] == ["accredited", "accredited", "suspended"]
        assert cli_json("vc", "verify", "new.json", cwd=d)["status"] == "verified"
    finally:
        cli("chain", "down", "--state", state, cwd=d, expect=None)

    gone = cli("registry", "show", bank, cwd=d, expect=None)
    assert gone.returncode == 1 and "rpc_unavailable" in gone.stderr


def test_chain_commands_fail_clearly_without_a_deployment(tmp_path: Path) -> None:
    proc = cli("registry", "show", "did:ethr:0x7a69:0x" + "11" * 20, cwd=tmp_path, expect=2)
    assert "deployment_not_found" in proc.stderr
    proc = cli("did", "resolve", "did:ethr:0x7a69:0x" + "11" * 20, cwd=tmp_path, expect=2)
    assert "deployment_not_found" in proc.stderr
    proc = cli(
        "chain", "deploy", "--rpc", f"http://127.0.0.1:{_free_port()}", cwd=tmp_path, expect=1
    )
    assert "rpc_unavailable" in proc.stderr
