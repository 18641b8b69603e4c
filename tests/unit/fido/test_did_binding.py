"""The DID binding JWT signed over the WebAuthn registration challenge."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from passport.did.document import DidDocument
from passport.did.jwk import JwkDidResolver, did_jwk_from_public_key
from passport.did.key import KeyDidResolver, did_key_from_public_key
from passport.did.resolver import CachingResolver
from passport.errors import CouldNotCheckError, MalformedError, VerdictError
from passport.fido import DID_BINDING_TYP, create_did_binding_jwt, verify_did_binding
from passport.keys import KeyType, PrivateKey, b64url_encode

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
CHALLENGE = bytes(range(32))
CRED_ID = b"credential-1"
AUD = "https://bank.example"
HOLDER = PrivateKey.generate()


def _resolver() -> CachingResolver:
    return CachingResolver(methods={"key": KeyDidResolver(), "jwk": JwkDidResolver()})


def _verify(jwt: str, **kwargs: Any) -> Any:
    args: dict[str, Any] = {
        "challenge": CHALLENGE,
        "audience": AUD,
        "resolver": _resolver(),
        "now": NOW,
        "credential_id": CRED_ID,
    }
    args.update(kwargs)
    return verify_did_binding(jwt, **args)


def _raw(header: dict[str, Any], payload: dict[str, Any], key: PrivateKey) -> str:
    h = b64url_encode(json.dumps(header).encode())
    p = b64url_encode(json.dumps(payload).encode())
    return f"{h}.{p}.{b64url_encode(key.sign(f'{h}.{p}'.encode()))}"


def _kid(key: PrivateKey) -> str:
    did = did_key_from_public_key(key.public_key)
    return f"{did}#{did.split(':')[2]}"


def _binding(key: PrivateKey = HOLDER, **changes: Any) -> str:
    did = did_key_from_public_key(key.public_key)
    header = {"typ": DID_BINDING_TYP, "alg": key.jws_alg, "kid": _kid(key)}
    header.update(changes.pop("header", {}))
    payload: dict[str, Any] = {
        "iss": did,
        "aud": AUD,
        "iat": int(NOW.timestamp()),
        "nonce": b64url_encode(CHALLENGE),
        "webauthn_credential_id": b64url_encode(CRED_ID),
    }
    payload.update(changes.pop("payload", {}))
    return _raw(header, payload, changes.pop("signer", key))


@pytest.mark.parametrize("key_type", [KeyType.ED25519, KeyType.P256])
def test_binding_round_trip(key_type: KeyType) -> None:
    key = PrivateKey.generate(key_type)
    jwt = create_did_binding_jwt(
        key, challenge=CHALLENGE, audience=AUD, iat=NOW, credential_id=CRED_ID
    )
    binding = _verify(jwt)
    assert binding.did == did_key_from_public_key(key.public_key)
    assert binding.kid == _kid(key) and binding.public_key == key.public_key


def test_binding_with_a_did_jwk_and_without_credential_id() -> None:
    key = PrivateKey.generate(KeyType.P256)
    did = did_jwk_from_public_key(key.public_key)
    jwt = create_did_binding_jwt(key, challenge=CHALLENGE, audience=AUD, iat=NOW, kid=did + "#0")
    assert _verify(jwt, credential_id=None).did == did
    with pytest.raises(VerdictError) as exc:
        _verify(jwt)
    assert exc.value.code == "did_binding_credential_mismatch"


@pytest.mark.parametrize(
    ("jwt", "code"),
    [
        (_binding(header={"typ": "JWT"}), "did_binding_typ_invalid"),
        (_binding(header={"kid": "key-1"}), "did_binding_kid_invalid"),
        (_binding(header={"kid": _kid(HOLDER) + "x"}), "did_binding_kid_invalid"),
        (_binding(header={"kid": "did:example:123#k"}), "did_binding_kid_invalid"),
        (_binding(signer=PrivateKey.generate()), "did_binding_signature_invalid"),
        (_binding(header={"alg": "none"}), "did_binding_signature_invalid"),
        (_binding(payload={"iss": "did:key:z6Mkother"}), "did_binding_issuer_mismatch"),
        (_binding(payload={"aud": "https://evil.example"}), "did_binding_audience_mismatch"),
        (_binding(payload={"nonce": b64url_encode(b"other")}), "did_binding_challenge_mismatch"),
        (_binding(payload={"nonce": None}), "did_binding_challenge_mismatch"),
        (
            _binding(payload={"webauthn_credential_id": "b3RoZXI"}),
            "did_binding_credential_mismatch",
        ),
        (_binding(payload={"iat": int(NOW.timestamp()) - 3600}), "did_binding_iat_invalid"),
        (_binding(payload={"iat": int(NOW.timestamp()) + 3600}), "did_binding_iat_invalid"),
        (_binding(payload={"iat": "now"}), "did_binding_iat_invalid"),
    ],
)
def test_binding_errors(jwt: str, code: str) -> None:
    with pytest.raises(VerdictError) as exc:
        _verify(jwt)
    assert exc.value.code == code


@pytest.mark.parametrize("jwt", ["x", "e30.e30.", "a.b"])
def test_malformed_binding(jwt: str) -> None:
    with pytest.raises(MalformedError) as exc:
        _verify(jwt)
    assert exc.value.code == "did_binding_malformed"


def test_resolver_down_is_not_a_verdict() -> None:
    class Down:
        def resolve(self, did: str) -> DidDocument:
            raise CouldNotCheckError("did_not_found", "down")

    with pytest.raises(CouldNotCheckError):
        _verify(_binding(header={"kid": "did:web:holder.example#k"}), resolver=Down())
