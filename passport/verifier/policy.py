"""The verifier's onboarding policy: what a foreign bank requires, read from a TOML file.

A policy names the credentials it needs and, per credential, the claims to request; the
minimum balance with its currency and an FX table; the maximum age of the bank statement
(``asOfDate``); the issuer jurisdictions and credential types it accepts (checked against
the trust registry on chain); whether a FIDO key binding is required; the accepted formats.
``docs/policy.md`` documents the file; ``verifier_service/policies/*.toml`` are examples.

The policy is turned into the DCQL query (``passport.verifier.query``) and, after the
presentation is verified, evaluated against what was disclosed (``evaluate_policy``).

Error codes: ConfigurationError ``policy_invalid`` (the file does not parse or a field is
missing, unknown or of the wrong type), ``policy_not_found``; VerdictError
``balance_below_minimum``, ``statement_too_old``, ``statement_date_invalid``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from passport.errors import ConfigurationError, VerdictError

__all__ = [
    "BANK_STATEMENT_QUERY",
    "DEFAULT_VCT",
    "FIDO_QUERY",
    "KYC_QUERY",
    "SD_JWT_FORMATS",
    "CredentialRequirement",
    "FidoRequirement",
    "MinBalance",
    "Policy",
    "balance_tier_satisfies",
    "check_min_balance",
    "check_statement_age",
    "load_policy",
    "parse_policy",
]

KYC_QUERY: Final = "kyc"
BANK_STATEMENT_QUERY: Final = "bank_statement"
FIDO_QUERY: Final = "fido"

#: The SD-JWT formats a policy may accept: W3C VC 2.0 secured with SD-JWT, IETF SD-JWT VC.
SD_JWT_FORMATS: Final = ("vc+sd-jwt", "dc+sd-jwt")

#: The ``vct`` of the project's credential types as IETF SD-JWT VC (``dc+sd-jwt``).
DEFAULT_VCT: Final[Mapping[str, str]] = MappingProxyType(
    {
        "KYCCredential": "https://w3id.org/financial-passport/vct/KYCCredential",
        "BankStatementCredential": "https://w3id.org/financial-passport/vct/BankStatementCredential",
    }
)

_TYPES: Final = {
    KYC_QUERY: "KYCCredential",
    BANK_STATEMENT_QUERY: "BankStatementCredential",
    FIDO_QUERY: "FidoKeyBindingCredential",
}


def _invalid(source: str, problem: str) -> ConfigurationError:
    return ConfigurationError(
        "policy_invalid",
        f"The policy {source} is not valid: {problem}. See docs/policy.md.",
        details={"source": source, "problem": problem},
    )


@dataclass(frozen=True)
class CredentialRequirement:
    """One credential the policy asks for: its query id, type, the subject claims to request
    (names inside ``credentialSubject``, e.g. ``legalName``) and the values some must have."""

    query_id: str
    credential_type: str
    claims: tuple[str, ...]
    values: Mapping[str, tuple[str | int | bool, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    vct: str | None = None


@dataclass(frozen=True)
class MinBalance:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class FidoRequirement:
    required: bool = False
    user_verification: bool = True


@dataclass(frozen=True)
class Policy:
    """A parsed policy. ``fx`` holds units of each currency per US dollar."""

    name: str
    credentials: tuple[CredentialRequirement, ...]
    formats: tuple[str, ...] = SD_JWT_FORMATS
    min_balance: MinBalance | None = None
    max_statement_age_days: int | None = None
    fx: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({"USD": Decimal(1)}))
    accepted_jurisdictions: tuple[str, ...] = ()
    accepted_types: tuple[str, ...] = ()
    fido: FidoRequirement = field(default_factory=FidoRequirement)
    description: str = ""

    def requirement(self, query_id: str) -> CredentialRequirement | None:
        return next((c for c in self.credentials if c.query_id == query_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "formats": list(self.formats),
            "credentials": [
                {
                    "id": c.query_id,
                    "type": c.credential_type,
                    "claims": list(c.claims),
                    "values": {k: list(v) for k, v in c.values.items()},
                    "vct": c.vct,
                }
                for c in self.credentials
            ],
            "min_balance": None
            if self.min_balance is None
            else {"amount": str(self.min_balance.amount), "currency": self.min_balance.currency},
            "max_statement_age_days": self.max_statement_age_days,
            "fx": {k: str(v) for k, v in self.fx.items()},
            "accepted_jurisdictions": list(self.accepted_jurisdictions),
            "accepted_types": list(self.accepted_types),
            "fido": {
                "required": self.fido.required,
                "user_verification": self.fido.user_verification,
            },
        }


def _strings(value: Any, name: str, source: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _invalid(source, f"{name} must be a list of strings")
    return tuple(value)


def _decimal(value: Any, name: str, source: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _invalid(source, f"{name} must be a number or a decimal string")
    try:
        out = Decimal(str(value))
    except InvalidOperation:
        raise _invalid(source, f"{name} {value!r} is not a number") from None
    if not out.is_finite() or out <= 0:
        raise _invalid(source, f"{name} must be positive")
    return out


def _currency(value: Any, name: str, source: str) -> str:
    if not isinstance(value, str) or len(value) != 3 or not value.isupper() or not value.isalpha():
        raise _invalid(source, f"{name} must be an ISO 4217 code such as USD")
    return value


_SECTION_KEYS: Final = {
    KYC_QUERY: {"required", "claims", "values", "vct"},
    BANK_STATEMENT_QUERY: {"required", "claims", "values", "vct", "min_balance", "max_age_days"},
    FIDO_QUERY: {"required", "user_verification"},
}
_TOP_KEYS: Final = {
    "name",
    "description",
    "formats",
    "accepted_jurisdictions",
    "accepted_types",
    "fx",
    *_SECTION_KEYS,
}


def _requirement(
    query_id: str, section: Mapping[str, Any], source: str
) -> CredentialRequirement | None:
    unknown = set(section) - _SECTION_KEYS[query_id]
    if unknown:
        raise _invalid(source, f"[{query_id}] has unknown keys {sorted(unknown)}")
    required = section.get("required", True)
    if not isinstance(required, bool):
        raise _invalid(source, f"[{query_id}].required must be true or false")
    if not required:
        return None
    claims = _strings(section.get("claims", []), f"[{query_id}].claims", source)
    values_raw = section.get("values", {})
    if not isinstance(values_raw, Mapping):
        raise _invalid(source, f"[{query_id}].values must be a table of claim = [values]")
    values: dict[str, tuple[str | int | bool, ...]] = {}
    for claim, allowed in values_raw.items():
        if (
            not isinstance(allowed, list)
            or not allowed
            or not all(isinstance(v, str | int | bool) for v in allowed)
        ):
            raise _invalid(source, f"[{query_id}].values.{claim} must be a non-empty list")
        values[claim] = tuple(allowed)
        if claim not in claims:
            claims = (*claims, claim)
    vct = section.get("vct", DEFAULT_VCT.get(_TYPES[query_id]))
    if vct is not None and not isinstance(vct, str):
        raise _invalid(source, f"[{query_id}].vct must be a string")
    return CredentialRequirement(query_id, _TYPES[query_id], claims, MappingProxyType(values), vct)


def parse_policy(data: Mapping[str, Any], *, source: str = "<policy>") -> Policy:
    """A ``Policy`` from the parsed TOML table. Raises ConfigurationError ``policy_invalid``."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _invalid(source, f"unknown keys {sorted(unknown)}")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise _invalid(source, "name is missing")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise _invalid(source, "description must be a string")
    formats = _strings(data.get("formats", list(SD_JWT_FORMATS)), "formats", source)
    bad = [f for f in formats if f not in SD_JWT_FORMATS]
    if bad or not formats:
        raise _invalid(source, f"formats must be some of {list(SD_JWT_FORMATS)} (got {bad})")
    fx_raw = data.get("fx", {"USD": 1})
    if not isinstance(fx_raw, Mapping):
        raise _invalid(source, "[fx] must be a table of currency = units per USD")
    fx = {
        _currency(k, "an [fx] key", source): _decimal(v, f"fx.{k}", source)
        for k, v in fx_raw.items()
    }
    fx.setdefault("USD", Decimal(1))
    if fx["USD"] != 1:
        raise _invalid(source, "fx.USD must be 1 (rates are units per US dollar)")
    credentials: list[CredentialRequirement] = []
    sections: dict[str, Mapping[str, Any]] = {}
    for query_id in (KYC_QUERY, BANK_STATEMENT_QUERY, FIDO_QUERY):
        section = data.get(query_id)
        if section is None:
            continue
        if not isinstance(section, Mapping):
            raise _invalid(source, f"[{query_id}] must be a table")
        sections[query_id] = section
        if query_id == FIDO_QUERY:
            continue
        requirement = _requirement(query_id, section, source)
        if requirement is not None:
            credentials.append(requirement)
    min_balance: MinBalance | None = None
    max_age: int | None = None
    statement = sections.get(BANK_STATEMENT_QUERY, {})
    if "min_balance" in statement:
        raw = statement["min_balance"]
        if not isinstance(raw, Mapping) or set(raw) != {"amount", "currency"}:
            raise _invalid(source, "min_balance must be { amount = ..., currency = ... }")
        currency = _currency(raw["currency"], "min_balance.currency", source)
        if currency not in fx:
            raise _invalid(source, f"[fx] has no rate for the min_balance currency {currency}")
        min_balance = MinBalance(_decimal(raw["amount"], "min_balance.amount", source), currency)
    if "max_age_days" in statement:
        raw_age = statement["max_age_days"]
        if isinstance(raw_age, bool) or not isinstance(raw_age, int) or raw_age < 0:
            raise _invalid(source, "max_age_days must be a whole number of days")
        max_age = raw_age
    if (min_balance or max_age is not None) and not any(
        c.query_id == BANK_STATEMENT_QUERY for c in credentials
    ):
        raise _invalid(source, "min_balance and max_age_days need [bank_statement] required")
    fido_section = sections.get(FIDO_QUERY, {})
    unknown = set(fido_section) - _SECTION_KEYS[FIDO_QUERY]
    if unknown:
        raise _invalid(source, f"[fido] has unknown keys {sorted(unknown)}")
    fido_required = fido_section.get("required", False)
    uv = fido_section.get("user_verification", "required")
    if not isinstance(fido_required, bool) or uv not in ("required", "preferred"):
        raise _invalid(
            source, "[fido] required = true/false, user_verification = required/preferred"
        )
    if fido_required:
        credentials.append(CredentialRequirement(FIDO_QUERY, _TYPES[FIDO_QUERY], ()))
    if not credentials:
        raise _invalid(source, "the policy asks for no credential")
    jurisdictions = _strings(
        data.get("accepted_jurisdictions", []), "accepted_jurisdictions", source
    )
    for code in jurisdictions:
        if len(code) != 2 or not code.isupper():
            raise _invalid(source, f"jurisdiction {code!r} is not an ISO 3166-1 alpha-2 code")
    accepted_types = _strings(
        data.get("accepted_types", [c.credential_type for c in credentials]),
        "accepted_types",
        source,
    )
    return Policy(
        name=name,
        description=description,
        credentials=tuple(credentials),
        formats=formats,
        min_balance=min_balance,
        max_statement_age_days=max_age,
        fx=MappingProxyType(fx),
        accepted_jurisdictions=jurisdictions,
        accepted_types=accepted_types,
        fido=FidoRequirement(fido_required, uv == "required"),
    )


def load_policy(path: Path | str) -> Policy:
    """Read and parse a policy TOML file.

    Raises ConfigurationError ``policy_not_found``, ``policy_invalid``.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigurationError(
            "policy_not_found",
            f"There is no policy file {source}; write one (see docs/policy.md).",
            details={"source": source},
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _invalid(source, f"cannot read it ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _invalid(source, f"not TOML ({exc})") from None
    return parse_policy(data, source=source)


# --- evaluation --------------------------------------------------------------------------


def _tier(key: str) -> tuple[str, Decimal] | None:
    currency, _, amount = key.partition("_")
    if len(currency) != 3 or not amount.isdigit():
        return None
    return currency, Decimal(amount)


def balance_tier_satisfies(key: str, minimum: MinBalance, fx: Mapping[str, Decimal]) -> bool:
    """True when a ``balanceAtLeast`` tier ``key`` (``CUR_AMOUNT``) that holds ``true`` proves
    at least ``minimum``: in the minimum's own currency directly, in any other currency of the
    FX table through its US dollar equivalent."""
    tier = _tier(key)
    if tier is None:
        return False
    currency, amount = tier
    if currency == minimum.currency:
        return amount >= minimum.amount
    if currency not in fx or minimum.currency not in fx:
        return False
    return amount / fx[currency] >= minimum.amount / fx[minimum.currency]


def check_min_balance(
    tiers: Mapping[str, Any], minimum: MinBalance, fx: Mapping[str, Decimal]
) -> str:
    """The tier that proves ``minimum`` (returns its key). Raises VerdictError
    ``balance_below_minimum`` when no disclosed tier holding ``true`` does."""
    for key, value in tiers.items():
        if value is True and balance_tier_satisfies(key, minimum, fx):
            return key
    shown = sorted(tiers)
    raise VerdictError(
        "balance_below_minimum",
        f"The disclosed balance tiers ({', '.join(shown) or 'none'}) do not show at least "
        f"{minimum.amount} {minimum.currency}.",
        details={"tiers": shown, "minimum": f"{minimum.amount} {minimum.currency}"},
    )


def check_statement_age(as_of: Any, max_days: int, now: datetime) -> int:
    """The statement's age in days. Raises VerdictError ``statement_too_old``; MalformedError
    ``statement_date_invalid`` (not an ISO date)."""
    from passport.errors import MalformedError

    try:
        day = date.fromisoformat(str(as_of)[:10])
    except ValueError:
        raise MalformedError(
            "statement_date_invalid", f"The statement's asOfDate {as_of!r} is not a date."
        ) from None
    age = (now.date() - day).days
    if age > max_days:
        raise VerdictError(
            "statement_too_old",
            f"The bank statement is {age} days old (as of {day}); this bank accepts at most "
            f"{max_days} days. Ask your bank for a fresh statement.",
            details={"age_days": age, "max_days": max_days},
        )
    return age


def tier_keys(
    minimum: MinBalance, fx: Mapping[str, Decimal], known: Mapping[str, Sequence[int]]
) -> list[str]:
    """The smallest tier of each currency (USD first, then the minimum's currency, then the
    rest of the FX table) that proves ``minimum``: the claims the DCQL query offers as
    alternatives."""
    order = ["USD", minimum.currency, *sorted(fx)]
    out: list[str] = []
    for currency in dict.fromkeys(order):
        for amount in sorted(known.get(currency, ())):
            key = f"{currency}_{amount}"
            if balance_tier_satisfies(key, minimum, fx):
                out.append(key)
                break
    return out
