"""One negative test for each of the wallet's own error codes: the condition provoked the way a
citizen meets it (the CLI as a subprocess, against the tests' spec-shaped issuer where one is
needed), or at library level where only a library caller can get there. Each asserts the code,
the exit status, that no traceback shows, and that the store is unchanged."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from spec_issuer import SpecIssuer

from passport.errors import PassportError
from passport.wallet.model import HeldCredential, WalletState, new_wallet

CLAIMS = {"given_name": "Mei-Ling", "birthdate": "1990-05-17"}
PIN = "493536"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLET_")}
    return {
        **env,
        "WALLET_HOME": str(tmp_path / "w"),
        "WALLET_PASSPHRASE": "pass",
        "WALLET_KDF": "insecure-test-only",
        "WALLET_LANG": "en",
        **extra,
    }


def _wallet(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wallet_cli.main", *args],
        env=_env(tmp_path, **extra),
        stdin=subprocess.DEVNULL,  # not a terminal: nothing can be prompted
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def sealed(tmp_path: Path) -> bytes:
    """An initialised wallet; the value is its sealed file, to compare after a failure."""
    assert _wallet(tmp_path, "init").returncode == 0
    return (tmp_path / "w" / "wallet.sealed").read_bytes()


def _refused(
    proc: subprocess.CompletedProcess[str], code: str, status: int, tmp_path: Path, sealed: bytes
) -> None:
    assert proc.returncode == status, (proc.returncode, proc.stderr)
    assert f"[{code}]" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (tmp_path / "w" / "wallet.sealed").read_bytes() == sealed


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the CLI ---------------------------------------------------------------------------------


def test_passphrase_file_unreadable(tmp_path: Path, sealed: bytes) -> None:
    missing = tmp_path / "no-such-passphrase.txt"
    proc = _wallet(tmp_path, "--passphrase-file", str(missing), "list", WALLET_PASSPHRASE="")
    _refused(proc, "passphrase_file_unreadable", 2, tmp_path, sealed)
    assert str(missing) in proc.stderr


def test_tx_code_required_when_no_pin_and_no_terminal(tmp_path: Path, sealed: bytes) -> None:
    with SpecIssuer(dict(CLAIMS)) as issuer:
        proc = _wallet(tmp_path, "receive", issuer.offer(tx_code=PIN))
        assert issuer.tokens == {}  # the token endpoint was never asked
    _refused(proc, "tx_code_required", 2, tmp_path, sealed)


def test_tx_code_required_at_library_level() -> None:
    from passport.exchange.wallet import obtain_access

    with SpecIssuer(dict(CLAIMS)) as issuer, httpx.Client() as http:
        with pytest.raises(PassportError) as err:
            obtain_access(issuer.offer(tx_code=PIN), tx_code=None, http=http, allow_http=True)
        assert issuer.tokens == {}
    assert err.value.code == "tx_code_required"


def test_history_format_unsupported(tmp_path: Path, sealed: bytes) -> None:
    target = tmp_path / "history.xml"
    proc = _wallet(tmp_path, "history", "--export", str(target), "--format", "xml")
    _refused(proc, "history_format_unsupported", 2, tmp_path, sealed)
    assert not target.exists()


def test_qr_ambiguous(tmp_path: Path, sealed: bytes) -> None:
    import qrcode
    from PIL import Image

    first = qrcode.make(
        "openid4vp://?client_id=a&request_uri=https%3A%2F%2Fa.example%2Fr"
    ).get_image()
    second = qrcode.make(
        "openid4vp://?client_id=b&request_uri=https%3A%2F%2Fb.example%2Fr"
    ).get_image()
    both = Image.new("RGB", (first.width + second.width, max(first.height, second.height)), "white")
    both.paste(first, (0, 0))
    both.paste(second, (first.width, 0))
    png = tmp_path / "two.png"
    both.save(png)
    proc = _wallet(tmp_path, "present", "--qr", str(png), "--yes")
    _refused(proc, "qr_ambiguous", 2, tmp_path, sealed)


def test_verifier_unreachable(tmp_path: Path, sealed: bytes) -> None:
    port = _closed_port()
    link = (
        "openid4vp://?client_id=decentralized_identifier%3Adid%3Ajwk%3Ax"
        f"&request_uri=http%3A%2F%2F127.0.0.1%3A{port}%2Frequest%2F1"
    )
    proc = _wallet(tmp_path, "present", link, "--yes")
    _refused(proc, "verifier_unreachable", 1, tmp_path, sealed)


def test_proof_binding_unsupported(tmp_path: Path, sealed: bytes) -> None:
    with SpecIssuer(dict(CLAIMS), binding_methods=["cose_key"]) as issuer:
        proc = _wallet(tmp_path, "receive", issuer.offer(), "--pin", PIN)
        assert issuer.issued == []
    _refused(proc, "proof_binding_unsupported", 1, tmp_path, sealed)


def test_credential_not_bound(tmp_path: Path, sealed: bytes) -> None:
    from passport.keys import KeyType, PrivateKey

    stranger = PrivateKey.generate(KeyType.ED25519).public_key.to_jwk()
    with SpecIssuer(dict(CLAIMS), bind_to=stranger) as issuer:
        proc = _wallet(tmp_path, "receive", issuer.offer(), "--pin", PIN)
        assert len(issuer.issued) == 1  # issued, then refused by the wallet
    _refused(proc, "credential_not_bound", 1, tmp_path, sealed)


def test_credential_unverifiable_when_the_issuers_did_cannot_be_resolved(
    tmp_path: Path, sealed: bytes
) -> None:
    with SpecIssuer(dict(CLAIMS), did_method="web", did_document_status=503) as issuer:
        proc = _wallet(tmp_path, "receive", issuer.offer(), "--pin", PIN)
        assert len(issuer.issued) == 1
    _refused(proc, "credential_unverifiable", 1, tmp_path, sealed)
    assert "did_resolution_failed" in proc.stderr


def test_fido_enrollment_unsupported(tmp_path: Path, sealed: bytes) -> None:
    """An OpenID4VCI issuer without a ``fido_registration_endpoint`` cannot enroll a key."""
    with SpecIssuer(dict(CLAIMS)) as issuer:
        proc = _wallet(tmp_path, "fido", "enroll", issuer.offer(), "--pin", PIN)
    _refused(proc, "fido_enrollment_unsupported", 1, tmp_path, sealed)


# --- library level: states only a library caller (or a hand-edited wallet) can reach --------


def _ldp(types: list[str], subject: dict[str, Any], state: WalletState) -> WalletState:
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": types,
        "issuer": "did:key:z6MkBank",
        "credentialSubject": {"id": state.did, **subject},
    }
    held = HeldCredential(
        id="c1",
        format="ldp_vc",
        credential=credential,
        issuer="did:key:z6MkBank",
        types=tuple(types),
        vct=None,
        received_at="2026-12-01T00:00:00+00:00",
        valid_from=None,
        valid_until=None,
        configuration_id="cfg",
        issuer_url=None,
    )
    return state.with_credential(held)


def _build(state: WalletState, type_value: str) -> Any:
    from passport.exchange.dcql import parse_dcql
    from passport.wallet.fido import SoftwareHolder
    from passport.wallet.presentation import build_vp_token, plan_presentation

    query = {
        "credentials": [{"id": "q", "format": "ldp_vc", "meta": {"type_values": [[type_value]]}}]
    }
    plan = plan_presentation(parse_dcql(query), state)
    assert plan is not None and [i.credential.id for i in plan.items] == ["c1"]
    return build_vp_token(
        plan,
        state,
        nonce="n-1",
        client_id="redirect_uri:https://bank.example/cb",
        now=datetime.now(UTC),
        authenticate=lambda r, o, origin: SoftwareHolder().authenticate(r, o, origin=origin),
    )


def test_presentation_unsupported_for_a_held_data_integrity_credential() -> None:
    """A Data Integrity credential that is not the FIDO key binding matches a DCQL query but
    the wallet does not present it: refused before anything is built or sent."""
    state = _ldp(["VerifiableCredential", "MembershipCredential"], {"tier": "gold"},
                 new_wallet(datetime.now(UTC)))  # fmt: skip
    with pytest.raises(PassportError) as err:
        _build(state, "MembershipCredential")
    assert err.value.code == "presentation_unsupported"


def test_authenticator_missing_for_a_fido_binding_without_its_authenticator() -> None:
    state = _ldp(
        ["VerifiableCredential", "FidoKeyBindingCredential"],
        {"authenticatorCredentialId": "not-in-this-wallet", "rpId": "bank.example"},
        new_wallet(datetime.now(UTC)),
    )
    assert state.authenticators == ()
    with pytest.raises(PassportError) as err:
        _build(state, "FidoKeyBindingCredential")
    assert err.value.code == "authenticator_missing"


@pytest.mark.parametrize("ceremony", ["register", "authenticate"])
def test_authenticator_failed_when_the_security_key_stops_answering(ceremony: str) -> None:
    """A CTAP HID device that fails every call (a key pulled out mid-ceremony). No real
    device can be attached in CI; this stands in for the transport only, fido2's client
    runs as it would."""
    from fido2.ctap import CtapDevice

    from passport.fido.ctap import CtapAuthenticator

    class Unplugged(CtapDevice):
        @property
        def capabilities(self) -> int:
            return 0x04  # CBOR (CTAP2)

        def call(
            self, cmd: int, data: bytes = b"", event: Any = None, on_keepalive: Any = None
        ) -> bytes:
            raise OSError("the security key was unplugged")

        def close(self) -> None:
            pass

        @classmethod
        def list_devices(cls) -> Any:
            return iter(())

    options = {
        "challenge": "AAAAAAAAAAAAAAAAAAAAAA",
        "rp": {"id": "bank.example", "name": "Bank"},
        "rpId": "bank.example",
        "user": {"id": "AAAA", "name": "mei", "displayName": "Mei"},
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
        "allowCredentials": [],
    }
    with pytest.raises(PassportError) as err:
        getattr(CtapAuthenticator(Unplugged()), ceremony)(options, origin="https://bank.example")
    assert err.value.code == "authenticator_failed"
