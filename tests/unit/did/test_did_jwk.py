"""did:jwk: the spec's examples (tests/vectors/did-jwk/), relationships by "use", errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from passport.did import (
    JwkDidResolver,
    did_jwk_document,
    did_jwk_from_jwk,
    did_jwk_from_public_key,
    jwk_from_did_jwk,
    resolve_method,
)
from passport.did.resolver import CachingResolver
from passport.errors import MalformedError
from passport.keys import KeyType, PrivateKey, PublicKey, b64url_encode

VECTORS = Path(__file__).parents[2] / "vectors" / "did-jwk"
ALL_RELS = (
    "assertionMethod",
    "authentication",
    "capabilityInvocation",
    "capabilityDelegation",
    "keyAgreement",
)


def _vector(name: str) -> tuple[str, dict[str, Any]]:
    did = (VECTORS / f"{name}.did.txt").read_text().strip()
    return did, json.loads((VECTORS / f"{name}.did-document.json").read_text())


def test_p256_spec_example() -> None:
    did, expected = _vector("p256")
    # Erratum in the spec's example: a stray "$" in one authentication entry.
    assert expected["authentication"] == [did.replace("did:jwk:", "did:jwk:$") + "#0"]
    expected["authentication"] = [did + "#0"]
    assert did_jwk_document(did) == expected
    key = PublicKey.from_jwk(expected["verificationMethod"][0]["publicKeyJwk"])
    assert key.type is KeyType.P256
    assert did_jwk_from_public_key(key) == did  # the example is compact JSON, members sorted


def test_x25519_spec_example() -> None:
    did, expected = _vector("x25519")
    doc = did_jwk_document(did)
    assert doc == expected
    assert "authentication" not in doc and "assertionMethod" not in doc  # use=enc


def test_p256_spec_example_through_resolver() -> None:
    did, _ = _vector("p256")
    resolver = CachingResolver(methods={"jwk": JwkDidResolver()})
    vm = resolve_method(resolver, did + "#0", "assertionMethod")
    assert vm.id == did + "#0" and vm.type == "JsonWebKey2020" and vm.controller == did


@pytest.mark.parametrize("key_type", list(KeyType))
def test_round_trip_sign_and_verify(key_type: KeyType) -> None:
    private = PrivateKey.generate(key_type)
    did = did_jwk_from_public_key(private.public_key)
    assert jwk_from_did_jwk(did) == private.public_key.to_jwk()
    resolver = CachingResolver(methods={"jwk": JwkDidResolver()})
    vm = resolve_method(resolver, did, "authentication")  # no fragment: the only method
    assert vm.public_key == private.public_key
    assert vm.public_key.verify(private.sign(b"msg"), b"msg")


def test_use_sig_drops_key_agreement_and_extra_members_are_kept() -> None:
    jwk = {**PrivateKey.generate().public_key.to_jwk(), "use": "sig", "kid": "ignored"}
    did = did_jwk_from_jwk(jwk)
    doc = did_jwk_document(did)
    assert "keyAgreement" not in doc
    assert all(doc[rel] == [did + "#0"] for rel in ALL_RELS[:4])
    assert doc["verificationMethod"][0]["publicKeyJwk"] == jwk
    assert doc["verificationMethod"][0]["id"] == did + "#0"  # never the kid


def test_no_use_gives_all_relationships() -> None:
    did = did_jwk_from_public_key(PrivateKey.generate(KeyType.P256).public_key)
    doc = did_jwk_document(did)
    assert all(doc[rel] == [did + "#0"] for rel in ALL_RELS)
    assert doc["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/suites/jws-2020/v1",
    ]


def _did(payload: bytes) -> str:
    return "did:jwk:" + b64url_encode(payload)


_ED = PrivateKey.generate().to_jwk()


@pytest.mark.parametrize(
    ("did", "reason"),
    [
        ("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "not did:jwk"),
        ("did:jwk:", "empty"),
        ("did:jwk:eyJrdHkiOiJPS1AifQ==", "padded base64url"),
        ("did:jwk:eyJrdHkiOiJPS1Ai+Q", "not base64url alphabet"),
        (_did(b"not json"), "not JSON"),
        (_did(b"\xff\xfe"), "not UTF-8"),
        (_did(b"[1, 2]"), "not an object"),
        (_did(json.dumps(_ED).encode()), "private key (d)"),
        (_did(b'{"kty":"RSA","n":"AQAB","e":"AQAB"}'), "RSA unsupported"),
        (_did(b'{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}'), "P-384 unsupported"),
        (_did(b'{"kty":"OKP","crv":"Ed25519","x":"AAAA"}'), "short Ed25519 key"),
        (_did(b'{"kty":"OKP","crv":"X25519","x":"AAAA","use":"enc"}'), "short X25519 key"),
        (_did(b'{"kty":"OKP","crv":"X25519","x":1}'), "X25519 x not a string"),
        (_did(b'{"kty":"EC","crv":"P-256"}'), "EC without coordinates"),
    ],
)
def test_malformed_did_jwk_is_did_invalid(did: str, reason: str) -> None:
    with pytest.raises(MalformedError) as err:
        JwkDidResolver().resolve(did)
    assert err.value.code == "did_invalid", reason


def test_creating_from_a_private_jwk_is_refused() -> None:
    with pytest.raises(MalformedError) as err:
        did_jwk_from_jwk(_ED)
    assert err.value.code == "did_invalid"
