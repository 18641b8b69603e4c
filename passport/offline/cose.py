"""COSE_Sign1 (RFC 9052) and COSE_Key (RFC 9053) through pycose, for the offline format.

Issuer credentials are signed with EdDSA (alg -8, Ed25519); holder proofs with EdDSA or
ES256 (alg -7, P-256). Messages are untagged COSE_Sign1 arrays: the QR's prefix says what
they are.

Error codes: ``offline_qr_malformed`` (MalformedError) for a COSE structure or key that
cannot be read; ``offline_key_unsupported`` (ConfigurationError) for a key type other than
Ed25519 / P-256.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec
from pycose.algorithms import EdDSA, Es256
from pycose.exceptions import CoseException
from pycose.headers import KID, Algorithm
from pycose.keys.curves import P256, Ed25519
from pycose.keys.ec2 import EC2Key
from pycose.keys.okp import OKPKey
from pycose.messages.sign1message import Sign1Message

from passport.errors import ConfigurationError, MalformedError
from passport.keys import KeyType, PrivateKey, PublicKey

__all__ = ["ALG_EDDSA", "ALG_ES256", "Sign1", "cose_key", "public_key_of", "sign1", "verify1"]

ALG_EDDSA: Final = -8
ALG_ES256: Final = -7
_ALGS: Final = {KeyType.ED25519: ALG_EDDSA, KeyType.P256: ALG_ES256}


def _malformed(message: str) -> MalformedError:
    return MalformedError("offline_qr_malformed", message)


def _check_type(key_type: KeyType) -> None:
    if key_type not in _ALGS:
        raise ConfigurationError(
            "offline_key_unsupported",
            f"The offline format signs with Ed25519 or P-256 keys, not {key_type.value}.",
        )


def _xy(key: PublicKey) -> tuple[bytes, bytes]:
    point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key.raw)
    nums = point.public_numbers()
    return nums.x.to_bytes(32, "big"), nums.y.to_bytes(32, "big")


def cose_key(key: PublicKey) -> dict[int, Any]:
    """The COSE_Key of a public key: OKP/Ed25519 ``{1: 1, -1: 6, -2: x}`` or EC2/P-256
    with a compressed point ``{1: 2, -1: 1, -2: x, -3: sign bit of y}`` (RFC 9053 section
    7.1.1: ``y`` may be a boolean, the sign bit)."""
    _check_type(key.type)
    if key.type is KeyType.ED25519:
        return {1: 1, -1: 6, -2: key.raw}
    return {1: 2, -1: 1, -2: key.raw[1:], -3: key.raw[0] == 3}


def public_key_of(data: Any) -> PublicKey:
    """The public key of a COSE_Key map. Raises ``offline_qr_malformed``."""
    if not isinstance(data, Mapping):
        raise _malformed("cnf must hold a COSE_Key map.")
    try:
        if data.get(1) == 1 and data.get(-1) == 6 and set(data) == {1, -1, -2}:
            return PublicKey(KeyType.ED25519, bytes(data[-2]))
        if data.get(1) == 2 and data.get(-1) == 1 and set(data) == {1, -1, -2, -3}:
            x, y = bytes(data[-2]), data[-3]
            if len(x) != 32:
                raise ValueError("x must be 32 bytes")
            if isinstance(y, bool):
                return PublicKey(KeyType.P256, (b"\x03" if y else b"\x02") + x)
            y = bytes(y)
            if len(y) != 32:
                raise ValueError("y must be 32 bytes or the sign bit")
            point = ec.EllipticCurvePublicNumbers(
                int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
            ).public_key()
            from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

            return PublicKey(
                KeyType.P256, point.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
            )
    except (ValueError, TypeError, MalformedError) as exc:
        raise _malformed(f"The COSE_Key cannot be read: {exc}") from None
    raise _malformed("The COSE_Key is neither OKP/Ed25519 nor EC2/P-256 (kty, crv, x[, y]).")


def _pycose_key(key: PublicKey, secret: bytes | None = None) -> OKPKey | EC2Key:
    if key.type is KeyType.ED25519:
        return OKPKey(crv=Ed25519, x=key.raw, d=secret or b"")
    x, y = _xy(key)
    return EC2Key(crv=P256, x=x, y=y, d=secret or b"")


@dataclass(frozen=True)
class Sign1:
    """A decoded COSE_Sign1: protected header (decoded), its bytes, payload, signature."""

    protected: Mapping[int, Any]
    protected_bytes: bytes
    payload: bytes | None
    signature: bytes

    @property
    def alg(self) -> Any:
        return self.protected.get(1)

    @property
    def kid(self) -> bytes | None:
        kid = self.protected.get(4)
        return kid if isinstance(kid, bytes) else None

    def to_list(self) -> list[Any]:
        return [self.protected_bytes, {}, self.payload, self.signature]

    @classmethod
    def from_list(cls, item: Any) -> Sign1:
        """Raises ``offline_qr_malformed``."""
        if not isinstance(item, list) or len(item) != 4:
            raise _malformed("A COSE_Sign1 is an array of four items.")
        prot, unprot, payload, sig = item
        if not isinstance(prot, bytes) or not isinstance(unprot, dict) or unprot:
            raise _malformed("A COSE_Sign1 here has a protected header and no unprotected one.")
        if payload is not None and not isinstance(payload, bytes):
            raise _malformed("A COSE_Sign1 payload is a byte string or nil (detached).")
        if not isinstance(sig, bytes) or len(sig) != 64:
            raise _malformed("A COSE_Sign1 signature here is 64 bytes.")
        try:
            header = cbor2.loads(prot) if prot else {}
        except (cbor2.CBORDecodeError, ValueError) as exc:
            raise _malformed(f"The protected header is not CBOR: {exc}") from None
        if not isinstance(header, dict):
            raise _malformed("The protected header is not a map.")
        return cls(header, prot, payload, sig)


def sign1(
    payload: bytes, key: PrivateKey, *, kid: bytes | None = None, detached: bool = False
) -> Sign1:
    """Sign ``payload`` as COSE_Sign1 (``detached``: the payload is left out, nil)."""
    _check_type(key.type)
    header: dict[Any, Any] = {Algorithm: EdDSA if key.type is KeyType.ED25519 else Es256}
    if kid is not None:
        header[KID] = kid
    msg = Sign1Message(phdr=header, payload=None if detached else payload)
    msg.key = _pycose_key(key.public_key, key.secret)
    encoded = msg.encode(tag=False, detached_payload=payload if detached else None)
    return Sign1.from_list(cbor2.loads(encoded))


def verify1(message: Sign1, key: PublicKey, *, detached_payload: bytes | None = None) -> bool:
    """Does ``key`` verify the COSE_Sign1 ``message`` with the algorithm its header names?
    A header that names another algorithm than the key's is a failure, not an error."""
    if key.type not in _ALGS or message.alg != _ALGS[key.type]:
        return False
    try:
        msg = Sign1Message.from_cose_obj(message.to_list(), allow_unknown_attributes=False)
        msg.key = _pycose_key(key)
        return bool(msg.verify_signature(detached_payload=detached_payload))
    except (CoseException, ValueError, TypeError, KeyError, AttributeError):
        return False
