"""Claims from the VC 2.0 credentials, their validation, and a fixed-budget mutation fuzz of
the QR: any damaged QR gives a report (never an exception) and is never verified."""

from __future__ import annotations

import random
import zlib
from datetime import date, datetime, timedelta
from decimal import Decimal

import base45
import pytest
from offline_world import NOW, World

from passport.credentials.model import (
    build_bank_statement_credential,
    build_kyc_credential,
    credential_status_entry,
    hash_id_document_number,
)
from passport.errors import ConfigurationError
from passport.offline import (
    OfflineClaims,
    OfflineType,
    claims_from_credential,
    decode_qr_text,
    make_offline_proof,
    verify_offline,
)
from passport.report import ReportStatus

HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
STATUS = credential_status_entry("http://127.0.0.1:8000/status/1", 7)
WINDOW = {"valid_from": NOW, "valid_until": NOW + timedelta(days=90)}


def test_bank_statement_vc_to_offline_claims() -> None:
    vc = build_bank_statement_credential(
        issuer="did:example:bank", holder=HOLDER, account_holder_name="CHEN, MEI-LING",
        bank_name="Bank of Taiwan", account_number="552-295655-91361", currency="TWD",
        current_balance=Decimal(3_900_000), average_balance=Decimal(3_800_000),
        averaging_period_months=3, as_of_date=date(2026, 11, 30),
        units_per_usd={"TWD": Decimal("32.1")}, status=STATUS, **WINDOW,
    )  # fmt: skip
    claims = claims_from_credential(vc, nationality="TW")
    assert claims.type is OfflineType.BANK_STATEMENT
    assert claims.claims[:2] == ((1, "CHEN, MEI-LING"), (2, "TW"))
    tiers = dict(claims.claims[2:])
    assert tiers == vc["credentialSubject"]["balanceAtLeast"]
    usd_only = claims_from_credential(vc, nationality="TW", tiers=["USD_10000", "USD_100000"])
    assert dict(usd_only.claims[2:]) == {"USD_10000": True, "USD_100000": True}
    with pytest.raises(ConfigurationError):
        claims_from_credential(vc)  # no nationality in a bank statement
    with pytest.raises(ConfigurationError):
        claims_from_credential(vc, nationality="TW", tiers=["EUR_5"])


def test_kyc_claims_come_back_as_the_vc_values(world: World) -> None:
    subject = {
        "legalName": "CHEN, MEI-LING", "givenName": "Mei-Ling", "familyName": "Chen",
        "birth_date": date(1973, 9, 2), "nationality": "TW", "id_document_type": "national_id",
        "id_document_number_hash": hash_id_document_number("J259151020", salt=b"k" * 16),
        "kyc_level": "standard", "verification_date": date(2020, 10, 18),
    }  # fmt: skip
    vc = build_kyc_credential(
        issuer="did:example:bank", holder=HOLDER, legal_name=subject["legalName"],
        given_name="Mei-Ling", family_name="Chen", birth_date=subject["birth_date"],
        nationality="TW", id_document_type="national_id",
        id_document_number_hash=subject["id_document_number_hash"], kyc_level="standard",
        verification_date=subject["verification_date"], status=STATUS, **WINDOW,
    )  # fmt: skip
    claims = claims_from_credential(vc)
    credential = world.issue(claims=claims)
    names = ["name", "birthDate", "idDocumentNumberHash", "verificationDate", "kycLevel"]
    text = make_offline_proof(credential, world.holder_key, disclose=names, now=NOW).to_qr_text()
    report = verify_offline(text, world.snapshot, now=NOW)
    assert report.verified, report.to_dict()
    vc_subject = vc["credentialSubject"]
    assert report.subject["type"] == "KYCCredential"
    assert report.subject["claims"] == {
        "name": vc_subject["legalName"],
        "birthDate": vc_subject["birthDate"],
        "idDocumentNumberHash": vc_subject["idDocumentNumberHash"],
        "verificationDate": vc_subject["verificationDate"],
        "kycLevel": vc_subject["kycLevel"],
    }


@pytest.mark.parametrize(
    "claims",
    [
        ((1, "A"), (1, "B")),  # twice
        ((11, "x"),),  # unregistered number
        (("usd_10", True),),  # not a tier name
        (("USD_10", "yes"),),  # a tier is a boolean
        ((5, "1990-01-01"),),  # a date claim needs a date
        ((5, datetime(1990, 1, 1)),),  # a date, not a time
        ((1, ""),),  # empty text
        (),
    ],
)
def test_claims_the_format_cannot_carry(claims: tuple[tuple[object, object], ...]) -> None:
    with pytest.raises(ConfigurationError) as err:
        OfflineClaims(OfflineType.KYC, claims)  # type: ignore[arg-type]
    assert err.value.code == "offline_claims_invalid"


def test_naive_time_and_wrong_issuer_key(world: World) -> None:
    with pytest.raises(ConfigurationError) as err:
        world.issue(now=datetime(2026, 1, 1))
    assert err.value.code == "naive_datetime"
    from passport.keys import KeyType, PrivateKey

    with pytest.raises(ConfigurationError) as err:
        world.issue(issuer_key=PrivateKey.generate(KeyType.P256))
    assert err.value.code == "offline_key_unsupported"
    with pytest.raises(ConfigurationError) as err:
        world.issue(kid="did:example:other#key-1")
    assert err.value.code == "offline_claims_invalid"


def test_mutation_fuzz_never_raises_and_never_verifies(world: World) -> None:
    text = make_offline_proof(
        world.credential, world.holder_key, disclose=["name", "balanceAtLeast/USD_5000"],
        now=NOW, challenge="F0",
    ).to_qr_text()  # fmt: skip
    raw = decode_qr_text(text)
    rnd = random.Random(20261202)
    codes: set[str] = set()
    for _ in range(400):  # fixed budget
        data = bytearray(raw)
        kind = rnd.randrange(3)
        if kind == 0:
            for _ in range(rnd.randint(1, 3)):
                data[rnd.randrange(len(data))] ^= 1 << rnd.randrange(8)
        elif kind == 1:
            del data[rnd.randrange(len(data)) :]
        else:
            pos = rnd.randrange(len(data))
            data[pos:pos] = rnd.randbytes(rnd.randint(1, 4))
        mutated = "DFP1:" + base45.b45encode(zlib.compress(bytes(data))).decode()
        report = verify_offline(mutated, world.snapshot, now=NOW, challenge="F0")
        assert report.status is not ReportStatus.VERIFIED, bytes(data).hex()
        codes.update(report.codes)
    assert {"offline_qr_malformed", "signature_invalid"} <= codes
