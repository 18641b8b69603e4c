"""Example credentials of every type, built by the builders from fixed inputs.

Imported by the tests of this folder (``from credential_examples import ...``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from passport.credentials import (
    build_bank_statement_credential,
    build_fido_key_binding_credential,
    build_kyc_credential,
    credential_status_entry,
    hash_id_document_number,
)
from passport.keys import KeyType, PrivateKey

ISSUER = "did:ethr:0x539:0xb9c5714089478a327f09197987f16f9e5d936e8a"
HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
NOW = datetime(2025, 6, 1, 9, 30, 15, 123456, tzinfo=UTC)
STATUS_URL = "https://bank.example/status/7"
SALT = bytes(range(16))
RATES = {"TWD": Decimal("32.5"), "EUR": Decimal("0.92")}


def status() -> dict[str, Any]:
    return credential_status_entry(STATUS_URL, 94567, "revocation")


def kyc(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "issuer": ISSUER,
        "holder": HOLDER,
        "legal_name": "CHEN Mei-Ling",
        "given_name": "Mei-Ling",
        "family_name": "Chen",
        "birth_date": date(1990, 3, 14),
        "nationality": "TW",
        "id_document_type": "national_id",
        "id_document_country": "TW",
        "id_document_number_hash": hash_id_document_number("A123456789", salt=SALT),
        "kyc_level": "standard",
        "verification_date": date(2025, 5, 20),
        "status": status(),
        "valid_from": NOW,
        "valid_until": NOW + timedelta(days=365),
    }
    args.update(overrides)
    return build_kyc_credential(**args)


def bank_statement(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "issuer": ISSUER,
        "holder": HOLDER,
        "account_holder_name": "CHEN MEI-LING",
        "bank_name": "Bank of Taiwan",
        "bank_identifier": "BKTWTWTP",
        "account_number": "0123-4567-8901",
        "currency": "TWD",
        "current_balance": Decimal("1250000.00"),
        "average_balance": Decimal("980000.50"),
        "averaging_period_months": 6,
        "as_of_date": date(2025, 5, 31),
        "units_per_usd": RATES,
        "status": status(),
        "valid_from": NOW,
        "valid_until": NOW + timedelta(days=90),
    }
    args.update(overrides)
    return build_bank_statement_credential(**args)


def fido(**overrides: Any) -> dict[str, Any]:
    key = PrivateKey.generate(KeyType.P256, rng=lambda n: bytes([7]) * n)
    args: dict[str, Any] = {
        "issuer": ISSUER,
        "holder": HOLDER,
        "authenticator_credential_id": bytes(range(32)),
        "public_key_jwk": key.public_key.to_jwk(),
        "aaguid": "CB69481E-8FF7-4039-93EC-0A2729A154A8",
        "rp_id": "bank.example",
        "user_verified": True,
        "assurance_level": "AAL2",
        "attestation_format": "packed",
        "status": status(),
        "valid_from": NOW,
        "valid_until": NOW + timedelta(days=730),
    }
    args.update(overrides)
    return build_fido_key_binding_credential(**args)


BUILDERS: dict[str, Callable[..., dict[str, Any]]] = {
    "KYCCredential": kyc,
    "BankStatementCredential": bank_statement,
    "FidoKeyBindingCredential": fido,
}
