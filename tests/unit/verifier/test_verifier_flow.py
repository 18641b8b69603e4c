"""The verifier service in process, answered by the spec-driven OpenID4VP 1.0 wallet: both
response modes, both client identifier prefixes, the page in both languages, the back-office
API and its key, the webhook, privacy (what is stored), the sign counter across sessions,
plain wallets (no FIDO) and IETF SD-JWT VC (dc+sd-jwt) presentations."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from spec_wallet import (
    Held,
    error_params,
    fetch_request,
    jwt_parts,
    post_form,
    response_params,
    sd_jwt_presentation,
)
from verifier_world import API, decision, new_request

from passport.verifier.webhook import verify_signature


def _approved(world: Any, holder: Any, client: Any, **body: Any) -> dict[str, Any]:
    created = new_request(client, **body)
    response = world.wallet(client, holder).present(created["uri"])
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "approved", response.json()
    return created


@pytest.mark.parametrize("mode", ["direct_post", "direct_post.jwt"])
def test_a_full_onboarding_is_approved_in_both_response_modes(
    world: Any, holder: Any, make_verifier: Any, mode: str
) -> None:
    runtime, client = make_verifier()
    created = new_request(client, response_mode=mode)
    wallet = world.wallet(client, holder)
    request = wallet.fetch(created["uri"])
    assert request.response_mode == mode
    assert request.client_id == f"decentralized_identifier:{runtime.settings.did}"
    if mode == "direct_post.jwt":
        jwk = request.encryption_jwk()
        assert jwk["kty"] == "EC" and jwk["crv"] == "P-256" and "d" not in jwk
        assert request.claims["client_metadata"]["encrypted_response_enc_values_supported"]
    params = response_params(request, wallet.vp_token(request))
    response = post_form(client, request.response_uri, params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {"redirect_uri": created["page_url"], "status": "approved", "codes": []}
    view = decision(client, created["session_id"])
    assert view["status"] == "approved" and view["decided"]
    checks = {c["check"] for c in view["report"]["checks"]}
    assert {
        "state",
        "vp_token",
        "dcql",
        "disclosure_minimal",
        "same_holder",
        "fido_assertion",
        "min_balance",
        "statement_age",
    } <= checks
    per_credential = {sub["subject"]["query"]: sub for sub in view["report"]["credentials"]}
    assert set(per_credential) == {"kyc", "bank_statement", "fido"}
    kyc_checks = {c["check"] for c in per_credential["kyc"]["checks"]}
    assert {
        "signature",
        "holder_proof",
        "nonce",
        "audience",
        "holder_binding",
        "status",
        "accreditation",
        "validity_period",
    } <= kyc_checks
    embedded = per_credential["fido"]["credentials"][0]["checks"]
    assert {"signature", "status", "accreditation"} <= {c["check"] for c in embedded}


def test_only_the_claims_the_policy_needs_are_stored(
    world: Any, holder: Any, make_verifier: Any
) -> None:
    runtime, client = make_verifier()
    created = _approved(world, holder, client)
    view = decision(client, created["session_id"])
    kyc = view["claims"]["kyc"]
    assert set(kyc) == {
        "credentialSubject/legalName",
        "credentialSubject/birthDate",
        "credentialSubject/nationality",
        "credentialSubject/kycLevel",
    }
    assert kyc["credentialSubject/nationality"] == "TW"
    assert kyc["credentialSubject/kycLevel"] == "standard"
    statement = view["claims"]["bank_statement"]
    assert statement["credentialSubject/balanceAtLeast/USD_10000"] is True
    assert set(statement) == {
        "credentialSubject/bankName",
        "credentialSubject/asOfDate",
        "credentialSubject/balanceAtLeast/USD_10000",
    }
    stored = json.dumps(view["report"], ensure_ascii=False)
    assert "legalName" in stored  # the names of the disclosed claims ...
    assert kyc["credentialSubject/legalName"] not in stored  # ... never their values
    assert view["raw_response_kept"] is False
    assert view["holder"] == holder.did


def test_the_raw_presentation_is_kept_only_when_configured(
    world: Any, holder: Any, make_verifier: Any
) -> None:
    runtime, client = make_verifier(keep_raw_presentation=True)
    created = _approved(world, holder, client)
    assert decision(client, created["session_id"])["raw_response_kept"] is True


def test_redirect_uri_prefix_sends_an_unsigned_request(
    world: Any, holder: Any, make_verifier: Any
) -> None:
    runtime, client = make_verifier(client_id_prefix="redirect_uri")
    created = new_request(client)
    request = world.wallet(client, holder).fetch(created["uri"])
    assert request.header["alg"] == "none"
    assert request.client_id == "redirect_uri:" + request.response_uri
    response = world.wallet(client, holder).present(created["uri"])
    assert response.json()["status"] == "approved", response.json()


def test_a_did_ethr_verifier_signs_with_its_key_on_chain(
    world: Any, holder: Any, make_verifier: Any
) -> None:
    runtime, client = make_verifier(did_ethr=True)
    assert runtime.settings.did.startswith("did:ethr:")
    created = new_request(client)
    header, _ = jwt_parts(client.get(created["request_uri"]).text)
    assert header["kid"] == runtime.settings.verification_method
    response = world.wallet(client, holder).present(created["uri"])  # resolves the did:ethr
    assert response.json()["status"] == "approved", response.json()
    again = client.get(created["request_uri"])
    assert again.status_code == 410 and again.json()["code"] == "request_expired"


def test_request_uri_method_post_echoes_the_wallet_nonce(
    world: Any, holder: Any, make_verifier: Any
) -> None:
    _, client = make_verifier()
    created = new_request(client)
    response = client.post(created["request_uri"], data={"wallet_nonce": "wn-123"})
    assert response.status_code == 200
    _, claims = jwt_parts(response.text)
    assert claims["wallet_nonce"] == "wn-123"


def test_a_refusal_in_the_wallet_is_shown_as_such(
    world: Any, holder: Any, make_verifier: Any
) -> None:
    _, client = make_verifier(response_mode="direct_post")
    created = new_request(client)
    request = world.wallet(client, holder).fetch(created["uri"])
    response = post_form(client, request.response_uri, error_params(request))
    assert response.status_code == 200
    assert response.json()["status"] == "refused" and response.json()["codes"] == ["access_denied"]
    view = decision(client, created["session_id"])
    assert view["wallet_error"] == "access_denied"
    page = client.get(f"/onboarding/{created['session_id']}?lang=en").text
    assert "You declined in your wallet" in page and "You declined to share" in page


def test_the_page_shows_the_qr_and_then_the_decision_in_both_languages(
    world: Any, holder: Any, make_verifier: Any
) -> None:
    _, client = make_verifier()
    start = client.get("/?lang=zh-TW")
    assert start.status_code == 200 and "開始" in start.text and 'lang="zh-TW"' in start.text
    moved = client.post("/onboarding", data={"lang": "zh-TW"}, follow_redirects=False)
    assert moved.status_code == 303
    page_url = moved.headers["location"]
    session_id = page_url.split("/")[2].split("?")[0]
    page = client.get(page_url).text
    assert "請用您的護照錢包掃描此條碼" in page and "data:image/png;base64," in page
    assert "openid4vp://?client_id=" in page and "/static/poll.js" in page
    # no external resources: every src/href is local, a data: image or the wallet link
    for ref in re.findall(r'(?:src|href)="([^"]*)"', page):
        assert ref.startswith(("/", "?", "data:image/png", "openid4vp://")), ref
    link = page.split('id="same-device" href="')[1].split('"')[0].replace("&amp;", "&")
    status = client.get(f"/onboarding/{session_id}/status").json()
    assert status["status"] == "pending" and status["label"] == "正在等待您的錢包…"
    assert status["final"] is False and status["message"] == "" and status["reasons"] == []
    assert 'id="decision" hidden' in page and 'data-final="false"' in page
    response = world.wallet(client, holder).present(link)
    assert response.json()["status"] == "approved"
    done_zh = client.get(f"/onboarding/{session_id}?lang=zh-TW").text
    done_en = client.get(f"/onboarding/{session_id}?lang=en").text
    assert "已核准" in done_zh and "Approved" in done_en and "poll.js" not in done_en
    done = client.get(f"/onboarding/{session_id}/status?lang=en").json()
    assert done["label"] == "Approved" and done["final"] is True and done["reasons"] == []
    assert done["message"] == "Welcome! Your identity and proof of funds were verified."
    assert 'id="decision">' in done_en and 'data-final="true"' in done_en
    png = client.get(f"/onboarding/{session_id}/qr.png")
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    assert client.get("/static/poll.js").status_code == 200


def test_a_rejection_is_explained_in_plain_words(
    world: Any, holder: Any, make_verifier: Any, tmp_path: Path
) -> None:
    policy = tmp_path / "rich.toml"
    text = (Path(__file__).parents[3] / "verifier_service/policies/retail.toml").read_text()
    policy.write_text(text.replace('amount = "10000"', 'amount = "1000000"'))
    _, client = make_verifier(policy=policy)
    created = new_request(client, lang="zh-TW")
    response = world.wallet(client, holder).present(created["uri"])
    assert response.json()["codes"] == ["balance_below_minimum"]
    page = client.get(f"/onboarding/{created['session_id']}").text
    assert "未核准" in page and "資金證明未達最低餘額要求" in page
    assert "balance_below_minimum" in page
    status = client.get(f"/onboarding/{created['session_id']}/status").json()
    assert status["final"] is True and status["message"] == "" and status["label"] == "未核准"
    assert [r["code"] for r in status["reasons"]] == ["balance_below_minimum"]


def test_the_back_office_api_needs_its_key(make_verifier: Any) -> None:
    _, client = make_verifier()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"X-API-Key": "nope"}):
        response = client.post("/api/requests", json={}, headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "api_key_invalid"
    assert client.get("/api/sessions", headers={"X-API-Key": "test-api-key"}).status_code == 200
    assert client.get("/api/sessions").status_code == 401


def test_each_decision_is_sent_to_the_webhook_signed(
    world: Any, holder: Any, make_verifier: Any
) -> None:
    received: list[dict[str, Any]] = []
    done = threading.Event()

    def webhook(payload: Any) -> None:
        received.append(dict(payload))
        done.set()

    runtime, client = make_verifier(webhook=webhook)
    created = _approved(world, holder, client)
    assert done.wait(10)
    assert received[0]["session_id"] == created["session_id"]
    assert received[0]["status"] == "approved"
    # the production sender signs the body: a receiver checks it with the shared secret
    from passport.verifier.webhook import signed_request

    body, headers = signed_request(runtime.keys.webhook_secret, received[0], world.clock.now())
    verify_signature(runtime.keys.webhook_secret, body, headers, world.clock.now())
    with pytest.raises(Exception, match="webhook_signature_invalid"):
        verify_signature(b"another secret", body, headers, world.clock.now())


def test_a_plain_wallet_without_fido_satisfies_a_policy_without_fido(
    world: Any, holder: Any, make_verifier: Any
) -> None:
    _, client = make_verifier(policy="basic-kyc.toml")
    created = new_request(client)
    wallet = world.wallet(client, holder, fido=False)
    request = wallet.fetch(created["uri"])
    assert [q["id"] for q in request.dcql["credentials"]] == ["kyc", "kyc_dc"]
    response = wallet.present(created["uri"])
    assert response.json()["status"] == "approved", response.json()
    assert set(decision(client, created["session_id"])["claims"]["kyc"]) == {
        "credentialSubject/legalName",
        "credentialSubject/nationality",
    }


def test_an_ietf_sd_jwt_vc_is_accepted(world: Any, holder: Any, make_verifier: Any) -> None:
    from passport.sdjwt.issuer import issue
    from passport.verifier.policy import DEFAULT_VCT

    bank = world.bank
    now = int(world.clock.now().timestamp())
    claims = {
        "iss": bank.did,
        "vct": DEFAULT_VCT["KYCCredential"],
        "iat": now,
        "exp": now + 86400,
        "legalName": "Lin Yi-Chun",
        "nationality": "TW",
    }
    sd_jwt = issue(
        claims,
        bank.keys.signing,
        kid=bank.settings.verification_method,
        disclosable={"legalName", "nationality"},
        holder_jwk=holder.key.public_key.to_jwk(),
        typ="dc+sd-jwt",
        now=now,
    )
    _, client = make_verifier(policy="basic-kyc.toml")
    created = new_request(client)
    view = {k: v for k, v in claims.items()}
    wallet = world.wallet(
        client, holder, fido=False, extra=[Held("dc+sd-jwt", sd_jwt, view, vct=claims["vct"])]
    )
    wallet.credentials = [c for c in wallet.credentials if c.format == "dc+sd-jwt"]
    response = wallet.present(created["uri"])
    assert response.json()["status"] == "approved", response.json()
    view_back = decision(client, created["session_id"])
    assert view_back["claims"]["kyc_dc"] == {"legalName": "Lin Yi-Chun", "nationality": "TW"}
    sub = view_back["report"]["credentials"][0]
    assert sub["format"] == "dc+sd-jwt presentation"
    assert {"signature", "holder_proof", "accreditation"} <= {c["check"] for c in sub["checks"]}


def test_the_sign_counter_is_kept_across_sessions(
    world: Any, holder: Any, make_verifier: Any
) -> None:
    runtime, client = make_verifier()
    _approved(world, holder, client)
    first = holder.device.credential.sign_count
    _approved(world, holder, client)
    from sqlalchemy import select

    from verifier_service.db import SignCount

    with runtime.db.transaction() as session:
        counts = {r.credential_id: r.count for r in session.scalars(select(SignCount))}
    assert counts == {holder.fido_vc["credentialSubject"]["authenticatorCredentialId"]: first + 1}


def test_sessions_are_listed_and_purged_after_retention(
    world: Any, holder: Any, make_verifier: Any
) -> None:
    from verifier_service.domain import purge

    runtime, client = make_verifier(retention_days=1)
    created = _approved(world, holder, client)
    listed = client.get("/api/sessions", headers=API).json()
    assert [s["session_id"] for s in listed] == [created["session_id"]]
    assert purge(runtime)["deleted"] == 0
    world.clock.advance(2 * 86400)
    try:
        assert purge(runtime)["deleted"] == 1
        assert client.get(f"/api/sessions/{created['session_id']}", headers=API).status_code == 404
    finally:
        world.clock.advance(-2 * 86400)


def test_the_request_object_is_signed_for_the_wallet_to_check(
    world: Any, holder: Any, make_verifier: Any
) -> None:
    from spec_wallet import RequestRefused

    runtime, client = make_verifier()
    created = new_request(client)
    wallet = world.wallet(client, holder)
    request = wallet.fetch(created["uri"])
    assert request.claims["dcql_query"]["credential_sets"]
    # a wallet that resolves another key refuses the request (the signature is real)
    other = world.new_bank("Another")  # any other Ed25519 key on chain

    def wrong_key(kid: str) -> dict[str, Any]:
        return other.keys.signing.public_key.to_jwk()

    with pytest.raises(Exception) as refused:
        fetch_request(client, created["uri"], did_key_of=wrong_key)
    assert not isinstance(refused.value, RequestRefused)  # the JWS check itself failed
    assert sd_jwt_presentation  # (used by the bad-input tests)


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        # an IETF Token Status List cannot be checked here: never approved on an unknown status
        (
            {"status": {"status_list": {"idx": 0, "uri": "https://bank.example/tsl"}}},
            "indeterminate",
            "status_mechanism_unsupported",
        ),
        # an iss that is not a DID: no key to resolve
        ({"iss": "https://bank.example"}, "rejected", "issuer_key_unresolvable"),
    ],
)
def test_an_ietf_sd_jwt_vc_the_verifier_cannot_check(
    world: Any, holder: Any, make_verifier: Any, change: dict[str, Any], status: str, code: str
) -> None:
    from passport.sdjwt.issuer import issue
    from passport.verifier.policy import DEFAULT_VCT

    bank = world.bank
    now = int(world.clock.now().timestamp())
    claims = {
        "iss": bank.did,
        "vct": DEFAULT_VCT["KYCCredential"],
        "iat": now,
        "exp": now + 86400,
        "legalName": "Lin Yi-Chun",
        "nationality": "TW",
        **change,
    }
    sd_jwt = issue(
        claims,
        bank.keys.signing,
        kid=bank.settings.verification_method,
        disclosable={"legalName", "nationality"},
        holder_jwk=holder.key.public_key.to_jwk(),
        typ="dc+sd-jwt",
        now=now,
    )
    _, client = make_verifier(policy="basic-kyc.toml")
    created = new_request(client)
    wallet = world.wallet(
        client,
        holder,
        fido=False,
        extra=[Held("dc+sd-jwt", sd_jwt, dict(claims), vct=claims["vct"])],
    )
    wallet.credentials = [c for c in wallet.credentials if c.format == "dc+sd-jwt"]
    body = wallet.present(created["uri"]).json()
    assert body["status"] == status, body
    assert code in body["codes"], body
