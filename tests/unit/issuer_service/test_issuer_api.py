"""The issuer's HTTP API in-process: every endpoint, every error code it answers with."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from issuer_harness import ISSUER_URL, TOKEN_GRANT, Issuer, test_client

from issuer_service.domain import issuer_status, revoke
from passport.did import default_resolver
from passport.exchange import redeem_offer
from passport.keys import KeyType, PrivateKey
from passport.status.fetch import LocalFirstFetcher
from passport.verify import VerifyOptions, verify


def _error(response: Any, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert isinstance(body["error_description"], str) and body["error_description"]
    assert response.headers["cache-control"] == "no-store"
    return dict(body)


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code and body["status"] == status, body
    assert "Traceback" not in response.text
    return dict(body)


def _verify(issuer: Issuer, credential: Any) -> Any:
    options = VerifyOptions(
        resolver=default_resolver(),
        now=issuer.clock.now(),
        status_fetcher=LocalFirstFetcher(client=issuer.client),
        require_holder_binding=False,
    )
    return verify(credential, options)


# --- discovery ----------------------------------------------------------------------------


def test_credential_issuer_metadata(issuer: Issuer) -> None:
    response = issuer.client.get("/.well-known/openid-credential-issuer")
    assert response.status_code == 200
    meta = response.json()
    assert meta["credential_issuer"] == ISSUER_URL
    assert meta["credential_endpoint"] == f"{ISSUER_URL}/credential"
    assert meta["nonce_endpoint"] == f"{ISSUER_URL}/nonce"
    configs = meta["credential_configurations_supported"]
    assert configs["KYCCredential"]["format"] == "vc+sd-jwt"
    assert configs["BankStatementCredential"]["format"] == "vc+sd-jwt"
    assert configs["FidoKeyBindingCredential"]["format"] == "ldp_vc"
    assert meta["display"][0]["name"] == "Bank of Formosa"


def test_authorization_server_metadata(issuer: Issuer) -> None:
    meta = issuer.client.get("/.well-known/oauth-authorization-server").json()
    assert meta["issuer"] == ISSUER_URL
    assert meta["token_endpoint"] == f"{ISSUER_URL}/token"
    assert meta["grant_types_supported"] == [TOKEN_GRANT]


def test_openapi_and_docs(issuer: Issuer) -> None:
    paths = issuer.client.get("/openapi.json").json()["paths"]
    for path in ("/token", "/nonce", "/credential", "/status/{list_id}"):
        assert path in paths
    assert "application/x-www-form-urlencoded" in paths["/token"]["post"]["requestBody"]["content"]
    assert issuer.client.get("/docs").status_code == 200


def test_health(issuer: Issuer) -> None:
    assert issuer.client.get("/health").json() == {"status": "ok", "anchor_worker": None}


# --- the whole flow ------------------------------------------------------------------------


@pytest.mark.parametrize("config", ["KYCCredential", "BankStatementCredential"])
def test_offer_to_verified_credential(issuer: Issuer, holder: PrivateKey, config: str) -> None:
    offer = issuer.offer(config=config)
    got = redeem_offer(
        offer.uri, tx_code=offer.tx_code, http=issuer.client, holder_key=holder, clock=issuer.clock
    )
    assert got.format == "vc+sd-jwt" and len(got.credentials) == 1
    report = _verify(issuer, got.credentials[0])
    assert report.status.value == "verified", report
    status = issuer_status(issuer.runtime.db)
    assert status["credentials"]["issued"] == 1
    assert status["offers"] == {"issued": 1}


def test_a_lost_credential_response_does_not_lose_the_offer(
    issuer: Issuer, holder: PrivateKey
) -> None:
    """Issue 7: the issuer commits the credential, then the connection breaks before the
    answer arrives. The wallet asks again (same token and key, a fresh nonce) and gets the
    very credential issued; the issuer holds one credential, not two."""
    import httpx

    lost: list[str] = []

    def network(request: httpx.Request) -> httpx.Response:
        answer = issuer.client.request(
            request.method, str(request.url), headers=request.headers, content=request.content
        )
        if request.url.path == "/credential" and not lost:
            lost.append(answer.text)  # the issuer answered: the answer is lost on the way
            raise httpx.ReadError("connection reset by peer", request=request)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    offer = issuer.offer()
    with httpx.Client(transport=httpx.MockTransport(network)) as http:
        got = redeem_offer(
            offer.uri, tx_code=offer.tx_code, http=http, holder_key=holder, clock=issuer.clock
        )
    assert lost and json.loads(lost[0])["credentials"][0]["credential"] == got.credentials[0]
    assert _verify(issuer, got.credentials[0]).status.value == "verified"
    assert issuer_status(issuer.runtime.db)["credentials"]["issued"] == 1


def test_revocation_shows_in_the_served_status_list(issuer: Issuer, holder: PrivateKey) -> None:
    offer = issuer.offer()
    got = redeem_offer(
        offer.uri, tx_code=offer.tx_code, http=issuer.client, holder_key=holder, clock=issuer.clock
    )
    payload = got.credentials[0]
    assert isinstance(payload, str)
    from passport.keys import b64url_decode

    claims = json.loads(b64url_decode(payload.split("~")[0].split(".")[1]))
    revoke(issuer.runtime.db, issuer.runtime.ctx, claims["id"])
    report = _verify(issuer, payload)
    assert report.status.value == "invalid"
    assert [c.code for c in report.checks if c.name == "status"] == ["revoked"]


def test_status_list_endpoint(issuer: Issuer) -> None:
    response = issuer.client.get("/status/1-revocation")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vc+ld+json")
    doc = response.json()
    assert doc["id"] == f"{ISSUER_URL}/status/1-revocation"
    assert "BitstringStatusListCredential" in doc["type"]
    _problem(issuer.client.get("/status/none-such"), 404, "status_list_not_found")


# --- token endpoint ------------------------------------------------------------------------


def test_token_response_shape(issuer: Issuer) -> None:
    offer = issuer.offer()
    response = issuer.token_response(offer.pre_authorized_code, offer.tx_code)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert response.headers["cache-control"] == "no-store"


def test_token_unknown_code(issuer: Issuer) -> None:
    _error(issuer.token_response("not-a-code", "123456"), 400, "invalid_grant")


def test_token_code_is_single_use(issuer: Issuer) -> None:
    offer = issuer.offer()
    issuer.token(offer)
    _error(issuer.token_response(offer.pre_authorized_code, offer.tx_code), 400, "invalid_grant")


def test_token_code_expires(issuer: Issuer) -> None:
    offer = issuer.offer()
    issuer.clock.advance(issuer.settings.offer_ttl_seconds + 1)
    response = issuer.token_response(offer.pre_authorized_code, offer.tx_code)
    body = _error(response, 400, "invalid_grant")
    assert "expired" in body["error_description"]


def test_wrong_tx_code_until_lockout(issuer: Issuer) -> None:
    offer = issuer.offer()
    wrong = "000000" if offer.tx_code != "000000" else "111111"
    limit = issuer.settings.tx_code_max_attempts
    for attempt in range(1, limit + 1):
        body = _error(issuer.token_response(offer.pre_authorized_code, wrong), 400, "invalid_grant")
        assert f"{limit - attempt} attempt(s) left" in body["error_description"]
    # locked: even the right code is refused now
    response = issuer.token_response(offer.pre_authorized_code, offer.tx_code)
    body = _error(response, 400, "invalid_grant")
    assert "locked" in body["error_description"]
    assert issuer_status(issuer.runtime.db)["offers"] == {"locked": 1}


def test_tx_code_missing(issuer: Issuer) -> None:
    offer = issuer.offer()
    _error(issuer.token_response(offer.pre_authorized_code, None), 400, "invalid_request")
    issuer.token(offer)  # a malformed request uses nothing up


def test_token_unsupported_grant_type(issuer: Issuer) -> None:
    response = issuer.client.post("/token", data={"grant_type": "authorization_code", "code": "x"})
    _error(response, 400, "unsupported_grant_type")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"grant_type": "x"}', "application/json"),
        (b"grant_type=" + TOKEN_GRANT.encode(), "application/x-www-form-urlencoded"),
        (b"\xff\xfe", "application/x-www-form-urlencoded"),
        (b"", "application/x-www-form-urlencoded"),
        (b"a=1&a", "application/x-www-form-urlencoded"),
    ],
)
def test_token_malformed_request(issuer: Issuer, content: bytes, content_type: str) -> None:
    response = issuer.client.post("/token", content=content, headers={"Content-Type": content_type})
    _error(response, 400, "invalid_request")


def test_token_repeated_parameter(issuer: Issuer) -> None:
    offer = issuer.offer()
    code = offer.pre_authorized_code
    content = f"grant_type={TOKEN_GRANT}&pre-authorized_code={code}&pre-authorized_code={code}"
    response = issuer.client.post(
        "/token", content=content, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    _error(response, 400, "invalid_request")


# --- nonce endpoint ------------------------------------------------------------------------


def test_nonce_endpoint(issuer: Issuer) -> None:
    first = issuer.client.post("/nonce")
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    assert first.json()["c_nonce"] != issuer.nonce()
    assert issuer.client.get("/nonce").status_code == 405


# --- credential endpoint -------------------------------------------------------------------


def test_credential_without_token(issuer: Issuer, holder: PrivateKey) -> None:
    body = issuer.request_body(issuer.proof(holder, issuer.nonce()))
    response = issuer.credential_response(None, body)
    _error(response, 401, "invalid_token")
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    response = issuer.client.post("/credential", json=body, headers={"Authorization": "Basic x"})
    _error(response, 401, "invalid_token")


def test_credential_unknown_token(issuer: Issuer, holder: PrivateKey) -> None:
    body = issuer.request_body(issuer.proof(holder, issuer.nonce()))
    _error(issuer.credential_response("not-a-token", body), 401, "invalid_token")


def test_credential_expired_token(issuer: Issuer, holder: PrivateKey) -> None:
    token = issuer.token(issuer.offer())
    issuer.clock.advance(issuer.settings.access_token_ttl_seconds + 1)
    body = issuer.request_body(issuer.proof(holder, issuer.nonce()))
    _error(issuer.credential_response(token, body), 401, "invalid_token")


def test_credential_retry_returns_the_same_credential(issuer: Issuer, holder: PrivateKey) -> None:
    """A response lost on the way (issue 7): the wallet asks again with the same token, a
    fresh nonce and the same key, and gets the credential already issued, not a second one;
    another key gets nothing; after the token's life the retry window is closed."""
    token = issuer.token(issuer.offer())
    body = issuer.request_body(issuer.proof(holder, issuer.nonce()))
    ok = issuer.credential_response(token, body)
    assert ok.status_code == 200, ok.text
    assert ok.headers["cache-control"] == "no-store"
    again = issuer.request_body(issuer.proof(holder, issuer.nonce()))
    retried = issuer.credential_response(token, again)
    assert retried.status_code == 200, retried.text
    assert retried.json() == ok.json()
    assert issuer_status(issuer.runtime.db)["credentials"]["issued"] == 1
    thief = PrivateKey.generate(KeyType.ED25519)
    stolen = issuer.request_body(issuer.proof(thief, issuer.nonce()))
    body = _error(issuer.credential_response(token, stolen), 400, "invalid_credential_request")
    assert "already issued to another key" in body["error_description"]
    issuer.clock.advance(issuer.settings.access_token_ttl_seconds + 1)
    late = issuer.request_body(issuer.proof(holder, issuer.nonce()))
    _error(issuer.credential_response(token, late), 401, "invalid_token")
    from issuer_service.db import CredentialDelivery
    from issuer_service.domain import purge_expired

    purge_expired(issuer.runtime.db, issuer.runtime.ctx)
    with issuer.runtime.db.transaction() as session:
        assert session.query(CredentialDelivery).count() == 0


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b""])
def test_credential_malformed_body(issuer: Issuer, raw: bytes) -> None:
    token = issuer.token(issuer.offer())
    _error(issuer.credential_response(token, None, raw=raw), 400, "invalid_credential_request")


def test_credential_unknown_configuration(issuer: Issuer, holder: PrivateKey) -> None:
    token = issuer.token(issuer.offer())
    body = issuer.request_body(issuer.proof(holder, issuer.nonce()), config="PassportCredential")
    _error(issuer.credential_response(token, body), 400, "unknown_credential_configuration")


def test_credential_configuration_not_offered(issuer: Issuer, holder: PrivateKey) -> None:
    token = issuer.token(issuer.offer(config="KYCCredential"))
    body = issuer.request_body(issuer.proof(holder, issuer.nonce()), "BankStatementCredential")
    _error(issuer.credential_response(token, body), 400, "invalid_credential_request")


def test_credential_both_or_neither_identifier(issuer: Issuer, holder: PrivateKey) -> None:
    token = issuer.token(issuer.offer())
    body = {"proofs": {"jwt": [issuer.proof(holder, issuer.nonce())]}}
    _error(issuer.credential_response(token, body), 400, "invalid_credential_request")


def test_credential_missing_proof(issuer: Issuer) -> None:
    token = issuer.token(issuer.offer())
    body = {"credential_configuration_id": "KYCCredential"}
    _error(issuer.credential_response(token, body), 400, "invalid_proof")


def _forged(proof: str) -> str:
    header, payload, signature = proof.split(".")
    return f"{header}.{payload}.{signature[:-4]}AAAA"


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda i, h, n: _forged(i.proof(h, n)), id="bad-signature"),
        pytest.param(lambda i, h, n: i.proof(h, n, audience="https://other.example"), id="aud"),
        pytest.param(lambda i, h, n: "not.a.jwt", id="garbage"),
        pytest.param(
            lambda i, h, n: i.proof(h, n, iat=i.clock.now().timestamp() - 3600), id="stale"
        ),
        pytest.param(lambda i, h, n: i.proof(h, None), id="no-nonce"),
    ],
)
def test_credential_bad_proof(issuer: Issuer, holder: PrivateKey, make: Any) -> None:
    """A bad proof is refused and uses nothing up: the same token and nonce then work."""
    token = issuer.token(issuer.offer())
    nonce = issuer.nonce()
    body = issuer.request_body(make(issuer, holder, nonce))
    _error(issuer.credential_response(token, body), 400, "invalid_proof")
    assert issuer_status(issuer.runtime.db)["credentials"]["issued"] == 0
    good = issuer.credential_response(token, issuer.request_body(issuer.proof(holder, nonce)))
    assert good.status_code == 200, good.text


def test_credential_unknown_nonce(issuer: Issuer, holder: PrivateKey) -> None:
    token = issuer.token(issuer.offer())
    body = issuer.request_body(issuer.proof(holder, "never-issued"))
    _error(issuer.credential_response(token, body), 400, "invalid_nonce")


def test_credential_nonce_reuse(issuer: Issuer, holder: PrivateKey) -> None:
    """A c_nonce is single-use: a replayed proof (same nonce) is refused on another offer."""
    nonce = issuer.nonce()
    first = issuer.token(issuer.offer())
    proof = issuer.proof(holder, nonce)
    assert issuer.credential_response(first, issuer.request_body(proof)).status_code == 200
    second = issuer.token(issuer.offer(customer="TW-0002"))
    _error(issuer.credential_response(second, issuer.request_body(proof)), 400, "invalid_nonce")
    assert issuer_status(issuer.runtime.db)["credentials"]["issued"] == 1


def test_credential_expired_nonce(issuer: Issuer, holder: PrivateKey) -> None:
    token = issuer.token(issuer.offer())
    nonce = issuer.nonce()
    issuer.clock.advance(issuer.settings.nonce_ttl_seconds + 1)
    token = issuer.token(issuer.offer(customer="TW-0003"))  # a live token after the wait
    body = issuer.request_body(issuer.proof(holder, nonce))
    _error(issuer.credential_response(token, body), 400, "invalid_nonce")


def test_credential_proof_with_embedded_jwk(issuer: Issuer) -> None:
    holder = PrivateKey.generate(KeyType.P256)
    token = issuer.token(issuer.offer())
    proof = issuer.proof(holder, issuer.nonce(), embed_jwk=True)
    response = issuer.credential_response(token, issuer.request_body(proof))
    assert response.status_code == 200, response.text
    assert _verify(issuer, response.json()["credentials"][0]["credential"]).status.value == (
        "verified"
    )


def test_fido_offer_needs_the_registration(issuer: Issuer, holder: PrivateKey) -> None:
    token = issuer.token(issuer.offer(config="FidoKeyBindingCredential"))
    body = issuer.request_body(issuer.proof(holder, issuer.nonce()), "FidoKeyBindingCredential")
    _error(issuer.credential_response(token, body), 400, "invalid_credential_request")


# --- other errors --------------------------------------------------------------------------


def test_unknown_path_and_method(issuer: Issuer) -> None:
    _problem(issuer.client.get("/nope"), 404, "not_found")
    _problem(issuer.client.delete("/status/1-revocation"), 405, "method_not_allowed")


def test_internal_error_is_a_problem_without_internals(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import issuer_service.routers.nonce as nonce_router

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(nonce_router, "issue_nonce", boom)
    with test_client(issuer.app, raise_server_exceptions=False) as client:
        response = client.post("/nonce")
    body = _problem(response, 500, "internal_error")
    assert "secret" not in response.text and "detail" in body


def test_database_unavailable_is_503(issuer: Issuer, monkeypatch: pytest.MonkeyPatch) -> None:
    import issuer_service.routers.status as status_router
    from passport.errors import CouldNotCheckError

    def locked(*args: Any, **kwargs: Any) -> None:
        raise CouldNotCheckError("database_unavailable", "The database is locked; retry.")

    monkeypatch.setattr(status_router, "status_list_credential", locked)
    _problem(issuer.client.get("/status/1-revocation"), 503, "database_unavailable")


# --- concurrency ---------------------------------------------------------------------------


@pytest.mark.slow
def test_200_concurrent_issuances_through_http(issuer: Issuer) -> None:
    """200 credential requests at once: 200 records, 200 distinct status indexes."""
    customers = [f"TW-{n:04d}" for n in range(1, 21)]
    jobs = []
    for i in range(200):
        offer = issuer.offer(customer=customers[i % len(customers)])
        holder = PrivateKey.generate(KeyType.ED25519)
        jobs.append((issuer.token(offer), holder, issuer.nonce()))

    def request(job: tuple[str, PrivateKey, str]) -> int:
        token, holder, nonce = job
        body = issuer.request_body(issuer.proof(holder, nonce))
        return issuer.credential_response(token, body).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(request, jobs))
    assert codes == [200] * 200
    from sqlalchemy import func, select

    from issuer_service.db import IssuedCredential

    with issuer.runtime.db.transaction() as session:
        rows = session.execute(
            select(IssuedCredential.status_group, IssuedCredential.status_index)
        ).all()
        assert session.scalar(select(func.count()).select_from(IssuedCredential)) == 200
    assert len(set(rows)) == 200
