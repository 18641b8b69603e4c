"""did:key: the W3C CCG test vectors (tests/vectors/did-key/), document shape and errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import base58
import pytest

from passport.did import (
    KeyDidResolver,
    did_key_document,
    did_key_from_public_key,
    public_key_from_did_key,
)
from passport.errors import MalformedError
from passport.keys import KeyType, PrivateKey, PublicKey, multibase_b58_encode

VECTORS = Path(__file__).parents[2] / "vectors" / "did-key"
SIGNING_RELS = ("authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation")


def _load(name: str) -> list[tuple[str, dict[str, Any]]]:
    data: dict[str, dict[str, Any]] = json.loads((VECTORS / name).read_text())
    return list(data.items())


def _abs(did: str, ref: str) -> str:
    return did + ref if ref.startswith("#") else ref


ED25519 = _load("ed25519-x25519.json")
SECP256K1 = _load("secp256k1.json")
NIST = _load("nist-curves.json")
P256 = [(did, v) for did, v in NIST if v["verificationMethod"]["publicKeyJwk"]["crv"] == "P-256"]
NIST_UNSUPPORTED = [(did, v) for did, v in NIST if (did, v) not in P256]


def test_vector_files_cover_all_three_supported_types() -> None:
    assert len(ED25519) == 5 and len(SECP256K1) == 5 and len(P256) == 2
    assert len(NIST_UNSUPPORTED) == 4


def _check_document_against_vector(did: str, vector_doc: dict[str, Any]) -> None:
    """The vector's signature method (id, controller, key bytes, relationships) is ours."""
    ours = did_key_document(did)
    vm = ours["verificationMethod"][0]
    theirs = vector_doc["verificationMethod"][0]
    assert ours["id"] == vector_doc["id"] == did
    assert vm["id"] == _abs(did, theirs["id"])
    assert vm["controller"] == theirs["controller"] == did
    assert vm["publicKeyMultibase"] == did.removeprefix("did:key:")
    key = PublicKey.from_multikey(vm["publicKeyMultibase"])
    if "publicKeyBase58" in theirs:
        assert key.raw == base58.b58decode(theirs["publicKeyBase58"])
    else:
        assert key == PublicKey.from_jwk(theirs["publicKeyJwk"])
    for rel in SIGNING_RELS:
        assert [_abs(did, r) for r in vector_doc[rel]] == ours[rel] == [vm["id"]]


@pytest.mark.parametrize(("did", "vector"), ED25519, ids=[d[8:20] for d, _ in ED25519])
def test_ed25519_vector(did: str, vector: dict[str, Any]) -> None:
    key = PrivateKey(KeyType.ED25519, bytes.fromhex(vector["seed"]))
    assert did.startswith("did:key:z6Mk")
    assert did_key_from_public_key(key.public_key) == did
    assert key.public_key.raw == base58.b58decode(vector["verificationKeyPair"]["publicKeyBase58"])
    _check_document_against_vector(did, vector["didDocument"])


@pytest.mark.parametrize(("did", "vector"), ED25519, ids=[d[8:20] for d, _ in ED25519])
def test_ed25519_vector_key_agreement_derivation(did: str, vector: dict[str, Any]) -> None:
    doc = did_key_document(did, enable_encryption_key_derivation=True)
    ka_vector = vector["keyAgreementKeyPair"]
    ka_id = _abs(did, ka_vector["id"])
    assert doc["keyAgreement"] == [ka_id] == vector["didDocument"]["keyAgreement"]
    ka = doc["verificationMethod"][1]
    assert ka["id"] == ka_id and ka["type"] == "Multikey" and ka["controller"] == did
    raw = base58.b58decode(ka_vector["publicKeyBase58"])
    assert ka["publicKeyMultibase"] == multibase_b58_encode(b"\xec\x01" + raw)
    # the derived key is still absent from the signing relationships
    assert all(ka_id not in doc[rel] for rel in SIGNING_RELS)


@pytest.mark.parametrize(("did", "vector"), SECP256K1, ids=[d[8:20] for d, _ in SECP256K1])
def test_secp256k1_vector(did: str, vector: dict[str, Any]) -> None:
    key = PrivateKey(KeyType.SECP256K1, bytes.fromhex(vector["seed"]))
    assert did.startswith("did:key:zQ3s")
    assert did_key_from_public_key(key.public_key) == did
    pair = vector["verificationKeyPair"]
    assert key.public_key.raw == base58.b58decode(pair["publicKeyBase58"])
    assert key.secret == base58.b58decode(pair["privateKeyBase58"])
    _check_document_against_vector(did, vector["didDocument"])
    # secp256k1 keys get no derived keyAgreement even when asked
    assert "keyAgreement" not in did_key_document(did, enable_encryption_key_derivation=True)


@pytest.mark.parametrize(("did", "vector"), P256, ids=[d[8:20] for d, _ in P256])
def test_p256_vector(did: str, vector: dict[str, Any]) -> None:
    vm = vector["verificationMethod"]
    assert did.startswith("did:key:zDn")
    assert did_key_from_public_key(PublicKey.from_jwk(vm["publicKeyJwk"])) == did
    private = PrivateKey.from_jwk(vm["privateKeyJwk"])
    assert did_key_from_public_key(private.public_key) == did
    assert public_key_from_did_key(did).to_jwk() == vm["publicKeyJwk"]
    _check_document_against_vector(did, vector["didDocument"])


@pytest.mark.parametrize("did", [d for d, _ in NIST_UNSUPPORTED], ids=lambda d: d[8:16])
def test_p384_p521_vectors_are_unsupported(did: str) -> None:
    with pytest.raises(MalformedError) as err:
        did_key_document(did)
    assert err.value.code == "did_invalid"
    assert "p384-pub" in err.value.message or "p521-pub" in err.value.message


def test_document_shape_is_multikey() -> None:
    did = ED25519[0][0]
    mb = did.removeprefix("did:key:")
    assert did_key_document(did) == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {"id": f"{did}#{mb}", "type": "Multikey", "controller": did, "publicKeyMultibase": mb}
        ],
        "authentication": [f"{did}#{mb}"],
        "assertionMethod": [f"{did}#{mb}"],
        "capabilityInvocation": [f"{did}#{mb}"],
        "capabilityDelegation": [f"{did}#{mb}"],
    }


@pytest.mark.parametrize("key_type", list(KeyType))
def test_round_trip_and_resolved_key_verifies(key_type: KeyType) -> None:
    private = PrivateKey.generate(key_type)
    did = did_key_from_public_key(private.public_key)
    doc = KeyDidResolver().resolve(did)
    vm = doc.authorized_method(f"{did}#{did[8:]}", "assertionMethod")
    assert vm.public_key == private.public_key == public_key_from_did_key(did)
    assert vm.public_key.verify(private.sign(b"hello"), b"hello")


def _mb(data: bytes) -> str:
    return "did:key:" + multibase_b58_encode(data)


@pytest.mark.parametrize(
    ("did", "reason"),
    [
        ("did:web:example.com", "not a did:key"),
        ("did:key:", "not a did:key"),
        ("did:key:6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "no z multibase prefix"),
        ("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW0", "0 is not base58"),
        ("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWl", "l is not base58"),
        ("did:key:1:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "versioned form"),
        ("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#x", "a DID URL"),
        (_mb(b"\xed\x01" + b"\x01" * 31), "Ed25519 key too short"),
        (_mb(b"\xed\x01" + b"\x01" * 33), "Ed25519 key too long"),
        (_mb(b"\x80\x24" + b"\x02" + b"\xff" * 32), "P-256 x not on the curve"),
        (_mb(b"\x80\x24" + b"\x04" + b"\x01" * 64), "P-256 uncompressed point"),
        (_mb(b"\xe7\x01" + b"\x05" + b"\x01" * 32), "bad SEC1 prefix"),
        (_mb(b"\xec\x01" + b"\x01" * 32), "x25519 is not a signing key"),
        (_mb(b"\x99\x99\x99\x99\x99\x99\x99\x99\x99\x99"), "unreadable varint"),
        (_mb(b"\x00" + b"\x01" * 32), "unknown multicodec"),
    ],
)
def test_malformed_did_key_is_did_invalid(did: str, reason: str) -> None:
    with pytest.raises(MalformedError) as err:
        KeyDidResolver().resolve(did)
    assert err.value.code == "did_invalid", reason


def test_non_string_did_is_did_invalid() -> None:
    with pytest.raises(MalformedError) as err:
        did_key_document(42)  # type: ignore[arg-type]
    assert err.value.code == "did_invalid"
