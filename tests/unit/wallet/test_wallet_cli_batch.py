"""`wallet receive --copies`, `list`/`show` with copies, `present --allow-reuse`, `refresh`, as
subprocesses in both languages, against the spec-shaped batch issuer and verifier."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spec_issuer import VCT, SpecIssuer
from spec_verifier import Session, SpecVerifier

from passport.keys import PublicKey
from passport.sdjwt.verifier import verify as verify_sd_jwt

QUERY = {
    "credentials": [
        {
            "id": "pid",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [{"path": ["given_name"]}],
        }
    ]
}


def _wallet(tmp_path: Path, *args: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLET_")}
    env.update(
        WALLET_HOME=str(tmp_path / "w"),
        WALLET_PASSPHRASE="pass",
        WALLET_KDF="insecure-test-only",
        WALLET_LANG=lang,
        COLUMNS="250",
    )
    return subprocess.run(
        [sys.executable, "-m", "wallet_cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def _checker(issuer: SpecIssuer) -> Any:
    key = PublicKey.from_jwk(issuer.key.public_jwk())

    def check(query_id: str, presentation: Any, session: Session) -> dict[str, Any]:
        verified = verify_sd_jwt(
            presentation,
            issuer_key=key,
            now=datetime.now(UTC),
            nonce=session.nonce,
            aud=session.client_id,
        )
        return {"key": verified.payload["cnf"]["jwk"]["x"]}

    return check


def test_batches_copies_reuse_and_refresh_through_the_cli(tmp_path: Path) -> None:
    assert _wallet(tmp_path, "init").returncode == 0
    claims = {"given_name": "Mei-Ling", "nationality": "TW"}
    with (
        SpecIssuer(claims, batch_size=5, refresh_tokens=True) as issuer,
        SpecVerifier(_checker(issuer)) as verifier,
    ):
        got = _wallet(tmp_path, "receive", issuer.offer(), "--pin", "493536", "--copies", "2")
        assert got.returncode == 0, got.stderr
        assert "2 copies" in got.stdout
        (summary,) = json.loads(_wallet(tmp_path, "list", "--json").stdout)
        assert summary["copies"] == 2 and summary["copies_unused"] == 2
        assert "2 of 2 copies unused" in _wallet(tmp_path, "list").stdout
        assert "2 份中 2 份未使用" in _wallet(tmp_path, "list", lang="zh-TW").stdout
        keys = []
        for _ in range(2):
            session, link = verifier.new_session(QUERY)
            sent = _wallet(tmp_path, "present", link, "--yes")
            assert sent.returncode == 0, sent.stderr
            keys.append(session.checked[0]["claims"]["key"])
        assert len(set(keys)) == 2  # two verifiers, two one-time keys
        listed = _wallet(tmp_path, "list")
        assert "0 of 2 copies unused" in listed.stdout
        assert f"wallet refresh {summary['id']}" in listed.stderr  # the low-copies warning
        # a third verifier: every copy was shown; without --allow-reuse nothing is sent
        session, link = verifier.new_session(QUERY)
        refused = _wallet(tmp_path, "present", link, "--yes")
        assert refused.returncode == 1 and "copies_exhausted" in refused.stderr
        assert session.received[-1]["error"] == "access_denied" and not session.checked
        zh = _wallet(tmp_path, "present", verifier.new_session(QUERY)[1], "--yes", lang="zh-TW")
        assert zh.returncode == 1 and "--allow-reuse" in zh.stderr and "副本" in zh.stderr
        session, link = verifier.new_session(QUERY)
        reused = _wallet(tmp_path, "present", link, "--yes", "--allow-reuse")
        assert reused.returncode == 0, reused.stderr
        assert session.checked[0]["claims"]["key"] in keys
        # a new batch with the refresh token the issuer gave
        renewed = _wallet(tmp_path, "refresh", summary["id"], "--copies", "3")
        assert renewed.returncode == 0, renewed.stderr
        assert "3 of 3 copies unused" in renewed.stdout
        shown = json.loads(_wallet(tmp_path, "show", summary["id"], "--offline", "--json").stdout)
        assert shown["copies"] == 3 and shown["copies_unused"] == 3
        missing = _wallet(tmp_path, "refresh", "nonexistent")
        assert missing.returncode != 0 and "credential_not_found" in missing.stderr
