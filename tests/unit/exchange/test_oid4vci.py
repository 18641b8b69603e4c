"""OpenID4VCI 1.0 messages: offers, token requests, key proofs, credential requests."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from passport.did.document import DidDocument
from passport.did.jwk import JwkDidResolver, did_jwk_from_public_key
from passport.did.key import KeyDidResolver, did_key_from_public_key
from passport.did.resolver import CachingResolver
from passport.errors import ConfigurationError, CouldNotCheckError, MalformedError
from passport.exchange import (
    FORMAT_LDP_VC,
    FORMAT_VC_SD_JWT,
    PRE_AUTHORIZED_CODE_GRANT,
    PROOF_JWT_TYP,
    CredentialOffer,
    Oid4vciError,
    TokenRequest,
    TxCode,
    authorization_server_metadata,
    check_pre_authorized_grant,
    create_proof_jwt,
    credential_response,
    hash_secret,
    issuer_metadata,
    metadata_url,
    new_access_token,
    new_c_nonce,
    new_pre_authorized_code,
    new_tx_code,
    nonce_response,
    offer_uri,
    offer_uri_by_reference,
    parse_bearer_token,
    parse_credential_request,
    parse_offer,
    parse_offer_uri,
    parse_token_request,
    passport_credential_configurations,
    secret_matches,
    token_response,
    unknown_access_token,
    unknown_pre_authorized_code,
    verify_proof_jwt,
)
from passport.keys import KeyType, PrivateKey, b64url_encode

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "oid4vci"
ISSUER = "https://bank.example/issuer"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
NONCE = "n-0S6_WzA2Mj"


def _det_rng(seed: int) -> Callable[[int], bytes]:
    state = {"i": seed}

    def rng(n: int) -> bytes:
        out = bytes((state["i"] + k) % 256 for k in range(n))
        state["i"] += n
        return out

    return rng


def _join(text: str) -> str:
    """A spec example broken over lines "for display purposes only", rejoined."""
    return "".join(line.strip() for line in text.splitlines())


def _resolver() -> CachingResolver:
    return CachingResolver(methods={"key": KeyDidResolver(), "jwk": JwkDidResolver()})


class _DownResolver:
    def resolve(self, did: str) -> DidDocument:
        raise CouldNotCheckError("did_not_found", f"{did} could not be fetched")


def _raw_jwt(header: dict[str, Any], payload: dict[str, Any], key: PrivateKey | None) -> str:
    h = b64url_encode(json.dumps(header).encode())
    p = b64url_encode(json.dumps(payload).encode())
    sig = key.sign(f"{h}.{p}".encode()) if key is not None else b""
    return f"{h}.{p}.{b64url_encode(sig)}"


def _kid(key: PrivateKey) -> str:
    did = did_key_from_public_key(key.public_key)
    return f"{did}#{did.split(':')[2]}"


def _verify(jwt: str, **overrides: Any) -> Any:
    kwargs: dict[str, Any] = {
        "audience": ISSUER,
        "nonce": NONCE,
        "now": NOW,
        "resolver": _resolver(),
    }
    kwargs.update(overrides)
    return verify_proof_jwt(jwt, **kwargs)


def _code(exc_info: pytest.ExceptionInfo[Oid4vciError]) -> tuple[str, str, int]:
    return exc_info.value.code, exc_info.value.error, exc_info.value.status


# --- secrets -------------------------------------------------------------------------------


def test_secrets_are_long_random_and_url_safe() -> None:
    codes = {new_pre_authorized_code() for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        assert len(code) == 43 and set(code) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        )
    assert len(new_access_token()) == 43
    assert len(new_c_nonce()) == 22  # 128 bits
    assert new_pre_authorized_code(_det_rng(1)) == new_pre_authorized_code(_det_rng(1))


def test_tx_codes_are_digits_of_the_asked_length_and_uniform() -> None:
    assert len(new_tx_code()) == 6 and new_tx_code().isdigit()
    assert len(new_tx_code(8)) == 8
    with pytest.raises(ValueError):
        new_tx_code(3)


def _fixed(values: list[int]) -> Callable[[int], bytes]:
    it = iter(values)
    return lambda n: bytes(next(it) for _ in range(n))


def test_tx_code_rejection_sampling_skips_biased_bytes() -> None:
    assert new_tx_code(4, _fixed([255, 250, 3, 13, 249, 0])) == "3390"


def test_hash_secret_and_constant_time_match() -> None:
    stored = hash_secret("493536")
    assert stored == "66a5cd8fdef91b98ed565ddaddfe3a8f2dfd27c824dad0b4d24d8dde23893d4b"
    assert secret_matches("493536", stored)
    assert not secret_matches("493537", stored)
    assert not secret_matches("", stored)


# --- offers --------------------------------------------------------------------------------


def test_offer_uri_round_trip_with_tx_code() -> None:
    offer = CredentialOffer(
        credential_issuer=ISSUER,
        credential_configuration_ids=("KYCCredential",),
        pre_authorized_code=new_pre_authorized_code(),
        tx_code=TxCode(length=6, description="Sent by SMS to your phone ending 42"),
    )
    uri = offer_uri(offer)
    assert uri.startswith("openid-credential-offer://?credential_offer=%7B%22")
    assert parse_offer_uri(uri) == offer
    data = json.loads(parse_qs(uri.split("?", 1)[1])["credential_offer"][0])
    grant = data["grants"][PRE_AUTHORIZED_CODE_GRANT]
    assert grant["tx_code"] == {
        "input_mode": "numeric",
        "length": 6,
        "description": "Sent by SMS to your phone ending 42",
    }


def test_offer_uri_without_tx_code_and_to_an_https_wallet_endpoint() -> None:
    offer = CredentialOffer(ISSUER, ("A", "B"), "code-1")
    uri = offer_uri(offer, scheme="https://wallet.example/offer")
    assert uri.startswith("https://wallet.example/offer?credential_offer=")
    parsed = parse_offer_uri(uri)
    assert parsed == offer and parsed.tx_code is None
    assert "tx_code" not in offer.to_dict()["grants"][PRE_AUTHORIZED_CODE_GRANT]


def test_offer_repr_hides_the_code() -> None:
    assert "secret-code" not in repr(CredentialOffer(ISSUER, ("A",), "secret-code"))


def test_spec_offer_uri_by_value_vector() -> None:
    uri = _join((VECTORS / "offer_uri_by_value.txt").read_text())
    offer = parse_offer_uri(uri)
    assert offer.credential_issuer == "https://credential-issuer.example.com"
    assert offer.credential_configuration_ids == ("org.iso.18013.5.1.mDL",)
    assert offer.pre_authorized_code == "oaKazRN8I0IbtZ0C7JuMn5"
    assert offer.tx_code == TxCode(
        length=None,
        input_mode="text",
        description="Please enter the serial number of your physical drivers license",
    )


def test_spec_offer_uri_by_reference_vector_uses_fetch() -> None:
    uri = _join((VECTORS / "offer_uri_by_reference.txt").read_text())
    body = json.loads((VECTORS / "credential_offer_by_reference.json").read_text())
    seen: list[str] = []

    def fetch(url: str) -> Any:
        seen.append(url)
        return body

    offer = parse_offer_uri(uri, fetch=fetch)
    assert seen == [
        "https://server.example.com/credential-offer/GkurKxf5T0Y-mnPFCHqWOMiZi4VS138cQO_V7PZHAdM"
    ]
    # an empty tx_code object still means "a transaction code is required"
    assert offer.tx_code == TxCode(length=None, input_mode=None, description=None)
    assert offer.to_dict() == body
    with pytest.raises(ConfigurationError) as exc:
        parse_offer_uri(uri)
    assert exc.value.code == "credential_offer_fetch_required"


def test_spec_offer_object_vector_ignores_unknown_members() -> None:
    body = json.loads((VECTORS / "credential_offer_multiple_credentials.json").read_text())
    offer = parse_offer(body)
    assert offer.credential_configuration_ids == (
        "UniversityDegreeCredential",
        "org.iso.18013.5.1.mDL",
    )
    assert offer.tx_code == TxCode(
        length=4,
        input_mode="numeric",
        description="Please provide the one-time code that was sent via e-mail",
    )
    expected = {k: v for k, v in body.items() if k != "issuer_redirect_uri"}
    assert offer.to_dict() == expected


def test_offer_by_reference_uri_round_trip() -> None:
    uri = offer_uri_by_reference("https://bank.example/offers/abc?x=1")
    assert uri == (
        "openid-credential-offer://?credential_offer_uri="
        "https%3A%2F%2Fbank.example%2Foffers%2Fabc%3Fx%3D1"
    )
    got = parse_offer_uri(uri, fetch=lambda url: CredentialOffer(url, ("A",), "c").to_dict())
    assert got.credential_issuer == "https://bank.example/offers/abc?x=1"


@pytest.mark.parametrize(
    "uri",
    [
        "openid-credential-offer://?",
        "openid-credential-offer://?credential_offer=%7B%7D&credential_offer_uri=https%3A%2F%2Fa",
        "openid-credential-offer://?credential_offer=not-json",
        "openid-credential-offer://?credential_offer=%5B%5D",
        "openid-credential-offer://?credential_offer=%7B%7D&credential_offer=%7B%7D",
        "openid-credential-offer://?credential_offer_uri=ftp%3A%2F%2Fa",
    ],
)
def test_malformed_offer_uris(uri: str) -> None:
    with pytest.raises(MalformedError) as exc:
        parse_offer_uri(uri, fetch=lambda url: {})
    assert exc.value.code == "credential_offer_malformed"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("credential_issuer"),
        lambda d: d.update(credential_issuer="bank.example"),
        lambda d: d.update(credential_configuration_ids=[]),
        lambda d: d.update(credential_configuration_ids=["A", "A"]),
        lambda d: d.update(credential_configuration_ids="A"),
        lambda d: d.update(grants=[]),
        lambda d: d["grants"].update({PRE_AUTHORIZED_CODE_GRANT: "x"}),
        lambda d: d["grants"][PRE_AUTHORIZED_CODE_GRANT].pop("pre-authorized_code"),
        lambda d: d["grants"][PRE_AUTHORIZED_CODE_GRANT].update(tx_code=[]),
        lambda d: d["grants"][PRE_AUTHORIZED_CODE_GRANT].update(tx_code={"length": "6"}),
        lambda d: d["grants"][PRE_AUTHORIZED_CODE_GRANT].update(tx_code={"length": True}),
        lambda d: d["grants"][PRE_AUTHORIZED_CODE_GRANT].update(tx_code={"input_mode": "emoji"}),
        lambda d: d["grants"][PRE_AUTHORIZED_CODE_GRANT].update(tx_code={"description": "x" * 301}),
        lambda d: d["grants"][PRE_AUTHORIZED_CODE_GRANT].update(authorization_server=1),
    ],
)
def test_malformed_offer_objects(mutate: Callable[[dict[str, Any]], Any]) -> None:
    data = CredentialOffer(ISSUER, ("A",), "code", TxCode()).to_dict()
    mutate(data)
    with pytest.raises(MalformedError) as exc:
        parse_offer(data)
    assert exc.value.code == "credential_offer_malformed"


# --- metadata ------------------------------------------------------------------------------


def test_metadata_url_inserts_the_well_known_segment() -> None:
    assert metadata_url("https://issuer.example.com/tenant") == (
        "https://issuer.example.com/.well-known/openid-credential-issuer/tenant"
    )
    assert metadata_url("https://tenant.issuer.example.com") == (
        "https://tenant.issuer.example.com/.well-known/openid-credential-issuer"
    )
    assert metadata_url("http://127.0.0.1:8000/", "/.well-known/oauth-authorization-server") == (
        "http://127.0.0.1:8000/.well-known/oauth-authorization-server"
    )


def test_issuer_metadata_for_the_passport_credentials() -> None:
    configs = passport_credential_configurations()
    meta = issuer_metadata(
        credential_issuer=ISSUER, credential_configurations=configs, display_name="Bank"
    )
    assert meta["credential_endpoint"] == f"{ISSUER}/credential"
    assert meta["nonce_endpoint"] == f"{ISSUER}/nonce"
    assert meta["display"] == [{"name": "Bank", "locale": "en"}]
    supported = meta["credential_configurations_supported"]
    assert set(supported) == {
        "KYCCredential",
        "BankStatementCredential",
        "FidoKeyBindingCredential",
        "OfflineBankStatementCredential",
        "OfflineKYCCredential",
    }
    offline = supported["OfflineBankStatementCredential"]
    assert offline["format"] == "dfp-offline-cwt"
    assert offline["offline_credential_type"] == "BankStatementCredential"
    assert offline["credential_signing_alg_values_supported"] == ["EdDSA"]
    kyc = supported["KYCCredential"]
    assert kyc["format"] == FORMAT_VC_SD_JWT == "vc+sd-jwt"
    assert kyc["cryptographic_binding_methods_supported"] == ["did:key", "did:jwk", "jwk"]
    assert kyc["proof_types_supported"] == {
        "jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}
    }
    assert kyc["credential_definition"]["type"] == ["VerifiableCredential", "KYCCredential"]
    assert kyc["format_profile"] == "https://www.w3.org/TR/vc-jose-cose/#securing-with-sd-jwt"
    fido = supported["FidoKeyBindingCredential"]
    assert fido["format"] == FORMAT_LDP_VC
    assert fido["credential_signing_alg_values_supported"] == ["eddsa-rdfc-2022"]
    assert "format_profile" not in fido
    assert json.loads(json.dumps(meta)) == meta


def test_authorization_server_metadata() -> None:
    meta = authorization_server_metadata(issuer=ISSUER)
    assert meta["token_endpoint"] == f"{ISSUER}/token"
    assert meta["grant_types_supported"] == [PRE_AUTHORIZED_CODE_GRANT]
    assert meta["pre-authorized_grant_anonymous_access_supported"] is True


# --- token endpoint ------------------------------------------------------------------------


def test_spec_token_request_vector() -> None:
    text = (VECTORS / "token_request_pre_authorized.txt").read_text()
    body = _join(text.split("\n\n", 1)[1])
    request = parse_token_request(parse_qs(body, keep_blank_values=True))
    assert request.pre_authorized_code == "SplxlOBeZQQYbYS6WxSbIA"
    assert request.tx_code == "493536"
    assert request.client_id is None
    assert "SplxlOBeZQQYbYS6WxSbIA" not in repr(request)


@pytest.mark.parametrize(
    ("form", "code", "error"),
    [
        ({}, "token_request_malformed", "invalid_request"),
        ({"grant_type": ""}, "token_request_malformed", "invalid_request"),
        (
            {"grant_type": "authorization_code", "code": "x"},
            "grant_type_unsupported",
            "unsupported_grant_type",
        ),
        ({"grant_type": PRE_AUTHORIZED_CODE_GRANT}, "token_request_malformed", "invalid_request"),
        (
            {"grant_type": PRE_AUTHORIZED_CODE_GRANT, "pre-authorized_code": ["a", "b"]},
            "token_request_malformed",
            "invalid_request",
        ),
        (
            {"grant_type": [PRE_AUTHORIZED_CODE_GRANT], "pre-authorized_code": 5},
            "token_request_malformed",
            "invalid_request",
        ),
    ],
)
def test_bad_token_requests(form: dict[str, Any], code: str, error: str) -> None:
    with pytest.raises(Oid4vciError) as exc:
        parse_token_request(form)
    assert _code(exc) == (code, error, 400)
    assert exc.value.to_response()["error"] == error


def _grant(**overrides: Any) -> None:
    kwargs: dict[str, Any] = {
        "tx_code_hash": hash_secret("123456"),
        "expires_at": NOW + timedelta(minutes=5),
        "redeemed": False,
        "failed_attempts": 0,
        "max_attempts": 5,
        "now": NOW,
    }
    request = overrides.pop("request", TokenRequest("code", "123456"))
    kwargs.update(overrides)
    check_pre_authorized_grant(request, **kwargs)


def test_pre_authorized_grant_accepts_the_right_tx_code() -> None:
    _grant()
    _grant(tx_code_hash=None, request=TokenRequest("code", None))


@pytest.mark.parametrize(
    ("overrides", "code", "error"),
    [
        ({"failed_attempts": 5}, "pre_authorized_code_locked", "invalid_grant"),
        ({"redeemed": True}, "pre_authorized_code_redeemed", "invalid_grant"),
        ({"expires_at": NOW}, "pre_authorized_code_expired", "invalid_grant"),
        ({"request": TokenRequest("code", None)}, "tx_code_missing", "invalid_request"),
        ({"tx_code_hash": None}, "tx_code_unexpected", "invalid_request"),
        ({"request": TokenRequest("code", "654321")}, "tx_code_mismatch", "invalid_grant"),
    ],
)
def test_pre_authorized_grant_errors(overrides: dict[str, Any], code: str, error: str) -> None:
    with pytest.raises(Oid4vciError) as exc:
        _grant(**overrides)
    assert _code(exc) == (code, error, 400)


def test_tx_code_mismatch_counts_down() -> None:
    with pytest.raises(Oid4vciError) as exc:
        _grant(request=TokenRequest("code", "000000"), failed_attempts=3)
    assert exc.value.details == {"attempts_left": 1}


def test_unknown_code_and_token_errors() -> None:
    err = unknown_pre_authorized_code()
    assert (err.code, err.error, err.status) == (
        "pre_authorized_code_unknown",
        "invalid_grant",
        400,
    )
    tok = unknown_access_token()
    assert (tok.code, tok.error, tok.status) == ("access_token_invalid", "invalid_token", 401)
    assert str(tok.www_authenticate()).startswith('Bearer error="invalid_token"')
    assert err.www_authenticate() is None


def test_token_and_nonce_responses() -> None:
    assert token_response("tok", expires_in=600) == {
        "access_token": "tok",
        "token_type": "Bearer",
        "expires_in": 600,
    }
    assert nonce_response("n") == {"c_nonce": "n"}


def test_bearer_token_parsing() -> None:
    assert parse_bearer_token("Bearer abc.def") == "abc.def"
    assert parse_bearer_token("bearer   abc") == "abc"
    for bad in (None, "", "Basic abc", "Bearer", "Bearer a b"):
        with pytest.raises(Oid4vciError) as exc:
            parse_bearer_token(bad)
        assert _code(exc) == ("access_token_missing", "invalid_token", 401)


def test_error_description_is_ascii_safe() -> None:
    err = Oid4vciError("token_request_malformed", 'Bad "quote" \\ and ü', error="invalid_request")
    assert err.error_description == "Bad ?quote? ? and ?"
    assert err.to_dict()["error"] == "invalid_request"


# --- key proofs ----------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", [KeyType.ED25519, KeyType.P256])
def test_proof_with_did_key_kid_round_trip(key_type: KeyType) -> None:
    key = PrivateKey.generate(key_type)
    jwt = create_proof_jwt(key, audience=ISSUER, nonce=NONCE, iat=NOW)
    holder = _verify(jwt)
    assert holder.public_key == key.public_key
    assert holder.did == did_key_from_public_key(key.public_key)
    assert holder.kid == _kid(key)
    header = json.loads(__import__("base64").urlsafe_b64decode(jwt.split(".")[0] + "=="))
    assert header["typ"] == PROOF_JWT_TYP


def test_proof_with_embedded_jwk_binds_a_did_jwk() -> None:
    key = PrivateKey.generate(KeyType.P256)
    jwt = create_proof_jwt(key, audience=ISSUER, nonce=NONCE, iat=NOW, embed_jwk=True)
    holder = _verify(jwt)
    assert holder.did == did_jwk_from_public_key(key.public_key)
    assert holder.kid == holder.did + "#0"
    assert holder.jwk == key.public_key.to_jwk()
    with pytest.raises(ValueError):
        create_proof_jwt(key, audience=ISSUER, nonce=None, iat=NOW, embed_jwk=True, kid="did:x")


def test_proof_nonce_callback_is_consumed_once_and_last() -> None:
    key = PrivateKey.generate()
    live = {NONCE}
    calls: list[str] = []

    def consume(value: str) -> bool:
        calls.append(value)
        if value in live:
            live.remove(value)
            return True
        return False

    jwt = create_proof_jwt(key, audience=ISSUER, nonce=NONCE, iat=NOW)
    _verify(jwt, nonce=consume)
    with pytest.raises(Oid4vciError) as exc:
        _verify(jwt, nonce=consume)  # replay
    assert _code(exc) == ("proof_nonce_mismatch", "invalid_nonce", 400)
    # a proof with a bad signature never reaches the nonce store
    other = PrivateKey.generate()
    forged = _raw_jwt(
        {"typ": PROOF_JWT_TYP, "alg": "EdDSA", "kid": _kid(key)},
        {"aud": ISSUER, "iat": int(NOW.timestamp()), "nonce": "fresh"},
        other,
    )
    live.add("fresh")
    with pytest.raises(Oid4vciError):
        _verify(forged, nonce=consume)
    assert "fresh" in live and calls == [NONCE, NONCE]


def test_proof_without_nonce_when_the_issuer_has_none() -> None:
    key = PrivateKey.generate()
    _verify(create_proof_jwt(key, audience=ISSUER, nonce=None, iat=NOW, client_id="w"), nonce=None)


def _proof(key: PrivateKey, **changes: Any) -> str:
    header: dict[str, Any] = {"typ": PROOF_JWT_TYP, "alg": key.jws_alg, "kid": _kid(key)}
    payload: dict[str, Any] = {"aud": ISSUER, "iat": int(NOW.timestamp()), "nonce": NONCE}
    header.update(changes.pop("header", {}))
    for name in changes.pop("drop_header", ()):
        header.pop(name)
    for name in changes.pop("drop", ()):
        payload.pop(name)
    payload.update(changes.pop("payload", {}))
    signer = changes.pop("signer", key)
    assert not changes
    return _raw_jwt(header, payload, signer)


ED = PrivateKey.generate()
P256 = PrivateKey.generate(KeyType.P256)
K1 = PrivateKey.generate(KeyType.SECP256K1)


@pytest.mark.parametrize(
    ("jwt", "code", "error"),
    [
        ("not-a-jwt", "proof_malformed", "invalid_proof"),
        ("e30.e30.", "proof_malformed", "invalid_proof"),
        (_proof(ED, header={"typ": "JWT"}), "proof_typ_invalid", "invalid_proof"),
        (_proof(ED, drop_header=["typ"]), "proof_typ_invalid", "invalid_proof"),
        (_proof(ED, header={"alg": "none"}, signer=None), "proof_alg_unsupported", "invalid_proof"),
        (_proof(ED, header={"alg": "HS256"}), "proof_alg_unsupported", "invalid_proof"),
        (_proof(K1), "proof_alg_unsupported", "invalid_proof"),
        (_proof(ED, drop_header=["kid"]), "proof_key_missing", "invalid_proof"),
        (
            _proof(ED, header={"jwk": ED.public_key.to_jwk()}),
            "proof_key_ambiguous",
            "invalid_proof",
        ),
        (
            _proof(ED, drop_header=["kid"], header={"x5c": ["MIIB"]}),
            "proof_x5c_unsupported",
            "invalid_proof",
        ),
        (
            _proof(ED, drop_header=["kid"], header={"jwk": ED.to_jwk()}),
            "proof_jwk_private",
            "invalid_proof",
        ),
        (
            _proof(ED, drop_header=["kid"], header={"jwk": {"kty": "RSA", "n": "x", "e": "AQAB"}}),
            "proof_jwk_invalid",
            "invalid_proof",
        ),
        (
            _proof(ED, drop_header=["kid"], header={"jwk": "key"}),
            "proof_jwk_invalid",
            "invalid_proof",
        ),
        (_proof(ED, header={"kid": "key-1"}), "proof_kid_not_did", "invalid_proof"),
        (_proof(ED, header={"kid": 7}), "proof_kid_not_did", "invalid_proof"),
        (
            _proof(ED, header={"kid": "did:key:zNotBase58!#x"}),
            "proof_kid_unresolvable",
            "invalid_proof",
        ),
        (
            _proof(ED, header={"kid": "did:example:123#k"}),
            "proof_kid_unresolvable",
            "invalid_proof",
        ),
        (
            _proof(ED, header={"kid": _kid(ED) + "-other"}),
            "proof_kid_unresolvable",
            "invalid_proof",
        ),
        (_proof(ED, signer=PrivateKey.generate()), "proof_signature_invalid", "invalid_proof"),
        (_proof(ED, header={"alg": "ES256"}), "proof_signature_invalid", "invalid_proof"),
        (
            _proof(P256, drop_header=["kid"], header={"jwk": ED.public_key.to_jwk()}, signer=P256),
            "proof_signature_invalid",
            "invalid_proof",
        ),
        (
            _proof(ED, payload={"aud": "https://evil.example"}),
            "proof_audience_mismatch",
            "invalid_proof",
        ),
        (_proof(ED, drop=["aud"]), "proof_audience_mismatch", "invalid_proof"),
        (_proof(ED, drop=["iat"]), "proof_iat_missing", "invalid_proof"),
        (_proof(ED, payload={"iat": "2025-06-01"}), "proof_iat_missing", "invalid_proof"),
        (
            _proof(ED, payload={"iat": int(NOW.timestamp()) + 120}),
            "proof_iat_in_future",
            "invalid_proof",
        ),
        (
            _proof(ED, payload={"iat": int(NOW.timestamp()) - 3600}),
            "proof_expired",
            "invalid_proof",
        ),
        (_proof(ED, payload={"exp": int(NOW.timestamp()) - 120}), "proof_expired", "invalid_proof"),
        (_proof(ED, drop=["nonce"]), "proof_nonce_missing", "invalid_proof"),
        (_proof(ED, payload={"nonce": "other"}), "proof_nonce_mismatch", "invalid_nonce"),
    ],
)
def test_bad_proofs(jwt: str, code: str, error: str) -> None:
    with pytest.raises(Oid4vciError) as exc:
        _verify(jwt)
    assert _code(exc) == (code, error, 400)


def test_proof_audience_may_be_a_list_and_clock_skew_is_tolerated() -> None:
    _verify(_proof(ED, payload={"aud": ["https://x", ISSUER], "iat": int(NOW.timestamp()) + 30}))
    _verify(_proof(ED, payload={"iat": int(NOW.timestamp()) - 330}))


def test_proof_kid_whose_resolver_is_down_is_could_not_check_not_invalid() -> None:
    jwt = _proof(ED, header={"kid": "did:web:bank.example#key-1"})
    with pytest.raises(CouldNotCheckError) as exc:
        _verify(jwt, resolver=_DownResolver())
    assert exc.value.code == "did_not_found"


# --- credential endpoint -------------------------------------------------------------------

KNOWN = ("KYCCredential", "BankStatementCredential")


def test_credential_request_with_proofs() -> None:
    req = parse_credential_request(
        {"credential_configuration_id": "KYCCredential", "proofs": {"jwt": ["a.b.c"]}, "x": 1},
        known_configuration_ids=KNOWN,
    )
    assert req.credential_configuration_id == "KYCCredential"
    assert req.credential_identifier is None
    assert req.proof_jwts == ("a.b.c",)


def test_credential_request_legacy_proof_and_identifier() -> None:
    req = parse_credential_request(
        {"credential_identifier": "kyc-1", "proof": {"proof_type": "jwt", "jwt": "a.b.c"}},
        known_configuration_ids=KNOWN,
        credential_identifiers=("kyc-1",),
    )
    assert req.credential_identifier == "kyc-1" and req.proof_jwts == ("a.b.c",)
    batch = parse_credential_request(
        {"credential_configuration_id": "KYCCredential", "proofs": {"jwt": ["a", "b"]}},
        known_configuration_ids=KNOWN,
        batch_size=2,
    )
    assert batch.proof_jwts == ("a", "b")
    none = parse_credential_request(
        {"credential_configuration_id": "KYCCredential"},
        known_configuration_ids=KNOWN,
        require_proof=False,
    )
    assert none.proof_jwts == ()


CID = {"credential_configuration_id": "KYCCredential"}
JWTS = {"proofs": {"jwt": ["a.b.c"]}}


@pytest.mark.parametrize(
    ("body", "code", "error"),
    [
        ([], "credential_request_malformed", "invalid_credential_request"),
        (JWTS, "credential_request_malformed", "invalid_credential_request"),
        (
            {**CID, "credential_identifier": "x", **JWTS},
            "credential_request_malformed",
            "invalid_credential_request",
        ),
        (
            {"credential_configuration_id": 5, **JWTS},
            "credential_request_malformed",
            "invalid_credential_request",
        ),
        (
            {"credential_configuration_id": "Diploma", **JWTS},
            "unknown_credential_configuration",
            "unknown_credential_configuration",
        ),
        (
            {"credential_identifier": "kyc-9", **JWTS},
            "unknown_credential_identifier",
            "unknown_credential_identifier",
        ),
        (
            {**CID, **JWTS, "credential_response_encryption": {"jwk": {}, "enc": "A256GCM"}},
            "encryption_unsupported",
            "invalid_encryption_parameters",
        ),
        (CID, "proof_missing", "invalid_proof"),
        ({**CID, "proofs": {"di_vp": [{}]}}, "proof_type_unsupported", "invalid_proof"),
        ({**CID, "proofs": {"jwt": []}}, "proof_malformed", "invalid_proof"),
        ({**CID, "proofs": {"jwt": "a.b.c"}}, "proof_malformed", "invalid_proof"),
        ({**CID, "proofs": {"jwt": [1]}}, "proof_malformed", "invalid_proof"),
        ({**CID, "proofs": []}, "proof_malformed", "invalid_proof"),
        (
            {**CID, "proofs": {"jwt": ["a"], "attestation": ["b"]}},
            "credential_request_malformed",
            "invalid_credential_request",
        ),
        (
            {**CID, "proofs": {"jwt": ["a", "b"]}},
            "batch_size_exceeded",
            "invalid_credential_request",
        ),
        (
            {**CID, **JWTS, "proof": {"proof_type": "jwt", "jwt": "a"}},
            "credential_request_malformed",
            "invalid_credential_request",
        ),
        (
            {**CID, "proof": {"proof_type": "cwt", "cwt": "a"}},
            "proof_type_unsupported",
            "invalid_proof",
        ),
        ({**CID, "proof": {"proof_type": "jwt"}}, "proof_malformed", "invalid_proof"),
        ({**CID, "proof": "a.b.c"}, "proof_malformed", "invalid_proof"),
    ],
)
def test_bad_credential_requests(body: Any, code: str, error: str) -> None:
    with pytest.raises(Oid4vciError) as exc:
        parse_credential_request(body, known_configuration_ids=KNOWN)
    assert _code(exc) == (code, error, 400)


def test_credential_response() -> None:
    assert credential_response(["ey.x~"]) == {"credentials": [{"credential": "ey.x~"}]}
    assert credential_response([{"a": 1}], notification_id="n1") == {
        "credentials": [{"credential": {"a": 1}}],
        "notification_id": "n1",
    }
    with pytest.raises(ValueError):
        credential_response([])
