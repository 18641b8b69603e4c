"""Issuance (RFC 9901 sections 4.1, 4.2) of vc+sd-jwt credentials (W3C VC-JOSE-COSE)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sdjwt_helpers import ISSUER_DID, KID, NOW, counter_rng, kyc_credential

from passport.errors import PassportError
from passport.keys import KeyType, PrivateKey
from passport.sdjwt import issue, verify
from passport.sdjwt.common import decode_disclosure, digest, parse_jws, split_sd_jwt

ISSUER = PrivateKey.generate(rng=lambda n: b"\x01" * n)
HOLDER = PrivateKey.generate(rng=lambda n: b"\x02" * n)


def _issue(**kwargs: Any) -> str:
    args: dict[str, Any] = {"kid": KID, "now": NOW, "holder_jwk": HOLDER.public_key.to_jwk()}
    args.update(kwargs)
    claims = args.pop("claims", kyc_credential())
    return issue(claims, ISSUER, **args)


def test_vc_payload_header_and_jwt_claims() -> None:
    parts = split_sd_jwt(_issue())
    jwt = parse_jws(parts.issuer_jwt)
    assert jwt.header == {"alg": "EdDSA", "typ": "vc+sd-jwt", "kid": KID}
    p = jwt.payload
    assert p["iss"] == ISSUER_DID and p["iat"] == NOW
    assert p["exp"] == 1893456000  # validUntil 2030-01-01T00:00:00Z
    assert "nbf" not in p  # NOT RECOMMENDED by VC-JOSE-COSE
    assert p["_sd_alg"] == "sha-256"
    assert p["cnf"] == {"jwk": HOLDER.public_key.to_jwk()}
    # Always disclosed: what a verifier needs to validate the credential.
    for name in ("@context", "type", "issuer", "validFrom", "validUntil", "credentialStatus"):
        assert p[name] == kyc_credential()[name]
    subject = p["credentialSubject"]
    assert subject["id"] == kyc_credential()["credentialSubject"]["id"]
    assert set(subject) == {"id", "_sd"}
    assert subject["_sd"] == sorted(subject["_sd"])
    assert len(parts.disclosures) == 5  # legalName, birthDate, nationalities, address, kycLevel


def test_disclosures_are_salted_and_referenced() -> None:
    parts = split_sd_jwt(_issue())
    subject_sd = parse_jws(parts.issuer_jwt).payload["credentialSubject"]["_sd"]
    salts = set()
    for encoded in parts.disclosures:
        d = decode_disclosure(encoded)
        assert len(d.salt) == 22  # base64url of 128 random bits (section 9.3)
        salts.add(d.salt)
        assert digest(encoded) in subject_sd
        assert kyc_credential()["credentialSubject"][d.name] == d.value
    assert len(salts) == 5


def test_injected_rng_makes_issuance_reproducible() -> None:
    assert _issue(rng=counter_rng()) == _issue(rng=counter_rng())
    assert _issue() != _issue()


def test_paths_array_elements_and_recursive_disclosures() -> None:
    sd_jwt = _issue(
        disclosable=[
            "credentialSubject/nationalities",
            "credentialSubject/nationalities/*",
            "credentialSubject/address/locality",
        ]
    )
    parts = split_sd_jwt(sd_jwt)
    subject = parse_jws(parts.issuer_jwt).payload["credentialSubject"]
    assert subject["legalName"] == "Lin Mei-Hua"  # not chosen: stays in the clear
    assert list(subject["address"]) == ["country", "_sd"]
    decoded = {(d.name, json.dumps(d.value)) for d in map(decode_disclosure, parts.disclosures)}
    elements = [d for d in map(decode_disclosure, parts.disclosures) if d.name is None]
    assert sorted(e.value for e in elements) == ["JP", "TW"]
    # The nationalities Disclosure carries the digests of its elements (section 4.2.6).
    (nat,) = [d for d in map(decode_disclosure, parts.disclosures) if d.name == "nationalities"]
    assert [list(x) for x in nat.value] == [["..."], ["..."]]
    assert ("locality", '"Taipei"') in decoded
    full = verify(sd_jwt, issuer_key=ISSUER.public_key, now=NOW, require_kb=False)
    assert full.payload["credentialSubject"] == kyc_credential()["credentialSubject"]


def test_predicate_selects_claims_but_never_the_protected_ones() -> None:
    sd_jwt = _issue(disclosable=lambda path: True)
    payload = parse_jws(split_sd_jwt(sd_jwt).issuer_jwt).payload
    assert payload["issuer"] == ISSUER_DID and payload["credentialStatus"]
    assert payload["credentialSubject"]["id"].startswith("did:key:")
    assert "legalName" not in payload["credentialSubject"]


def test_decoys_per_object_and_by_path() -> None:
    subject = parse_jws(split_sd_jwt(_issue(decoys=3)).issuer_jwt).payload["credentialSubject"]
    assert len(subject["_sd"]) == 5 + 3
    payload = parse_jws(
        split_sd_jwt(_issue(decoys={"": 2, "credentialSubject": 1})).issuer_jwt
    ).payload
    assert len(payload["_sd"]) == 2 and len(payload["credentialSubject"]["_sd"]) == 6
    arrays = _issue(disclosable=["credentialSubject/nationalities/*"], decoys=2)
    nat = parse_jws(split_sd_jwt(arrays).issuer_jwt).payload["credentialSubject"]["nationalities"]
    assert len(nat) == 4 and all(set(x) == {"..."} for x in nat)
    # Decoys are invisible to the verifier: the processed payload is the credential.
    result = verify(arrays, issuer_key=ISSUER.public_key, now=NOW, require_kb=False)
    assert result.payload["credentialSubject"]["nationalities"] == ["TW", "JP"]


def test_p256_issuer_and_plain_sd_jwt_without_holder_binding() -> None:
    key = PrivateKey.generate(KeyType.P256)
    sd_jwt = issue({"iss": "https://bank.example", "email": "a@b.example"}, key, kid="k1",
                   disclosable=["email"], typ="example+sd-jwt", now=NOW)  # fmt: skip
    jwt = parse_jws(split_sd_jwt(sd_jwt).issuer_jwt)
    assert jwt.header["alg"] == "ES256" and "cnf" not in jwt.payload
    result = verify(sd_jwt, issuer_key=key.public_key, now=NOW, require_kb=False)
    assert result.payload == {"iss": "https://bank.example", "email": "a@b.example", "iat": NOW}


def test_header_extras_are_signed_but_cannot_change_alg() -> None:
    jwt = split_sd_jwt(_issue(header_extras={"cty": "vc", "alg": "none"})).issuer_jwt
    assert parse_jws(jwt).header == {"typ": "vc+sd-jwt", "kid": KID, "cty": "vc", "alg": "EdDSA"}


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"disclosable": ["credentialSubject/id"]}, "sd_claim_not_disclosable"),
        ({"disclosable": ["credentialStatus"]}, "sd_claim_not_disclosable"),
        ({"disclosable": ["credentialSubject/salary"]}, "sd_path_not_found"),
        ({"disclosable": ["credentialSubject/nationalities/7"]}, "sd_path_not_found"),
        ({"holder_jwk": HOLDER.to_jwk()}, "holder_jwk_private"),
        ({"holder_jwk": {"kty": "RSA", "n": "AQAB"}}, "key_malformed"),
        ({"claims": {**kyc_credential(), "validUntil": "next year"}}, "credential_date_invalid"),
        ({"claims": {"issuer": "did:x", "_sd": ["x"]}}, "sd_claims_reserved"),
        ({"claims": {"issuer": "did:x", "credentialSubject": {"...": 1}}}, "sd_claims_reserved"),
        ({"sd_alg": "md5"}, "sd_alg_unsupported"),
    ],
)
def test_issuance_errors(kwargs: dict[str, Any], code: str) -> None:
    with pytest.raises(PassportError) as err:
        _issue(**kwargs)
    assert err.value.code == code
