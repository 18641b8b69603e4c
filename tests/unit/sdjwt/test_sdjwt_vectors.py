"""RFC 9901's own examples, kept verbatim in tests/vectors/sdjwt/, through our verifier."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sdjwt_helpers import (
    RFC_AUD,
    RFC_KB_IAT,
    RFC_NONCE,
    disclosure_table,
    load_json,
    rfc_issuer_key,
    text,
)

from passport.errors import PassportError
from passport.sdjwt import verify
from passport.sdjwt.common import decode_disclosure, digest, parse_jws, split_sd_jwt

TABLES = ["rfc9901-s5-simple", "rfc9901-a1-structured", "rfc9901-a4-w3c-vc"]
AFTER_KB = RFC_KB_IAT + 30


def _verify_rfc(presentation: str, **kwargs: Any) -> Any:
    kb = not presentation.endswith("~")
    return verify(
        presentation,
        issuer_key=rfc_issuer_key(),
        now=AFTER_KB,
        nonce=RFC_NONCE if kb else None,
        aud=RFC_AUD if kb else None,
        require_kb=kb,
        **kwargs,
    )


# --- Section 4.2: Disclosures and their digests --------------------------------------------


def test_section_4_2_disclosure_examples() -> None:
    vectors = load_json("rfc9901-s4-disclosures", "disclosures.json")
    prop, elem = vectors["object_property"], vectors["array_element"]

    assert digest(prop["disclosure"]) == prop["sha256"]
    d = decode_disclosure(prop["disclosure"])
    assert [d.salt, d.name, d.value] == prop["contents"]
    # Differently encoded JSON, same claim; each has its own digest (section 4.2.1).
    for variant in prop["equivalent_encodings"]:
        v = decode_disclosure(variant)
        assert (v.salt, v.name, v.value) == (d.salt, d.name, d.value)
        assert digest(variant) != prop["sha256"]

    assert digest(elem["disclosure"]) == elem["sha256"]
    e = decode_disclosure(elem["disclosure"])
    assert (e.salt, e.name, e.value) == ("lklxF5jMYlGTPUovMNIvCA", None, "FR")


@pytest.mark.parametrize("case", TABLES)
def test_disclosure_tables_digests_and_contents(case: str) -> None:
    table = disclosure_table(case)
    assert len(table) >= 10
    payload_text = json.dumps(load_json(case, "sd_jwt_payload.json"))
    for expected_digest, encoded, contents in table:
        assert digest(encoded) == expected_digest
        d = decode_disclosure(encoded)
        items = [d.salt, d.value] if d.name is None else [d.salt, d.name, d.value]
        # The RFC prints Contents wrapped at 72 columns: compare without any whitespace.
        assert "".join(json.dumps(items).split()) == "".join(contents.split())
        assert expected_digest in payload_text


@pytest.mark.parametrize(
    ("case", "name"),
    [
        ("rfc9901-s5-simple", "issuer_signed_jwt.txt"),
        ("rfc9901-s5-simple", "sd_jwt.txt"),
        ("rfc9901-a1-structured", "sd_jwt.txt"),
        ("rfc9901-a4-w3c-vc", "sd_jwt.txt"),
    ],
)
def test_issuer_signed_jwt_payload_is_the_rfc_payload(case: str, name: str) -> None:
    jwt = text(case, name).split("~")[0]
    assert parse_jws(jwt).payload == load_json(case, "sd_jwt_payload.json")


# --- Section 5: the simple example ---------------------------------------------------------


def test_section_5_issued_sd_jwt_discloses_the_input_claims() -> None:
    sd_jwt = text("rfc9901-s5-simple", "sd_jwt.txt")
    assert sd_jwt.startswith(text("rfc9901-s5-simple", "issuer_signed_jwt.txt") + "~")
    result = _verify_rfc(sd_jwt)
    claims = load_json("rfc9901-s5-simple", "user_claims.json")
    payload = load_json("rfc9901-s5-simple", "sd_jwt_payload.json")
    expected = {**claims, **{k: payload[k] for k in ("iss", "iat", "exp", "cnf")}}
    assert result.payload == expected
    assert result.header == {"alg": "ES256", "typ": "example+sd-jwt"}
    assert len(result.disclosed) == 10
    assert result.kb_payload is None


def test_section_5_2_presentation_with_key_binding() -> None:
    presentation = text("rfc9901-s5-simple", "sd_jwt_kb.txt")
    result = _verify_rfc(presentation)
    assert result.payload == load_json("rfc9901-s5-simple", "processed_payload.json")
    assert result.kb_payload == load_json("rfc9901-s5-simple", "kb_jwt_payload.json")
    assert result.kb_header == {"alg": "ES256", "typ": "kb+jwt"}
    assert sorted(result.disclosed) == ["address", "family_name", "given_name", "nationalities/0"]
    assert result.holder_jwk == load_json("rfc9901-s5-simple", "sd_jwt_payload.json")["cnf"]["jwk"]


def test_section_5_2_sd_hash_is_over_the_sd_jwt_up_to_the_last_tilde() -> None:
    presentation = text("rfc9901-s5-simple", "sd_jwt_kb.txt")
    parts = split_sd_jwt(presentation)
    assert parts.kb_jwt is not None and len(parts.disclosures) == 4
    up_to_last_tilde = presentation[: presentation.rindex("~") + 1]
    assert parts.sd_jwt == up_to_last_tilde
    expected = load_json("rfc9901-s5-simple", "kb_jwt_payload.json")["sd_hash"]
    assert digest(up_to_last_tilde) == expected == "G3I8z-cFMATAK2ep8MXWk-vnjI3X6-aahYeU9Tvzz3E"


def test_section_5_2_presentation_rejects_another_nonce() -> None:
    with pytest.raises(PassportError) as err:
        verify(
            text("rfc9901-s5-simple", "sd_jwt_kb.txt"),
            issuer_key=rfc_issuer_key(),
            now=AFTER_KB,
            nonce="another",
            aud=RFC_AUD,
        )
    assert err.value.code == "kb_nonce_mismatch"


def test_section_5_2_presentation_too_old_for_a_fresh_key_binding() -> None:
    with pytest.raises(PassportError) as err:
        verify(
            text("rfc9901-s5-simple", "sd_jwt_kb.txt"),
            issuer_key=rfc_issuer_key(),
            now=RFC_KB_IAT + 3600,
            nonce=RFC_NONCE,
            aud=RFC_AUD,
        )
    assert err.value.code == "kb_expired"


# --- Appendix A ----------------------------------------------------------------------------


def test_appendix_a1_structured_with_decoys() -> None:
    presentation = text("rfc9901-a1-structured", "sd_jwt.txt")
    result = _verify_rfc(presentation)
    assert result.payload == load_json("rfc9901-a1-structured", "processed_payload.json")
    assert result.payload["address"]["region"] == "港区"
    assert list(result.disclosed) == ["address/region", "address/country"]
    # The decoys of the example are in the payload and match no Disclosure.
    decoys = text("rfc9901-a1-structured", "decoys.txt").split("*")[1:]
    assert len(decoys) == 6
    payload_text = json.dumps(load_json("rfc9901-a1-structured", "sd_jwt_payload.json"))
    table_digests = {h for h, _, _ in disclosure_table("rfc9901-a1-structured")}
    for decoy in decoys:
        assert decoy in payload_text and decoy not in table_digests


def test_appendix_a3_sd_jwt_vc_with_recursive_disclosure() -> None:
    presentation = text("rfc9901-a3-sd-jwt-vc", "sd_jwt_kb.txt")
    result = _verify_rfc(presentation, expected_typ="dc+sd-jwt")
    assert result.payload == load_json("rfc9901-a3-sd-jwt-vc", "processed_payload.json")
    assert result.kb_payload == load_json("rfc9901-a3-sd-jwt-vc", "kb_jwt_payload.json")
    assert "age_equal_or_over/18" in result.disclosed


def test_appendix_a4_w3c_vc_issued_and_presented() -> None:
    issued = _verify_rfc(text("rfc9901-a4-w3c-vc", "sd_jwt.txt"))
    claims = load_json("rfc9901-a4-w3c-vc", "user_claims.json")
    cnf = load_json("rfc9901-a4-w3c-vc", "sd_jwt_payload.json")["cnf"]
    assert issued.payload == {**claims, "cnf": cnf}

    presented = _verify_rfc(text("rfc9901-a4-w3c-vc", "sd_jwt_kb.txt"))
    assert presented.payload == load_json("rfc9901-a4-w3c-vc", "processed_payload.json")
    assert presented.kb_payload is not None and presented.kb_payload["nonce"] == RFC_NONCE


def test_rfc_example_with_a_foreign_typ_is_refused_when_vc_typ_is_expected() -> None:
    with pytest.raises(PassportError) as err:
        _verify_rfc(text("rfc9901-a4-w3c-vc", "sd_jwt.txt"), expected_typ="vc+sd-jwt")
    assert err.value.code == "typ_mismatch"
