"""did:jwk (https://github.com/quartzjer/did-jwk/blob/main/spec.md): a DID that *is* a JWK.

``did:jwk:<base64url(UTF-8 JSON of a public JWK)>``. The document has one verification
method ``did:jwk:...#0`` of type ``JsonWebKey2020`` whose ``publicKeyJwk`` is the decoded JWK
as is. A JWK with ``"use": "sig"`` gets no ``keyAgreement``; one with ``"use": "enc"`` gets
*only* ``keyAgreement``; otherwise all five relationships. Nothing is fetched.

Accepted keys: Ed25519, P-256, secp256k1 (signing, as in :mod:`passport.keys`) and X25519
(key agreement only; this library does not use it, but resolving it is the spec's example).

Error codes: ``did_invalid`` (MalformedError) for a DID that is not base64url JSON, a JWK
that holds a private part, or a key type that is not supported.
"""

from __future__ import annotations

import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from passport import jsonsafe
from passport.did.document import DidDocument
from passport.errors import MalformedError
from passport.keys import PublicKey, b64url_decode, b64url_encode

__all__ = [
    "DID_JWK_CONTEXT",
    "JwkDidResolver",
    "did_jwk_document",
    "did_jwk_from_jwk",
    "did_jwk_from_public_key",
    "jwk_from_did_jwk",
]

DID_JWK_CONTEXT = ("https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1")
_DID_JWK_RE = re.compile(r"^did:jwk:([A-Za-z0-9_-]+)$")
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
_ALL_RELATIONSHIPS = (
    "assertionMethod",
    "authentication",
    "capabilityInvocation",
    "capabilityDelegation",
    "keyAgreement",
)


def _invalid(message: str, **details: Any) -> MalformedError:
    return MalformedError("did_invalid", message, details=details)


def _check_jwk(jwk: Mapping[str, Any], did: str | None = None) -> None:
    """Spec *Read* step 4: a public JWK of a supported type."""
    where = did or "the JWK"
    if any(member in jwk for member in _PRIVATE_MEMBERS):
        raise _invalid(f"{where} holds private key material; did:jwk must only carry a public JWK.")
    if jwk.get("kty") == "OKP" and jwk.get("crv") == "X25519":
        try:
            x = b64url_decode(jwk.get("x"))  # type: ignore[arg-type]
        except (ValueError, binascii.Error) as exc:
            raise _invalid(f"{where}: the X25519 'x' is not base64url.") from exc
        if len(x) != 32:
            raise _invalid(f"{where}: an X25519 key has 32 bytes, got {len(x)}.")
        return
    try:
        PublicKey.from_jwk(jwk)
    except MalformedError as exc:
        raise _invalid(f"{where}: {exc.message}", reason=exc.code) from exc


def did_jwk_from_jwk(jwk: Mapping[str, Any]) -> str:
    """The did:jwk of a public ``jwk`` (spec *Create*), serialised as JCS-style compact JSON
    with sorted members so that the same key always gives the same DID.

    Raises ``did_invalid`` for a private or unsupported JWK.
    """
    _check_jwk(jwk)
    text = json.dumps(dict(jwk), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "did:jwk:" + b64url_encode(text.encode("utf-8"))


def did_jwk_from_public_key(public_key: PublicKey) -> str:
    """The did:jwk of ``public_key`` (its minimal RFC 7517/8037 JWK, members sorted)."""
    return did_jwk_from_jwk(public_key.to_jwk())


def jwk_from_did_jwk(did: str) -> dict[str, Any]:
    """Spec *Read* steps 1-4: the public JWK inside ``did``. Raises ``did_invalid``."""
    if not isinstance(did, str):
        raise _invalid("A DID must be a string.")
    m = _DID_JWK_RE.match(did)
    if m is None:
        raise _invalid(f"{did[:80]!r} is not a did:jwk (expected did:jwk:<base64url>).")
    try:
        jwk = jsonsafe.loads(b64url_decode(m.group(1)), code="did_invalid", what="The did:jwk")
    except (ValueError, binascii.Error, UnicodeDecodeError, MalformedError) as exc:
        raise _invalid("The did:jwk value is not base64url-encoded UTF-8 JSON.") from exc
    if not isinstance(jwk, dict):
        raise _invalid("The did:jwk value must decode to a JSON object (a JWK).")
    _check_jwk(jwk, did)
    return jwk


def did_jwk_document(did: str) -> dict[str, Any]:
    """Expand ``did`` into its DID document (spec *Create*, "To create the DID Document").

    Raises ``did_invalid`` (MalformedError).
    """
    jwk = jwk_from_did_jwk(did)
    vm_id = did + "#0"
    doc: dict[str, Any] = {
        "@context": list(DID_JWK_CONTEXT),
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}
        ],
    }
    use = jwk.get("use")
    for rel in _ALL_RELATIONSHIPS:
        if use == "sig" and rel == "keyAgreement":
            continue
        if use == "enc" and rel != "keyAgreement":
            continue
        doc[rel] = [vm_id]
    return doc


@dataclass(frozen=True)
class JwkDidResolver:
    """Method resolver for did:jwk; a pure computation, so its documents are not cached."""

    def resolve(self, did: str) -> DidDocument:
        """Resolve a did:jwk. Raises ``did_invalid``."""
        return DidDocument(did_jwk_document(did), metadata={"method": "jwk"})
