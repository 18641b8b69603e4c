"""Verification (RFC 9901 sections 7.1 and 7.3): an Ed25519 vc+sd-jwt round trip, and one
negative test per error code."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from sdjwt_helpers import AUD, ISSUER_DID, KID, NONCE, NOW, kyc_credential

from passport.errors import ConfigurationError, MalformedError, PassportError, VerdictError
from passport.keys import KeyType, PrivateKey, PublicKey, b64url_decode, b64url_encode
from passport.sdjwt import issue, present, verify
from passport.sdjwt.common import (
    decode_disclosure,
    digest,
    encode_disclosure,
    sign_jws,
    split_sd_jwt,
)

ISSUER = PrivateKey.generate()
HOLDER = PrivateKey.generate()
SD_JWT = issue(
    kyc_credential(), ISSUER, kid=KID, holder_jwk=HOLDER.public_key.to_jwk(), now=NOW, decoys=2
)
ISSUER_JWT = split_sd_jwt(SD_JWT).issuer_jwt
SHOWN = ["credentialSubject/legalName", "credentialSubject/birthDate"]


def _present(sd_jwt: str = SD_JWT, **kwargs: Any) -> str:
    args: dict[str, Any] = {
        "disclose": SHOWN,
        "holder_key": HOLDER,
        "nonce": NONCE,
        "aud": AUD,
        "now": NOW + 5,
    }
    args.update(kwargs)
    return present(sd_jwt, **args)


def _verify(presentation: str, **kwargs: Any) -> Any:
    args: dict[str, Any] = {
        "issuer_key": ISSUER.public_key,
        "now": NOW + 10,
        "nonce": NONCE,
        "aud": AUD,
    }
    args.update(kwargs)
    return verify(presentation, **args)


def _code(presentation: str, **kwargs: Any) -> str:
    with pytest.raises(PassportError) as err:
        _verify(presentation, **kwargs)
    return err.value.code


def _forge(payload: Mapping[str, Any], disclosures: list[str], **header: Any) -> str:
    """An SD-JWT signed by ISSUER over an arbitrary payload (to build invalid ones)."""
    jwt = sign_jws({"typ": "vc+sd-jwt", "kid": KID, **header}, payload, ISSUER)
    return "".join([jwt, "~", *(d + "~" for d in disclosures)])


def _kb(sd_jwt: str, key: PrivateKey = HOLDER, **overrides: Any) -> str:
    """Append a Key Binding JWT (payload and header fields can be overridden)."""
    header = {"typ": overrides.pop("typ", "kb+jwt")}
    payload = {"iat": NOW + 5, "aud": AUD, "nonce": NONCE, "sd_hash": digest(sd_jwt)}
    payload.update(overrides)
    return sd_jwt + sign_jws(header, payload, key)


BASE: dict[str, Any] = {"iss": ISSUER_DID, "issuer": ISSUER_DID, "iat": NOW, "_sd_alg": "sha-256"}


# --- the round trip ------------------------------------------------------------------------


def test_ed25519_vc_round_trip() -> None:
    presentation = _present()
    result = _verify(presentation, expected_typ="vc+sd-jwt", require_kb=True)
    assert result.header == {"alg": "EdDSA", "typ": "vc+sd-jwt", "kid": KID}
    expected = kyc_credential()
    subject = expected["credentialSubject"]
    expected["credentialSubject"] = {
        "id": subject["id"],
        "legalName": subject["legalName"],
        "birthDate": subject["birthDate"],
    }
    expected.update(
        iss=ISSUER_DID, iat=NOW, exp=1893456000, cnf={"jwk": HOLDER.public_key.to_jwk()}
    )
    assert dict(result.payload) == expected
    assert sorted(result.disclosed) == sorted(SHOWN)
    assert result.holder_jwk == HOLDER.public_key.to_jwk()
    assert result.kb_payload is not None and result.kb_payload["nonce"] == NONCE


def test_issuer_key_resolver_gets_header_and_payload() -> None:
    seen: list[tuple[Mapping[str, Any], Mapping[str, Any]]] = []

    def resolve(header: Mapping[str, Any], payload: Mapping[str, Any]) -> PublicKey:
        seen.append((header, payload))
        return ISSUER.public_key

    _verify(_present(), issuer_key=resolve, now=datetime.fromtimestamp(NOW + 10, UTC))
    assert seen[0][0]["kid"] == KID and seen[0][1]["iss"] == ISSUER_DID


def test_resolver_errors_propagate_unchanged() -> None:
    from passport.errors import CouldNotCheckError

    def down(header: Mapping[str, Any], payload: Mapping[str, Any]) -> PublicKey:
        raise CouldNotCheckError("did_not_found", "no such DID")

    with pytest.raises(CouldNotCheckError):
        _verify(_present(), issuer_key=down)


def test_kb_optional_policy_still_checks_a_present_kb() -> None:
    result = _verify(present(SD_JWT, disclose=SHOWN), require_kb=False, nonce=None, aud=None)
    assert result.kb_payload is None
    assert _code(_present(), require_kb=False, nonce="other") == "kb_nonce_mismatch"


def test_clock_skew_tolerates_small_differences() -> None:
    sd_jwt = issue(kyc_credential(), ISSUER, kid=KID, now=NOW)
    assert _verify(sd_jwt, require_kb=False, now=1893456000 + 59)  # validUntil + 59 s
    assert _code(sd_jwt, require_kb=False, now=1893456000 + 61) == "expired"


# --- malformed -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("presentation", "code"),
    [
        ("no tilde at all", "sd_jwt_malformed"),
        (SD_JWT.replace("~", "~~", 1), "sd_jwt_malformed"),
        ("abc.def~", "jwt_malformed"),
        ("e30.e30.AAAA~", "jwt_malformed"),  # {} header without alg
        (b64url_encode(b'{"alg":"EdDSA"}') + ".bm90IGpzb24.AA~", "jwt_malformed"),
        (split_sd_jwt(SD_JWT).issuer_jwt + "~%%%~", "disclosure_malformed"),
        (ISSUER_JWT + "~" + b64url_encode(b'{"a":1}') + "~", "disclosure_malformed"),
        (ISSUER_JWT + "~" + b64url_encode(b'["s", 1, 2]') + "~", "disclosure_malformed"),
        (ISSUER_JWT + "~" + b64url_encode(b'["s", "n", 2, 3]') + "~", "disclosure_malformed"),
    ],
)  # fmt: skip
def test_malformed(presentation: str, code: str) -> None:
    with pytest.raises(MalformedError) as err:
        _verify(presentation, require_kb=False)
    assert err.value.code == code


def test_disclosure_of_the_wrong_kind_is_malformed() -> None:
    element = encode_disclosure("salt-salt-salt-salt-sa", None, "TW")
    in_sd = _forge({**BASE, "_sd": [digest(element)]}, [element])
    assert _code(in_sd, require_kb=False) == "disclosure_malformed"
    prop = encode_disclosure("salt-salt-salt-salt-sa", "x", 1)
    in_array = _forge({**BASE, "a": [{"...": digest(prop)}]}, [prop])
    assert _code(in_array, require_kb=False) == "disclosure_malformed"


@pytest.mark.parametrize(
    "payload",
    [
        {**BASE, "_sd": "not-an-array"},
        {**BASE, "_sd": [1, 2]},
        {**BASE, "x": {"...": "abc"}},  # '...' outside an array element
        {**BASE, "a": [{"...": "abc", "b": 1}]},
        {**BASE, "a": [{"...": 5}]},
    ],
)
def test_reserved_keys_misused_in_payload(payload: dict[str, Any]) -> None:
    assert _code(_forge(payload, []), require_kb=False) == "sd_jwt_malformed"


def test_credential_date_invalid() -> None:
    sd_jwt = _forge({**BASE, "validUntil": "soon"}, [])
    assert _code(sd_jwt, require_kb=False) == "credential_date_invalid"


def test_numeric_date_must_be_a_number() -> None:
    assert _code(_forge({**BASE, "exp": "tomorrow"}, []), require_kb=False) == "jwt_malformed"


def test_invalid_holder_jwk() -> None:
    sd_jwt = _forge({**BASE, "cnf": {"jwk": {"kty": "OKP", "crv": "X25519", "x": "AA"}}}, [])
    assert _code(_kb(sd_jwt)) == "key_malformed"


# --- verdicts on the Issuer-signed JWT ------------------------------------------------------


def test_signature_invalid_wrong_key_tampered_payload_and_alg_none() -> None:
    presentation = _present()
    assert _code(presentation, issuer_key=PrivateKey.generate().public_key) == "signature_invalid"

    header, payload, sig = split_sd_jwt(SD_JWT).issuer_jwt.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["validUntil"] = "2099-01-01T00:00:00Z"
    tampered = b64url_encode(json.dumps(claims).encode())
    assert _code(f"{header}.{tampered}.{sig}~", require_kb=False) == "signature_invalid"

    none_header = b64url_encode(b'{"alg":"none","typ":"vc+sd-jwt"}')
    assert _code(f"{none_header}.{payload}.~", require_kb=False) == "signature_invalid"
    p256 = PrivateKey.generate(KeyType.P256)
    assert _code(SD_JWT, require_kb=False, issuer_key=p256.public_key) == "signature_invalid"


def test_typ_mismatch() -> None:
    sd_jwt = issue(kyc_credential(), ISSUER, kid=KID, typ="dc+sd-jwt", now=NOW)
    assert _code(sd_jwt, require_kb=False, expected_typ="vc+sd-jwt") == "typ_mismatch"


def test_issuer_mismatch() -> None:
    sd_jwt = _forge({**BASE, "iss": "did:example:other"}, [])
    assert _code(sd_jwt, require_kb=False) == "issuer_mismatch"


def test_sd_alg_unsupported() -> None:
    assert _code(_forge({**BASE, "_sd_alg": "md5"}, []), require_kb=False) == "sd_alg_unsupported"


def test_disclosure_duplicate() -> None:
    d = split_sd_jwt(_present()).disclosures[0]
    twice = split_sd_jwt(SD_JWT).issuer_jwt + "~" + d + "~" + d + "~"
    assert _code(twice, require_kb=False) == "disclosure_duplicate"


def test_digest_duplicate() -> None:
    d = encode_disclosure("salt-salt-salt-salt-sa", "x", 1)
    h = digest(d)
    assert _code(_forge({**BASE, "_sd": [h, h]}, [d]), require_kb=False) == "digest_duplicate"
    nested = _forge({**BASE, "_sd": [h], "a": [{"...": h}]}, [])
    assert _code(nested, require_kb=False) == "digest_duplicate"


@pytest.mark.parametrize("name", ["issuer", "_sd", "..."])
def test_disclosure_claim_conflict(name: str) -> None:
    d = encode_disclosure("salt-salt-salt-salt-sa", name, "x")
    sd_jwt = _forge({**BASE, "_sd": [digest(d)]}, [d])
    assert _code(sd_jwt, require_kb=False) == "disclosure_claim_conflict"


def test_disclosure_claim_conflict_between_two_disclosures() -> None:
    a = encode_disclosure("salt-salt-salt-salt-aa", "x", 1)
    b = encode_disclosure("salt-salt-salt-salt-bb", "x", 2)
    sd_jwt = _forge({**BASE, "_sd": [digest(a), digest(b)]}, [a, b])
    assert _code(sd_jwt, require_kb=False) == "disclosure_claim_conflict"


def test_disclosure_unreferenced() -> None:
    other = issue(kyc_credential(), ISSUER, kid=KID, now=NOW)
    foreign = split_sd_jwt(other).disclosures[0]
    mixed = split_sd_jwt(SD_JWT).issuer_jwt + "~" + foreign + "~"
    assert _code(mixed, require_kb=False) == "disclosure_unreferenced"
    # A nested Disclosure whose parent was withheld does not connect either (section 4.2.6).
    paths = ["credentialSubject/address", "credentialSubject/address/*"]
    parts = split_sd_jwt(issue(kyc_credential(), ISSUER, kid=KID, now=NOW, disclosable=paths))
    locality = next(d for d in parts.disclosures if decode_disclosure(d).name == "locality")
    orphan = parts.issuer_jwt + "~" + locality + "~"
    assert _code(orphan, require_kb=False) == "disclosure_unreferenced"


def test_expired_and_not_yet_valid() -> None:
    assert _code(_forge({**BASE, "exp": NOW - 1000}, []), require_kb=False) == "expired"
    assert _code(SD_JWT, require_kb=False, now=1893456000 + 3600) == "expired"  # validUntil
    assert _code(_forge({**BASE, "nbf": NOW + 1000}, []), require_kb=False) == "not_yet_valid"
    not_yet = _forge({**BASE, "validFrom": "2099-01-01T00:00:00Z"}, [])
    assert _code(not_yet, require_kb=False) == "not_yet_valid"


# --- Key Binding ---------------------------------------------------------------------------


def test_kb_missing() -> None:
    assert _code(present(SD_JWT, disclose=SHOWN)) == "kb_missing"


def test_kb_params_missing() -> None:
    with pytest.raises(ConfigurationError) as err:
        _verify(_present(), nonce=None)
    assert err.value.code == "kb_params_missing"


def test_cnf_missing() -> None:
    unbound = issue(kyc_credential(), ISSUER, kid=KID, now=NOW)
    assert _code(_kb(unbound)) == "cnf_missing"


def test_kb_signature_invalid() -> None:
    assert _code(_kb(SD_JWT, key=PrivateKey.generate())) == "kb_signature_invalid"
    good = _present()
    header, payload, _ = split_sd_jwt(good).kb_jwt.split(".")  # type: ignore[union-attr]
    none = b64url_encode(b'{"alg":"none","typ":"kb+jwt"}')
    stripped = good[: good.rindex("~") + 1] + f"{none}.{payload}."
    assert _code(stripped) == "kb_signature_invalid"
    forged_sig = good[: good.rindex("~") + 1] + f"{header}.{payload}." + "A" * 86
    assert _code(forged_sig) == "kb_signature_invalid"


def test_kb_typ_mismatch() -> None:
    assert _code(_kb(SD_JWT, typ="JWT")) == "kb_typ_mismatch"


def test_kb_expired_and_in_future() -> None:
    presentation = _present()
    assert _code(presentation, now=NOW + 5 + 300 + 61) == "kb_expired"
    assert _verify(presentation, now=NOW + 5 + 300 + 59)
    assert _code(presentation, now=NOW + 5 - 61) == "kb_iat_in_future"
    assert _code(presentation, now=NOW + 120, max_kb_age=30) == "kb_expired"
    assert _code(_kb(SD_JWT, exp=NOW - 100)) == "kb_expired"
    with pytest.raises(MalformedError):
        _verify(_kb(SD_JWT, iat=None))


def test_kb_nonce_and_audience_mismatch() -> None:
    presentation = _present()
    assert _code(presentation, nonce="replayed-nonce") == "kb_nonce_mismatch"
    assert _code(presentation, aud="did:example:someone-else") == "audience_mismatch"
    assert _code(_kb(SD_JWT, aud=[AUD, "x"])) == "audience_mismatch"


def test_kb_sd_hash_mismatch() -> None:
    presentation = _present()
    parts = split_sd_jwt(presentation)
    # Drop one Disclosure after the holder signed: the KB-JWT no longer matches.
    fewer = parts.issuer_jwt + "~" + parts.disclosures[0] + "~" + str(parts.kb_jwt)
    assert _code(fewer) == "kb_sd_hash_mismatch"
    assert _code(_kb(SD_JWT, sd_hash=digest("something else"))) == "kb_sd_hash_mismatch"


def test_error_classes() -> None:
    with pytest.raises(VerdictError):
        _verify(_present(), nonce="x")
    with pytest.raises(MalformedError):
        _verify("x~", require_kb=False)


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ConfigurationError) as err:
        _verify(_present(), now=datetime(2025, 6, 15, 12, 0, 0))
    assert err.value.code == "naive_datetime"
