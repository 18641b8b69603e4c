"""The ``issuer`` CLI in-process (``cli.run`` with its exit codes), offline (did:key issuer).
The chain-backed ``init``/``serve``/``anchor`` are in tests/e2e/test_issuer_service.py."""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from issuer_harness import SAMPLE

from issuer_service import cli
from issuer_service.deps import build_runtime
from issuer_service.domain import issue_to_holder
from issuer_service.settings import load_settings

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    monkeypatch.setenv("ISSUER_CONFIG", str(tmp_path / "issuer"))
    monkeypatch.setenv("ISSUER_PASSPHRASE", "correct horse")

    def invoke(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["issuer", *args])
        try:
            cli.run()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        assert "Traceback" not in out.err
        return code, out.out, out.err

    return invoke


@pytest.fixture
def initialised(run: Run, tmp_path: Path) -> Path:
    code, out, err = run(
        "init", "--name", "Bank of Formosa", "--offline", "--kdf", "insecure-fast",
        "--base-url", "https://bank.example", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["did"].startswith("did:key:z6Mk")
    return tmp_path / "issuer"


def test_init_writes_a_sealed_configuration(initialised: Path) -> None:
    config = json.loads((initialised / "issuer.json").read_text())
    assert config["name"] == "Bank of Formosa" and config["base_url"] == "https://bank.example"
    assert "passphrase" not in config
    keys_file = initialised / "keys.json"
    assert stat.S_IMODE(os.stat(keys_file).st_mode) == 0o600
    envelope = json.loads(keys_file.read_text())
    assert set(envelope) >= {"kdf", "nonce", "ciphertext"} and "signing" not in envelope
    assert (initialised / "issuer.db").exists()


def test_init_refuses_an_existing_issuer(run: Run, initialised: Path) -> None:
    code, _, err = run("init", "--name", "Again", "--offline", "--kdf", "insecure-fast")
    assert code == 2 and "issuer_already_initialised" in err


def test_init_bad_options(run: Run) -> None:
    code, _, err = run("init", "--name", "X", "--offline", "--base-url", "ftp://x")
    assert code == 2 and "option_invalid" in err
    code, _, err = run("init", "--name", "X", "--offline", "--rpc", "http://127.0.0.1:1")
    assert code == 2 and "option_invalid" in err


def test_import_offer_and_qr(run: Run, initialised: Path, tmp_path: Path) -> None:
    code, out, err = run("import", str(SAMPLE / "customers.csv"), "--json")
    assert code == 0, err
    assert json.loads(out)["customers"] == 20
    code, _, err = run("import", str(SAMPLE / "customers.json"))
    assert code == 1 and "import_duplicate_customer" in err

    png = tmp_path / "offer.png"
    code, out, err = run("offer", "TW-0001", "--type", "bank-statement", "--png", str(png))
    assert code == 0, err
    assert "openid-credential-offer://?credential_offer=" in out and "tx_code" in out
    assert "\u2588" in out or "#" in out  # the terminal QR code
    assert png.read_bytes().startswith(b"\x89PNG")

    code, out, _ = run("offer", "TW-0002", "--type", "kyc", "--json")
    offer = json.loads(out)
    assert offer["credential_configuration_id"] == "KYCCredential"
    for kind, config in (
        ("kyc-dc", "KYCCredential-dc"),
        ("bank-statement-dc", "BankStatementCredential-dc"),
    ):
        code, out, err = run("offer", "TW-0003", "--type", kind, "--json")
        assert code == 0, err
        assert json.loads(out)["credential_configuration_id"] == config
    assert offer["tx_code"].isdigit() and len(offer["tx_code"]) == 6
    default_png = Path(offer["png"])  # without --png the QR still goes to a file
    assert default_png.parent == initialised / "offers"
    assert default_png.read_bytes().startswith(b"\x89PNG")


def test_offer_errors(run: Run, initialised: Path) -> None:
    code, _, err = run("offer", "TW-9999", "--type", "kyc")
    assert code == 1 and "customer_not_found" in err
    code, _, err = run("offer", "TW-0001", "--type", "passport")
    assert code == 2 and "option_invalid" in err


def test_status_changes_and_audit(run: Run, initialised: Path) -> None:
    assert run("import", str(SAMPLE / "customers.json"))[0] == 0
    settings = load_settings(initialised, passphrase="correct horse")
    runtime = build_runtime(settings)
    try:
        issued = issue_to_holder(
            runtime.db,
            runtime.ctx,
            customer_id="TW-0001",
            configuration_id="KYCCredential",
            holder_did="did:example:holder",
            holder_jwk=None,
        )
    finally:
        runtime.close()
    cid = issued.credential_id
    code, out, err = run("suspend", cid, "--json")
    assert code == 0, err
    assert json.loads(out)["suspended"] is True
    assert run("reinstate", cid)[0] == 0
    code, out, _ = run("revoke", cid, "--reason", "lost phone", "--json")
    assert json.loads(out)["revoked"] is True
    code, _, err = run("revoke", cid)
    assert code == 1 and "credential_already_revoked" in err
    code, _, err = run("suspend", "urn:uuid:00000000-0000-0000-0000-000000000000")
    assert code == 1 and "credential_not_found" in err

    code, out, _ = run("status", "--json")
    status: dict[str, Any] = json.loads(out)
    assert status["credentials"]["issued"] == 1 and status["credentials"]["revoked"] == 1
    code, out, _ = run("audit", "--json", "--subject", f"credential:{cid}")
    actions = [e["action"] for e in json.loads(out)]
    assert actions[:3] == ["credential_revoked", "credential_reinstated", "credential_suspended"]
    # the text lines name the customer and the type, so the bank finds a credential by them
    code, out, _ = run("audit")
    issued_line = next(line for line in out.splitlines() if "credential_issued" in line)
    assert issued_line.endswith(f"credential:{cid}  TW-0001 KYCCredential"), issued_line


def test_status_needs_no_passphrase(
    run: Run, initialised: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ISSUER_PASSPHRASE")
    code, out, err = run("status")
    assert code == 0, err
    assert "Bank of Formosa" in out and "pending chain jobs: 2" in out


def test_passphrase_errors(run: Run, initialised: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISSUER_PASSPHRASE", "wrong")
    code, _, err = run("offer", "TW-0001")
    assert code == 2 and "keystore_locked" in err
    monkeypatch.delenv("ISSUER_PASSPHRASE")
    with open(os.devnull) as devnull:
        monkeypatch.setattr(sys, "stdin", devnull)  # not a terminal: no prompt
        code, _, err = run("offer", "TW-0001")
    assert code == 2 and "passphrase_missing" in err


def test_anchor_without_a_chain(run: Run, initialised: Path) -> None:
    code, _, err = run("anchor")
    assert code == 2 and "chain_not_configured" in err


def test_not_initialised(run: Run) -> None:
    code, _, err = run("status")
    assert code == 2 and "issuer_not_initialised" in err


def test_help_and_version(run: Run) -> None:
    code, out, _ = run("--help")
    assert code == 0
    for command in ("init", "serve", "import", "offer", "revoke", "status", "anchor"):
        assert command in out
    assert run("version")[0] == 0


def test_offer_pngs_are_private_and_go_once_redeemed_or_expired(
    run: Run, initialised: Path
) -> None:
    """An offer's QR code holds its pre-authorized code (issue 7): mode 0600, deleted when the
    token endpoint redeems the offer, and swept once the offer expired."""
    from datetime import timedelta

    from issuer_harness import test_client

    from issuer_service.app import create_app
    from issuer_service.domain import redeem_token
    from passport.exchange.oid4vci import TokenRequest, parse_offer_uri
    from passport.ports import FixedClock, SystemClock

    assert run("import", str(SAMPLE / "customers.json"))[0] == 0
    offers = []
    for customer in ("TW-0001", "TW-0002"):
        code, out, err = run("offer", customer, "--type", "kyc", "--json")
        assert code == 0, err
        offer = json.loads(out)
        offer["pre_authorized_code"] = parse_offer_uri(offer["uri"]).pre_authorized_code
        offers.append(offer)
    pngs = [Path(o["png"]) for o in offers]
    assert [stat.S_IMODE(os.stat(p).st_mode) for p in pngs] == [0o600, 0o600]

    settings = load_settings(initialised, passphrase="correct horse")
    app = create_app(settings)
    with test_client(app) as client:
        form = {
            "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            "pre-authorized_code": offers[0]["pre_authorized_code"],
            "tx_code": offers[0]["tx_code"],
        }
        assert client.post("/token", data=form).status_code == 200
    assert not pngs[0].exists() and pngs[1].exists()  # redeemed: gone; the other one stays

    # the second offer expires: the next `issuer offer` (or `issuer serve`) sweeps its QR code
    later = SystemClock().now() + timedelta(seconds=settings.offer_ttl_seconds + 1)
    runtime = build_runtime(settings, clock=FixedClock(later))
    try:
        from issuer_service.offer_files import sweep

        assert sweep(runtime.db, initialised, runtime.ctx.now()) == 1
        assert not pngs[1].exists()
        with pytest.raises(Exception) as err:
            redeem_token(
                runtime.db,
                runtime.ctx,
                TokenRequest(offers[1]["pre_authorized_code"], offers[1]["tx_code"]),
            )
        assert getattr(err.value, "code", None) == "pre_authorized_code_expired"
    finally:
        runtime.close()
