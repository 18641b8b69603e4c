"""The whole cross-border story across real processes on 127.0.0.1, one world for the module:
anvil, ``issuer serve`` (the Taiwanese bank), ``verifier serve`` (the bank in Singapore, with
the demo's policy: name, nationality, 50,000 USD, FIDO binding; no chain caches, so every
verification asks the chain) and the citizens' ``wallet`` CLI as subprocesses.

The cases run in order on the same world: approval; minimal disclosure (what was not
disclosed is nowhere in the verifier's database, logs or audit log); insufficient funds; the
wallet's exact POST replayed; a FIDO assertion from another authenticator; the bank rotates its
key; the bank revokes a statement; the chain stops during a verification; every service
restarts and keeps its state; the regulator suspends the bank.

What ``test_wallet_verifier`` and ``test_verifier_service`` prove (the page, QR PNGs, two
workers, the webhook, malformed responses) is not repeated here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from processes import (
    CliWallet,
    IssuerProcess,
    ProcessHolder,
    VerifierProcess,
    cli,
    cli_json,
    holder_from_issuer,
    process_wallet,
    wait_for,
)
from spec_wallet import FidoDevice, jwt_parts, post_form, response_params

from passport.chain import node
from passport_cli.demo.narration import POLICY

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RICH, POOR, THIRD = "TW-0001", "TW-0007", "TW-0008"


# --- a recording proxy: the network between the wallet and the verifier ---------------------


class _Recorder(BaseHTTPRequestHandler):
    """An HTTP proxy that forwards every request and keeps each POST it saw."""

    posts: list[tuple[str, dict[str, str], bytes]] = []

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() not in ("host", "proxy-connection", "connection", "content-length")
        }
        if self.command == "POST":
            _Recorder.posts.append((self.path, headers, body))
        with httpx.Client(trust_env=False, timeout=60) as http:
            answer = http.request(self.command, self.path, headers=headers, content=body)
        self.send_response(answer.status_code)
        for key, value in answer.headers.items():
            if key.lower() not in ("content-encoding", "content-length", "transfer-encoding",
                                   "connection"):  # fmt: skip
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = _forward  # noqa: N815 - the stdlib's names

    def log_message(self, *args: Any) -> None:
        pass


# --- the world ----------------------------------------------------------------------------------


@dataclass
class World:
    dir: Path
    anvil: node.NodeStatus
    deployment: Path
    issuer: IssuerProcess
    verifier: VerifierProcess
    alice: CliWallet  # rich enough: the wallet CLI
    proxy_url: str
    http: httpx.Client
    decided: dict[str, str] = field(default_factory=dict)  # session id -> status seen
    holders: dict[str, ProcessHolder] = field(default_factory=dict)

    def request(self) -> tuple[str, str]:
        """A new onboarding request over the API: (session id, openid4vp:// link)."""
        created = self.http.post(
            f"{self.verifier.base_url}/api/requests", json={}, headers=self.verifier.api_headers
        )
        assert created.status_code == 200, created.text
        body = created.json()
        return str(body["session_id"]), str(body["uri"])

    def session(self, session_id: str) -> dict[str, Any]:
        view = self.http.get(
            f"{self.verifier.base_url}/api/sessions/{session_id}",
            headers=self.verifier.api_headers,
        )
        assert view.status_code == 200, view.text
        data: dict[str, Any] = view.json()
        return data

    def present(self, wallet: CliWallet) -> tuple[str, dict[str, Any], Any]:
        """``wallet present LINK --yes --json`` of a new request; (session, view, the run)."""
        session_id, link = self.request()
        run = wallet.run("present", link, "--yes", "--json", check=False)
        view = self.session(session_id)
        self.decided[session_id] = view["status"]
        return session_id, view, run

    def spec(self, holder: ProcessHolder) -> Any:
        return process_wallet(self.http, holder, self.deployment)

    def drained(self) -> None:
        wait_for("the issuer's chain jobs", self.issuer.drained)


@pytest.fixture(scope="module")
def world(
    module_dir: Path,
    module_anvil: node.NodeStatus,
    module_deployment: Path,
    module_issuer: IssuerProcess,
    module_start_verifier: Any,
) -> Iterator[World]:
    policy = module_dir / "sg-premium.toml"
    policy.write_text(POLICY)
    verifier = module_start_verifier(
        policy=policy, settings={"status_cache_seconds": 0, "chain_cache_seconds": 0}
    )
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    alice = CliWallet(module_dir / "alice", module_deployment)
    alice.onboard(module_issuer, RICH)
    with httpx.Client(timeout=60) as http:
        w = World(
            module_dir, module_anvil, module_deployment, module_issuer, verifier, alice,
            f"http://127.0.0.1:{proxy.server_address[1]}", http,
        )  # fmt: skip
        # holders whose answers the tests shape (spec wallet): Alice's bank again, and Bob,
        # who has too little money; both FIDO-enrolled with the bank over HTTP
        w.holders["rich"] = holder_from_issuer(module_issuer, RICH)
        w.holders["poor"] = holder_from_issuer(module_issuer, POOR)
        w.drained()
        yield w
    proxy.shutdown()
    proxy.server_close()


def _issued(issuer: IssuerProcess, customer: str, configuration: str) -> list[str]:
    """The credentials the bank issued to ``customer`` (its audit log), newest first: one id
    per issuance, since revoking one copy of a batch revokes every copy."""
    events = cli_json("issuer", issuer.env, "audit", "--limit", "1000")
    ids: dict[str, str] = {}  # batch id (or the credential's own id) -> a credential id
    for e in events:
        details = e.get("details") or {}
        if (
            e["action"] == "credential_issued"
            and details.get("customer_id") == customer
            and configuration in str(details.get("configuration_id"))
        ):
            credential_id = e["subject"].removeprefix("credential:")
            ids.setdefault(str(details.get("batch_id") or credential_id), credential_id)
    return list(ids.values())


def _kid(credential: Any) -> str:
    if isinstance(credential, str):
        return str(jwt_parts(credential.split("~")[0])[0]["kid"])
    return str(credential["proof"]["verificationMethod"])


# --- the cases, in story order ---------------------------------------------------------------


def test_approval(world: World) -> None:
    session_id, view, run = world.present(world.alice)
    assert run.returncode == 0, run.stderr
    sent = json.loads(run.stdout)
    assert sent["outcome"] == "sent" and sent["verifier_status"] == 200, sent
    full = world.session(session_id)
    assert full["status"] == "approved" and full["codes"] == [], full
    kyc = full["claims"]["kyc"]
    assert kyc["credentialSubject/legalName"] == "CHEN, MEI-LING"
    assert kyc["credentialSubject/nationality"] == "TW"
    assert set(full["claims"]) == {"kyc", "bank_statement", "fido"}, full["claims"]
    # bound to a one-time key of the batch copies, not to the citizen's long-lived did:key
    assert str(full["holder"]).startswith(("did:key:", "did:jwk:")), full["holder"]
    assert full["holder"] != world.alice.did
    held = {c["id"]: c for c in world.alice.json("list")}
    kyc, statement = (held[world.alice.received[k]] for k in ("kyc", "bank-statement"))
    assert kyc["copies_unused"] == statement["copies_unused"] == kyc["copies"] - 1, held


def test_minimal_disclosure(world: World) -> None:
    """What the policy did not ask for is nowhere at the verifier: not in its database (every
    file of its SQLite: main, WAL, journal), not in its logs, not in its audit log."""
    assert "approved" in world.decided.values(), "needs the approval above"
    claims: dict[str, Any] = {}
    for kind in ("kyc", "bank-statement"):
        claims.update(world.alice.json("show", world.alice.received[kind], "--offline")["claims"])

    def text(value: Any) -> str:
        if isinstance(value, dict):
            value = value.get("amount", value.get("value"))
        return str(value)

    # what the wallet holds and the policy (name, nationality, a balance tier) did not ask for
    secret = {name: text(claims[name]) for name in (
        "birthDate", "idDocumentNumberHash", "currentBalance", "averageBalance",
        "maskedAccountNumber", "givenName")}  # fmt: skip
    assert secret["birthDate"] == "1973-09-02", claims
    secret["the ID number itself"] = "J259151020"

    audit = cli("verifier", world.verifier.env, "audit", "--limit", "1000", "--json").stdout
    sessions = cli("verifier", world.verifier.env, "sessions", "--limit", "100", "--json").stdout
    haystacks = {p.name: p.read_bytes() for p in world.verifier.config.iterdir() if p.is_file()}
    haystacks.update({p.name: p.read_bytes() for p in world.verifier.server.logs()})
    haystacks["audit log"] = audit.encode()
    haystacks["sessions"] = sessions.encode()
    # the disclosed name is found where it is kept: the grep can see
    assert any(b"CHEN, MEI-LING" in data for data in haystacks.values())
    for what, value in secret.items():
        assert len(value) >= 4, (what, value)  # long enough not to match by chance
        for where, data in haystacks.items():
            assert value.encode() not in data, f"{what} ({value}) found in {where}"


def test_insufficient_funds(world: World) -> None:
    """Bob's statement shows 0.8 M TWD (24,700 USD), below the policy's 50,000 USD."""
    session_id, link = world.request()
    answer = world.spec(world.holders["poor"]).present(link).json()
    assert answer["status"] == "rejected", answer
    assert "balance_below_minimum" in answer["codes"], answer
    report = world.session(session_id)["report"]
    failed = [c for c in report["checks"] if c["outcome"] == "failed"]
    assert [c["check"] for c in failed] == ["min_balance"], failed


def test_replayed_response(world: World) -> None:
    """The wallet's exact POST, recorded on the network, sent again: refused, and the
    decision it made stays."""
    _Recorder.posts.clear()
    proxied = replace(world.alice, env={"HTTP_PROXY": world.proxy_url, "NO_PROXY": ""})
    session_id, view, run = world.present(proxied)
    assert view["status"] == "approved", (view, run.stderr)
    posts = [p for p in _Recorder.posts if world.verifier.base_url in p[0] and "/response" in p[0]]
    assert len(posts) == 1, [p[0] for p in _Recorder.posts]
    url, headers, body = posts[0]
    again = httpx.post(url, headers=headers, content=body, timeout=30)
    assert again.status_code >= 400, again.text
    assert again.json()["code"] == "response_replayed", again.text
    assert world.session(session_id)["status"] == "approved"


def test_fido_assertion_from_another_authenticator(world: World) -> None:
    """Alice's credentials and her FIDO key binding, but the assertion made by a second
    wallet's authenticator (enrolled with the same bank for another customer)."""
    holder, other = world.holders["rich"], world.holders["poor"]
    wallet = world.spec(holder)
    _, link = world.request()
    assert wallet.present(link).json()["status"] == "approved"  # her own authenticator
    # the other device answers for Alice's credential id: its private key signs, not hers
    wallet.fido = FidoDevice(
        other.device.authenticator,
        replace(other.device.credential, credential_id=holder.device.credential.credential_id),
    )
    session_id, link = world.request()
    answer = wallet.present(link).json()
    assert answer["status"] == "rejected", answer
    assert "fido_signature_invalid" in answer["codes"], answer
    assert world.session(session_id)["status"] == "rejected"


def test_the_bank_rotates_its_key(world: World) -> None:
    """``issuer rotate-key``: credentials signed before still verify; new ones carry the new
    key's id."""
    old_vm = _kid(world.holders["rich"].kyc)
    rotated = cli_json("issuer", world.issuer.env, "rotate-key")
    assert rotated["previous_verification_method"] == old_vm
    new_vm = rotated["verification_method"]
    assert new_vm != old_vm and new_vm.startswith(world.issuer.did + "#")
    world.issuer.server.restart()
    # signed before: Alice's CLI wallet and the spec wallet still pass
    _, view, run = world.present(world.alice)
    assert view["status"] == "approved", (view, run.stderr)
    _, link = world.request()
    assert world.spec(world.holders["rich"]).present(link).json()["status"] == "approved"
    # signed after: the new key's id on every credential, and they verify
    third = world.holders["third"] = holder_from_issuer(world.issuer, THIRD)
    world.drained()
    assert {_kid(third.kyc), _kid(third.statement), _kid(third.fido_vc)} == {new_vm}
    _, link = world.request()
    assert world.spec(third).present(link).json()["status"] == "approved"


def test_revoked(world: World) -> None:
    """The bank revokes Alice's statement; the same request from her wallet is ``revoked``."""
    ids = _issued(world.issuer, RICH, "BankStatement")
    assert ids, "the bank's audit log names the statements it issued"
    for credential_id in ids:  # every statement Alice holds (CLI wallet and spec holder)
        cli("issuer", world.issuer.env, "revoke", credential_id, "--reason", "e2e")
    world.drained()
    _, view, run = world.present(world.alice)
    assert view["status"] == "rejected" and "revoked" in view["codes"], view
    assert "Traceback" not in run.stderr


def test_chain_stopped_during_a_verification(world: World) -> None:
    """anvil stops between the wallet fetching the request and posting its answer: the
    decision is ``indeterminate`` (never approved, never revoked); anvil comes back on the same
    state and port, and a new request is approved."""
    wallet = world.spec(world.holders["third"])
    session_id, link = world.request()
    request = wallet.fetch(link)
    token = wallet.vp_token(request)
    node.down(world.anvil.state_dir)
    try:
        answer = post_form(world.http, request.response_uri, response_params(request, token))
        body = answer.json()
        assert body["status"] == "indeterminate", body
        assert "revoked" not in body["codes"] and "rpc_unavailable" in body["codes"], body
        assert world.session(session_id)["status"] == "indeterminate"
    finally:
        back = node.up(port=world.anvil.port, state_dir=world.anvil.state_dir, host="127.0.0.1")
    assert back.url == world.anvil.url
    _, link = world.request()
    assert wallet.present(link).json()["status"] == "approved"


def test_restarting_every_service_keeps_its_state(world: World) -> None:
    before_sessions = {s["session_id"]: s["status"] for s in cli_json(
        "verifier", world.verifier.env, "sessions", "--limit", "1000")}  # fmt: skip
    before_issuer = cli_json("issuer", world.issuer.env, "status")
    assert {"approved", "rejected", "indeterminate"} <= set(before_sessions.values())
    world.issuer.server.stop()
    world.verifier.server.stop()
    node.down(world.anvil.state_dir)
    node.up(port=world.anvil.port, state_dir=world.anvil.state_dir, host="127.0.0.1")
    world.issuer.server.restart()
    world.verifier.server.restart()
    after_sessions = {s["session_id"]: s["status"] for s in cli_json(
        "verifier", world.verifier.env, "sessions", "--limit", "1000")}  # fmt: skip
    assert after_sessions == before_sessions
    for session_id, status in world.decided.items():  # decisions, with their claims
        assert world.session(session_id)["status"] == status
    after_issuer = cli_json("issuer", world.issuer.env, "status")
    assert after_issuer["credentials"] == before_issuer["credentials"]
    assert after_issuer["status_lists"] == before_issuer["status_lists"]
    # the chain kept its state: the revocation still holds, the third citizen still passes
    _, view, _ = world.present(world.alice)
    assert view["status"] == "rejected" and "revoked" in view["codes"], view
    _, link = world.request()
    assert world.spec(world.holders["third"]).present(link).json()["status"] == "approved"
    assert cli_json("verifier", world.verifier.env, "audit", "verify")["ok"] is True


def test_suspended_issuer(world: World) -> None:
    """The regulator suspends the bank (``passport registry suspend``): new requests fail
    with ``issuer_not_accredited``."""
    cli("passport", world.issuer.env, "registry", "suspend", world.issuer.did, "--reason",
        "supervisory review", "--deployment", str(world.deployment))  # fmt: skip
    _, link = world.request()
    answer = world.spec(world.holders["third"]).present(link).json()
    assert answer["status"] == "rejected", answer
    assert "accreditation_suspended" in answer["codes"], answer
