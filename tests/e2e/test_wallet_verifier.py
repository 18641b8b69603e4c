"""The real wallet against the real verifier: anvil, ``issuer serve`` and ``verifier serve
--workers 2`` as processes on 127.0.0.1, the ``wallet`` CLI as subprocesses.

The wallet FIDO-enrolls and receives KYC and a bank statement from ``issuer offer --png`` QR
PNGs; the verifier's page starts an onboarding session; the wallet scans the page's QR PNG
(``wallet present --qr``) and presents; the verifier approves (API and page, both languages);
a replayed response and a second present of the same request are refused; ``wallet history``
lists the disclosure. One set of processes serves all the cases.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from processes import BIN, CliWallet, IssuerProcess, cli_json, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CUSTOMER = "TW-0001"


def _wallet(directory: Path, deployment: Path, *args: str, check: bool = True) -> Any:
    return CliWallet(directory, deployment).run(*args, check=check)


def _wallet_json(directory: Path, deployment: Path, *args: str) -> Any:
    return CliWallet(directory, deployment).json(*args)


def test_wallet_cli_against_verifier_service(
    issuer_process: IssuerProcess, start_verifier: Any, chain_deployment: Path, tmp_path: Path
) -> None:
    assert (BIN / "wallet").exists()
    issuer = issuer_process
    wallet = tmp_path / "wallet"
    # init, FIDO enrollment, KYC and statement, each from an `issuer offer --png` QR PNG
    did = CliWallet(wallet, chain_deployment).onboard(issuer, CUSTOMER)
    wait_for("the issuer's status lists on chain", issuer.drained)

    verifier = start_verifier(workers=2)
    base = verifier.base_url
    with httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=0)) as http:
        # 1. the page's session: the wallet scans the page's QR PNG
        started = http.post(f"{base}/onboarding", data={"lang": "en"}, follow_redirects=False)
        assert started.status_code == 303
        session_id = started.headers["location"].split("/")[2].split("?")[0]
        png = tmp_path / "page-qr.png"
        png.write_bytes(http.get(f"{base}/onboarding/{session_id}/qr.png").content)
        result = _wallet_json(wallet, chain_deployment, "present", "--qr", str(png), "--yes")
        assert result["outcome"] == "sent", result
        decision = http.get(f"{base}/api/sessions/{session_id}", headers=verifier.api_headers)
        assert decision.status_code == 200 and decision.json()["status"] == "approved", (
            decision.text
        )
        assert "Approved" in http.get(f"{base}/onboarding/{session_id}?lang=en").text
        assert "已核准" in http.get(f"{base}/onboarding/{session_id}?lang=zh-TW").text

        # 2. the same request presented again: the verifier refuses it, the decision stays
        again = _wallet(wallet, chain_deployment, "present", "--qr", str(png), "--yes",
                        check=False)  # fmt: skip
        assert again.returncode == 1 and "Traceback" not in again.stderr, again.stderr
        # the used request_uri is gone (HTTP 410): nothing is sent a second time
        assert "[verifier_error]" in again.stderr and "410" in again.stderr, again.stderr
        kept = http.get(f"{base}/api/sessions/{session_id}", headers=verifier.api_headers)
        assert kept.json()["status"] == "approved"

        # 3. a back-office request over the API, the openid4vp:// link; both workers serve
        for _ in range(2):
            created = http.post(f"{base}/api/requests", json={}, headers=verifier.api_headers)
            assert created.status_code == 200, created.text
            body = created.json()
            assert body["uri"].startswith("openid4vp://")
            sent = _wallet_json(wallet, chain_deployment, "present", body["uri"], "--yes")
            assert sent["outcome"] == "sent", sent
            api = http.get(
                f"{base}/api/sessions/{body['session_id']}", headers=verifier.api_headers
            ).json()
            assert api["status"] == "approved", api
        workers = {http.get(f"{base}/health").json()["worker"] for _ in range(30)}
        assert len(workers) == 2, workers

        # 4. `verifier request --png` and the wallet scanning that PNG
        cli_png = tmp_path / "cli-qr.png"
        made = cli_json("verifier", verifier.env, "request", "--png", str(cli_png))
        sent = _wallet_json(wallet, chain_deployment, "present", "--qr", str(cli_png), "--yes")
        assert sent["outcome"] == "sent", sent
        shown = cli_json("verifier", verifier.env, "show", made["session_id"])
        assert shown["status"] == "approved" and set(shown["claims"]) >= {"kyc", "fido"}

    # 5. the wallet's history lists each disclosure to this verifier
    history = _wallet_json(wallet, chain_deployment, "history")
    sent_rows = [h for h in history if h["outcome"] == "sent"]
    assert len(sent_rows) == 4, history
    assert all(verifier.did in json.dumps(h) for h in sent_rows), history
    claims = {c for h in sent_rows[:1] for d in h["disclosed"] for c in d["claims"]}
    assert {"credentialSubject.legalName", "credentialSubject.nationality"} <= claims, history
    assert did.startswith("did:key:")
