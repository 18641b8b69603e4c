"""The few JOSE pieces the counterparts need, from RFC 7515 / RFC 8037 directly: a compact JWS
with EdDSA (Ed25519) and the OKP JWK of an Ed25519 key. (joserfc warns about the polymorphic
``EdDSA`` name since RFC 9864, but it is what the ecosystem's SD-JWTs still carry.)"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Ed25519Key:
    def __init__(self, private: Ed25519PrivateKey | None = None) -> None:
        self.private = private or Ed25519PrivateKey.generate()

    def public_jwk(self) -> dict[str, str]:
        raw = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw)}

    def sign_jws(self, header: Mapping[str, Any], payload: Mapping[str, Any]) -> str:
        """RFC 7515 section 5.1: BASE64URL(header) '.' BASE64URL(payload) '.' signature."""
        protected = b64u(json.dumps({**header, "alg": "EdDSA"}).encode())
        body = b64u(json.dumps(dict(payload)).encode())
        signature = self.private.sign(f"{protected}.{body}".encode())
        return f"{protected}.{body}.{b64u(signature)}"


def verify_jws(token: str, jwk: Mapping[str, Any]) -> dict[str, Any]:
    """Check an EdDSA compact JWS with an OKP JWK; returns the payload (raises otherwise)."""
    protected, body, signature = token.split(".")
    header = json.loads(b64u_decode(protected))
    if header.get("alg") != "EdDSA" or jwk.get("crv") != "Ed25519":
        raise ValueError("not an EdDSA JWS")
    key = Ed25519PublicKey.from_public_bytes(b64u_decode(str(jwk["x"])))
    key.verify(b64u_decode(signature), f"{protected}.{body}".encode())  # raises InvalidSignature
    payload: dict[str, Any] = json.loads(b64u_decode(body))
    return payload
