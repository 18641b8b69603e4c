"""did:key (W3C CCG "The did:key Method", v0.7/v0.9): a DID that *is* a public key.

``did:key:<mb-value>`` where ``mb-value`` is ``z`` + base58btc(multicodec varint + raw public
key). Supported key types: Ed25519 (``z6Mk...``, multicodec 0xed), P-256 (``zDn...``, 0x1200,
compressed point) and secp256k1 (``zQ3s...``, 0xe7, compressed point).

The document is built as in the spec's *Document Creation Algorithm* with
``publicKeyFormat = Multikey``: one verification method ``did:key:z...#z...`` of type
``Multikey`` with ``publicKeyMultibase``, referenced from ``authentication``,
``assertionMethod``, ``capabilityInvocation`` and ``capabilityDelegation``. With
``enable_encryption_key_derivation`` an Ed25519 key also gets the derived X25519
``keyAgreement`` method (spec: *Encryption Method Creation Algorithm*). Nothing is fetched.

Error codes: ``did_invalid`` (MalformedError) for a DID that is not a did:key, bad
multibase/base58, an unsupported multicodec, a wrong key length or a point off the curve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import base58
import nacl.bindings
import nacl.exceptions

from passport.did.document import DidDocument
from passport.errors import MalformedError
from passport.keys import KeyType, PublicKey, multibase_b58_encode

__all__ = [
    "DID_KEY_CONTEXT",
    "KeyDidResolver",
    "did_key_document",
    "did_key_from_public_key",
    "public_key_from_did_key",
]

DID_KEY_CONTEXT = ("https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1")

# multicodec varint prefixes (https://github.com/multiformats/multicodec/blob/master/table.csv)
_CODEC_PREFIX = {
    KeyType.ED25519: b"\xed\x01",  # ed25519-pub
    KeyType.P256: b"\x80\x24",  # p256-pub (0x1200)
    KeyType.SECP256K1: b"\xe7\x01",  # secp256k1-pub
}
_X25519_PREFIX = b"\xec\x01"  # x25519-pub
_KNOWN_UNSUPPORTED = {
    0xEC: "x25519-pub",
    0xEA: "bls12_381-g1-pub",
    0xEB: "bls12_381-g2-pub",
    0x1201: "p384-pub",
    0x1202: "p521-pub",
    0x1205: "rsa-pub",
}
_DID_KEY_RE = re.compile(r"^did:key:(z[1-9A-HJ-NP-Za-km-z]+)$")
_RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "capabilityInvocation",
    "capabilityDelegation",
)


def _invalid(message: str, **details: Any) -> MalformedError:
    return MalformedError("did_invalid", message, details=details)


def _read_varint(data: bytes) -> int | None:
    value = 0
    for i, byte in enumerate(data[:9]):
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            return value
    return None


def did_key_from_public_key(public_key: PublicKey) -> str:
    """The did:key of ``public_key`` (spec section "The did:key Format")."""
    return "did:key:" + public_key.to_multikey()


def _decode(did: str) -> tuple[str, PublicKey]:
    """Spec *Document Creation Algorithm* steps 2-3 and *Decode Public Key Algorithm*."""
    if not isinstance(did, str):
        raise _invalid("A DID must be a string.")
    m = _DID_KEY_RE.match(did)
    if m is None:
        if did.startswith("did:key:") and did.count(":") > 2:
            raise _invalid(
                f"{did!r}: versioned did:key identifiers are not supported; use did:key:z...",
                did=did,
            )
        raise _invalid(
            f"{did!r} is not a did:key (expected did:key:z followed by base58btc).", did=did
        )
    multibase_value = m.group(1)
    try:
        data = base58.b58decode(multibase_value[1:])
    except ValueError as exc:
        raise _invalid(f"{did!r} is not valid base58btc: {exc}", did=did) from exc
    for key_type, prefix in _CODEC_PREFIX.items():
        if data.startswith(prefix):
            raw = data[len(prefix) :]
            expected = 32 if key_type is KeyType.ED25519 else 33
            if len(raw) != expected:  # spec: invalidPublicKeyLength
                raise _invalid(
                    f"A did:key {key_type.value} public key has {expected} bytes, got {len(raw)}.",
                    did=did,
                )
            try:
                return multibase_value, PublicKey(key_type, raw)
            except MalformedError as exc:  # spec: invalidPublicKey
                raise _invalid(
                    f"{did!r} does not hold a valid {key_type.value} key.", did=did
                ) from exc
    code = _read_varint(data)
    name = _KNOWN_UNSUPPORTED.get(code, "unknown") if code is not None else "unreadable"
    raise _invalid(
        f"{did!r} uses multicodec {name}"
        + (f" (0x{code:x})" if code is not None else "")
        + "; supported key types are Ed25519, P-256 and secp256k1.",
        did=did,
        multicodec=code,
    )


def public_key_from_did_key(did: str) -> PublicKey:
    """The public key a did:key encodes. Raises ``did_invalid``."""
    return _decode(did)[1]


def _x25519_multibase(did: str, public_key: PublicKey) -> str:
    """Spec *Derive Encryption Key Algorithm*: Ed25519 -> X25519 (birational map)."""
    try:
        x25519 = nacl.bindings.crypto_sign_ed25519_pk_to_curve25519(public_key.raw)
    except (nacl.exceptions.CryptoError, RuntimeError, ValueError) as exc:
        raise _invalid(f"{did!r}: cannot derive an X25519 key from this Ed25519 key.") from exc
    return multibase_b58_encode(_X25519_PREFIX + x25519)


def did_key_document(did: str, *, enable_encryption_key_derivation: bool = False) -> dict[str, Any]:
    """Expand ``did`` into its DID document (spec *Document Creation Algorithm*, Multikey format).

    Raises ``did_invalid`` (MalformedError).
    """
    multibase_value, public_key = _decode(did)
    vm_id = f"{did}#{multibase_value}"
    methods: list[dict[str, Any]] = [
        {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": multibase_value}
    ]
    doc: dict[str, Any] = {
        "@context": list(DID_KEY_CONTEXT),
        "id": did,
        "verificationMethod": methods,
    }
    for rel in _RELATIONSHIPS:
        doc[rel] = [vm_id]
    if enable_encryption_key_derivation and public_key.type is KeyType.ED25519:
        x_mb = _x25519_multibase(did, public_key)
        ka_id = f"{did}#{x_mb}"
        methods.append(
            {"id": ka_id, "type": "Multikey", "controller": did, "publicKeyMultibase": x_mb}
        )
        doc["keyAgreement"] = [ka_id]
    return doc


@dataclass(frozen=True)
class KeyDidResolver:
    """Method resolver for did:key; a pure computation, so its documents are not cached."""

    enable_encryption_key_derivation: bool = False

    def resolve(self, did: str) -> DidDocument:
        """Resolve a did:key. Raises ``did_invalid``."""
        data = did_key_document(
            did, enable_encryption_key_derivation=self.enable_encryption_key_derivation
        )
        return DidDocument(data, metadata={"method": "key"})
