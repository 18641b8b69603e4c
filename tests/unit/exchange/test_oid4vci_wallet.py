"""The wallet's ``redeem_offer`` against scripted HTTP answers (httpx.MockTransport).

The real issuer service is exercised in tests/unit/issuer_service and tests/e2e; here every
answer is scripted, so each wallet-side error code can be provoked exactly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from passport.did.jwk import JwkDidResolver
from passport.did.key import KeyDidResolver, did_key_from_public_key
from passport.did.resolver import CachingResolver
from passport.errors import ConfigurationError, CouldNotCheckError, MalformedError, VerdictError
from passport.exchange import (
    PRE_AUTHORIZED_CODE_GRANT,
    CredentialOffer,
    Oid4vciError,
    TxCode,
    authorization_server_metadata,
    issuer_metadata,
    offer_uri,
    offer_uri_by_reference,
    passport_credential_configurations,
    redeem_offer,
    verify_proof_jwt,
)
from passport.keys import PrivateKey
from passport.ports import FixedClock

ISSUER = "https://bank.example/oid4vci"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
HOLDER = PrivateKey.generate()
OFFER = CredentialOffer(ISSUER, ("KYCCredential",), "pre-code", TxCode(length=6))

Handler = Callable[[httpx.Request], httpx.Response]


class Script:
    """Answers like a conforming issuer unless a route is overridden; records requests."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self.overrides: dict[str, Handler] = {}
        self.meta = issuer_metadata(
            credential_issuer=ISSUER, credential_configurations=passport_credential_configurations()
        )
        self.holder_did: str | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.seen.append((request.method, path))
        if path in self.overrides:
            return self.overrides[path](request)
        if path == "/.well-known/openid-credential-issuer/oid4vci":
            return httpx.Response(200, json=self.meta)
        if path == "/.well-known/oauth-authorization-server/oid4vci":
            return httpx.Response(200, json=authorization_server_metadata(issuer=ISSUER))
        if path == "/oid4vci/token":
            form = parse_qs(request.content.decode())
            assert form["grant_type"] == [PRE_AUTHORIZED_CODE_GRANT]
            if form.get("tx_code") != ["123456"]:
                return httpx.Response(
                    400,
                    json={"error": "invalid_grant", "error_description": "Wrong transaction code"},
                )
            return httpx.Response(
                200, json={"access_token": "tok", "token_type": "Bearer", "expires_in": 60}
            )
        if path == "/oid4vci/nonce":
            return httpx.Response(200, json={"c_nonce": "nonce-1"})
        if path == "/oid4vci/credential":
            assert request.headers["authorization"] == "Bearer tok"
            body = json.loads(request.content)
            holder = verify_proof_jwt(
                body["proofs"]["jwt"][0],
                audience=ISSUER,
                nonce="nonce-1",
                now=NOW,
                resolver=CachingResolver(
                    methods={"key": KeyDidResolver(), "jwk": JwkDidResolver()}
                ),
            )
            self.holder_did = holder.did
            return httpx.Response(
                200,
                json={
                    "credentials": [
                        {"credential": f"sd-jwt-for-{body['credential_configuration_id']}"}
                    ]
                },
            )
        return httpx.Response(404, json={"detail": "not found"})


def _redeem(script: Script, offer: CredentialOffer | str = OFFER, **kwargs: Any) -> Any:
    with httpx.Client(transport=httpx.MockTransport(script)) as http:
        kwargs.setdefault("tx_code", "123456")
        return redeem_offer(offer, http=http, holder_key=HOLDER, clock=FixedClock(NOW), **kwargs)


def test_redeem_offer_walks_metadata_token_nonce_credential() -> None:
    script = Script()
    result = _redeem(script)
    assert result.credentials == ("sd-jwt-for-KYCCredential",)
    assert result.format == "vc+sd-jwt"
    assert result.credential_configuration_id == "KYCCredential"
    assert script.holder_did == did_key_from_public_key(HOLDER.public_key)
    assert [p for _, p in script.seen] == [
        "/.well-known/openid-credential-issuer/oid4vci",
        "/.well-known/oauth-authorization-server/oid4vci",
        "/oid4vci/token",
        "/oid4vci/nonce",
        "/oid4vci/credential",
    ]


def test_redeem_offer_from_uri_by_value_and_by_reference() -> None:
    assert _redeem(Script(), offer_uri(OFFER)).credentials
    script = Script()
    script.overrides["/offers/1"] = lambda r: httpx.Response(200, json=OFFER.to_dict())
    result = _redeem(script, offer_uri_by_reference("https://bank.example/offers/1"))
    assert result.credentials and script.seen[0] == ("GET", "/offers/1")


def test_wrong_tx_code_surfaces_the_issuers_error() -> None:
    with pytest.raises(Oid4vciError) as exc:
        _redeem(Script(), tx_code="000000")
    assert (exc.value.code, exc.value.error, exc.value.status) == (
        "issuer_error",
        "invalid_grant",
        400,
    )
    assert "Wrong transaction code" in exc.value.message


def test_missing_tx_code_and_missing_grant_are_caller_errors() -> None:
    with pytest.raises(ValueError) as missing_pin:
        _redeem(Script(), tx_code=None)
    assert isinstance(missing_pin.value, ConfigurationError)
    assert missing_pin.value.code == "tx_code_required"
    with pytest.raises(ValueError) as no_grant:
        _redeem(Script(), CredentialOffer(ISSUER, ("KYCCredential",)))
    assert isinstance(no_grant.value, ConfigurationError)
    assert no_grant.value.code == "offer_not_pre_authorized"


def test_unreachable_issuer() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with (
        httpx.Client(transport=httpx.MockTransport(down)) as http,
        pytest.raises(CouldNotCheckError) as exc,
    ):
        redeem_offer(OFFER, tx_code="123456", http=http, holder_key=HOLDER)
    assert exc.value.code == "issuer_unreachable"


@pytest.mark.parametrize(
    ("path", "response"),
    [
        ("/.well-known/openid-credential-issuer/oid4vci", httpx.Response(200, text="<html>")),
        ("/.well-known/openid-credential-issuer/oid4vci", httpx.Response(200, json=[1])),
        ("/oid4vci/token", httpx.Response(200, json={"token_type": "Bearer"})),
        ("/oid4vci/token", httpx.Response(200, json={"access_token": "t", "token_type": "MAC"})),
        ("/oid4vci/nonce", httpx.Response(200, json={})),
        ("/oid4vci/credential", httpx.Response(202, json={"transaction_id": "t", "interval": 5})),
        ("/oid4vci/credential", httpx.Response(200, json={"credentials": [{"format": "x"}]})),
    ],
)
def test_malformed_issuer_answers(path: str, response: httpx.Response) -> None:
    script = Script()
    script.overrides[path] = lambda r: response
    with pytest.raises(MalformedError) as exc:
        _redeem(script)
    assert exc.value.code == "issuer_response_malformed"


def test_metadata_of_another_issuer_is_refused() -> None:
    script = Script()
    script.meta = {**script.meta, "credential_issuer": "https://evil.example"}
    with pytest.raises(VerdictError) as exc:
        _redeem(script)
    assert exc.value.code == "issuer_metadata_mismatch"
    script = Script()
    script.meta = {**script.meta, "credential_configurations_supported": {}}
    with pytest.raises(VerdictError) as exc:
        _redeem(script)
    assert exc.value.code == "issuer_metadata_mismatch"


def test_plain_http_needs_allow_http() -> None:
    offer = CredentialOffer("http://127.0.0.1:8000", ("KYCCredential",), "c")
    with pytest.raises(VerdictError) as exc:
        _redeem(Script(), offer, tx_code=None)
    assert exc.value.code == "issuer_insecure"
    script = Script()
    script.meta = {**script.meta, "credential_endpoint": "http://bank.example/oid4vci/credential"}
    with pytest.raises(VerdictError) as exc:
        _redeem(script)
    assert exc.value.code == "issuer_insecure"
    assert _redeem(script, allow_http=True).credentials
