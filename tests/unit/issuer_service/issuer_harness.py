"""Helpers of the issuer service tests: settings for a did:key issuer, Starlette's TestClient
(an ``httpx.Client`` over ASGI, so the wallet's ``redeem_offer`` runs against it unchanged)
and ``Issuer``, the app under test with wallet-side shortcuts."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from issuer_service.deps import Runtime
from issuer_service.domain import CreatedOffer, create_offer
from issuer_service.settings import IssuerKeys, IssuerSettings
from passport.did.key import did_key_from_public_key
from passport.exchange.oid4vci import create_proof_jwt
from passport.keys import PrivateKey
from passport.ports import FixedClock

SAMPLE = Path(__file__).resolve().parents[3] / "issuer_service" / "sample_data"
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
ISSUER_URL = "https://bank.example"
TOKEN_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def test_client(app: Any, **kwargs: Any) -> Any:
    """Starlette's TestClient; it warns about plain httpx at import (httpx2 is not used here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    return TestClient(app, base_url=ISSUER_URL, **kwargs)


test_client.__test__ = False  # type: ignore[attr-defined]  # not a test, despite its name


def make_settings(directory: Path, keys: IssuerKeys, **overrides: Any) -> IssuerSettings:
    did = did_key_from_public_key(keys.signing.public_key)
    args: dict[str, Any] = {
        "config_dir": directory,
        "name": "Bank of Formosa",
        "did": did,
        "verification_method": f"{did}#{did.split(':')[2]}",
        "base_url": ISSUER_URL,
        "anchor_interval_seconds": 0,
        "tx_code_max_attempts": 3,
    }
    args.update(overrides)
    return IssuerSettings(**args)


@dataclass
class Issuer:
    client: httpx.Client
    runtime: Runtime
    clock: FixedClock
    settings: IssuerSettings
    app: Any

    def offer(self, customer: str = "TW-0001", config: str = "KYCCredential") -> CreatedOffer:
        return create_offer(
            self.runtime.db, self.runtime.ctx, customer_id=customer, configuration_id=config
        )

    def token_response(self, code: str, tx_code: str | None) -> httpx.Response:
        form = {"grant_type": TOKEN_GRANT, "pre-authorized_code": code}
        if tx_code is not None:
            form["tx_code"] = tx_code
        return self.client.post("/token", data=form)

    def token(self, offer: CreatedOffer) -> str:
        response = self.token_response(offer.pre_authorized_code, offer.tx_code)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def nonce(self) -> str:
        response = self.client.post("/nonce")
        assert response.status_code == 200, response.text
        return str(response.json()["c_nonce"])

    def proof(self, holder: PrivateKey, nonce: str | None, **kwargs: Any) -> str:
        args: dict[str, Any] = {"audience": ISSUER_URL, "nonce": nonce, "iat": self.clock.now()}
        args.update(kwargs)
        return create_proof_jwt(holder, **args)

    def credential_response(
        self, token: str | None, body: Any, *, raw: bytes | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        if raw is not None:
            headers["Content-Type"] = "application/json"
            return self.client.post("/credential", content=raw, headers=headers)
        return self.client.post("/credential", json=body, headers=headers)

    def request_body(self, proof: str, config: str = "KYCCredential") -> dict[str, Any]:
        return {"credential_configuration_id": config, "proofs": {"jwt": [proof]}}
