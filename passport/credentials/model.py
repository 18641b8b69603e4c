"""Builders of the project's credentials as unsigned VC Data Model 2.0 documents.

Every builder is a pure function: the caller passes the issuer and holder DIDs, the facts,
the status entry (``credential_status_entry``) and the validity window; nothing reads a
clock, a file or the network. Each result passes ``validate_credential`` (it is checked
before it is returned) and uses only terms that the VC 2.0 context and the project context
``PASSPORT_CONTEXT`` define, so it expands to JSON-LD without dropping anything.

Threshold claims (``balanceAtLeast``), like ISO mdoc's ``age_over_NN``: one boolean a tier,
keyed ``<ISO 4217 code>_<whole amount>`` (``{"USD_10000": true, "TWD_300000": false}``), in
the account currency and in USD. Each key is its own claim, so an SD-JWT issuer can make
every tier separately disclosable and a DCQL query can ask for one by path
(``["credentialSubject", "balanceAtLeast", "USD_10000"]``); the project context maps the
keys to IRIs through a scoped ``@vocab``. Tiers compare the *lower* of the current and the
average balance, so a one-day deposit does not lift a holder into a tier.

Error codes: ``schema_invalid`` (MalformedError, from validation), ``exchange_rate_missing``,
``id_hash_salt_too_short`` and ``status_purpose_unsupported`` (ConfigurationError).
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final

from passport.credentials.schema import (
    BANK_STATEMENT_CREDENTIAL,
    FIDO_KEY_BINDING_CREDENTIAL,
    KYC_CREDENTIAL,
    validate_credential,
)
from passport.errors import ConfigurationError, MalformedError

__all__ = [
    "CREDENTIAL_CONTEXT",
    "DEFAULT_BALANCE_TIERS",
    "PASSPORT_CONTEXT",
    "VC_V2_CONTEXT",
    "balance_tiers",
    "build_bank_statement_credential",
    "build_fido_key_binding_credential",
    "build_kyc_credential",
    "credential_status_entry",
    "format_datetime",
    "hash_id_document_number",
    "mask_account_number",
]

VC_V2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
#: The project's JSON-LD context (``passport/credentials/contexts/passport-v1.jsonld``).
PASSPORT_CONTEXT: Final = "https://w3id.org/financial-passport/v1"
CREDENTIAL_CONTEXT: Final[tuple[str, str]] = (VC_V2_CONTEXT, PASSPORT_CONTEXT)

#: Threshold tiers (whole units) per currency. USD tiers are always computed; the account
#: currency's own tiers are added when it is listed here.
DEFAULT_BALANCE_TIERS: Final[Mapping[str, tuple[int, ...]]] = {
    "USD": (1_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000),
    "EUR": (1_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000),
    "GBP": (1_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000),
    "TWD": (30_000, 100_000, 300_000, 1_000_000, 3_000_000, 10_000_000, 30_000_000),
    "JPY": (100_000, 500_000, 1_000_000, 5_000_000, 10_000_000, 50_000_000, 100_000_000),
}

StatusEntries = Mapping[str, Any] | Sequence[Mapping[str, Any]]
_MIN_SALT = 16


def format_datetime(value: datetime, *, path: str = "$") -> str:
    """An XSD dateTimeStamp in UTC with second precision (``2025-01-31T12:00:00Z``).

    Raises MalformedError ``schema_invalid`` for a naive datetime (``path`` names the field).
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise MalformedError(
            "schema_invalid",
            f"{path}: datetimes must be timezone-aware (pass UTC).",
            details={"path": path},
        )
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def credential_status_entry(
    status_list_url: str, index: int, purpose: str = "revocation"
) -> dict[str, Any]:
    """A ``BitstringStatusListEntry`` (Bitstring Status List v1.0 section 2.1) pointing at
    entry ``index`` of the status list credential published at ``status_list_url``.

    Raises ConfigurationError ``status_purpose_unsupported`` (purpose other than revocation
    or suspension); MalformedError ``status_entry_malformed`` (negative index).
    """
    if purpose not in ("revocation", "suspension"):
        raise ConfigurationError(
            "status_purpose_unsupported",
            f"Status entries are issued for 'revocation' or 'suspension', not {purpose!r}.",
        )
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise MalformedError(
            "status_entry_malformed", f"statusListIndex must be an integer >= 0, not {index!r}."
        )
    return {
        "id": f"{status_list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": status_list_url,
    }


def hash_id_document_number(number: str, *, salt: bytes) -> str:
    """``idDocumentNumberHash``: multibase base64url of the SHA-256 multihash of ``salt``
    followed by the normalised number (upper case, spaces and hyphens removed).

    The salt is kept by the issuer (and may be given to the holder) so that the number can
    be matched again later without it travelling in the credential; ID numbers are short,
    so an unsalted hash could be reversed by enumeration.
    Raises ConfigurationError ``id_hash_salt_too_short`` (under 16 bytes).
    """
    if len(salt) < _MIN_SALT:
        raise ConfigurationError(
            "id_hash_salt_too_short",
            f"The ID-number hash salt must be at least {_MIN_SALT} random bytes.",
        )
    normalised = re.sub(r"[\s-]", "", number).upper().encode("utf-8")
    multihash = b"\x12\x20" + hashlib.sha256(salt + normalised).digest()
    return "u" + base64.urlsafe_b64encode(multihash).rstrip(b"=").decode("ascii")


def mask_account_number(account_number: str) -> str:
    """``****`` followed by the last four characters (fewer for short numbers), so neither
    the number nor its length is disclosed."""
    digits = re.sub(r"[\s-]", "", account_number)
    visible = max(0, min(4, len(digits) - 4))
    return "****" + (digits[-visible:] if visible else "")


def _cur(code: str, amount: int) -> str:
    return f"{code}_{amount}"


def balance_tiers(
    *,
    currency: str,
    basis: Decimal,
    units_per_usd: Mapping[str, Decimal],
    tiers: Mapping[str, Sequence[int]] = DEFAULT_BALANCE_TIERS,
) -> dict[str, bool]:
    """Threshold claims for a balance of ``basis`` in ``currency``: one boolean a tier of the
    account currency (when ``tiers`` lists it) and of USD (``basis / units_per_usd[currency]``,
    ``units_per_usd`` being how many units of a currency buy one US dollar).

    Raises ConfigurationError ``exchange_rate_missing`` when ``currency`` is not USD and has
    no positive rate.
    """
    out: dict[str, bool] = {}
    if currency != "USD":
        for amount in tiers.get(currency, ()):
            out[_cur(currency, amount)] = basis >= amount
        rate = units_per_usd.get(currency)
        if rate is None or Decimal(rate) <= 0:
            raise ConfigurationError(
                "exchange_rate_missing",
                f"No positive {currency}-per-USD exchange rate was given; pass one in "
                "units_per_usd to compute the USD threshold claims.",
                details={"currency": currency},
            )
        usd = basis / Decimal(rate)
    else:
        usd = basis
    for amount in tiers.get("USD", DEFAULT_BALANCE_TIERS["USD"]):
        out[_cur("USD", amount)] = usd >= amount
    return out


def _status_value(status: StatusEntries) -> Any:
    if isinstance(status, Mapping):
        return dict(status)
    entries = [dict(entry) for entry in status]
    return entries[0] if len(entries) == 1 else entries


def _envelope(
    *,
    credential_type: str,
    issuer: str,
    holder: str,
    subject: dict[str, Any],
    status: StatusEntries,
    valid_from: datetime,
    valid_until: datetime,
    credential_id: str | None,
) -> dict[str, Any]:
    doc: dict[str, Any] = {"@context": list(CREDENTIAL_CONTEXT)}
    if credential_id is not None:
        doc["id"] = credential_id
    doc.update(
        {
            "type": ["VerifiableCredential", credential_type],
            "issuer": issuer,
            "validFrom": format_datetime(valid_from, path="$.validFrom"),
            "validUntil": format_datetime(valid_until, path="$.validUntil"),
            "credentialSubject": {"id": holder, **subject},
            "credentialStatus": _status_value(status),
        }
    )
    validate_credential(doc)
    return doc


def _decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise MalformedError(
            "schema_invalid", "$.credentialSubject: amounts must be finite decimals."
        )
    return format(value, "f")


def build_kyc_credential(
    *,
    issuer: str,
    holder: str,
    legal_name: str,
    given_name: str,
    family_name: str,
    birth_date: date,
    nationality: str,
    id_document_type: str,
    id_document_number_hash: str,
    kyc_level: str,
    verification_date: date,
    status: StatusEntries,
    valid_from: datetime,
    valid_until: datetime,
    id_document_country: str | None = None,
    credential_id: str | None = None,
) -> dict[str, Any]:
    """An unsigned ``KYCCredential`` (VC 2.0) for ``holder`` (a DID).

    ``id_document_number_hash`` comes from ``hash_id_document_number``; ``nationality`` and
    ``id_document_country`` are ISO 3166-1 alpha-2; ``id_document_type`` is one of passport,
    national_id, residence_permit, driving_licence; ``kyc_level`` one of simplified,
    standard, enhanced. Raises MalformedError ``schema_invalid``.
    """
    subject: dict[str, Any] = {
        "legalName": legal_name,
        "givenName": given_name,
        "familyName": family_name,
        "birthDate": birth_date.isoformat(),
        "nationality": nationality,
        "idDocumentType": id_document_type,
    }
    if id_document_country is not None:
        subject["idDocumentCountry"] = id_document_country
    subject.update(
        {
            "idDocumentNumberHash": id_document_number_hash,
            "kycLevel": kyc_level,
            "verificationDate": verification_date.isoformat(),
        }
    )
    return _envelope(
        credential_type=KYC_CREDENTIAL,
        issuer=issuer,
        holder=holder,
        subject=subject,
        status=status,
        valid_from=valid_from,
        valid_until=valid_until,
        credential_id=credential_id,
    )


def build_bank_statement_credential(
    *,
    issuer: str,
    holder: str,
    account_holder_name: str,
    bank_name: str,
    account_number: str,
    currency: str,
    current_balance: Decimal,
    average_balance: Decimal,
    averaging_period_months: int,
    as_of_date: date,
    units_per_usd: Mapping[str, Decimal],
    status: StatusEntries,
    valid_from: datetime,
    valid_until: datetime,
    bank_identifier: str | None = None,
    tiers: Mapping[str, Sequence[int]] = DEFAULT_BALANCE_TIERS,
    credential_id: str | None = None,
) -> dict[str, Any]:
    """An unsigned ``BankStatementCredential`` (proof of funds, VC 2.0) for ``holder``.

    ``account_number`` is masked here (``mask_account_number``) and never copied in full.
    Threshold claims come from ``balance_tiers`` over the lower of the current and average
    balance. Raises MalformedError ``schema_invalid``; ConfigurationError
    ``exchange_rate_missing``.
    """
    current, average = Decimal(current_balance), Decimal(average_balance)
    subject: dict[str, Any] = {
        "accountHolderName": account_holder_name,
        "bankName": bank_name,
    }
    if bank_identifier is not None:
        subject["bankIdentifier"] = bank_identifier
    subject.update(
        {
            "maskedAccountNumber": mask_account_number(account_number),
            "currency": currency,
            "currentBalance": _decimal(current),
            "averageBalance": _decimal(average),
            "averagingPeriodMonths": averaging_period_months,
            "asOfDate": as_of_date.isoformat(),
            "balanceAtLeast": balance_tiers(
                currency=currency,
                basis=min(current, average),
                units_per_usd=units_per_usd,
                tiers=tiers,
            ),
        }
    )
    return _envelope(
        credential_type=BANK_STATEMENT_CREDENTIAL,
        issuer=issuer,
        holder=holder,
        subject=subject,
        status=status,
        valid_from=valid_from,
        valid_until=valid_until,
        credential_id=credential_id,
    )


def build_fido_key_binding_credential(
    *,
    issuer: str,
    holder: str,
    authenticator_credential_id: bytes | str,
    public_key_jwk: Mapping[str, Any],
    aaguid: uuid.UUID | str,
    rp_id: str,
    user_verified: bool,
    assurance_level: str,
    status: StatusEntries,
    valid_from: datetime,
    valid_until: datetime,
    attestation_format: str | None = None,
    credential_id: str | None = None,
) -> dict[str, Any]:
    """An unsigned ``FidoKeyBindingCredential`` (VC 2.0): ``holder`` (its DID) registered the
    WebAuthn credential ``authenticator_credential_id`` (raw bytes or base64url) with public
    key ``public_key_jwk`` on authenticator model ``aaguid`` for relying party ``rp_id``.

    ``assurance_level`` is AAL1, AAL2 or AAL3 (NIST SP 800-63B) as the bank judged the
    registration. Raises MalformedError ``schema_invalid`` (also for a JWK with private
    members or a malformed AAGUID).
    """
    if isinstance(authenticator_credential_id, bytes):
        cred_id = base64.urlsafe_b64encode(authenticator_credential_id).rstrip(b"=").decode()
    else:
        cred_id = authenticator_credential_id
    try:
        aaguid_text = str(aaguid if isinstance(aaguid, uuid.UUID) else uuid.UUID(aaguid))
    except (ValueError, TypeError, AttributeError) as exc:
        raise MalformedError(
            "schema_invalid",
            f"$.credentialSubject.aaguid: {aaguid!r} is not a UUID",
            details={"path": "$.credentialSubject.aaguid"},
        ) from exc
    subject: dict[str, Any] = {
        "authenticatorCredentialId": cred_id,
        "publicKeyJwk": dict(public_key_jwk),
        "aaguid": aaguid_text,
        "rpId": rp_id,
        "userVerified": user_verified,
        "assuranceLevel": assurance_level,
    }
    if attestation_format is not None:
        subject["attestationFormat"] = attestation_format
    return _envelope(
        credential_type=FIDO_KEY_BINDING_CREDENTIAL,
        issuer=issuer,
        holder=holder,
        subject=subject,
        status=status,
        valid_from=valid_from,
        valid_until=valid_until,
        credential_id=credential_id,
    )
