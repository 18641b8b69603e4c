"""The claims of the offline credential: their CBOR names, values and credential types.

Claims travel as selectively disclosable disclosures ``[salt, name, value]``. Names are small
integers for the fixed claims (a table in ``docs/offline-format.md`` section 3) and text for
the balance tiers (``"USD_10000"``, exactly the ``balanceAtLeast`` keys of the VC 2.0
``BankStatementCredential``). Values are CBOR: text, booleans, full-dates (tag 1004,
RFC 8943) and, for ``idDocumentNumberHash``, the raw multihash bytes.

Error codes: ``offline_claims_invalid`` (ConfigurationError) for claims the offline
credential cannot carry.
"""

from __future__ import annotations

import base64
import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from passport.errors import ConfigurationError

__all__ = [
    "CLAIM_NAMES",
    "ClaimName",
    "ClaimValue",
    "OfflineClaims",
    "OfflineType",
    "bank_statement_claims",
    "claims_from_credential",
    "kyc_claims",
    "path_of",
]

ClaimName = int | str
ClaimValue = str | bool | date | bytes

#: Fixed claims: CBOR name -> the VC 2.0 claim it carries (credentialSubject member).
CLAIM_NAMES: Final[Mapping[int, str]] = {
    1: "name",
    2: "nationality",
    3: "givenName",
    4: "familyName",
    5: "birthDate",
    6: "idDocumentType",
    7: "idDocumentCountry",
    8: "idDocumentNumberHash",
    9: "kycLevel",
    10: "verificationDate",
}
_BY_PATH: Final = {v: k for k, v in CLAIM_NAMES.items()}
_DATE_CLAIMS: Final = frozenset({5, 10})
_TIER = re.compile(r"^[A-Z]{3}_[1-9][0-9]{0,14}$")


class OfflineType(enum.IntEnum):
    """The credential type claim (``type``, key 1 of the ``dfp`` claim)."""

    BANK_STATEMENT = 1
    KYC = 2

    @property
    def vc_type(self) -> str:
        return "BankStatementCredential" if self is OfflineType.BANK_STATEMENT else "KYCCredential"


def _bad(message: str) -> ConfigurationError:
    return ConfigurationError("offline_claims_invalid", message)


def _check_name(name: ClaimName) -> None:
    if isinstance(name, bool) or not isinstance(name, int | str):
        raise _bad(f"Claim name {name!r} is neither a registered number nor a tier name.")
    if isinstance(name, int) and name not in CLAIM_NAMES:
        raise _bad(f"Claim number {name} is not registered (see docs/offline-format.md).")
    if isinstance(name, str) and not _TIER.match(name):
        raise _bad(f"{name!r} is not a balance tier name like 'USD_10000'.")


def _check_value(name: ClaimName, value: ClaimValue) -> None:
    if isinstance(name, str):
        if not isinstance(value, bool):
            raise _bad(f"The tier {name} must be true or false.")
    elif name in _DATE_CLAIMS:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise _bad(f"{CLAIM_NAMES[name]} must be a date.")
    elif name == 8:
        if not isinstance(value, bytes):
            raise _bad("idDocumentNumberHash must be the multihash bytes.")
    elif not isinstance(value, str) or not value:
        raise _bad(f"{CLAIM_NAMES[name]} must be non-empty text.")


@dataclass(frozen=True)
class OfflineClaims:
    """The source claims of one offline credential, in leaf order (the issuer's order)."""

    type: OfflineType
    claims: tuple[tuple[ClaimName, ClaimValue], ...]

    def __post_init__(self) -> None:
        seen: set[ClaimName] = set()
        for name, value in self.claims:
            _check_name(name)
            _check_value(name, value)
            if name in seen:
                raise _bad(f"The claim {path_of(name)} appears twice.")
            seen.add(name)
        if not self.claims:
            raise _bad("An offline credential needs at least one claim.")


def path_of(name: ClaimName) -> str:
    """The VC 2.0 path of a claim: ``name``, ``nationality``, ``balanceAtLeast/USD_10000``."""
    if isinstance(name, str):
        return f"balanceAtLeast/{name}"
    return CLAIM_NAMES.get(name, str(name))


def name_of(path: str) -> ClaimName:
    """The inverse of ``path_of``. Raises ``offline_claims_invalid``."""
    if path.startswith("balanceAtLeast/"):
        tier = path.removeprefix("balanceAtLeast/")
        _check_name(tier)
        return tier
    alias = {"legalName": "name", "accountHolderName": "name"}.get(path, path)
    if alias not in _BY_PATH:
        raise _bad(
            f"{path!r} is not a claim of the offline credential; use name, nationality, "
            "balanceAtLeast/<CUR>_<amount> or a KYC claim."
        )
    return _BY_PATH[alias]


def bank_statement_claims(
    *, name: str, nationality: str, tiers: Mapping[str, bool]
) -> OfflineClaims:
    """Claims of the offline proof of funds: name, nationality, then every tier."""
    items: list[tuple[ClaimName, ClaimValue]] = [(1, name), (2, nationality)]
    items.extend((tier, bool(v)) for tier, v in tiers.items())
    return OfflineClaims(OfflineType.BANK_STATEMENT, tuple(items))


def kyc_claims(subject: Mapping[str, Any]) -> OfflineClaims:
    """Claims of the offline KYC credential from a KYCCredential's ``credentialSubject``."""
    items: list[tuple[ClaimName, ClaimValue]] = []
    for number, path in CLAIM_NAMES.items():
        key = "legalName" if path == "name" else path
        if key not in subject:
            continue
        raw = subject[key]
        value: ClaimValue
        if number in _DATE_CLAIMS:
            try:
                value = date.fromisoformat(str(raw))
            except ValueError as exc:
                raise _bad(f"{key} is not a full-date: {raw!r}") from exc
        elif number == 8:
            value = _multibase_bytes(str(raw))
        else:
            value = str(raw)
        items.append((number, value))
    return OfflineClaims(OfflineType.KYC, tuple(items))


def _multibase_bytes(text: str) -> bytes:
    if not text.startswith("u"):
        raise _bad("idDocumentNumberHash must be multibase base64url ('u...').")
    body = text[1:]
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError as exc:
        raise _bad(f"idDocumentNumberHash is not base64url: {exc}") from exc


def check_claim(name: Any, value: Any) -> None:
    """Raises ``offline_qr_malformed`` for a disclosed claim of an unknown name or a value of
    the wrong type."""
    from passport.errors import MalformedError

    try:
        _check_name(name)
        _check_value(name, value)
    except ConfigurationError as exc:
        raise MalformedError("offline_qr_malformed", f"A disclosed claim: {exc.message}") from None


def render_value(name: ClaimName, value: Any) -> Any:
    """A disclosed CBOR value as the VC 2.0 claim value (JSON)."""
    if isinstance(value, date):
        return value.isoformat()
    if name == 8 and isinstance(value, bytes):
        return "u" + base64.urlsafe_b64encode(value).rstrip(b"=").decode("ascii")
    return value


def claims_from_credential(
    credential: Mapping[str, Any],
    *,
    nationality: str | None = None,
    tiers: Sequence[str] | None = None,
) -> OfflineClaims:
    """The offline claims of a VC 2.0 ``BankStatementCredential`` or ``KYCCredential``.

    A bank statement names no nationality: pass the one of the bank's customer record.
    ``tiers`` keeps only those ``balanceAtLeast`` keys (default: all, in their order).
    Raises ``offline_claims_invalid``.
    """
    types = credential.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise _bad("The credential has no credentialSubject object.")
    if "KYCCredential" in types:
        return kyc_claims(subject)
    if "BankStatementCredential" not in types:
        raise _bad("Only BankStatementCredential and KYCCredential have an offline form.")
    if nationality is None:
        raise _bad("A bank statement names no nationality: pass the customer's nationality.")
    all_tiers = subject.get("balanceAtLeast")
    if not isinstance(all_tiers, Mapping):
        raise _bad("The bank statement has no balanceAtLeast tiers.")
    keep = list(all_tiers) if tiers is None else list(tiers)
    missing = [t for t in keep if t not in all_tiers]
    if missing:
        raise _bad(f"The credential has no tier {missing[0]}.")
    return bank_statement_claims(
        name=str(subject.get("accountHolderName", "")),
        nationality=nationality,
        tiers={t: bool(all_tiers[t]) for t in keep},
    )
