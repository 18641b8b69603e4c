"""The issuer-signed offline credential: a CWT (RFC 8392) in a COSE_Sign1 signed with EdDSA.

Payload, a CWT claims set::

    { 1: iss (the issuer's DID, text), 4: exp, 6: iat (NumericDate),
      8: cnf {1: COSE_Key of the holder},
      -65537: { 1: type (1 bank statement, 2 KYC),
                2: [[status list id (8 bytes), index], ...],
                3: Merkle root of the disclosures (16 bytes), 4: leaf count } }

The protected header is ``{1: -8 (EdDSA), 4: kid}``, ``kid`` the UTF-8 DID URL fragment of
the issuer's verification method (``#delegate-1``), relative to ``iss``. The status list id
is ``SHA-256(UTF-8 list URL)[:8]``; the verifier's trust snapshot maps it back to the list.
The holder keeps the credential with the root seed of the salts and every claim
(``OfflineCredential``).

Error codes: ``offline_qr_malformed`` (MalformedError) for a credential that cannot be
read; ``signature_invalid`` (VerdictError); ``offline_claims_invalid``,
``offline_key_unsupported``, ``naive_datetime`` (ConfigurationError) when issuing.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import cbor2

from passport.errors import ConfigurationError, MalformedError, VerdictError
from passport.keys import KeyType, PrivateKey, PublicKey
from passport.offline import sd
from passport.offline.claims import (
    ClaimName,
    ClaimValue,
    OfflineClaims,
    OfflineType,
    check_claim,
)
from passport.offline.cose import ALG_EDDSA, Sign1, cose_key, public_key_of, sign1, verify1

__all__ = [
    "DFP_CLAIM",
    "CredentialPayload",
    "OfflineCredential",
    "StatusRef",
    "issue_offline_credential",
    "parse_credential",
    "status_list_id",
    "verify_offline_credential",
]

#: The private-use CWT claim (RFC 8392 section 9.1: below -65536) that holds the rest.
DFP_CLAIM: Final = -65537
Rng = Callable[[int], bytes]


def _malformed(message: str) -> MalformedError:
    return MalformedError("offline_qr_malformed", message)


def status_list_id(list_url: str) -> bytes:
    """The 8-byte id of a status list in offline credentials: ``SHA-256(url)[:8]``."""
    return hashlib.sha256(list_url.encode("utf-8")).digest()[:8]


@dataclass(frozen=True)
class StatusRef:
    """A status entry: the list (by id; the URL when known) and the index in it."""

    list_id: bytes
    index: int
    list_url: str | None = None

    @classmethod
    def of(cls, list_url: str, index: int) -> StatusRef:
        return cls(status_list_id(list_url), index, list_url)

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any]) -> StatusRef:
        """From a ``BitstringStatusListEntry`` (``statusListCredential``,
        ``statusListIndex``). Raises ``offline_claims_invalid``."""
        url, index = entry.get("statusListCredential"), entry.get("statusListIndex")
        if not isinstance(url, str) or not isinstance(index, str | int):
            raise ConfigurationError(
                "offline_claims_invalid", "The status entry names no list URL or index."
            )
        return cls.of(url, int(index))


@dataclass(frozen=True)
class CredentialPayload:
    """What the issuer signed (decoded)."""

    issuer: str
    kid: str
    expires: datetime
    issued_at: datetime
    holder_key: PublicKey
    type: OfflineType
    status: tuple[StatusRef, ...]
    root: bytes
    leaf_count: int


@dataclass(frozen=True)
class OfflineCredential:
    """What the wallet keeps: the issuer's COSE_Sign1 bytes, the root seed of the salts and
    every claim, in leaf order. ``to_bytes`` / ``from_bytes``: the CBOR array
    ``[credential, seed, [[name, value], ...]]``."""

    credential: bytes
    seed: bytes = field(repr=False)
    claims: tuple[tuple[ClaimName, ClaimValue], ...]

    def to_bytes(self) -> bytes:
        return cbor2.dumps([self.credential, self.seed, [list(c) for c in self.claims]])

    @classmethod
    def from_bytes(cls, data: bytes) -> OfflineCredential:
        """Raises ``offline_qr_malformed``."""
        try:
            item = cbor2.loads(data)
        except (cbor2.CBORDecodeError, ValueError, TypeError) as exc:
            raise _malformed(f"Not an offline credential: {exc}") from None
        if (
            not isinstance(item, list)
            or len(item) != 3
            or not isinstance(item[0], bytes)
            or not isinstance(item[1], bytes)
            or len(item[1]) != sd.SALT_SIZE
            or not isinstance(item[2], list)
            or not all(isinstance(c, list) and len(c) == 2 for c in item[2])
        ):
            raise _malformed("An offline credential is [credential, seed, [[name, value]...]].")
        for name, value in item[2]:
            check_claim(name, value)
        return cls(item[0], item[1], tuple((c[0], c[1]) for c in item[2]))

    @property
    def payload(self) -> CredentialPayload:
        return parse_credential(self.credential)[1]

    def disclosures(self) -> list[bytes]:
        """Every claim's disclosure ``[salt, name, value]``, in leaf order."""
        salts = sd.leaf_salts(self.seed, len(self.claims))
        return [sd.encode_disclosure(s, n, v) for s, (n, v) in zip(salts, self.claims, strict=True)]

    def leaves(self) -> list[bytes]:
        return [sd.leaf_digest(d) for d in self.disclosures()]


def _timestamp(value: datetime, name: str) -> int:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ConfigurationError("naive_datetime", f"{name} must be timezone-aware (UTC).")
    return int(value.timestamp())


def issue_offline_credential(
    claims: OfflineClaims,
    *,
    issuer: str,
    issuer_key: PrivateKey,
    kid: str,
    holder_key: PublicKey,
    status: StatusRef | Sequence[StatusRef],
    now: datetime,
    valid_for: timedelta = timedelta(days=30),
    rng: Rng = os.urandom,
) -> OfflineCredential:
    """Issue the offline credential for ``claims`` to the holder of ``holder_key``.

    ``issuer`` is the bank's DID; ``kid`` names its Ed25519 assertion method (a DID URL
    or just its fragment, ``#delegate-1``); ``rng(n)`` gives the root seed of the salts
    (injected only for test vectors). Raises ConfigurationError ``offline_key_unsupported``
    (an issuer key that is not Ed25519, a holder key that is neither Ed25519 nor P-256),
    ``offline_claims_invalid``, ``naive_datetime``.
    """
    if issuer_key.type is not KeyType.ED25519:
        raise ConfigurationError(
            "offline_key_unsupported", "Offline credentials are signed with an Ed25519 key."
        )
    fragment = kid[kid.index("#") :] if "#" in kid else kid
    if not fragment.startswith("#") or len(fragment) < 2:
        raise ConfigurationError(
            "offline_claims_invalid", f"kid {kid!r} must name a verification method (#...)."
        )
    if "#" in kid and kid.split("#", 1)[0] not in ("", issuer):
        raise ConfigurationError(
            "offline_claims_invalid", f"kid {kid!r} is not a method of the issuer {issuer}."
        )
    refs = (status,) if isinstance(status, StatusRef) else tuple(status)
    if not refs:
        raise ConfigurationError("offline_claims_invalid", "Give at least one status entry.")
    if valid_for <= timedelta(0):
        raise ConfigurationError("offline_claims_invalid", "valid_for must be positive.")
    iat = _timestamp(now, "now")
    seed = rng(sd.SALT_SIZE)
    held = OfflineCredential(b"", seed, claims.claims)
    root = sd.merkle_root(held.leaves())
    payload = {
        1: issuer,
        4: iat + int(valid_for.total_seconds()),
        6: iat,
        8: {1: cose_key(holder_key)},
        DFP_CLAIM: {
            1: int(claims.type),
            2: [[r.list_id, r.index] for r in refs],
            3: root,
            4: len(claims.claims),
        },
    }
    message = sign1(cbor2.dumps(payload), issuer_key, kid=fragment.encode("utf-8"))
    return OfflineCredential(cbor2.dumps(message.to_list()), seed, claims.claims)


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _malformed(f"{what} must be an unsigned integer.")
    return value


def parse_credential(data: bytes) -> tuple[Sign1, CredentialPayload]:
    """Decode an issuer credential (no signature check). Raises ``offline_qr_malformed``."""
    try:
        message = Sign1.from_list(cbor2.loads(data))
    except (cbor2.CBORDecodeError, ValueError, TypeError) as exc:
        raise _malformed(f"The issuer credential is not CBOR: {exc}") from None
    if message.payload is None:
        raise _malformed("The issuer credential has no payload.")
    if message.alg != ALG_EDDSA or message.kid is None:
        raise _malformed("The issuer credential's header must be {1: -8 (EdDSA), 4: kid}.")
    try:
        claims = cbor2.loads(message.payload)
        kid = message.kid.decode("utf-8")
    except (cbor2.CBORDecodeError, ValueError, TypeError) as exc:
        raise _malformed(f"The issuer credential's payload is not CBOR: {exc}") from None
    if not isinstance(claims, dict) or not isinstance(claims.get(DFP_CLAIM), dict):
        raise _malformed("The issuer credential's payload is not an offline credential.")
    dfp = claims[DFP_CLAIM]
    iss = claims.get(1)
    if not isinstance(iss, str) or not iss.startswith("did:"):
        raise _malformed("iss must be the issuer's DID.")
    cnf = claims.get(8)
    if not isinstance(cnf, dict) or 1 not in cnf:
        raise _malformed("cnf must hold the holder's COSE_Key.")
    try:
        kind = OfflineType(dfp.get(1))
    except ValueError:
        raise _malformed(f"Unknown credential type {dfp.get(1)!r}.") from None
    raw_status = dfp.get(2)
    if not isinstance(raw_status, list) or not raw_status:
        raise _malformed("The status claim must list at least one [list id, index].")
    status = []
    for entry in raw_status:
        if not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[0], bytes):
            raise _malformed("A status entry is [8-byte list id, index].")
        if len(entry[0]) != 8:
            raise _malformed("A status list id is 8 bytes.")
        status.append(StatusRef(entry[0], _int(entry[1], "A status index")))
    root = dfp.get(3)
    if not isinstance(root, bytes) or len(root) != sd.NODE_SIZE:
        raise _malformed("The disclosure root must be 16 bytes.")
    count = _int(dfp.get(4), "The leaf count")
    if count < 1:
        raise _malformed("The credential has no claims.")
    payload = CredentialPayload(
        issuer=iss,
        kid=kid,
        expires=datetime.fromtimestamp(_int(claims.get(4), "exp"), UTC),
        issued_at=datetime.fromtimestamp(_int(claims.get(6), "iat"), UTC),
        holder_key=public_key_of(cnf[1]),
        type=kind,
        status=tuple(status),
        root=root,
        leaf_count=count,
    )
    return message, payload


def check_issuer_signature(message: Sign1, key: PublicKey) -> None:
    """Raises ``signature_invalid`` unless ``key`` signed the issuer credential."""
    if not verify1(message, key):
        raise VerdictError(
            "signature_invalid",
            "The issuer's signature does not verify: the credential was changed or another "
            "key signed it; refuse the QR.",
        )


def verify_offline_credential(
    credential: OfflineCredential, issuer_key: PublicKey
) -> CredentialPayload:
    """Check a received offline credential (the wallet does this on receipt): the issuer's
    signature and that the disclosures are exactly the signed ones.

    Raises ``offline_qr_malformed``; VerdictError ``signature_invalid``,
    ``offline_disclosure_invalid``.
    """
    message, payload = parse_credential(credential.credential)
    check_issuer_signature(message, issuer_key)
    leaves = credential.leaves()
    if len(leaves) != payload.leaf_count or sd.merkle_root(leaves) != payload.root:
        raise VerdictError(
            "offline_disclosure_invalid",
            "The credential's disclosures are not the ones the issuer signed.",
        )
    return payload
