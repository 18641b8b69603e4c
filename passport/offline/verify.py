"""Offline verification of a scanned QR against the verifier's trust snapshot alone.

``verify_offline`` never touches the network: everything it needs is in the QR and in the
``TrustSnapshot`` that the last ``verifier sync`` took. Checks, in the report's order
(``docs/offline-format.md`` section 7):

``format`` (prefix, base45, zlib, CBOR shapes), ``snapshot_age`` (older than
``max_snapshot_age``: could not check, so the report is ``indeterminate``), ``issuer`` (in
the snapshot), ``issuer_key`` (the ``kid`` method exists and was not rotated out or
revoked), ``signature`` (issuer COSE_Sign1), ``disclosures`` (the disclosed claims and the
Merkle proof give the signed root), ``accreditation`` (trust registry status at the
snapshot and the accreditation window at ``now``), ``status`` (the bits as of the
snapshot), ``validity`` (``exp``, ``iat``), ``holder_signature`` (by the ``cnf`` key),
``binding`` (the challenge shown, or the 5-minute time window), ``replay`` (a QR already
accepted).

Error codes: ``offline_qr_malformed``, ``offline_prefix_unknown`` (MalformedError);
``offline_issuer_unknown``, ``verification_method_not_found``, ``issuer_key_revoked``,
``signature_invalid``, ``offline_disclosure_invalid``, ``issuer_not_accredited``,
``revoked``, ``suspended``, ``expired``, ``not_yet_valid``, ``holder_binding_failed``,
``challenge_mismatch``, ``offline_proof_expired``, ``replayed`` (VerdictError);
``offline_snapshot_stale``, ``offline_status_unknown`` (CouldNotCheckError).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from passport.errors import (
    ConfigurationError,
    CouldNotCheckError,
    MalformedError,
    VerdictError,
)
from passport.keys import KeyType, PublicKey
from passport.offline import sd
from passport.offline.claims import path_of, render_value
from passport.offline.cose import Sign1, verify1
from passport.offline.credential import CredentialPayload, check_issuer_signature, parse_credential
from passport.offline.proof import (
    SLOT_SECONDS,
    Disclosed,
    OfflineProof,
    holder_payload,
    parse_proof,
)
from passport.offline.qr import decode_qr_text
from passport.offline.snapshot import IssuerTrust, TrustSnapshot
from passport.report import Outcome, VerificationReport

__all__ = ["FORMAT", "InMemoryReplayStore", "ReplayStore", "verify_offline"]

FORMAT: Final = "dfp-offline-qr"


class ReplayStore(Protocol):
    """Remembers the QRs a verifier accepted (by fingerprint) until they could no longer
    be accepted anyway."""

    def seen(self, fingerprint: bytes) -> bool: ...

    def add(self, fingerprint: bytes, until: datetime) -> None: ...


@dataclass
class InMemoryReplayStore:
    """A ``ReplayStore`` in memory; entries are dropped once past their ``until``."""

    _entries: dict[bytes, datetime] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(self, fingerprint: bytes) -> bool:
        with self._lock:
            return fingerprint in self._entries

    def add(self, fingerprint: bytes, until: datetime) -> None:
        with self._lock:
            self._entries[fingerprint] = until

    def prune(self, now: datetime) -> None:
        """Forget the QRs whose credential has expired (they fail ``validity`` anyway)."""
        with self._lock:
            for key in [k for k, t in self._entries.items() if t < now]:
                del self._entries[key]


def _verdict(code: str, message: str, **details: Any) -> VerdictError:
    return VerdictError(code, message, details=details)


def _check(report: VerificationReport, name: str, fn: Callable[[], None]) -> bool:
    """Run one check into the report; did it pass?"""
    report.run(name, fn)
    return report.checks[-1].outcome is Outcome.PASSED


def _claims(disclosed: Disclosed) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for index in sorted(disclosed.claims):
        name, value = disclosed.claims[index]
        if isinstance(name, str):
            out.setdefault("balanceAtLeast", {})[name] = render_value(name, value)
        else:
            out[path_of(name)] = render_value(name, value)
    return out


def verify_offline(
    qr_text: str,
    snapshot: TrustSnapshot,
    *,
    now: datetime,
    challenge: str | None = None,
    seen: ReplayStore | None = None,
    max_snapshot_age: timedelta = timedelta(hours=24),
    clock_skew: timedelta = timedelta(seconds=60),
) -> VerificationReport:
    """Verify a scanned offline proof with ``snapshot`` alone (no network).

    ``challenge``: the code the verifier's screen showed (the proof must answer it);
    without one the proof must be signed over the current or the previous 5-minute slot.
    ``seen``: where accepted QRs are remembered (replay check). Returns a report whose
    ``status`` is ``verified`` only when every check passed; a snapshot older than
    ``max_snapshot_age`` or a status list missing from it makes it ``indeterminate``.
    Raises ConfigurationError ``naive_datetime`` for a ``now`` without timezone; a bad QR
    is a failed check of the report, never an exception.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ConfigurationError("naive_datetime", "Pass now as a timezone-aware time (UTC).")
    report = VerificationReport(format=FORMAT)
    age = max(timedelta(0), now - snapshot.taken_at)
    report.subject["snapshot"] = {
        "takenAt": snapshot.taken_at.isoformat(),
        "ageSeconds": int(age.total_seconds()),
    }

    def fmt() -> tuple[OfflineProof, CredentialPayload, Sign1, Disclosed, dict[int, bytes]]:
        proof = parse_proof(decode_qr_text(qr_text))
        message, payload = parse_credential(proof.credential)
        disclosed = proof.disclosures()
        salts = sd.derive_salts(payload.leaf_count, set(disclosed.claims), disclosed.seeds)
        if not set(disclosed.claims) <= set(salts):
            raise MalformedError(
                "offline_qr_malformed", "A disclosed claim lies outside the credential's tree."
            )
        return proof, payload, message, disclosed, salts

    parsed = report.run("format", fmt)
    if parsed is None:
        return report
    proof, payload, message, disclosed, salts = parsed
    report.subject.update(
        issuer=payload.issuer,
        type=payload.type.vc_type,
        expires=payload.expires.isoformat(),
    )

    def snapshot_age() -> None:
        if age > max_snapshot_age:
            raise CouldNotCheckError(
                "offline_snapshot_stale",
                f"The trust snapshot is {int(age.total_seconds())} s old, past the allowed "
                f"{int(max_snapshot_age.total_seconds())} s; run `verifier sync` before "
                "accepting offline proofs.",
                details={"ageSeconds": int(age.total_seconds())},
            )

    _check(report, "snapshot_age", snapshot_age)

    def issuer() -> IssuerTrust:
        found = snapshot.issuer(payload.issuer)
        if found is None:
            raise _verdict(
                "offline_issuer_unknown",
                f"{payload.issuer} is not an issuer in the trust snapshot: not a bank this "
                "verifier trusts (or it was added after the last sync).",
                issuer=payload.issuer,
            )
        return found

    trusted = report.run("issuer", issuer)
    if trusted is None:
        return report

    def issuer_key() -> PublicKey:
        key = trusted.key(payload.kid)
        if key is None:
            raise _verdict(
                "verification_method_not_found",
                f"{payload.issuer}{payload.kid} is not a key of the issuer in the snapshot.",
            )
        if key.revoked_at is not None:
            raise _verdict(
                "issuer_key_revoked",
                f"The issuer's key {key.id} was rotated out or revoked at "
                f"{key.revoked_at.isoformat()}; refuse credentials it signed.",
                key=key.id,
            )
        return PublicKey(KeyType.ED25519, key.public_key)

    signing_key = report.run("issuer_key", issuer_key)
    if signing_key is None:
        return report

    def disclosures() -> None:
        leaves = {
            i: sd.leaf_digest(sd.encode_disclosure(salts[i], name, value))
            for i, (name, value) in disclosed.claims.items()
        }
        sd.check_root(payload.leaf_count, leaves, disclosed.nodes, payload.root)

    if not _check(report, "signature", lambda: check_issuer_signature(message, signing_key)):
        return report
    if not _check(report, "disclosures", disclosures):
        return report
    report.subject["claims"] = _claims(disclosed)

    def accreditation() -> None:
        vc_type = payload.type.vc_type
        status = trusted.registry_status.get(vc_type, "not_accredited")
        window = any(
            vc_type in a.types and a.valid_from <= now < a.valid_until
            for a in trusted.accreditations
        )
        if status != "accredited" or not window:
            why = status if status != "accredited" else "outside its accreditation window"
            raise _verdict(
                "issuer_not_accredited",
                f"{payload.issuer} is not accredited for {vc_type} as of the snapshot "
                f"({why.replace('_', ' ')}).",
                issuer=payload.issuer,
                type=vc_type,
                status=status,
            )

    def status() -> None:
        for ref in payload.status:
            listed = snapshot.status_list(payload.issuer, ref.list_id)
            if listed is None:
                raise CouldNotCheckError(
                    "offline_status_unknown",
                    "The credential's status list is not in the trust snapshot; add its URL "
                    "to `verifier sync`.",
                    details={"listId": ref.list_id.hex()},
                )
            if listed.value(ref.index):
                code = "suspended" if listed.purpose == "suspension" else "revoked"
                raise _verdict(
                    code,
                    f"The credential is {code} (status list {listed.url} index {ref.index}, "
                    f"as of {listed.fetched_at.isoformat()}).",
                    index=ref.index,
                )

    def validity() -> None:
        if now > payload.expires + clock_skew:
            raise _verdict(
                "expired",
                f"The offline credential expired at {payload.expires.isoformat()}; the "
                "citizen must ask the bank for a new one.",
            )
        if payload.issued_at > now + clock_skew:
            raise _verdict(
                "not_yet_valid",
                f"The credential is issued in the future ({payload.issued_at.isoformat()}); "
                "check the clocks.",
            )

    def holder_signature() -> None:
        data = holder_payload(proof.credential, proof.disclosed, proof.binding)
        if not verify1(proof.holder, payload.holder_key, detached_payload=data):
            raise _verdict(
                "holder_binding_failed",
                "The holder signature was not made with the key the credential is bound to: "
                "the QR is not shown by the citizen it was issued to, or it was altered.",
            )

    def binding() -> None:
        if challenge is not None:
            if proof.binding != challenge:
                shown = (
                    f"the code {proof.binding!r}"
                    if isinstance(proof.binding, str)
                    else "a time window"
                )
                raise _verdict(
                    "challenge_mismatch",
                    f"The proof answers {shown}, not the challenge {challenge!r} on this "
                    "screen; ask the citizen to make a new QR with this code.",
                )
            return
        if isinstance(proof.binding, str):
            raise _verdict(
                "challenge_mismatch",
                "The proof answers a challenge code, but none was given; pass the code this "
                "verifier showed.",
            )
        start = proof.binding * SLOT_SECONDS
        signed = datetime.fromtimestamp(start, now.tzinfo)
        until = signed + timedelta(seconds=2 * SLOT_SECONDS) + clock_skew
        if not signed - clock_skew <= now < until:
            raise _verdict(
                "offline_proof_expired",
                f"The proof was made for the time window starting {signed.isoformat()}, not "
                "for now; ask the citizen to show a fresh QR.",
            )

    fingerprint = hashlib.sha256(proof.holder.signature).digest()

    def replay() -> None:
        if seen is not None and seen.seen(fingerprint):
            raise _verdict(
                "replayed",
                "This QR was already accepted once; ask the citizen for a fresh one.",
            )

    for name, fn in (
        ("accreditation", accreditation),
        ("status", status),
        ("validity", validity),
        ("holder_signature", holder_signature),
        ("binding", binding),
        ("replay", replay),
    ):
        _check(report, name, fn)
    if seen is not None and report.verified:
        seen.add(fingerprint, payload.expires)
    report.subject["binding"] = (
        {"challenge": proof.binding} if isinstance(proof.binding, str) else {"slot": proof.binding}
    )
    return report
