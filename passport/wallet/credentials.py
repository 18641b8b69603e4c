"""Credentials as the wallet sees them: the full view that queries address, a summary for
display, and the check made before a received credential is stored.

Formats held: ``vc+sd-jwt`` (W3C VC 2.0 secured with SD-JWT), ``dc+sd-jwt`` (IETF SD-JWT VC:
``vct``, flat claims, ``cnf.jwk``), ``ldp_vc`` (Data Integrity, e.g. the
FidoKeyBindingCredential) and ``dfp-offline-cwt`` (the offline QR credential,
``passport.wallet.offline``).

Error codes: ``credential_rejected`` (VerdictError: the signature, validity or status check
failed; ``details.code`` is the check's own code), ``credential_unverifiable``
(CouldNotCheckError: the issuer's key or status list could not be reached),
``credential_not_bound`` (VerdictError: issued to another holder), ``credential_format_unsupported``
(MalformedError). ``accept_copies`` checks a batch of copies, each bound to a one-time key.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final

from passport.errors import CouldNotCheckError, PassportError, VerdictError
from passport.formats import FORMAT_DFP_OFFLINE
from passport.keys import PublicKey
from passport.ports import Resolver, StatusFetcher
from passport.verify import TokenStatusFetcher
from passport.wallet.model import CredentialCopy, HeldCredential, SlotKey, credential_local_id

__all__ = [
    "FORMAT_DC_SD_JWT",
    "FORMAT_LDP_VC",
    "FORMAT_VC_SD_JWT",
    "SUPPORTED_FORMATS",
    "TokenStatusFetcher",
    "accept_copies",
    "accept_credential",
    "check_held",
    "claims_view",
    "disclosable_paths",
    "subject_claims",
]

FORMAT_VC_SD_JWT: Final = "vc+sd-jwt"
FORMAT_DC_SD_JWT: Final = "dc+sd-jwt"
FORMAT_LDP_VC: Final = "ldp_vc"
SUPPORTED_FORMATS: Final = (FORMAT_VC_SD_JWT, FORMAT_DC_SD_JWT, FORMAT_LDP_VC, FORMAT_DFP_OFFLINE)


# Registered JWT claims of an SD-JWT VC that are not the subject's claims (SD-JWT VC 3.2.2).
_SD_JWT_VC_META: Final = frozenset(
    {"iss", "nbf", "exp", "iat", "cnf", "vct", "vct#integrity", "status", "sub", "_sd_alg"}
)


def _unsupported(fmt: str) -> VerdictError:
    return VerdictError(
        "credential_format_unsupported",
        f"The wallet holds vc+sd-jwt, dc+sd-jwt, ldp_vc and dfp-offline-cwt credentials, "
        f"not {fmt!r}.",
        details={"format": fmt},
    )


def claims_view(fmt: str, credential: str | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON that DCQL claim paths address, fully disclosed: the whole VC for ``vc+sd-jwt``
    and ``ldp_vc``, the flat SD-JWT VC payload for ``dc+sd-jwt``, a VC-shaped view of an
    offline credential's claims."""
    if fmt == FORMAT_DFP_OFFLINE:
        from passport.wallet.offline import offline_view

        return offline_view(credential)
    if fmt in (FORMAT_VC_SD_JWT, FORMAT_DC_SD_JWT):
        from passport.sdjwt.holder import full_payload

        if not isinstance(credential, str):
            raise _unsupported(fmt)
        return full_payload(credential)
    if fmt == FORMAT_LDP_VC and isinstance(credential, Mapping):
        return {k: v for k, v in credential.items() if k != "proof"}
    raise _unsupported(fmt)


def disclosable_paths(held: HeldCredential) -> tuple[str, ...]:
    """The slash paths of the claims a holder can choose among (``()`` for ldp_vc)."""
    if held.format == FORMAT_DFP_OFFLINE:
        from passport.wallet.offline import offline_paths

        return offline_paths(held)
    if held.format == FORMAT_LDP_VC or not isinstance(held.credential, str):
        return ()
    from passport.sdjwt.holder import disclosable_claims

    return tuple(c.path for c in disclosable_claims(held.credential))


def subject_claims(held: HeldCredential) -> dict[str, Any]:
    """The holder-facing claims: ``credentialSubject`` of a VC, the non-registered claims of
    an SD-JWT VC."""
    view = claims_view(held.format, held.credential)
    if held.format == FORMAT_DC_SD_JWT:
        return {k: v for k, v in view.items() if k not in _SD_JWT_VC_META}
    subject = view.get("credentialSubject")
    return dict(subject) if isinstance(subject, Mapping) else {}


def _iso_epoch(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC).isoformat(timespec="seconds")
    return None


def _types(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(t) for t in value)
    return ()


def _rejected(code: str, message: str) -> VerdictError:
    return VerdictError(
        "credential_rejected",
        f"The issuer's credential failed its check ({code}: {message}); it was not stored. "
        "Ask the issuer for a new offer.",
        details={"code": code},
    )


def _check_pipeline(
    credential: str | Mapping[str, Any],
    *,
    resolver: Resolver,
    status_fetcher: StatusFetcher | None,
    now: datetime,
    token_status: TokenStatusFetcher | None = None,
) -> None:
    from passport.report import ReportStatus
    from passport.verify import VerifyOptions, verify

    report = verify(
        credential if isinstance(credential, str) else dict(credential),
        VerifyOptions(
            resolver=resolver,
            now=now,
            status_fetcher=status_fetcher,
            require_holder_binding=False,
            token_status_fetcher=token_status,
        ),
    )
    if report.status is ReportStatus.VERIFIED:
        return
    failures = report.failures
    first = failures[0] if failures else None
    code = (first.code if first else None) or "invalid"
    message = first.message if first else "not verified"
    if report.status is ReportStatus.INDETERMINATE:
        raise CouldNotCheckError(
            "credential_unverifiable",
            f"The credential could not be checked ({code}: {message}); it was not stored. "
            "Try again when the issuer can be reached.",
            details={"code": code},
        )
    raise _rejected(code, message)


def _check_dc_sd_jwt(
    credential: str,
    *,
    resolver: Resolver,
    status_fetcher: StatusFetcher | None,
    token_status: TokenStatusFetcher | None,
    now: datetime,
) -> dict[str, Any]:
    """An SD-JWT VC through the core pipeline (``passport.verify``, its ``dc+sd-jwt`` branch:
    signature, ``vct``, Bitstring or Token Status List); its full payload."""
    from passport.sdjwt.holder import full_payload

    _check_pipeline(
        credential,
        resolver=resolver,
        status_fetcher=status_fetcher,
        now=now,
        token_status=token_status,
    )
    return full_payload(credential)


def _checked_view(
    credential: str | Mapping[str, Any],
    fmt: str,
    *,
    resolver: Resolver,
    status_fetcher: StatusFetcher | None,
    now: datetime,
    token_status: TokenStatusFetcher | None,
) -> dict[str, Any]:
    """The credential's claims view after its signature, validity and status checks."""
    if fmt == FORMAT_DC_SD_JWT:
        if not isinstance(credential, str):
            raise _unsupported(fmt)
        return _check_dc_sd_jwt(
            credential,
            resolver=resolver,
            status_fetcher=status_fetcher,
            token_status=token_status,
            now=now,
        )
    if (fmt == FORMAT_VC_SD_JWT) != isinstance(credential, str):
        raise _unsupported(fmt)
    _check_pipeline(credential, resolver=resolver, status_fetcher=status_fetcher, now=now)
    return claims_view(fmt, credential)


def _is_bound(view: Mapping[str, Any], fmt: str, dids: Collection[str], key: PublicKey) -> bool:
    """``cnf.jwk`` is ``key`` (or, without ``cnf``, ``credentialSubject.id`` is one of
    ``dids``), and a ``credentialSubject.id`` present names one of ``dids``."""
    cnf = view.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, Mapping) else None
    subject = view.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, Mapping) else None
    bound = False
    if isinstance(jwk, Mapping):
        try:
            bound = PublicKey.from_jwk(jwk) == key
        except PassportError:
            bound = False
    elif fmt != FORMAT_DC_SD_JWT:
        bound = subject_id in dids
    return bound and (subject_id is None or subject_id in dids)


def _not_bound() -> VerdictError:
    return VerdictError(
        "credential_not_bound",
        "This credential is issued to another holder key; it was not stored.",
    )


def _describe(
    credential: str | Mapping[str, Any],
    view: Mapping[str, Any],
    fmt: str,
    *,
    now: datetime,
    configuration_id: str,
    issuer_url: str | None,
) -> HeldCredential:
    issuer = view.get("iss") if fmt == FORMAT_DC_SD_JWT else view.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    vct = view.get("vct") if isinstance(view.get("vct"), str) else None
    return HeldCredential(
        id=credential_local_id(credential),
        format=fmt,
        credential=credential
        if isinstance(credential, str)
        else json.loads(json.dumps(credential)),
        issuer=str(issuer),
        types=_types(view.get("type")),
        vct=vct,
        received_at=now.isoformat(timespec="seconds"),
        valid_from=view.get("validFrom") or _iso_epoch(view.get("nbf") or view.get("iat")),
        valid_until=view.get("validUntil") or _iso_epoch(view.get("exp")),
        configuration_id=configuration_id,
        issuer_url=issuer_url,
        status="valid",
        status_checked_at=now.isoformat(timespec="seconds"),
    )


def accept_credential(
    credential: str | Mapping[str, Any],
    fmt: str,
    *,
    holder_did: str,
    holder_key: PublicKey,
    resolver: Resolver,
    status_fetcher: StatusFetcher | None,
    now: datetime,
    configuration_id: str,
    issuer_url: str | None,
    token_status: TokenStatusFetcher | None = None,
) -> HeldCredential:
    """Check a credential the holder just received, and describe it for the store.

    The issuer's signature, the validity period and the status (Bitstring Status List for VCs,
    Token Status List for SD-JWT VCs) are checked, and that it is issued to this holder
    (``cnf.jwk`` is the holder key, or ``credentialSubject.id`` the holder DID).

    Raises ``credential_rejected``, ``credential_unverifiable``, ``credential_not_bound``,
    ``credential_format_unsupported``.
    """
    if fmt not in SUPPORTED_FORMATS:
        raise _unsupported(fmt)
    if fmt == FORMAT_DFP_OFFLINE:
        from passport.wallet.offline import accept_offline

        return accept_offline(
            credential,
            holder_key=holder_key,
            resolver=resolver,
            now=now,
            configuration_id=configuration_id,
            issuer_url=issuer_url,
        )
    view = _checked_view(
        credential,
        fmt,
        resolver=resolver,
        status_fetcher=status_fetcher,
        now=now,
        token_status=token_status,
    )
    if not _is_bound(view, fmt, (holder_did,), holder_key):
        raise _not_bound()
    return _describe(
        credential, view, fmt, now=now, configuration_id=configuration_id, issuer_url=issuer_url
    )


def accept_copies(
    credentials: Sequence[str | Mapping[str, Any]],
    fmt: str,
    *,
    slots: Sequence[SlotKey],
    resolver: Resolver,
    status_fetcher: StatusFetcher | None,
    now: datetime,
    configuration_id: str,
    issuer_url: str | None,
    token_status: TokenStatusFetcher | None = None,
) -> HeldCredential:
    """Check every copy of a batch (as ``accept_credential`` does), find the one-time key each
    is bound to (``cnf.jwk``; a ``credentialSubject.id`` must be that key's did:jwk or did:key)
    among ``slots``, and describe them as one credential whose ``copies`` name their slots.
    The issuer need not answer in the order of the proofs; every slot takes one copy at most,
    and all copies must be of one issuer and type (the same claims).

    Raises ``credential_not_bound`` (a copy bound to none of the slots' keys, or two copies to
    one), ``credential_rejected`` (``details.code`` ``batch_inconsistent``), and what
    ``accept_credential`` raises.
    """
    from passport.did.key import did_key_from_public_key

    if fmt not in (FORMAT_VC_SD_JWT, FORMAT_DC_SD_JWT):
        raise _unsupported(fmt)
    free = {s.index: s for s in slots}
    copies: list[CredentialCopy] = []
    first: HeldCredential | None = None
    first_claims: Any = None
    for credential in credentials:
        view = _checked_view(
            credential,
            fmt,
            resolver=resolver,
            status_fetcher=status_fetcher,
            now=now,
            token_status=token_status,
        )
        slot = next(
            (
                s
                for s in free.values()
                if _is_bound(
                    view,
                    fmt,
                    (s.did, did_key_from_public_key(s.key.public_key)),
                    s.key.public_key,
                )
            ),
            None,
        )
        if slot is None:
            raise _not_bound()
        del free[slot.index]
        described = _describe(
            credential,
            view,
            fmt,
            now=now,
            configuration_id=configuration_id,
            issuer_url=issuer_url,
        )
        claims = _claims_without_binding(view)
        if first is None:
            first, first_claims = described, claims
        elif (described.issuer, described.types, described.vct) != (
            first.issuer,
            first.types,
            first.vct,
        ) or claims != first_claims:
            raise _rejected("batch_inconsistent", "the copies of one batch differ in their claims")
        copies.append(CredentialCopy(slot.index, described.credential))
    if first is None:
        raise _rejected("batch_inconsistent", "the batch holds no credential")
    copies.sort(key=lambda c: c.slot)
    return replace(first, credential=copies[0].credential, copies=tuple(copies))


def _claims_without_binding(view: Mapping[str, Any]) -> dict[str, Any]:
    """What must be equal across the copies of a batch: the claims, without the per-copy
    holder binding, status entry and identifiers."""
    out = {
        k: v
        for k, v in view.items()
        if k not in ("cnf", "status", "credentialStatus", "id", "jti", "iat", "nbf", "exp")
        and k not in ("validFrom", "validUntil")
    }
    subject = out.get("credentialSubject")
    if isinstance(subject, Mapping):
        out["credentialSubject"] = {k: v for k, v in subject.items() if k != "id"}
    return out


def check_held(
    held: HeldCredential,
    *,
    resolver: Resolver,
    status_fetcher: StatusFetcher | None,
    now: datetime,
    token_status: TokenStatusFetcher | None = None,
) -> str:
    """The credential's live state: ``valid``, the failing check's code (``revoked``,
    ``suspended``, ``expired``, ``signature_invalid``, ...), or ``unknown`` when it could
    not be checked (an unreachable status list is not a revocation)."""
    if held.format == FORMAT_DFP_OFFLINE:
        from passport.wallet.offline import check_offline

        return check_offline(held, resolver=resolver, now=now)
    try:
        if held.format == FORMAT_DC_SD_JWT:
            assert isinstance(held.credential, str)
            _check_dc_sd_jwt(
                held.credential,
                resolver=resolver,
                status_fetcher=status_fetcher,
                token_status=token_status,
                now=now,
            )
        else:
            _check_pipeline(
                held.credential, resolver=resolver, status_fetcher=status_fetcher, now=now
            )
    except CouldNotCheckError:
        return "unknown"
    except VerdictError as exc:
        return str(exc.details.get("code", exc.code))
    return "valid"
