"""The issuer as real processes: anvil, ``issuer init`` and ``issuer serve`` on 127.0.0.1, the
wallet over HTTP with ``redeem_offer``, the verifier with ``passport.verify``.

offer -> token -> nonce -> credential -> verified (did:ethr from the chain, status list fetched
from the service) -> stored, status-listed, anchored by the worker -> revoked (the verifier
sees it, the new list's digest is on chain). Then anvil stops: issuing goes on and the anchors
queue; anvil starts again on the same state: the queue drains and nothing is lost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from issuer_process import issuer_serve

from passport.chain import node
from passport.chain.client import Chain
from passport.chain.deployment import Deployment
from passport.chain.registries import StatusRegistryClient
from passport.exchange import redeem_offer
from passport.keys import KeyType, PrivateKey, b64url_decode
from passport.ports import SystemClock
from passport.report import ReportStatus
from passport.status.fetch import LocalFirstFetcher
from passport.verify import VerifyOptions, verify
from passport_cli.wiring import build_resolver

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BIN = Path(sys.executable).parent
SAMPLE = Path(__file__).resolve().parents[2] / "issuer_service" / "sample_data" / "customers.json"


def _env(config: Path) -> dict[str, str]:
    return {**os.environ, "ISSUER_PASSPHRASE": "e2e passphrase", "ISSUER_CONFIG": str(config)}


def _issuer(env: dict[str, str], *args: str, check: bool = True) -> Any:
    proc = subprocess.run(
        [str(BIN / "issuer"), *args], env=env, capture_output=True, text=True, timeout=120
    )
    if check:
        assert proc.returncode == 0, f"issuer {' '.join(args)}: {proc.stderr}"
        assert "Traceback" not in proc.stderr
    return proc


def _json(env: dict[str, str], *args: str) -> Any:
    return json.loads(_issuer(env, *args, "--json").stdout)


def _wait(what: str, condition: Callable[[], Any], timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


@pytest.fixture
def served(
    anvil: node.NodeStatus, anvil_deployment: Deployment, tmp_path: Path, free_port: int
) -> Iterator[tuple[dict[str, str], str, Path]]:
    """An initialised issuer (did:ethr on anvil, sample customers) served on ``free_port``."""
    deployment_file = anvil_deployment.save(tmp_path / "deployment.json")
    env = _env(tmp_path / "issuer")
    base_url = f"http://127.0.0.1:{free_port}"
    init = _json(
        env, "init", "--name", "Bank of Formosa", "--deployment", str(deployment_file),
        "--base-url", base_url, "--kdf", "interactive",
    )  # fmt: skip
    assert init["did"].startswith("did:ethr:0x7a69:")
    _issuer(env, "import", str(SAMPLE))
    with issuer_serve(env, free_port, tmp_path / "serve.log", "--anchor-interval", "1"):
        _wait("the issuer to answer", lambda: _health(base_url), timeout=60)
        yield env, base_url, deployment_file


def _health(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _issue(env: dict[str, str], customer: str, kind: str = "kyc") -> tuple[str, str]:
    """An offer from the CLI redeemed by a wallet over HTTP: (credential, credential id)."""
    offer = _json(env, "offer", customer, "--type", kind, "--no-qr")
    with httpx.Client(timeout=30) as http:
        got = redeem_offer(
            offer["uri"],
            tx_code=offer["tx_code"],
            http=http,
            holder_key=PrivateKey.generate(KeyType.ED25519),
            allow_http=True,
        )
    credential = got.credentials[0]
    assert isinstance(credential, str)
    claims = json.loads(b64url_decode(credential.split("~")[0].split(".")[1]))
    return credential, str(claims["id"])


def _verify(credential: str, deployment_file: Path) -> Any:
    options = VerifyOptions(
        resolver=build_resolver(deployment_file),
        now=SystemClock().now(),
        status_fetcher=LocalFirstFetcher(),
        require_holder_binding=False,
    )
    return verify(credential, options)


def _drained(env: dict[str, str]) -> dict[str, Any] | None:
    status = _json(env, "status")
    if status["chain_jobs_pending"] or status["credentials"]["unanchored"]:
        return None
    return dict(status)


def _anchored_roots(env: dict[str, str]) -> list[bytes]:
    events = _json(env, "audit", "--limit", "1000")
    return [bytes.fromhex(e["details"]["root"]) for e in events if e["action"] == "batch_anchored"]


def test_offer_to_anchored_credential_then_revoked_and_chain_outage(
    served: tuple[dict[str, str], str, Path], anvil: node.NodeStatus
) -> None:
    env, base_url, deployment_file = served
    did = _json(env, "status")["did"]

    # offer -> token -> nonce -> credential, verified against the chain and the served list
    credential, credential_id = _issue(env, "TW-0001")
    report = _verify(credential, deployment_file)
    assert report.status is ReportStatus.VERIFIED, report
    assert {c.name for c in report.checks} >= {"signature", "status", "schema"}

    # stored, status-listed and anchored by the background worker
    status = _wait("the anchor worker", lambda: _drained(env))
    assert status["credentials"]["issued"] == 1
    lists = {lst["list_id"]: lst for lst in status["status_lists"]}
    assert lists["1-revocation"]["published_version"] == lists["1-revocation"]["version"] == 1
    deployment = Deployment.load(deployment_file)
    chain = Chain.connect(deployment.rpc_url)
    registry = StatusRegistryClient(chain, deployment)
    roots = _anchored_roots(env)
    assert len(roots) == 1
    anchored = registry.batch(roots[0])
    assert anchored is not None and anchored.leaf_count == 1

    # revoke: the verifier sees it through the served list, whose digest goes on chain
    change = _json(env, "revoke", credential_id, "--reason", "e2e")
    assert change["revoked"] is True
    report = _verify(credential, deployment_file)
    assert report.status is ReportStatus.INVALID
    assert [c.code for c in report.checks if c.name == "status"] == ["revoked"]
    _wait("the revocation list on chain", lambda: _drained(env))
    list_url = f"{base_url}/status/1-revocation"
    served_list = httpx.get(list_url, timeout=10).json()
    assert registry.check_status_list(did, list_url, served_list) == change["version"]

    # the chain goes away: issuing goes on, the anchors queue durably
    assert anvil.port is not None
    node.down(anvil.state_dir)
    during, during_id = _issue(env, "TW-0002", "bank-statement")

    def queued() -> dict[str, Any] | None:
        status = _json(env, "status")
        jobs = status["chain_jobs_pending"]
        return status if jobs and status["credentials"]["unanchored"] == 0 else None

    status = _wait("the anchor job to queue", queued)
    assert status["credentials"]["issued"] == 2
    assert _issuer(env, "anchor", check=False).returncode == 1  # chain_unreachable, kept queued

    # the chain comes back with its state: the queue drains, nothing lost
    node.up(port=anvil.port, state_dir=anvil.state_dir, host="127.0.0.1")
    status = _wait("the queue to drain", lambda: _drained(env), timeout=120)
    assert status["credentials"]["issued"] == 2
    roots = _anchored_roots(env)
    assert len(roots) == 2
    chain = Chain.connect(deployment.rpc_url)
    registry = StatusRegistryClient(chain, deployment)
    assert all(registry.batch(root) is not None for root in roots)
    report = _verify(during, deployment_file)
    assert report.status is ReportStatus.VERIFIED, (during_id, report)
