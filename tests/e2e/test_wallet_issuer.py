"""The citizen's whole story with real processes: anvil, ``issuer init`` / ``serve`` /
``offer`` (QR PNGs), the ``wallet`` CLI as subprocesses, and the tests' own OpenID4VP 1.0
verifier (tests/counterparts/spec_verifier.py) checking what arrives with the core pipeline.

init -> fido enroll -> receive KYC and bank statement from the offer QR PNGs -> list / show ->
present (decentralized_identifier + direct_post.jwt + request_uri post; redirect_uri +
direct_post by value) disclosing only what was asked, with the FIDO assertion -> history and
its export -> export / import into a fresh directory -> present again. Then each bad input:
wrong PIN, used and expired offers, wrong passphrase, garbage and unreadable QR images, an
offer and a request that are not what they claim, a verifier answering an error, an
unreachable issuer: a clear message with its code, a non-zero exit, no traceback, the store
unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from passport.chain import node
from passport.chain.deployment import Deployment
from passport.fido.presentation import fido_assertion_of, verify_presentation_assertion
from passport.keys import b64url_decode
from passport.report import ReportStatus
from passport.status.fetch import LocalFirstFetcher
from passport.verify import VerifyOptions, verify
from passport_cli.wiring import build_resolver

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "counterparts"))
from spec_verifier import Session, SpecVerifier  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BIN = Path(sys.executable).parent
SAMPLE = Path(__file__).resolve().parents[2] / "issuer_service" / "sample_data" / "customers.json"
KYC = ["VerifiableCredential", "KYCCredential"]
STATEMENT = ["VerifiableCredential", "BankStatementCredential"]
FIDO = ["VerifiableCredential", "FidoKeyBindingCredential"]


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
        time.sleep(0.3)
    return value


def _health(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def bank(
    anvil: node.NodeStatus, anvil_deployment: Deployment, tmp_path: Path, free_port: int
) -> Iterator[tuple[dict[str, str], str, Path, str]]:
    deployment_file = anvil_deployment.save(tmp_path / "deployment.json")
    env = {**os.environ, "ISSUER_PASSPHRASE": "bank pass", "ISSUER_CONFIG": str(tmp_path / "bank")}
    base_url = f"http://127.0.0.1:{free_port}"
    init = json.loads(
        _run(
            "issuer", env, "init", "--name", "Bank of Formosa", "--deployment",
            str(deployment_file), "--base-url", base_url, "--kdf", "interactive", "--json",
        ).stdout
    )  # fmt: skip
    _run(
        "passport", env, "registry", "accredit", init["did"], "--types",
        "KYCCredential,BankStatementCredential,FidoKeyBindingCredential", "--jurisdiction", "TW",
        "--deployment", str(deployment_file),
    )  # fmt: skip
    _run("issuer", env, "import", str(SAMPLE))
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "issuer"), "serve", "--port", str(free_port), "--anchor-interval", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait("the issuer", lambda: _health(base_url))
        yield env, base_url, deployment_file, init["did"]
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    assert "Traceback" not in (tmp_path / "serve.log").read_text()


def _offer(env: dict[str, str], kind: str, tmp_path: Path, customer: str = "TW-0003") -> Any:
    png = tmp_path / f"offer-{kind}-{time.monotonic_ns()}.png"
    data = json.loads(
        _run("issuer", env, "offer", customer, "--type", kind, "--png", str(png), "--json").stdout
    )
    assert png.exists()
    return data


class Wallet:
    def __init__(self, directory: Path, deployment: Path, passphrase: str = "citizen pass"):
        self.directory = directory
        self.env = {
            **os.environ,
            "WALLET_PASSPHRASE": passphrase,
            "WALLET_KDF": "interactive",
            "WALLET_LANG": "en",
            "COLUMNS": "200",
        }
        self.deployment = deployment

    def run(self, *args: str, check: bool = True, env: dict[str, str] | None = None) -> Any:
        return _run(
            "wallet",
            env or self.env,
            "--wallet",
            str(self.directory),
            "--deployment",
            str(self.deployment),
            *args,
            check=check,
        )

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json").stdout)

    def sealed(self) -> bytes:
        return (self.directory / "wallet.sealed").read_bytes()


def _disclosed_names(presentation: str) -> set[str]:
    """RFC 9901 section 4.2.1: each Disclosure is base64url of [salt, name, value]."""
    parts = presentation.split("~")[1:-1]
    return {json.loads(b64url_decode(p))[1] for p in parts}


def _checker(deployment: Path, fido_counts: dict[str, int]) -> Any:
    resolver = build_resolver(deployment)

    def check(query_id: str, presentation: Any, session: Session) -> dict[str, Any]:
        options = VerifyOptions(
            resolver=resolver,
            now=datetime.now(UTC),
            nonce=session.nonce,
            audience=session.client_id,
            status_fetcher=LocalFirstFetcher(),
        )
        report = verify(presentation, options)
        if report.status is not ReportStatus.VERIFIED:
            raise ValueError(f"{query_id}: {report.codes}")
        if isinstance(presentation, str):
            return {"disclosed": sorted(_disclosed_names(presentation))}
        credential = presentation["verifiableCredential"][0]
        subject = credential["credentialSubject"]
        cid = subject["authenticatorCredentialId"]
        verified = verify_presentation_assertion(
            subject,
            fido_assertion_of(presentation),
            nonce=session.nonce,
            client_id=session.client_id,
            last_sign_count=fido_counts.get(cid, 0),
            require_user_verification=False,
        )
        fido_counts[cid] = verified.sign_count
        assert presentation["holder"] == subject["id"]
        return {"fido": True, "sign_count": verified.sign_count}

    return check


QUERY = {
    "credentials": [
        {
            "id": "kyc",
            "format": "vc+sd-jwt",
            "meta": {"type_values": [KYC]},
            "claims": [
                {"path": ["credentialSubject", "nationality"], "values": ["TW"]},
                {"path": ["credentialSubject", "kycLevel"]},
            ],
        },
        {
            "id": "funds",
            "format": "vc+sd-jwt",
            "meta": {"type_values": [STATEMENT]},
            "claims": [{"path": ["credentialSubject", "balanceAtLeast", "USD_1000"]}],
        },
        {"id": "fido", "format": "ldp_vc", "meta": {"type_values": [FIDO]}},
    ]
}


def test_citizen_story_end_to_end(bank: Any, tmp_path: Path) -> None:
    env, base_url, deployment, bank_did = bank
    wallet = Wallet(tmp_path / "wallet", deployment)
    did = wallet.json("init")["did"]
    assert did.startswith("did:key:z6Mk")
    assert stat_mode(wallet.directory / "wallet.sealed") == 0o600

    # FIDO enrollment with the bank's WebAuthn ceremony, then two credentials from QR PNGs
    fido_offer = _offer(env, "fido", tmp_path)
    enrolled = wallet.json(
        "fido", "enroll", "--qr", fido_offer["png"], "--pin", fido_offer["tx_code"]
    )
    assert enrolled["type"] == "FidoKeyBindingCredential"
    for kind in ("kyc", "bank-statement"):
        offer = _offer(env, kind, tmp_path)
        got = wallet.json("receive", "--qr", offer["png"], "--pin", offer["tx_code"])
        assert got[0]["status"] == "valid" and got[0]["issuer"] == bank_did

    listed = wallet.json("list")
    assert sorted(c["type"] for c in listed) == [
        "BankStatementCredential", "FidoKeyBindingCredential", "KYCCredential"
    ]  # fmt: skip
    kyc_id = next(c["id"] for c in listed if c["type"] == "KYCCredential")
    shown = wallet.json("show", kyc_id)
    assert shown["status"] == "valid"
    assert shown["issuer_accreditation"].startswith("accredited (")
    assert shown["claims"]["nationality"] == "TW"
    table = wallet.run("list").stdout
    assert "KYCCredential" in table and "BankStatementCredential" in table

    fido_counts: dict[str, int] = {}
    with SpecVerifier(_checker(deployment, fido_counts)) as verifier:
        cases = [
            ("decentralized_identifier", "direct_post.jwt", "post"),
            ("redirect_uri", "direct_post", None),
        ]
        for prefix, mode, method in cases:
            session, link = verifier.new_session(
                QUERY, prefix=prefix, response_mode=mode, request_uri_method=method
            )
            result = wallet.json("present", link, "--yes")
            assert result["outcome"] == "sent", result
            assert session.problems == [], session.problems
            disclosed = {c["query_id"]: c["claims"] for c in session.checked}
            assert disclosed["kyc"] == {"disclosed": ["kycLevel", "nationality"]}
            assert disclosed["funds"] == {"disclosed": ["USD_1000", "balanceAtLeast"]} or disclosed[
                "funds"
            ] == {"disclosed": ["USD_1000"]}
            assert disclosed["fido"]["fido"] is True
            assert (
                result["redirect_uri"] == session.redirect_uri and result["redirect_status"] == 200
            )

        # a verifier with a did:ethr accredited on chain: the consent shows its standing
        session, link = verifier.new_session(QUERY, identity=_ethr_verifier(deployment))
        result = wallet.json("present", link, "--yes")
        assert result["outcome"] == "sent" and session.problems == []
        assert result["verifier_accreditation"].startswith("accredited (KYCCredential; TW)")
        screen = wallet.run("present", verifier.new_session(QUERY, identity=_ethr_verifier(
            deployment))[1], "--no", check=False)  # fmt: skip
        assert "accredited (KYCCredential; TW)" in screen.stdout and screen.returncode == 1

        history = wallet.json("history")
        assert [h["outcome"] for h in history] == ["sent", "sent", "sent", "refused"]
        assert history[0]["disclosed"][0]["claims"] == [
            "credentialSubject.nationality", "credentialSubject.kycLevel"
        ]  # fmt: skip
        wallet.run("history", "--export", str(tmp_path / "history.csv"))
        wallet.run("history", "--export", str(tmp_path / "history.json"))
        rows = (tmp_path / "history.csv").read_text().splitlines()
        assert rows[0].startswith("at,verifier,") and len(rows) == 1 + 3 * 3 + 1
        assert len(json.loads((tmp_path / "history.json").read_text())) == 4

        # export, import into a fresh directory, present again from there
        backup = tmp_path / "backup.dfpw"
        wallet.run("export", str(backup))
        restored = Wallet(tmp_path / "restored", deployment)
        imported = restored.json("import", str(backup))
        assert imported == {"did": did, "credentials": 3}
        refused = restored.run("import", str(backup), check=False)
        assert refused.returncode == 2 and "wallet_exists" in refused.stderr
        session, link = verifier.new_session(QUERY)
        assert restored.json("present", link, "--yes")["outcome"] == "sent"
        assert session.problems == [] and {c["query_id"] for c in session.checked} == {
            "kyc", "funds", "fido"
        }  # fmt: skip
        assert len(restored.json("history")) == 5

        # bad input: each a code, a non-zero exit, no traceback, the store unchanged
        _bad_inputs(wallet, env, tmp_path, verifier, base_url)


def _ethr_verifier(deployment_file: Path) -> Any:
    """A verifier's did:ethr on anvil: an Ed25519 key published in the DID registry and an
    accreditation in the trust registry (by the deployer, the registry's root)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from jose_min import Ed25519Key

    from passport.chain.ethr_controller import EthrDidController
    from passport.chain.registries import TrustRegistryClient
    from passport.keys import KeyType, PrivateKey

    deployment = Deployment.load(deployment_file)
    chain = deployment.connect()
    owner = PrivateKey.generate(KeyType.SECP256K1)
    chain.fund(owner.eth_address(), 10**18)
    signing = PrivateKey.generate(KeyType.ED25519)
    controller = EthrDidController(chain, deployment, owner)
    controller.publish_ed25519_assertion_key(signing.public_key)
    now = datetime.now(UTC)
    TrustRegistryClient(chain, deployment, sender=deployment.deployer).accredit(
        controller.did, ["KYCCredential"], "TW", now.replace(year=now.year - 1),
        now.replace(year=now.year + 1),
    )  # fmt: skip
    document = build_resolver(deployment_file).resolve(controller.did)
    kid = next(
        m.id for m in document.methods_for("assertionMethod") if m.public_key == signing.public_key
    )
    key = Ed25519PrivateKey.from_private_bytes(b64url_decode(signing.to_jwk()["d"]))
    return Ed25519Key(key), controller.did, kid


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def _expect(wallet: Wallet, code: str, exit_code: int, *args: str, **kw: Any) -> None:
    before = wallet.sealed()
    proc = wallet.run(*args, check=False, **kw)
    assert proc.returncode == exit_code, (args, proc.returncode, proc.stderr)
    assert f"[{code}]" in proc.stderr, (args, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert wallet.sealed() == before, f"{args}: the store changed"


def _bad_inputs(
    wallet: Wallet, env: dict[str, str], tmp_path: Path, verifier: SpecVerifier, base_url: str
) -> None:
    offer = _offer(env, "kyc", tmp_path)
    _expect(wallet, "issuer_error", 1, "receive", offer["uri"], "--pin", "000000")
    wallet.run("receive", offer["uri"], "--pin", offer["tx_code"])  # a wrong PIN does not burn it
    _expect(wallet, "issuer_error", 1, "receive", offer["uri"], "--pin", offer["tx_code"])  # used

    wrong = {**wallet.env, "WALLET_PASSPHRASE": "not the passphrase"}
    _expect(wallet, "wallet_passphrase_wrong", 2, "list", env=wrong)

    garbage = tmp_path / "noise.png"
    from PIL import Image

    Image.effect_noise((200, 200), 80).save(garbage)
    _expect(wallet, "qr_unreadable", 2, "receive", "--qr", str(garbage), "--pin", "1")
    not_image = tmp_path / "notes.png"
    not_image.write_text("this is not an image")
    _expect(wallet, "qr_unreadable", 2, "present", "--qr", str(not_image))

    # an offer that is not what it claims: it names another issuer than its metadata says
    fresh = _offer(env, "kyc", tmp_path)
    port = base_url.rsplit(":", 1)[1]
    forged = fresh["uri"].replace(
        quote(f"127.0.0.1:{port}", safe=""), quote(f"localhost:{port}", safe="")
    )
    assert forged != fresh["uri"]
    _expect(wallet, "issuer_metadata_mismatch", 1, "receive", forged, "--pin", fresh["tx_code"])

    # an unreachable issuer
    dead = fresh["uri"].replace(quote(f"127.0.0.1:{port}", safe=""), quote("127.0.0.1:9", safe=""))
    _expect(wallet, "issuer_unreachable", 1, "receive", dead, "--pin", fresh["tx_code"])

    # a request that is not what it claims: signed by another key than its DID's
    _, link = verifier.new_session(QUERY, tamper="sign_other_key")
    _expect(wallet, "request_signature_invalid", 1, "present", link, "--yes")

    # a verifier that answers an error: reported (the history records what left the wallet)
    session, link = verifier.new_session(QUERY, answer_error="access_denied")
    proc = wallet.run("present", link, "--yes", check=False)
    assert (
        proc.returncode == 1
        and "[verifier_error]" in proc.stderr
        and "Traceback" not in proc.stderr
    )
    assert wallet.json("history")[-1]["outcome"] == "failed"

    # refusal sends access_denied and nothing else
    session, link = verifier.new_session(QUERY)
    proc = wallet.run("present", link, "--no", check=False)
    assert proc.returncode == 1 and "[presentation_refused]" in proc.stderr
    assert session.received == [{"error": "access_denied", "state": session.state}]

    # zh-TW messages
    zh = {**wallet.env, "WALLET_LANG": "zh-TW", "WALLET_PASSPHRASE": "nope"}
    proc = wallet.run("list", env=zh, check=False)
    assert proc.returncode == 2 and "無法以此密碼開啟錢包" in proc.stderr
