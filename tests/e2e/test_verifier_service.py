"""The foreign bank's onboarding with real processes on 127.0.0.1: anvil, the issuer (``issuer
serve``) and the verifier (``verifier serve --workers 2``), the holder's credentials received
from the issuer over OpenID4VCI, and the spec-driven OpenID4VP wallet scanning the page's QR
code (decoded from the PNG with zxing-cpp).

The story: the page in both languages -> the QR -> the wallet presents (direct_post.jwt, signed
request by the verifier's did:ethr) -> approved, shown on the page, sent to the webhook signed;
two workers serve the flows; bad responses are rejected with their codes; a revocation is seen
after ``verifier sync``; a second verifier (redirect_uri prefix, direct_post, no FIDO) takes a
plain wallet; the chain goes down: ``sync`` fails and a cold verification is indeterminate.
"""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from processes import (
    IssuerProcess,
    cli,
    cli_json,
    holder_from_issuer,
    process_wallet,
    wait_for,
)
from spec_wallet import error_params, post_form, response_params, sd_jwt_presentation

from passport.chain import node

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _decode_qr(png: bytes) -> str:
    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1
    return str(found[0].text)


class _Hook(BaseHTTPRequestHandler):
    received: list[tuple[bytes, dict[str, str]]] = []

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append((body, dict(self.headers)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _start_hook() -> tuple[HTTPServer, str]:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/decisions"


def _codes(response: httpx.Response) -> list[str]:
    body = response.json()
    return list(body["codes"]) if response.status_code == 200 else [body["code"]]


def test_onboarding_with_real_processes(
    issuer_process: IssuerProcess,
    start_verifier: Any,
    chain_deployment: Path,
    anvil: node.NodeStatus,
) -> None:
    issuer = issuer_process
    holder = holder_from_issuer(issuer)
    wait_for("the issuer's status lists on chain", issuer.drained)
    hook_server, hook_url = _start_hook()
    verifier = start_verifier(workers=2, webhook_url=hook_url)
    base = verifier.base_url
    assert verifier.did.startswith("did:ethr:0x7a69:")

    # no keep-alive: every request is a new connection, which either worker may accept
    with httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=0)) as http:
        # the page, in both languages, no external resources
        en, zh = http.get(f"{base}/?lang=en").text, http.get(f"{base}/?lang=zh-TW").text
        assert "Open an account with Banque du Léman" in en and "在 Banque du Léman 開立帳戶" in zh
        started = http.post(f"{base}/onboarding", data={"lang": "en"}, follow_redirects=False)
        assert started.status_code == 303
        page_url = base + started.headers["location"]
        session_id = started.headers["location"].split("/")[2].split("?")[0]
        page = http.get(page_url).text
        assert (
            "Scan this code with your passport wallet" in page
            and '<script src="/static/poll.js"' in page
        )
        link = _decode_qr(http.get(f"{base}/onboarding/{session_id}/qr.png").content)
        assert link.startswith("openid4vp://?client_id=decentralized_identifier")
        assert link.replace("&", "&amp;") in page  # the same link for a wallet on this device

        # the wallet scans, checks the signed request, presents; the page shows the decision
        wallet = process_wallet(http, holder, chain_deployment)
        request = wallet.fetch(link)
        assert request.response_mode == "direct_post.jwt"
        response = post_form(
            http, request.response_uri, response_params(request, wallet.vp_token(request))
        )
        assert response.status_code == 200 and response.json()["status"] == "approved", (
            response.text
        )
        status = http.get(f"{base}/onboarding/{session_id}/status?lang=zh-TW").json()
        assert status["status"] == "approved" and status["label"] == "已核准"
        assert "Approved" in http.get(page_url).text
        assert "已核准" in http.get(f"{base}/onboarding/{session_id}?lang=zh-TW").text

        # the webhook got the decision, signed with the secret init printed
        from passport.keys import b64url_decode
        from passport.ports import SystemClock
        from passport.verifier.webhook import verify_signature

        wait_for("the webhook", lambda: _Hook.received)
        body, headers = _Hook.received[0]
        assert json.loads(body)["session_id"] == session_id
        assert verifier.webhook_secret is not None
        verify_signature(b64url_decode(verifier.webhook_secret), body, headers, SystemClock().now())

        # two workers share the flows (sessions, nonces, decisions are in the database)
        workers = {http.get(f"{base}/health").json()["worker"] for _ in range(40)}
        assert len(workers) == 2, workers
        for _ in range(3):
            created = http.post(
                f"{base}/api/requests", json={}, headers=verifier.api_headers
            ).json()
            result = wallet.present(created["uri"])
            assert result.json()["status"] == "approved", result.text

        # bad responses over HTTP, each with its code; the service keeps serving
        def fresh() -> Any:
            created = http.post(
                f"{base}/api/requests", json={}, headers=verifier.api_headers
            ).json()
            return wallet.fetch(created["uri"])

        r = fresh()
        token = wallet.vp_token(r)
        token["kyc"] = [
            sd_jwt_presentation(
                holder.kyc,
                [
                    ["credentialSubject", "legalName"],
                    ["credentialSubject", "birthDate"],
                    ["credentialSubject", "nationality"],
                    ["credentialSubject", "kycLevel"],
                ],
                holder.key,
                nonce="stale",
                aud=r.client_id,
                iat=wallet.now(),
            )
        ]
        assert _codes(post_form(http, r.response_uri, response_params(r, token))) == [
            "kb_nonce_mismatch"
        ]
        r = fresh()
        params = response_params(r, wallet.vp_token(r))
        assert _codes(post_form(http, r.response_uri, params)) == []
        assert _codes(post_form(http, r.response_uri, params)) == ["response_replayed"]
        r = fresh()
        assert _codes(http.post(r.response_uri, json={"vp_token": {}})) == [
            "content_type_unsupported"
        ]
        assert _codes(post_form(http, r.response_uri, {"response": "x" * 400_000})) == [
            "body_too_large"
        ]
        assert _codes(post_form(http, r.response_uri, {"response": "garbage"})) == ["jwe_malformed"]
        assert _codes(post_form(http, r.response_uri, {"vp_token": "{}", "state": r.state})) == [
            "response_not_encrypted"
        ]
        refused = post_form(http, r.response_uri, error_params(r))
        assert refused.json()["status"] == "refused" and _codes(refused) == ["access_denied"]
        assert (
            "You declined in your wallet"
            in http.get(f"{base}/onboarding/{r.claims['response_uri'].rsplit('/', 1)[1]}").text
        )
        assert http.post(f"{base}/api/requests", json={}).status_code == 401

        # the bank revokes the KYC credential; after `verifier sync` every worker sees it
        from spec_wallet import jwt_parts

        kyc_id = jwt_parts(holder.kyc.split("~")[0])[1]["id"]
        cli("issuer", issuer.env, "revoke", kyc_id, "--reason", "e2e")
        wait_for("the revocation on chain", issuer.drained)
        synced = cli_json("verifier", verifier.env, "sync")
        assert synced["chain"]["chain_id"] == 0x7A69
        for _ in range(2):  # whichever worker answers
            r = fresh()
            assert _codes(
                post_form(http, r.response_uri, response_params(r, wallet.vp_token(r)))
            ) == ["revoked"]

        # the CLI reads the same database
        rows = cli_json("verifier", verifier.env, "sessions", "--limit", "100")
        assert {row["status"] for row in rows} >= {"approved", "rejected", "refused"}
        shown = cli_json("verifier", verifier.env, "show", session_id)
        assert shown["status"] == "approved" and set(shown["claims"]) == {
            "kyc",
            "bank_statement",
            "fido",
        }
        assert cli_json("verifier", verifier.env, "audit", "verify")["ok"] is True
        png = verifier.config / "cli.png"
        made = cli_json("verifier", verifier.env, "request", "--png", str(png))
        assert _decode_qr(png.read_bytes()) == made["uri"]

        # another bank's verifier: unsigned redirect_uri requests, direct_post, no FIDO asked
        plain = start_verifier(
            name="plain",
            policy="basic-kyc.toml",
            prefix="redirect_uri",
            response_mode="direct_post",
        )
        holder2 = holder_from_issuer(issuer, "TW-0003")
        wait_for("the new lists on chain", issuer.drained)
        wallet2 = process_wallet(http, holder2, chain_deployment, fido=False)
        created = http.post(
            f"{plain.base_url}/api/requests", json={}, headers=plain.api_headers
        ).json()
        request = wallet2.fetch(created["uri"])
        assert request.header["alg"] == "none" and request.client_id.startswith("redirect_uri:")
        result = wallet2.present(created["uri"])
        assert result.json()["status"] == "approved", result.text

        # the chain goes down: sync fails, and a cold verification is indeterminate
        node.down(anvil.state_dir)
        proc = cli("verifier", plain.env, "sync", check=False)
        assert proc.returncode == 1 and "rpc_unavailable" in proc.stderr
        created = http.post(
            f"{plain.base_url}/api/requests", json={}, headers=plain.api_headers
        ).json()
        result = wallet2.present(created["uri"])
        assert result.json()["status"] == "indeterminate", result.text
        assert "rpc_unavailable" in result.json()["codes"]
        assert "revoked" not in result.json()["codes"]
    hook_server.shutdown()
    hook_server.server_close()
