"""Batch issuance and the IETF SD-JWT VC forms over HTTP: metadata
(``batch_credential_issuance``, the ``-dc`` configurations), the ``proofs.jwt`` array and the
``credentials`` list, Type Metadata at the ``vct`` URL and the JWT VC Issuer Metadata."""

from __future__ import annotations

from typing import Any

import pytest
from issuer_harness import ISSUER_URL, Issuer, make_settings, test_client

from issuer_service.app import create_app
from issuer_service.deps import build_runtime
from passport.did import default_resolver
from passport.keys import KeyType, PrivateKey, PublicKey
from passport.sdjwt.common import parse_jws, split_sd_jwt
from passport.sdjwt.holder import full_payload
from passport.status.fetch import LocalFirstFetcher
from passport.verify import VerifyOptions, verify


def _keys(n: int) -> list[PrivateKey]:
    return [PrivateKey.generate(KeyType.ED25519) for _ in range(n)]


def _batch(issuer: Issuer, config: str, holders: list[PrivateKey]) -> Any:
    token = issuer.token(issuer.offer(config=config))
    nonce = issuer.nonce()
    proofs = [issuer.proof(h, nonce, embed_jwk=True) for h in holders]
    body = {"credential_configuration_id": config, "proofs": {"jwt": proofs}}
    return issuer.credential_response(token, body)


def _verify(issuer: Issuer, credential: Any) -> Any:
    options = VerifyOptions(
        resolver=default_resolver(),
        now=issuer.clock.now(),
        status_fetcher=LocalFirstFetcher(client=issuer.client),
    )
    return verify(credential, options)


def test_metadata_advertises_batches_and_the_sd_jwt_vc_forms(issuer: Issuer) -> None:
    meta = issuer.client.get("/.well-known/openid-credential-issuer").json()
    assert meta["batch_credential_issuance"] == {"batch_size": 10}
    configs = meta["credential_configurations_supported"]
    for name in ("KYCCredential", "BankStatementCredential"):
        dc = configs[f"{name}-dc"]
        assert dc["format"] == "dc+sd-jwt"
        assert dc["vct"] == f"{ISSUER_URL}/vct/{name}"
        assert dc["cryptographic_binding_methods_supported"] == ["jwk"]
        assert dc["credential_signing_alg_values_supported"] == ["EdDSA"]
        assert "jwt" in dc["proof_types_supported"]


def test_type_metadata_is_served_at_the_vct(issuer: Issuer) -> None:
    meta = issuer.client.get("/.well-known/openid-credential-issuer").json()
    vct = meta["credential_configurations_supported"]["BankStatementCredential-dc"]["vct"]
    response = issuer.client.get(vct)
    assert response.status_code == 200
    body = response.json()
    assert body["vct"] == vct and body["name"] and body["description"]
    assert body["extends"] == "https://w3id.org/financial-passport/vct/BankStatementCredential"
    assert body["display"][0]["name"] == body["name"]
    paths = [c["path"] for c in body["claims"]]
    assert ["currency"] in paths and ["balanceAtLeast", None] in paths
    assert all(c["sd"] == "always" for c in body["claims"])
    missing = issuer.client.get("/vct/NoSuchCredential")
    assert missing.status_code == 404 and missing.json()["code"] == "vct_unknown"


def test_jwt_vc_issuer_metadata_names_the_signing_key(issuer: Issuer) -> None:
    body = issuer.client.get("/.well-known/jwt-vc-issuer").json()
    assert body["issuer"] == ISSUER_URL
    (jwk,) = body["jwks"]["keys"]
    assert jwk["kid"] == issuer.settings.verification_method
    signing = issuer.runtime.ctx.signing_key.public_key
    assert PublicKey.from_jwk({k: v for k, v in jwk.items() if k != "kid"}) == signing


@pytest.mark.parametrize("config", ["KYCCredential-dc", "BankStatementCredential"])
def test_a_batch_of_copies_over_http(issuer: Issuer, config: str) -> None:
    holders = _keys(4)
    response = _batch(issuer, config, holders)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    copies = [item["credential"] for item in response.json()["credentials"]]
    assert len(copies) == 4
    for text, holder in zip(copies, holders, strict=True):
        assert full_payload(text)["cnf"]["jwk"] == holder.public_key.to_jwk()
        typ = parse_jws(split_sd_jwt(text).issuer_jwt).header["typ"]
        assert typ == ("dc+sd-jwt" if config.endswith("-dc") else "vc+sd-jwt")
        report = _verify(issuer, text)
        assert report.verified, report.to_dict()
    assert len(set(copies)) == 4


def test_too_many_proofs_over_http(issuer: Issuer) -> None:
    response = _batch(issuer, "KYCCredential", _keys(11))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_credential_request"
    assert "10" in response.json()["error_description"]


def test_the_batch_size_is_a_setting(tmp_path: Any, clock: Any, keys: Any) -> None:
    from issuer_harness import SAMPLE

    from issuer_service.importer import import_customers, load_customer_file

    settings = make_settings(tmp_path, keys, batch_size=1)
    app = create_app(settings, runtime_factory=lambda s: build_runtime(s, keys=keys, clock=clock))
    with test_client(app) as client:
        runtime = app.state.runtime
        import_customers(runtime.db, runtime.ctx, load_customer_file(SAMPLE / "customers.json"))
        meta = client.get("/.well-known/openid-credential-issuer").json()
        assert "batch_credential_issuance" not in meta  # one credential per request
        issuer = Issuer(client, runtime, clock, settings, app)
        response = _batch(issuer, "KYCCredential", _keys(2))
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_credential_request"
        assert _batch(issuer, "KYCCredential", _keys(1)).status_code == 200


def test_duplicate_keys_over_http(issuer: Issuer) -> None:
    holder = _keys(1)[0]
    response = _batch(issuer, "KYCCredential-dc", [holder, holder])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_proof"
    assert "same key" in response.json()["error_description"]
