"""OpenID4VP 1.0 common messages: links, client identifiers, vp_token, error responses."""

from __future__ import annotations

from typing import Any

import pytest

from passport.errors import MalformedError
from passport.exchange.oid4vp import (
    ClientIdPrefix,
    WalletErrorCode,
    authorization_link,
    error_response,
    parse_authorization_link,
    parse_client_id,
    parse_vp_token,
)


def test_a_link_round_trips() -> None:
    params = {
        "client_id": "decentralized_identifier:did:ethr:0x7a69:0xabc",
        "request_uri": "https://verifier.example/request/abc?x=1&y=2",
        "request_uri_method": "post",
    }
    link = authorization_link(params)
    assert link.startswith("openid4vp://?client_id=decentralized_identifier%3Adid%3Aethr")
    assert parse_authorization_link(link) == params
    same_device = authorization_link(params, scheme="https://wallet.example/authorize")
    assert parse_authorization_link(same_device) == params


@pytest.mark.parametrize(
    "link",
    [
        "",
        "no scheme at all",
        "openid4vp://?request_uri=https://v.example/r",
        "openid4vp://?client_id=a&client_id=b",
        "openid4vp://?client_id=x&request=e30&request_uri=https://v.example/r",
        "openid4vp://?client_id=x&request_uri_method=put&request_uri=https://v.example/r",
        "openid4vp://?client_id=x&request_uri_method=get",
    ],
)
def test_bad_links(link: str) -> None:
    with pytest.raises(MalformedError) as err:
        parse_authorization_link(link)
    assert err.value.code == "authorization_request_malformed"


def test_client_id_prefixes() -> None:
    did = parse_client_id("decentralized_identifier:did:key:z6Mkabc")
    assert (did.prefix, did.identifier) == (
        ClientIdPrefix.DECENTRALIZED_IDENTIFIER,
        "did:key:z6Mkabc",
    )
    uri = parse_client_id("redirect_uri:https://verifier.example/cb")
    assert (uri.prefix, uri.identifier) == (
        ClientIdPrefix.REDIRECT_URI,
        "https://verifier.example/cb",
    )


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "verifier.example",
        "x509_san_dns:verifier.example",
        "decentralized_identifier:",
        "decentralized_identifier:https://not-a-did",
        "redirect_uri:did:key:z6Mk",
    ],
)
def test_unsupported_client_ids(raw: Any) -> None:
    with pytest.raises(MalformedError) as err:
        parse_client_id(raw)
    assert err.value.code == "client_id_unsupported"


def test_vp_token_shape() -> None:
    token = parse_vp_token('{"kyc": ["eyJ...~"], "fido": [{"type": "VerifiablePresentation"}]}')
    assert token == {"kyc": ("eyJ...~",), "fido": ({"type": "VerifiablePresentation"},)}


@pytest.mark.parametrize(
    "bad",
    ["not json", "[]", "{}", '{"kyc": "eyJ"}', '{"kyc": []}', '{"kyc": [1]}', '{"kyc": [""]}', 5],
)
def test_bad_vp_tokens(bad: Any) -> None:
    with pytest.raises(MalformedError) as err:
        parse_vp_token(bad)
    assert err.value.code == "vp_token_malformed"


def test_error_response() -> None:
    assert error_response(WalletErrorCode.ACCESS_DENIED, state="s1") == {
        "error": "access_denied",
        "state": "s1",
    }
    assert error_response("invalid_request", "bad nonce") == {
        "error": "invalid_request",
        "error_description": "bad nonce",
    }
