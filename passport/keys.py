"""Keys: Ed25519 (pynacl), P-256 and secp256k1 (cryptography; eth-account for addresses).

Public keys are held as raw bytes: the 32-byte Ed25519 key, or the 33-byte compressed SEC1
point for the elliptic curves. They convert to and from JWK (RFC 7517 / RFC 8037) and
Multikey (multicodec prefix + multibase base58btc, as in did:key and the W3C Controlled
Identifiers ``Multikey`` type). Signatures are in JOSE form: 64 raw bytes for every type
(Ed25519 as is, ECDSA as r || s).

Error codes: ``key_malformed`` (MalformedError), ``unsupported_key_type`` (ConfigurationError).
"""

from __future__ import annotations

import enum
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import nacl.bindings
import nacl.exceptions
import nacl.signing

from passport.b64 import b64url_decode, b64url_encode
from passport.errors import ConfigurationError, MalformedError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

__all__ = [
    "KeyType",
    "PrivateKey",
    "PublicKey",
    "b64url_decode",
    "b64url_encode",
    "multibase_b58_decode",
    "multibase_b58_encode",
]

#: The one source-of-randomness type: n -> n random bytes (``secrets.token_bytes``); tests
#: inject a seeded one for vectors. Used by every module that draws salts, tokens or keys.
Rng = Callable[[int], bytes]


class KeyType(enum.StrEnum):
    ED25519 = "ed25519"
    P256 = "p256"
    SECP256K1 = "secp256k1"


# multicodec varint prefixes (https://github.com/multiformats/multicodec/blob/master/table.csv)
_PUB_CODEC = {
    KeyType.ED25519: b"\xed\x01",
    KeyType.P256: b"\x80\x24",
    KeyType.SECP256K1: b"\xe7\x01",
}
_PRIV_CODEC = {
    KeyType.ED25519: b"\x80\x26",
    KeyType.P256: b"\x86\x26",
    KeyType.SECP256K1: b"\x81\x26",
}


def _curve(key_type: KeyType) -> ec.EllipticCurve:
    """The curve of an EC key type. ``cryptography`` is imported only for EC keys: the
    Ed25519 paths (the wallet's holder key, its start-up) need pynacl alone."""
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.SECP256R1() if key_type is KeyType.P256 else ec.SECP256K1()


_JWK_CRV = {KeyType.ED25519: "Ed25519", KeyType.P256: "P-256", KeyType.SECP256K1: "secp256k1"}
_CRV_TYPE = {v: k for k, v in _JWK_CRV.items()}
_JWS_ALG = {KeyType.ED25519: "EdDSA", KeyType.P256: "ES256", KeyType.SECP256K1: "ES256K"}


def multibase_b58_encode(data: bytes) -> str:
    import base58  # lazily, with hashlib: reading the wallet's key needs neither

    return "z" + base58.b58encode(data).decode("ascii")


def multibase_b58_decode(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("z") or len(text) < 2:
        raise ValueError("not a multibase base58btc string (must start with 'z')")
    import base58

    return base58.b58decode(text[1:])


def _malformed(msg: str, **details: Any) -> MalformedError:
    return MalformedError("key_malformed", msg, details=details)


@dataclass(frozen=True)
class PublicKey:
    """A public key of one of the supported types."""

    type: KeyType
    raw: bytes
    _verifier: Any = field(default=None, compare=False, repr=False, hash=False)

    def __post_init__(self) -> None:
        expected = 32 if self.type is KeyType.ED25519 else 33
        if len(self.raw) != expected:
            raise _malformed(
                f"A {self.type.value} public key has {expected} bytes, got {len(self.raw)}."
            )
        if self._verifier is not None:
            return  # from_jwk built and checked the point already
        if self.type is KeyType.ED25519:
            verifier: Any = self.raw
        else:
            from cryptography.hazmat.primitives.asymmetric import ec

            try:
                verifier = ec.EllipticCurvePublicKey.from_encoded_point(_curve(self.type), self.raw)
            except ValueError as exc:
                raise _malformed(f"Not a point on {self.type.value}.") from exc
        object.__setattr__(self, "_verifier", verifier)

    @property
    def jws_alg(self) -> str:
        return _JWS_ALG[self.type]

    def verify(self, signature: bytes, message: bytes) -> bool:
        """True when ``signature`` (JOSE form) is valid for ``message``."""
        if len(signature) != 64:
            return False
        if self.type is KeyType.ED25519:
            try:
                nacl.bindings.crypto_sign_open(signature + message, self.raw)
            except nacl.exceptions.BadSignatureError:
                return False
            return True
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        try:
            self._verifier.verify(der, message, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True

    def verify_der(self, signature: bytes, message: bytes) -> bool:
        """True when ``signature`` (ASN.1 DER ECDSA, as WebAuthn and X.509 carry it) is valid
        for ``message`` with SHA-256; always False for an Ed25519 key."""
        if self.type is KeyType.ED25519:
            return False
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        try:
            self._verifier.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            return False
        return True

    # --- JWK -----------------------------------------------------------------
    def to_jwk(self) -> dict[str, str]:
        if self.type is KeyType.ED25519:
            return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(self.raw)}
        nums = self._verifier.public_numbers()
        return {
            "kty": "EC",
            "crv": _JWK_CRV[self.type],
            "x": b64url_encode(nums.x.to_bytes(32, "big")),
            "y": b64url_encode(nums.y.to_bytes(32, "big")),
        }

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> PublicKey:
        """Read a public JWK (private members are ignored). Raises ``key_malformed``."""
        if not isinstance(jwk, Mapping):
            raise _malformed("A JWK must be a JSON object.")
        kty, crv = jwk.get("kty"), jwk.get("crv")
        try:
            if kty == "OKP" and crv == "Ed25519":
                return cls(KeyType.ED25519, b64url_decode(jwk["x"]))
            if kty == "EC" and crv in ("P-256", "secp256k1"):
                key_type = _CRV_TYPE[crv]
                x, y = b64url_decode(jwk["x"]), b64url_decode(jwk["y"])
                if len(x) != 32 or len(y) != 32:
                    raise _malformed("EC JWK coordinates must be 32 bytes.")
                from cryptography.hazmat.primitives.asymmetric import ec
                from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

                point = ec.EllipticCurvePublicNumbers(
                    int.from_bytes(x, "big"), int.from_bytes(y, "big"), _curve(key_type)
                ).public_key()
                return cls(
                    key_type,
                    point.public_bytes(Encoding.X962, PublicFormat.CompressedPoint),
                    point,
                )
        except (KeyError, ValueError, TypeError) as exc:
            if isinstance(exc, MalformedError):
                raise
            raise _malformed(f"Invalid JWK: {exc}") from exc
        raise _malformed(
            f"Unsupported JWK kty={kty!r} crv={crv!r}; use Ed25519, P-256 or secp256k1."
        )

    def thumbprint(self) -> str:
        """RFC 7638 JWK thumbprint (SHA-256, base64url)."""
        jwk = self.to_jwk()
        members = {k: jwk[k] for k in sorted(jwk)}
        data = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
        import hashlib  # lazily: the wallet's start-up reads keys but takes no thumbprint

        return b64url_encode(hashlib.sha256(data).digest())

    # --- Multikey ------------------------------------------------------------
    def to_multikey(self) -> str:
        return multibase_b58_encode(_PUB_CODEC[self.type] + self.raw)

    @classmethod
    def from_multikey(cls, text: str) -> PublicKey:
        """Read a base58btc Multikey public key. Raises ``key_malformed``."""
        try:
            data = multibase_b58_decode(text)
        except ValueError as exc:
            raise _malformed(f"Invalid Multikey: {exc}") from exc
        for key_type, prefix in _PUB_CODEC.items():
            if data.startswith(prefix):
                return cls(key_type, data[len(prefix) :])
        raise _malformed("Multikey has an unsupported multicodec prefix.", prefix=data[:2].hex())


@dataclass(frozen=True)
class PrivateKey:
    """A private key. Its ``repr`` never shows the secret."""

    type: KeyType
    secret: bytes = field(repr=False)
    public_key: PublicKey = field(init=False, compare=False)
    _signer: Any = field(default=None, init=False, compare=False, repr=False, hash=False)

    def __post_init__(self) -> None:
        if len(self.secret) != 32:
            raise _malformed("A private key has 32 bytes.")
        if self.type is KeyType.ED25519:
            signer: Any = nacl.signing.SigningKey(self.secret)
            public = PublicKey(KeyType.ED25519, bytes(signer.verify_key))
        else:
            from cryptography.hazmat.primitives.asymmetric import ec
            from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

            try:
                signer = ec.derive_private_key(
                    int.from_bytes(self.secret, "big"), _curve(self.type)
                )
            except ValueError as exc:
                raise _malformed(f"Not a valid {self.type.value} private key.") from exc
            public = PublicKey(
                self.type,
                signer.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint),
            )
        object.__setattr__(self, "_signer", signer)
        object.__setattr__(self, "public_key", public)

    @classmethod
    def generate(cls, key_type: KeyType = KeyType.ED25519, rng: Rng | None = None) -> PrivateKey:
        """A fresh key. ``rng`` is for test vectors only; by default the OS CSPRNG is used."""
        key_type = KeyType(key_type)
        if key_type is KeyType.ED25519:
            return cls(key_type, (rng or os.urandom)(32))
        if rng is None:
            from cryptography.hazmat.primitives.asymmetric import ec

            scalar = ec.generate_private_key(_curve(key_type)).private_numbers().private_value
            return cls(key_type, scalar.to_bytes(32, "big"))
        while True:  # rejection-sample a scalar in range for deterministic test keys
            try:
                return cls(key_type, rng(32))
            except MalformedError:
                continue

    @property
    def jws_alg(self) -> str:
        return _JWS_ALG[self.type]

    def sign(self, message: bytes) -> bytes:
        """Sign ``message``; the signature is in JOSE form (64 bytes)."""
        if self.type is KeyType.ED25519:
            return bytes(self._signer.sign(message).signature)
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        r, s = decode_dss_signature(self._signer.sign(message, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def to_jwk(self) -> dict[str, str]:
        """The private JWK (contains the secret ``d``)."""
        return {**self.public_key.to_jwk(), "d": b64url_encode(self.secret)}

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> PrivateKey:
        """Read a private JWK. Raises ``key_malformed`` (also when ``d`` is missing or wrong)."""
        public = PublicKey.from_jwk(jwk)
        if "d" not in jwk:
            raise _malformed("This JWK has no private part 'd'; a private key is needed here.")
        try:
            secret = b64url_decode(jwk["d"])
        except (ValueError, TypeError) as exc:
            raise _malformed("The JWK's 'd' is not base64url.") from exc
        key = cls(public.type, secret)
        if key.public_key != public:
            raise _malformed("The JWK's private part does not match its public part.")
        return key

    def to_multikey(self) -> str:
        return multibase_b58_encode(_PRIV_CODEC[self.type] + self.secret)

    @classmethod
    def from_multikey(cls, text: str) -> PrivateKey:
        try:
            data = multibase_b58_decode(text)
        except ValueError as exc:
            raise _malformed(f"Invalid Multikey: {exc}") from exc
        for key_type, prefix in _PRIV_CODEC.items():
            if data.startswith(prefix):
                return cls(key_type, data[len(prefix) :])
        raise _malformed("Multikey has an unsupported private multicodec prefix.")

    def eth_address(self) -> str:
        """The checksummed Ethereum address of a secp256k1 key (chain accounts)."""
        if self.type is not KeyType.SECP256K1:
            raise ConfigurationError(
                "unsupported_key_type", "Only secp256k1 keys have an Ethereum address."
            )
        from eth_account import Account

        from passport.jsonsafe import cap_recursion_limit

        cap_recursion_limit()  # the first import of eth-account raises it (py_ecc)
        return str(Account.from_key(self.secret).address)
