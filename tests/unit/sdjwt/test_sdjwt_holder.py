"""The Holder: what a credential can disclose, and presentations (RFC 9901 section 7.2)."""

from __future__ import annotations

from typing import Any

import pytest
from sdjwt_helpers import AUD, KID, NONCE, NOW, kyc_credential, rfc_issuer_key, text

from passport.errors import PassportError
from passport.keys import PrivateKey
from passport.sdjwt import disclosable_claims, issue, present, verify
from passport.sdjwt.common import digest, parse_jws, split_sd_jwt

ISSUER = PrivateKey.generate()
HOLDER = PrivateKey.generate()
DISCLOSABLE = [
    "credentialSubject/*",
    "credentialSubject/nationalities/*",
    "credentialSubject/address/locality",
]
SD_JWT = issue(
    kyc_credential(),
    ISSUER,
    kid=KID,
    holder_jwk=HOLDER.public_key.to_jwk(),
    disclosable=DISCLOSABLE,
    decoys=2,
    now=NOW,
)


def _verify(presentation: str, **kwargs: Any) -> Any:
    args: dict[str, Any] = {"issuer_key": ISSUER.public_key, "now": NOW + 10}
    args.update(kwargs)
    return verify(presentation, **args)


def test_disclosable_claims_lists_paths_values_and_parents() -> None:
    claims = {c.path: c for c in disclosable_claims(SD_JWT)}
    assert set(claims) == {
        "credentialSubject/legalName",
        "credentialSubject/birthDate",
        "credentialSubject/nationalities",
        "credentialSubject/nationalities/0",
        "credentialSubject/nationalities/1",
        "credentialSubject/address",
        "credentialSubject/address/locality",
        "credentialSubject/kycLevel",
    }
    assert claims["credentialSubject/nationalities"].value == ["TW", "JP"]
    assert claims["credentialSubject/nationalities/1"].value == "JP"
    assert claims["credentialSubject/nationalities/1"].requires == (
        "credentialSubject/nationalities",
    )
    assert claims["credentialSubject/address"].value == {"locality": "Taipei", "country": "TW"}
    assert claims["credentialSubject/kycLevel"].requires == ()


def test_present_without_key_binding_reveals_only_the_chosen_claims() -> None:
    presentation = present(SD_JWT, disclose=["credentialSubject/birthDate"])
    assert presentation.endswith("~")
    parts = split_sd_jwt(presentation)
    assert parts.issuer_jwt == split_sd_jwt(SD_JWT).issuer_jwt and len(parts.disclosures) == 1
    result = _verify(presentation, require_kb=False)
    subject = result.payload["credentialSubject"]
    assert subject == {
        "id": kyc_credential()["credentialSubject"]["id"],
        "birthDate": "1990-04-01",
    }
    assert result.disclosed == ("credentialSubject/birthDate",)


def test_nested_choice_brings_its_parents_and_a_parent_its_subtree() -> None:
    nested = present(SD_JWT, disclose=["credentialSubject/nationalities/1"])
    subject = _verify(nested, require_kb=False).payload["credentialSubject"]
    assert subject["nationalities"] == ["JP"]

    whole = present(SD_JWT, disclose=["credentialSubject/address"])
    subject = _verify(whole, require_kb=False).payload["credentialSubject"]
    assert subject["address"] == {"locality": "Taipei", "country": "TW"}

    only_country = present(SD_JWT, disclose=["credentialSubject/address/country"])
    subject = _verify(only_country, require_kb=False).payload["credentialSubject"]
    assert subject["address"] == {"country": "TW"}  # country was always disclosed inside address


def test_predicate_and_nothing_disclosed() -> None:
    everything = present(SD_JWT, disclose=lambda path: True)
    assert len(split_sd_jwt(everything).disclosures) == len(split_sd_jwt(SD_JWT).disclosures)
    nothing = present(SD_JWT, disclose=[])
    assert split_sd_jwt(nothing).disclosures == ()
    assert _verify(nothing, require_kb=False).payload["credentialSubject"] == {
        "id": kyc_credential()["credentialSubject"]["id"]
    }


def test_key_binding_jwt() -> None:
    presentation = present(
        SD_JWT,
        disclose=["credentialSubject/legalName"],
        holder_key=HOLDER,
        nonce=NONCE,
        aud=AUD,
        now=NOW + 5,
    )
    parts = split_sd_jwt(presentation)
    assert parts.kb_jwt is not None
    kb = parse_jws(parts.kb_jwt)
    assert kb.header == {"alg": "EdDSA", "typ": "kb+jwt"}
    assert kb.payload == {
        "iat": NOW + 5,
        "aud": AUD,
        "nonce": NONCE,
        "sd_hash": digest(parts.sd_jwt),
    }
    result = _verify(presentation, nonce=NONCE, aud=AUD)
    assert result.payload["credentialSubject"]["legalName"] == "Lin Mei-Hua"
    assert result.kb_payload == kb.payload


def test_rfc_issued_sd_jwt_can_be_re_presented() -> None:
    # The RFC's issued SD-JWT (section 5.1), re-presented by our holder without key binding.
    presentation = present(text("rfc9901-s5-simple", "sd_jwt.txt"), disclose=["nationalities/1"])
    result = verify(presentation, issuer_key=rfc_issuer_key(), now=1748537243, require_kb=False)
    assert result.payload["nationalities"] == ["DE"]
    assert "given_name" not in result.payload


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"disclose": ["credentialSubject/salary"]}, "sd_path_not_found"),
        ({"disclose": "credentialSubject/nationalities/5"}, "sd_path_not_found"),
        ({"holder_key": HOLDER, "nonce": NONCE}, "kb_params_missing"),
        ({"holder_key": HOLDER, "aud": AUD}, "kb_params_missing"),
        ({"nonce": NONCE, "aud": AUD}, "holder_key_missing"),
        ({"holder_key": PrivateKey.generate(), "nonce": NONCE, "aud": AUD}, "holder_key_mismatch"),
    ],
)
def test_presentation_errors(kwargs: dict[str, Any], code: str) -> None:
    args: dict[str, Any] = {"disclose": ["credentialSubject/birthDate"]}
    args.update(kwargs)
    with pytest.raises(PassportError) as err:
        present(SD_JWT, **args)
    assert err.value.code == code


def test_unbound_credential_cannot_get_key_binding() -> None:
    unbound = issue(kyc_credential(), ISSUER, kid=KID, now=NOW)
    with pytest.raises(PassportError) as err:
        present(unbound, disclose=[], holder_key=HOLDER, nonce=NONCE, aud=AUD)
    assert err.value.code == "holder_key_mismatch"


def test_a_presentation_is_not_an_issued_sd_jwt() -> None:
    presentation = present(SD_JWT, disclose=[], holder_key=HOLDER, nonce=NONCE, aud=AUD)
    with pytest.raises(PassportError) as err:
        present(presentation, disclose=[])
    assert err.value.code == "sd_jwt_malformed"
    with pytest.raises(PassportError) as err:
        disclosable_claims("not an sd-jwt")
    assert err.value.code == "sd_jwt_malformed"
