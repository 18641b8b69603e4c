"""Builders: each returns a VC 2.0 document of its type that passes its schema."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from credential_examples import (
    HOLDER,
    ISSUER,
    NOW,
    RATES,
    SALT,
    STATUS_URL,
    bank_statement,
    fido,
    kyc,
)

from passport.credentials import (
    DEFAULT_BALANCE_TIERS,
    PASSPORT_CONTEXT,
    VC_V2_CONTEXT,
    balance_tiers,
    credential_status_entry,
    hash_id_document_number,
    mask_account_number,
    validate_credential,
)
from passport.errors import ConfigurationError, MalformedError
from passport.keys import b64url_decode
from passport.status import StatusList, build_status_list_credential, check_status


def test_every_builder_returns_a_valid_vc2_document(example: tuple[str, dict[str, Any]]) -> None:
    name, doc = example
    assert doc["@context"] == [VC_V2_CONTEXT, PASSPORT_CONTEXT]
    assert doc["type"] == ["VerifiableCredential", name]
    assert doc["issuer"] == ISSUER
    assert doc["credentialSubject"]["id"] == HOLDER
    assert doc["validFrom"] == "2025-06-01T09:30:15Z"  # UTC, microseconds dropped
    assert doc["credentialStatus"]["statusListCredential"] == STATUS_URL
    assert "id" not in doc  # no correlatable credential id unless asked for
    assert validate_credential(doc) == name


def test_kyc_claims() -> None:
    subject = kyc(credential_id="urn:uuid:4b1c1d5e-27d2-4a38-8c7b-9c6a1b0b7f11")[
        "credentialSubject"
    ]
    assert subject["birthDate"] == "1990-03-14"
    assert subject["verificationDate"] == "2025-05-20"
    assert subject["kycLevel"] == "standard"
    assert subject["idDocumentNumberHash"].startswith("uEi")
    assert "A123456789" not in str(subject)


def test_credential_id_is_kept() -> None:
    doc = kyc(credential_id="urn:uuid:4b1c1d5e-27d2-4a38-8c7b-9c6a1b0b7f11")
    assert doc["id"] == "urn:uuid:4b1c1d5e-27d2-4a38-8c7b-9c6a1b0b7f11"


def test_id_document_hash_is_salted_and_normalised() -> None:
    a = hash_id_document_number("A123456789", salt=SALT)
    assert a == hash_id_document_number(" a123-456 789", salt=SALT)
    assert a != hash_id_document_number("A123456789", salt=bytes(16))
    assert b64url_decode(a[1:])[:2] == b"\x12\x20"  # sha2-256 multihash
    with pytest.raises(ConfigurationError) as info:
        hash_id_document_number("A123456789", salt=b"short")
    assert info.value.code == "id_hash_salt_too_short"


def test_bank_statement_claims_and_tiers() -> None:
    subject = bank_statement()["credentialSubject"]
    assert subject["maskedAccountNumber"] == "****8901"
    assert subject["currentBalance"] == "1250000.00"
    assert subject["averageBalance"] == "980000.50"
    assert subject["currency"] == "TWD"
    tiers = subject["balanceAtLeast"]
    # the lower of current (1,250,000) and average (980,000.50) balance decides
    assert tiers["TWD_300000"] is True
    assert tiers["TWD_1000000"] is False
    # 980,000.50 TWD / 32.5 = 30,153.86 USD
    assert tiers["USD_25000"] is True
    assert tiers["USD_50000"] is False
    assert set(tiers) == {f"TWD_{a}" for a in DEFAULT_BALANCE_TIERS["TWD"]} | {
        f"USD_{a}" for a in DEFAULT_BALANCE_TIERS["USD"]
    }


def test_usd_account_needs_no_rate_and_unknown_currency_gets_usd_tiers_only() -> None:
    usd = balance_tiers(currency="USD", basis=Decimal("10000"), units_per_usd={})
    assert usd["USD_10000"] is True and usd["USD_25000"] is False
    assert all(key.startswith("USD_") for key in usd)
    chf = balance_tiers(
        currency="CHF", basis=Decimal("9000"), units_per_usd={"CHF": Decimal("0.9")}
    )
    assert chf["USD_10000"] is True
    assert all(key.startswith("USD_") for key in chf)


@pytest.mark.parametrize("rates", [{}, {"TWD": Decimal(0)}])
def test_missing_exchange_rate(rates: dict[str, Decimal]) -> None:
    with pytest.raises(ConfigurationError) as info:
        bank_statement(units_per_usd=rates)
    assert info.value.code == "exchange_rate_missing"


@pytest.mark.parametrize(
    ("number", "masked"),
    [("0123-4567-8901", "****8901"), ("1234567", "****567"), ("123456", "****56")],
)
def test_mask_account_number(number: str, masked: str) -> None:
    assert mask_account_number(number) == masked


def test_too_short_account_number_is_refused() -> None:
    with pytest.raises(MalformedError) as info:
        bank_statement(account_number="12345")
    assert info.value.code == "schema_invalid"
    assert "maskedAccountNumber" in info.value.message


def test_non_finite_amount_is_refused() -> None:
    with pytest.raises(MalformedError) as info:
        bank_statement(current_balance=Decimal("NaN"))
    assert info.value.code == "schema_invalid"


def test_fido_claims() -> None:
    subject = fido()["credentialSubject"]
    assert b64url_decode(subject["authenticatorCredentialId"]) == bytes(range(32))
    assert subject["aaguid"] == "cb69481e-8ff7-4039-93ec-0a2729a154a8"
    assert subject["publicKeyJwk"]["kty"] == "EC"
    assert subject["userVerified"] is True
    assert fido(aaguid=uuid.UUID(int=0))["credentialSubject"]["aaguid"] == str(uuid.UUID(int=0))


@pytest.mark.parametrize(
    "overrides",
    [
        {"aaguid": "not-a-uuid"},
        {"public_key_jwk": {"kty": "OKP", "crv": "Ed25519", "x": "abc", "d": "secret"}},
        {"assurance_level": "high"},
        {"rp_id": "https://bank.example"},
    ],
)
def test_fido_bad_inputs(overrides: dict[str, Any]) -> None:
    with pytest.raises(MalformedError) as info:
        fido(**overrides)
    assert info.value.code == "schema_invalid"
    assert info.value.message.startswith("$.credentialSubject")


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"nationality": "Taiwan"}, "$.credentialSubject.nationality"),
        ({"kyc_level": "gold"}, "$.credentialSubject.kycLevel"),
        ({"holder": "alice"}, "$.credentialSubject.id"),
        ({"valid_from": datetime(2025, 1, 1)}, "$.validFrom"),
        ({"valid_until": NOW - timedelta(seconds=1)}, "$.validUntil"),
    ],
)
def test_kyc_bad_inputs_point_at_the_field(overrides: dict[str, Any], path: str) -> None:
    with pytest.raises(MalformedError) as info:
        kyc(**overrides)
    assert info.value.code == "schema_invalid"
    assert info.value.message.startswith(path)
    assert info.value.details["path"] == path


def test_status_entry_shape() -> None:
    assert credential_status_entry("https://bank.example/status/2", 0, "suspension") == {
        "id": "https://bank.example/status/2#0",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "suspension",
        "statusListIndex": "0",
        "statusListCredential": "https://bank.example/status/2",
    }


def test_status_entry_bad_inputs() -> None:
    with pytest.raises(ConfigurationError) as info:
        credential_status_entry(STATUS_URL, 1, "message")
    assert info.value.code == "status_purpose_unsupported"
    with pytest.raises(MalformedError) as info2:
        credential_status_entry(STATUS_URL, -1)
    assert info2.value.code == "status_entry_malformed"


def test_revocation_and_suspension_entries_end_to_end() -> None:
    revocation, suspension = StatusList(), StatusList()
    r_index, s_index = revocation.allocate(), suspension.allocate()
    entries = [
        credential_status_entry("https://bank.example/status/r", r_index, "revocation"),
        credential_status_entry("https://bank.example/status/s", s_index, "suspension"),
    ]
    doc = kyc(status=entries)
    assert validate_credential(doc) == "KYCCredential"
    suspension.set(s_index)

    def publish(url: str, purpose: str, sl: StatusList) -> dict[str, Any]:
        return build_status_list_credential(
            issuer=ISSUER,
            url=url,
            purpose=purpose,  # type: ignore[arg-type]
            status_list=sl,
            valid_from=NOW,
            valid_until=NOW + timedelta(hours=1),
        )

    lists = {
        "revocation": publish("https://bank.example/status/r", "revocation", revocation),
        "suspension": publish("https://bank.example/status/s", "suspension", suspension),
    }
    results = [check_status(e, lists[e["statusPurpose"]], now=NOW) for e in doc["credentialStatus"]]
    assert [(r.revoked, r.suspended) for r in results] == [(False, False), (False, True)]
    for published in lists.values():
        assert validate_credential(published) == "BitstringStatusListCredential"


def test_rates_table_is_not_mutated() -> None:
    rates = dict(RATES)
    bank_statement(units_per_usd=rates)
    assert rates == RATES
