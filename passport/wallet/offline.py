"""The offline QR credential in the wallet (issue 11; ``docs/offline-format.md``).

Received over OpenID4VCI in the ``dfp-offline-cwt`` format (section 12: base64url of the
holder's ``OfflineCredential`` bytes), checked against the issuer's assertion key from its
DID document before it is stored, and shown as a ``DFP1:`` QR by ``make_proof_qr``.

Error codes: those of ``passport.wallet.credentials`` on receipt (``credential_rejected``,
``credential_unverifiable``, ``credential_not_bound``); ``offline_credential_missing``
(VerdictError: the wallet holds no offline credential of that type) and the codes of
``passport.offline.make_offline_proof`` for a proof.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from passport.errors import CouldNotCheckError, PassportError, VerdictError
from passport.formats import FORMAT_DFP_OFFLINE
from passport.keys import PublicKey, b64url_decode
from passport.ports import Resolver
from passport.wallet.credentials import _rejected
from passport.wallet.model import Disclosure, HeldCredential, HistoryEntry, WalletState

__all__ = [
    "FORMAT_DFP_OFFLINE",
    "OFFLINE_KINDS",
    "OfflineQr",
    "accept_offline",
    "check_offline",
    "make_proof_qr",
    "offline_paths",
    "offline_view",
]

#: ``wallet proof-qr --type`` -> the credential type the offline credential carries.
OFFLINE_KINDS: Final = {"bank-statement": "BankStatementCredential", "kyc": "KYCCredential"}
#: The ``verifier`` of a history entry for a QR shown on the spot (no verifier identity).
OFFLINE_VERIFIER: Final = "offline-qr"


def _held_bytes(credential: Any) -> Any:
    """The ``OfflineCredential`` of a credential response value. Raises
    ``credential_rejected``."""
    from passport.offline import OfflineCredential

    if not isinstance(credential, str):
        raise _rejected("offline_qr_malformed", "a dfp-offline-cwt credential is a string")
    try:
        return OfflineCredential.from_bytes(b64url_decode(credential))
    except (PassportError, ValueError) as exc:
        raise _rejected("offline_qr_malformed", str(exc)) from None


def _issuer_key(resolver: Resolver, issuer: str, kid: str) -> PublicKey:
    """The issuer's assertion key ``issuer + kid`` from its DID document."""
    doc = resolver.resolve(issuer)
    return doc.authorized_method(issuer + kid, "assertionMethod").public_key


def _check(credential: Any, resolver: Resolver, now: datetime) -> Any:
    """Signature with the issuer's current key, disclosures, validity; returns
    ``(OfflineCredential, CredentialPayload)``."""
    from passport.offline import parse_credential, verify_offline_credential

    held = _held_bytes(credential)
    try:
        _, payload = parse_credential(held.credential)
    except PassportError as exc:
        raise _rejected(exc.code, exc.message) from None
    try:
        key = _issuer_key(resolver, payload.issuer, payload.kid)
    except CouldNotCheckError as exc:
        raise CouldNotCheckError(
            "credential_unverifiable",
            f"The issuer's key could not be resolved ({exc.code}); the credential was not "
            "stored. Try again when the issuer can be reached.",
            details={"code": exc.code},
        ) from exc
    except PassportError as exc:
        raise _rejected(exc.code, exc.message) from None
    try:
        verify_offline_credential(held, key)
    except PassportError as exc:
        raise _rejected(exc.code, exc.message) from None
    if now > payload.expires:
        raise _rejected("expired", f"it expired on {payload.expires.isoformat()}")
    return held, payload


def accept_offline(
    credential: Any,
    *,
    holder_key: PublicKey,
    resolver: Resolver,
    now: datetime,
    configuration_id: str,
    issuer_url: str | None,
) -> HeldCredential:
    """Check a received ``dfp-offline-cwt`` credential and describe it for the store: the
    issuer's signature with the ``kid`` assertion key of its DID document, the claims against
    the signed root, the expiry, and that ``cnf`` is this wallet's key.

    Raises ``credential_rejected``, ``credential_unverifiable``, ``credential_not_bound``.
    """
    from passport.wallet.model import credential_local_id

    held, payload = _check(credential, resolver, now)
    if payload.holder_key != holder_key:
        raise VerdictError(
            "credential_not_bound",
            "This credential is issued to another holder key; it was not stored.",
        )
    assert isinstance(credential, str)
    return HeldCredential(
        id=credential_local_id(credential),
        format=FORMAT_DFP_OFFLINE,
        credential=credential,
        issuer=payload.issuer,
        types=(payload.type.vc_type, configuration_id),
        vct=None,
        received_at=now.isoformat(timespec="seconds"),
        valid_from=payload.issued_at.isoformat(timespec="seconds"),
        valid_until=payload.expires.isoformat(timespec="seconds"),
        configuration_id=configuration_id,
        issuer_url=issuer_url,
        # its status lists are named by id only: the verifier's snapshot checks them
        status="unknown",
        status_checked_at=None,
    )


def check_offline(held: HeldCredential, *, resolver: Resolver, now: datetime) -> str:
    """The failing check's code (``expired``, ``signature_invalid``, ...), else ``unknown``:
    the wallet cannot read the status of an offline credential (its lists are named by id
    only; the verifier's snapshot checks them)."""
    try:
        _check(held.credential, resolver, now)
    except CouldNotCheckError:
        return "unknown"
    except VerdictError as exc:
        return str(exc.details.get("code", exc.code))
    return "unknown"


def offline_view(credential: Any) -> dict[str, Any]:
    """The claims view of an offline credential, shaped like a VC (``type``, ``issuer``,
    ``validFrom``, ``validUntil``, ``credentialSubject`` with every claim at its VC path)."""
    from passport.offline.claims import path_of, render_value

    held = _held_bytes(credential)
    payload = held.payload
    subject: dict[str, Any] = {}
    for name, value in held.claims:
        path = path_of(name)
        if path.startswith("balanceAtLeast/"):
            subject.setdefault("balanceAtLeast", {})[str(name)] = value
        else:
            subject[path] = render_value(name, value)
    return {
        "type": [payload.type.vc_type],
        "issuer": payload.issuer,
        "validFrom": payload.issued_at.isoformat(timespec="seconds"),
        "validUntil": payload.expires.isoformat(timespec="seconds"),
        "credentialSubject": subject,
    }


def offline_paths(held: HeldCredential) -> tuple[str, ...]:
    """The claims a holder can choose for a QR (``name``, ``balanceAtLeast/USD_10000``)."""
    from passport.offline.claims import path_of

    return tuple(path_of(name) for name, _ in _held_bytes(held.credential).claims)


@dataclass(frozen=True)
class OfflineQr:
    """A proof QR made by ``make_proof_qr``: its text, the credential shown, the claims
    disclosed, the binding (challenge code or time slot)."""

    text: str
    credential: HeldCredential
    claims: tuple[str, ...]
    binding: str | int


def _pick(state: WalletState, kind: str, now: datetime) -> HeldCredential:
    wanted = OFFLINE_KINDS.get(kind)
    candidates = [
        c
        for c in state.credentials
        if c.format == FORMAT_DFP_OFFLINE
        and wanted in c.types
        and c.status not in ("revoked", "suspended")
        and (c.valid_until is None or datetime.fromisoformat(c.valid_until) >= now)
    ]
    if wanted is None or not candidates:
        raise VerdictError(
            "offline_credential_missing",
            f"The wallet holds no valid offline {kind} credential; ask your bank for an "
            f"offline offer (issuer offer --type offline-{kind}) and `wallet receive` it.",
            details={"type": kind},
        )
    return max(candidates, key=lambda c: c.received_at)


def make_proof_qr(
    state: WalletState,
    *,
    kind: str,
    claims: Sequence[str],
    now: datetime,
    challenge: str | None = None,
) -> tuple[WalletState, OfflineQr]:
    """The ``DFP1:`` QR text disclosing ``claims`` (VC paths) of the newest valid offline
    credential of ``kind`` (``bank-statement`` or ``kyc``), signed with the wallet's key over
    ``challenge`` or the current time slot; returns the state with a history entry for it.

    Raises VerdictError ``offline_credential_missing``; ConfigurationError
    ``offline_claims_invalid``, ``holder_key_mismatch``.
    """
    from passport.offline import make_offline_proof

    held = _pick(state, kind, now.astimezone(UTC))
    credential = _held_bytes(held.credential)
    proof = make_offline_proof(
        credential, state.holder_key, disclose=list(claims), now=now, challenge=challenge
    )
    entry = HistoryEntry(
        at=now.isoformat(timespec="seconds"),
        verifier=OFFLINE_VERIFIER,
        verifier_accreditation=None,
        outcome="shown",
        disclosed=(Disclosure(kind, held.id, held.display_type, tuple(claims)),),
        response_mode=OFFLINE_VERIFIER,
        verifier_answer=(
            {"challenge": proof.binding}
            if isinstance(proof.binding, str)
            else {"time_slot": proof.binding}
        ),
    )
    qr = OfflineQr(proof.to_qr_text(), held, tuple(claims), proof.binding)
    return state.with_history(entry), qr
