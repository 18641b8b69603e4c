"""FIDO enrollment over HTTP, and the background anchor worker in the app's lifespan."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from issuer_harness import ISSUER_URL, SAMPLE, Issuer, make_settings, test_client

from issuer_service.app import Anchorer, create_app
from issuer_service.deps import build_runtime
from issuer_service.domain import issuer_status
from issuer_service.importer import import_customers, load_customer_file
from issuer_service.settings import IssuerKeys
from passport.chain.registries import BatchAnchor, StatusListAnchor
from passport.did import default_resolver
from passport.errors import ConfigurationError, CouldNotCheckError
from passport.fido import SoftwareAuthenticator, create_did_binding_jwt
from passport.keys import PrivateKey, b64url_decode
from passport.ports import FixedClock
from passport.verify import VerifyOptions, verify

# --- FIDO enrollment -----------------------------------------------------------------------


def _begin(issuer: Issuer) -> tuple[dict[str, str], str, dict[str, Any]]:
    token = issuer.token(issuer.offer(config="FidoKeyBindingCredential"))
    auth = {"Authorization": f"Bearer {token}"}
    response = issuer.client.post("/fido/registration/options", headers=auth)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return auth, response.json()["ceremony_id"], response.json()["publicKey"]


def _finish_body(
    issuer: Issuer, holder: PrivateKey, ceremony: str, options: dict[str, Any], **binding: Any
) -> dict[str, Any]:
    _, attestation = SoftwareAuthenticator().make_credential(options, origin=ISSUER_URL)
    args: dict[str, Any] = {
        "challenge": b64url_decode(options["challenge"]),
        "audience": ISSUER_URL,
        "iat": issuer.clock.now(),
        "credential_id": attestation.credential_id,
    }
    args.update(binding)
    return {
        "ceremony_id": ceremony,
        "credential": attestation.to_json(),
        "did_binding": create_did_binding_jwt(holder, **args),
    }


def test_fido_enrollment_issues_a_key_binding_credential(
    issuer: Issuer, holder: PrivateKey
) -> None:
    auth, ceremony, options = _begin(issuer)
    assert options["rp"]["id"] == "bank.example"
    body = _finish_body(issuer, holder, ceremony, options)
    response = issuer.client.post("/fido/registration", json=body, headers=auth)
    assert response.status_code == 200, response.text
    credential = response.json()["credentials"][0]["credential"]
    assert "FidoKeyBindingCredential" in credential["type"]
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    report = verify(
        credential,
        VerifyOptions(
            resolver=default_resolver(),
            now=issuer.clock.now(),
            status_fetcher=_fetcher(issuer),
            require_holder_binding=False,
        ),
    )
    assert report.status.value == "verified", report
    # the ceremony and the token are used up
    again = issuer.client.post("/fido/registration", json=body, headers=auth)
    assert again.status_code in (400, 401)


def _fetcher(issuer: Issuer) -> Any:
    from passport.status.fetch import LocalFirstFetcher

    return LocalFirstFetcher(client=issuer.client)


def test_fido_needs_a_token_granted_for_it(issuer: Issuer) -> None:
    response = issuer.client.post("/fido/registration/options")
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"
    token = issuer.token(issuer.offer(config="KYCCredential"))
    response = issuer.client.post(
        "/fido/registration/options", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_credential_request"


def test_fido_unknown_ceremony(issuer: Issuer, holder: PrivateKey) -> None:
    auth, _, options = _begin(issuer)
    body = _finish_body(issuer, holder, "no-such-ceremony", options)
    response = issuer.client.post("/fido/registration", json=body, headers=auth)
    assert response.status_code == 400
    assert response.json()["code"] == "fido_ceremony_invalid"


def test_fido_did_binding_over_another_challenge_uses_nothing_up(
    issuer: Issuer, holder: PrivateKey
) -> None:
    auth, ceremony, options = _begin(issuer)
    bad = _finish_body(issuer, holder, ceremony, options, challenge=b"another challenge!!")
    response = issuer.client.post("/fido/registration", json=bad, headers=auth)
    assert response.status_code == 400
    assert response.json()["code"] == "did_binding_challenge_mismatch"
    good = _finish_body(issuer, holder, ceremony, options)
    assert issuer.client.post("/fido/registration", json=good, headers=auth).status_code == 200


def test_fido_malformed_finish_body(issuer: Issuer) -> None:
    auth, ceremony, _ = _begin(issuer)
    response = issuer.client.post(
        "/fido/registration", json={"ceremony_id": ceremony}, headers=auth
    )
    assert response.status_code == 400 and response.json()["code"] == "request_malformed"
    body = {"ceremony_id": ceremony, "credential": {"id": "x"}, "did_binding": "x.y.z"}
    response = issuer.client.post("/fido/registration", json=body, headers=auth)
    assert response.status_code == 400 and response.json()["code"] == "fido_response_malformed"


# --- the anchor worker ---------------------------------------------------------------------


class FakeRegistry:
    """The StatusRegistryClient calls the worker makes, in memory; ``down`` = node stopped."""

    def __init__(self) -> None:
        self.down = False
        self.batches: dict[bytes, int] = {}
        self.lists: dict[str, int] = {}

    def _check(self) -> None:
        if self.down:
            raise CouldNotCheckError("rpc_unavailable", "The node does not answer.")

    def anchor_batch(self, issuer: str, root: bytes, leaf_count: int) -> BatchAnchor:
        self._check()
        self.batches[root] = leaf_count
        return BatchAnchor(root, issuer, leaf_count, 1, "0x00", 21000)

    def batch(self, root: bytes) -> BatchAnchor | None:
        self._check()
        return None

    def publish_status_list(
        self, issuer: str, list_url: str, digest: bytes, *, version: int | None = None
    ) -> Any:
        self._check()
        self.lists[list_url] = version or 0
        return None

    def status_list(self, issuer: str, list_url: str) -> StatusListAnchor | None:
        self._check()
        return None


def _wait(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_worker_anchors_in_the_background_and_survives_an_outage(
    tmp_path: Path, clock: FixedClock, keys: IssuerKeys, holder: PrivateKey
) -> None:
    registry = FakeRegistry()
    settings = make_settings(tmp_path, keys, anchor_interval_seconds=0.05)
    app = create_app(
        settings,
        runtime_factory=lambda s: build_runtime(s, keys=keys, clock=clock),
        registry_factory=lambda: registry,
    )
    with test_client(app) as client:
        runtime = app.state.runtime
        import_customers(runtime.db, runtime.ctx, load_customer_file(SAMPLE / "customers.json"))
        issuer = Issuer(client, runtime, clock, settings, app)
        worker = app.state.anchor_worker
        assert client.get("/health").json()["anchor_worker"]["alive"] is True

        def issue() -> None:
            token = issuer.token(issuer.offer())
            body = issuer.request_body(issuer.proof(holder, issuer.nonce()))
            assert issuer.credential_response(token, body).status_code == 200

        issue()
        _wait(lambda: sum(registry.batches.values()) == 1 and len(registry.lists) == 2)

        registry.down = True
        issue()
        _wait(lambda: bool(issuer_status(runtime.db)["chain_jobs_pending"]))
        _wait(lambda: "rpc_unavailable" in str(issuer_status(runtime.db)["chain_jobs_pending"]))
        assert sum(registry.batches.values()) == 1

        registry.down = False
        clock.advance(60)  # past the retry backoff
        _wait(lambda: not issuer_status(runtime.db)["chain_jobs_pending"])
        assert sum(registry.batches.values()) == 2
        assert issuer_status(runtime.db)["credentials"]["unanchored"] == 0
    assert not worker.alive  # stopped with the app


def test_anchorer_connection_failure_queues_the_batch(
    tmp_path: Path, clock: FixedClock, keys: IssuerKeys
) -> None:
    from issuer_service.domain import issue_to_holder

    def unreachable() -> Any:
        raise CouldNotCheckError("rpc_unavailable", "The node does not answer.")

    runtime = build_runtime(make_settings(tmp_path, keys), keys=keys, clock=clock)
    try:
        import_customers(runtime.db, runtime.ctx, load_customer_file(SAMPLE / "customers.json"))
        issue_to_holder(
            runtime.db,
            runtime.ctx,
            customer_id="TW-0001",
            configuration_id="KYCCredential",
            holder_did="did:example:holder",
            holder_jwk=None,
        )
        report = Anchorer(runtime, registry_factory=unreachable).run_once()
        assert report.deferred and report.batches_created == 1 and report.pending == 3
        assert "rpc_unavailable" in report.errors[0]
        with pytest.raises(ConfigurationError) as err:
            Anchorer(runtime).run_once()  # no deployment: not a chain outage, an error
        assert err.value.code == "chain_not_configured"
    finally:
        runtime.close()
