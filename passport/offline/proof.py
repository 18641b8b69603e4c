"""The holder's offline proof: chosen disclosures, their Merkle proof, a holder signature.

The QR's CBOR is the array::

    [ credential,           bstr: the issuer's COSE_Sign1, as issued
      disclosed,            bstr: CBOR [[[leaf index, name, value], ...], salt seeds bstr,
                                        Merkle proof nodes bstr]
      holder,               COSE_Sign1 [protected {1: alg}, {}, nil, signature], detached
      binding ]             text: the verifier's challenge code, or uint: the 5-minute slot

The holder signs (detached) the CBOR array
``["DFP1", SHA-256(credential), SHA-256(disclosed), binding]`` with the key named in the
credential's ``cnf``. The slot is ``floor(unix time / 300)``.

Error codes: ``offline_claims_invalid`` (ConfigurationError: a claim the credential does
not hold), ``holder_key_mismatch`` (ConfigurationError: not the credential's holder key),
``offline_qr_malformed`` (MalformedError, when parsing).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import cbor2

from passport.errors import ConfigurationError, MalformedError
from passport.keys import PrivateKey
from passport.offline import sd
from passport.offline.claims import ClaimName, check_claim, name_of, path_of
from passport.offline.cose import Sign1, sign1
from passport.offline.credential import OfflineCredential
from passport.offline.qr import encode_qr_text

__all__ = [
    "HOLDER_CONTEXT",
    "SLOT_SECONDS",
    "Disclosed",
    "OfflineProof",
    "holder_payload",
    "make_offline_proof",
    "parse_proof",
    "time_slot",
]

HOLDER_CONTEXT: Final = "DFP1"
SLOT_SECONDS: Final = 300
_CHALLENGE_MAX: Final = 16  # a code read off a screen; keeps the worst case in version 22


def time_slot(now: datetime) -> int:
    """The 5-minute slot of ``now``: ``floor(unix seconds / 300)``."""
    return int(now.timestamp()) // SLOT_SECONDS


def holder_payload(credential: bytes, disclosed: bytes, binding: str | int) -> bytes:
    """The detached payload the holder signs."""
    return cbor2.dumps(
        [
            HOLDER_CONTEXT,
            hashlib.sha256(credential).digest(),
            hashlib.sha256(disclosed).digest(),
            binding,
        ]
    )


@dataclass(frozen=True)
class OfflineProof:
    """A parsed (or freshly made) offline proof."""

    credential: bytes
    disclosed: bytes
    holder: Sign1
    binding: str | int

    def to_cbor(self) -> bytes:
        return cbor2.dumps([self.credential, self.disclosed, self.holder.to_list(), self.binding])

    def to_qr_text(self) -> str:
        return encode_qr_text(self.to_cbor())

    def disclosures(self) -> Disclosed:
        """The disclosed claims, seeds and proof nodes. Raises ``offline_qr_malformed``."""
        return _parse_disclosed(self.disclosed)


@dataclass(frozen=True)
class Disclosed:
    """The disclosed part: claims by leaf index, the salt seeds (cover order), proof nodes."""

    claims: dict[int, tuple[ClaimName, Any]]
    seeds: list[bytes]
    nodes: list[bytes]


def _malformed(message: str) -> MalformedError:
    return MalformedError("offline_qr_malformed", message)


def _chunks(data: bytes, what: str) -> list[bytes]:
    if len(data) % sd.NODE_SIZE:
        raise _malformed(f"The {what} must be whole 16-byte values.")
    return [data[i : i + sd.NODE_SIZE] for i in range(0, len(data), sd.NODE_SIZE)]


def _parse_disclosed(data: bytes) -> Disclosed:
    try:
        item = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError) as exc:
        raise _malformed(f"The disclosed claims are not CBOR: {exc}") from None
    if (
        not isinstance(item, list)
        or len(item) != 3
        or not isinstance(item[0], list)
        or not isinstance(item[1], bytes)
        or not isinstance(item[2], bytes)
    ):
        raise _malformed("The disclosed part is [[[index, name, value], ...], seeds, nodes].")
    claims: dict[int, tuple[ClaimName, Any]] = {}
    for entry in item[0]:
        if (
            not isinstance(entry, list)
            or len(entry) != 3
            or isinstance(entry[0], bool)
            or not isinstance(entry[0], int)
        ):
            raise _malformed("A disclosed claim is [leaf index, name, value].")
        check_claim(entry[1], entry[2])
        if entry[0] in claims:
            raise _malformed("A claim is disclosed twice.")
        claims[entry[0]] = (entry[1], entry[2])
    return Disclosed(claims, _chunks(item[1], "salt seeds"), _chunks(item[2], "proof nodes"))


def make_offline_proof(
    credential: OfflineCredential,
    holder_key: PrivateKey,
    *,
    disclose: Sequence[str],
    now: datetime,
    challenge: str | None = None,
) -> OfflineProof:
    """The holder's proof disclosing the claims named in ``disclose`` (VC paths:
    ``name``, ``nationality``, ``balanceAtLeast/USD_10000``, KYC claim names), signed over
    ``challenge`` (the code the verifier's screen shows) or else over the time slot of
    ``now``.

    Raises ConfigurationError ``offline_claims_invalid`` (a claim the credential does not
    hold, or a challenge that is empty or over 16 characters), ``holder_key_mismatch``.
    """
    payload = credential.payload
    if holder_key.public_key != payload.holder_key:
        raise ConfigurationError(
            "holder_key_mismatch",
            "This key is not the one the offline credential was issued to; use the wallet "
            "key it was bound to.",
        )
    index = {name: i for i, (name, _value) in enumerate(credential.claims)}
    chosen: set[int] = set()
    for path in disclose:
        name = name_of(path)
        if name not in index:
            raise ConfigurationError(
                "offline_claims_invalid",
                f"The offline credential holds no {path_of(name)}; it holds "
                f"{', '.join(path_of(n) for n in index)}.",
            )
        chosen.add(index[name])
    if challenge is not None and not 0 < len(challenge) <= _CHALLENGE_MAX:
        raise ConfigurationError(
            "offline_claims_invalid", "The challenge code must be 1 to 16 characters."
        )
    nodes = sd.multiproof(credential.leaves(), chosen)
    seeds = sd.cover_seeds(credential.seed, len(credential.claims), chosen)
    claims = [[i, *credential.claims[i]] for i in sorted(chosen)]
    disclosed = cbor2.dumps([claims, b"".join(seeds), b"".join(nodes)])
    binding: str | int = challenge if challenge is not None else time_slot(now)
    holder = sign1(
        holder_payload(credential.credential, disclosed, binding), holder_key, detached=True
    )
    return OfflineProof(credential.credential, disclosed, holder, binding)


def parse_proof(cbor_bytes: bytes) -> OfflineProof:
    """Decode the QR's CBOR. Raises ``offline_qr_malformed``."""
    try:
        item: Any = cbor2.loads(cbor_bytes)
    except (cbor2.CBORDecodeError, ValueError, TypeError) as exc:
        raise _malformed(f"The QR payload is not CBOR: {exc}") from None
    if not isinstance(item, list) or len(item) != 4:
        raise _malformed("The QR payload is [credential, disclosed, holder proof, binding].")
    cred, disclosed, holder, binding = item
    if not isinstance(cred, bytes) or not isinstance(disclosed, bytes):
        raise _malformed("The credential and the disclosed claims are byte strings.")
    if isinstance(binding, bool) or not isinstance(binding, str | int):
        raise _malformed("The binding is a challenge code (text) or a time slot (uint).")
    if isinstance(binding, int) and binding < 0:
        raise _malformed("The time slot is an unsigned integer.")
    message = Sign1.from_list(holder)
    if message.payload is not None:
        raise _malformed("The holder signature's payload must be detached (nil).")
    return OfflineProof(cred, disclosed, message, binding)
