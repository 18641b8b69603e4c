"""The malformed inputs of issue 7, each raising a PassportError (they raised TypeError,
IndexError, UnicodeEncodeError, ValueError or crashed the CLI before)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from passport.errors import MalformedError, PassportError
from passport.fido.webauthn import (
    AssertionState,
    RegisteredAuthenticator,
    RegistrationState,
    verify_assertion,
    verify_registration,
)
from passport.keys import KeyType, PrivateKey, b64url_encode
from passport.sdjwt import common, holder, issuer, verifier

NOW = datetime(2026, 6, 1, tzinfo=UTC)
KEY = PrivateKey.generate()
HOLDER = PrivateKey.generate()


def _jws(header: dict[str, Any], payload: dict[str, Any]) -> str:
    return ".".join(
        [b64url_encode(json.dumps(header).encode()), b64url_encode(json.dumps(payload).encode()),
         b64url_encode(b"\0" * 64)]
    )  # fmt: skip


@pytest.mark.parametrize("crit", [[None], [], "b64", [1], ["exp"]])
def test_a_crit_header_is_jwt_malformed(crit: Any) -> None:
    with pytest.raises(MalformedError) as err:
        common.parse_jws(_jws({"alg": "EdDSA", "crit": crit}, {}))
    assert err.value.code == "jwt_malformed"


def _presentation() -> str:
    claims = {"iss": "did:example:bank", "credentialSubject": {"name": "Mei"}}
    sd_jwt = issuer.issue(
        claims, KEY, kid="did:example:bank#k", holder_jwk=HOLDER.public_key.to_jwk(), now=NOW
    )  # noqa: E501
    return holder.present(
        sd_jwt, disclose=["credentialSubject/name"], holder_key=HOLDER, nonce="n", aud="v", now=NOW
    )  # noqa: E501


@pytest.mark.parametrize("where", ["disclosure", "signature", "kb-jwt"])
def test_non_ascii_in_an_sd_jwt_is_malformed(where: str) -> None:
    issuer_jwt, disclosure, kb = _presentation().split("~")
    if where == "disclosure":
        disclosure = disclosure[:-2] + "é" + disclosure[-1]
    elif where == "signature":
        issuer_jwt = issuer_jwt[:-2] + "é" + issuer_jwt[-1]
    else:
        kb = kb[:-2] + "é" + kb[-1]
    with pytest.raises(PassportError) as err:
        verifier.verify(
            f"{issuer_jwt}~{disclosure}~{kb}",
            issuer_key=KEY.public_key,
            now=NOW,
            nonce="n",
            aud="v",
        )
    assert err.value.code == "sd_jwt_malformed"
    with pytest.raises(MalformedError):
        common.digest("é~")


def test_a_100000_digit_integer_is_malformed() -> None:
    huge = "1" * 100_000
    token = ".".join(
        [b64url_encode(b'{"alg":"EdDSA"}'), b64url_encode(f'{{"exp":{huge}}}'.encode()), "AA"]
    )
    with pytest.raises(MalformedError) as err:
        common.parse_jws(token)
    assert err.value.code == "jwt_malformed"
    with pytest.raises(MalformedError):
        common.decode_disclosure(b64url_encode(f'["s","n",{huge}]'.encode()))


GARBAGE_CBOR = [
    b"",
    b"\xa3",
    b"\xff\xff\xff",
    b"\x9f" * 50,
    b"\xa1\x63fmt\x64none",
    bytes(range(64)),
]


@pytest.mark.parametrize("garbage", GARBAGE_CBOR)
def test_garbage_cbor_in_an_attestation_object_is_malformed(garbage: bytes) -> None:
    state = RegistrationState("bank.example", "Bank", b"c" * 32, b"u")
    client_data = json.dumps(
        {"type": "webauthn.create", "challenge": b64url_encode(b"c" * 32),
         "origin": "https://bank.example"}
    ).encode()  # fmt: skip
    with pytest.raises(MalformedError) as err:
        verify_registration(
            state, client_data_json=client_data, attestation_object=garbage,
            origins=["https://bank.example"],
        )  # fmt: skip
    assert err.value.code == "fido_response_malformed"


@pytest.mark.parametrize("garbage", GARBAGE_CBOR)
def test_garbage_authenticator_data_is_malformed(garbage: bytes) -> None:
    key = PrivateKey.generate(KeyType.P256)
    registered = RegisteredAuthenticator(
        "bank.example", b"id", key.public_key, "00000000-0000-0000-0000-000000000000", 0,
        True, False, False, "none", "none",
    )  # fmt: skip
    client_data = json.dumps(
        {"type": "webauthn.get", "challenge": b64url_encode(b"c" * 32),
         "origin": "https://bank.example"}
    ).encode()  # fmt: skip
    with pytest.raises(MalformedError) as err:
        verify_assertion(
            AssertionState("bank.example", b"c" * 32), registered, credential_id=b"id",
            client_data_json=client_data, authenticator_data=garbage, signature=b"",
            origins=["https://bank.example"],
        )  # fmt: skip
    assert err.value.code == "fido_response_malformed"


def test_a_status_list_file_holding_an_array_is_bad_input(tmp_path: Path) -> None:
    from passport_cli.main import app

    (tmp_path / "list.json").write_text("[]")
    (tmp_path / "cred.json").write_text("{}")
    result = CliRunner().invoke(
        app,
        ["vc", "verify", "--status-list", str(tmp_path / "list.json"), str(tmp_path / "cred.json")],  # noqa: E501
    )
    assert isinstance(result.exception, MalformedError)
    assert result.exception.code == "status_list_malformed"


def test_keys_json_replaced_by_a_directory(tmp_path: Path) -> None:
    from passport import keystore

    (tmp_path / "keys.json").mkdir()
    with pytest.raises(PassportError) as err:
        keystore.load(tmp_path / "keys.json", "pass")
    assert err.value.code == "keystore_unreadable"
    with pytest.raises(PassportError) as err:
        keystore.save(
            tmp_path / "keys.json", {"a": 1}, "pass", params=keystore.FAST_INSECURE_PARAMS
        )
    assert err.value.code == "keystore_unwritable"
    assert (tmp_path / "keys.json").is_dir()  # nothing stored was lost
