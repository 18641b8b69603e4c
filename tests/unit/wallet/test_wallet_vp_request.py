"""Request object checks of the wallet's OpenID4VP side, on hand-made request objects."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from passport.did import default_resolver
from passport.did.jwk import did_jwk_from_public_key
from passport.errors import PassportError
from passport.exchange.vp_wallet import encrypt_response, fetch_request, parse_request_object
from passport.keys import KeyType, PrivateKey
from passport.sdjwt.common import sign_jws

NOW = datetime(2026, 12, 1, tzinfo=UTC)
DCQL = {"credentials": [{"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": ["x"]}}]}
RESPONSE_URI = "https://verifier.example/response"


def _b64(data: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _params(client_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": RESPONSE_URI,
        "nonce": "n-1",
        "dcql_query": DCQL,
        **extra,
    }


def _unsigned(payload: dict[str, Any]) -> str:
    return f"{_b64({'alg': 'none'})}.{_b64(payload)}."


def _signed(key: PrivateKey, kid: str, payload: dict[str, Any]) -> str:
    return sign_jws({"typ": "oauth-authz-req+jwt", "kid": kid}, payload, key)


def _code(fn: Any) -> str:
    with pytest.raises(PassportError) as err:
        fn()
    return err.value.code


def test_did_signed_request_object_is_accepted_and_checked() -> None:
    key = PrivateKey.generate(KeyType.ED25519)
    did = did_jwk_from_public_key(key.public_key)
    client_id = f"decentralized_identifier:{did}"
    token = _signed(key, did + "#0", _params(client_id))
    request = parse_request_object(
        token, link_client_id=client_id, resolver=default_resolver(), now=NOW
    )
    assert request.signed and request.client_id.identifier == did and request.nonce == "n-1"
    # alg none under the DID prefix, an expired request, another client in the link
    none = _unsigned(_params(client_id))
    assert _code(
        lambda: parse_request_object(
            none, link_client_id=client_id, resolver=default_resolver(), now=NOW
        )
    ) in ("request_signature_invalid",)
    expired = _signed(key, did + "#0", _params(client_id, exp=int(NOW.timestamp()) - 10))
    assert (
        _code(
            lambda: parse_request_object(
                expired, link_client_id=client_id, resolver=default_resolver(), now=NOW
            )
        )
        == "request_expired"
    )
    assert (
        _code(
            lambda: parse_request_object(
                token,
                link_client_id="redirect_uri:" + RESPONSE_URI,
                resolver=default_resolver(),
                now=NOW,
            )
        )
        == "request_client_mismatch"
    )


def test_redirect_uri_requests_must_be_unsigned_and_answered_at_their_address() -> None:
    client_id = f"redirect_uri:{RESPONSE_URI}"
    ok = parse_request_object(
        _unsigned(_params(client_id)),
        link_client_id=client_id,
        resolver=default_resolver(),
        now=NOW,
    )
    assert not ok.signed
    key = PrivateKey.generate(KeyType.ED25519)
    signed = _signed(key, "whatever", _params(client_id))
    assert (
        _code(
            lambda: parse_request_object(
                signed, link_client_id=client_id, resolver=default_resolver(), now=NOW
            )
        )
        == "request_signature_invalid"
    )
    elsewhere = _unsigned(_params(client_id, response_uri="https://evil.example/r"))
    assert (
        _code(
            lambda: parse_request_object(
                elsewhere, link_client_id=client_id, resolver=default_resolver(), now=NOW
            )
        )
        == "response_uri_mismatch"
    )


def test_link_by_value_only_for_redirect_uri_and_request_param() -> None:
    import httpx

    key = PrivateKey.generate(KeyType.ED25519)
    did = did_jwk_from_public_key(key.public_key)
    client_id = f"decentralized_identifier:{did}"
    plain = {k: (v if isinstance(v, str) else json.dumps(v)) for k, v in _params(client_id).items()}
    with httpx.Client() as http:
        assert (
            _code(
                lambda: fetch_request(
                    "openid4vp://?" + urlencode(plain),
                    http=http,
                    resolver=default_resolver(),
                    now=NOW,
                )
            )
            == "request_signature_invalid"
        )
        token = _signed(key, did + "#0", _params(client_id))
        link = "openid4vp://?" + urlencode({"client_id": client_id, "request": token})
        assert fetch_request(link, http=http, resolver=default_resolver(), now=NOW).signed
        bad = {**plain, "client_id": "redirect_uri:" + RESPONSE_URI, "response_type": "code"}
        assert (
            _code(
                lambda: fetch_request(
                    "openid4vp://?" + urlencode(bad),
                    http=http,
                    resolver=default_resolver(),
                    now=NOW,
                )
            )
            == "request_unsupported"
        )


def test_direct_post_jwt_needs_an_ecdh_es_key() -> None:
    assert (
        _code(lambda: encrypt_response({"vp_token": {}}, {})) == "response_encryption_unsupported"
    )
    metadata = {
        "jwks": {"keys": [{"kty": "EC", "crv": "P-256", "x": "x", "y": "y"}]},
        "encrypted_response_enc_values_supported": ["A999"],
    }
    assert _code(lambda: encrypt_response({}, metadata)) == "response_encryption_unsupported"


def test_plain_http_only_for_loopback() -> None:
    client_id = "redirect_uri:http://verifier.example/response"
    payload = _params(client_id, response_uri="http://verifier.example/response")
    assert (
        _code(
            lambda: parse_request_object(
                _unsigned(payload), link_client_id=client_id, resolver=default_resolver(), now=NOW
            )
        )
        == "request_invalid"
    )
