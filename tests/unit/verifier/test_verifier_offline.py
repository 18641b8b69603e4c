"""The verifier's offline QR (issue 11): ``sync_offline`` writes the trust snapshot of the
bank (keys, accreditation, its status lists found on chain); ``POST /offline/verify`` checks
an uploaded QR image with that file alone; replay is remembered in the database, across
runtimes on the same database."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from passport.keys import PrivateKey, b64url_decode
from passport.offline import OfflineCredential, make_offline_proof, qr_image
from verifier_service.offline import snapshot_path, sync_offline

TIERS = ["balanceAtLeast/USD_1000", "balanceAtLeast/USD_5000"]


def _png(text: str) -> bytes:
    out = io.BytesIO()
    qr_image(text).save(out, format="PNG")
    return out.getvalue()


def _qr(world: Any, holder: PrivateKey, challenge: str | None) -> bytes:
    result = world.bank.issue(holder, "OfflineBankStatementCredential")
    world.bank.anchor()
    held = OfflineCredential.from_bytes(b64url_decode(result.credential))
    proof = make_offline_proof(
        held, holder, disclose=TIERS, now=world.clock.now(), challenge=challenge
    )
    return _png(proof.to_qr_text())


def test_upload_is_checked_with_the_snapshot_and_a_second_showing_is_replayed(
    world: Any, make_verifier: Any, tmp_path: Path
) -> None:
    runtime, client = make_verifier()
    holder = PrivateKey.generate()
    png = _qr(world, holder, "AB12")
    # no snapshot yet: a clear 4xx
    before = client.post("/offline/verify?challenge=AB12", content=png)
    assert before.status_code == 400 and before.json()["code"] == "offline_snapshot_malformed"
    assert sync_offline(runtime) is None  # no issuer named yet: nothing written
    synced = sync_offline(runtime, [world.bank.did])
    assert synced is not None and synced["issuers"] == [world.bank.did]
    assert synced["status_lists"] and snapshot_path(runtime).exists()

    answer = client.post("/offline/verify?challenge=AB12", content=png)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "verified", body
    assert set(body["claims"]["balanceAtLeast"]) == {"USD_1000", "USD_5000"}
    assert body["snapshot"]["ageSeconds"] >= 0
    # the page's form: multipart with the code as a field; the same QR again is a replay
    again = client.post(
        "/offline/verify", files={"image": ("qr.png", png, "image/png")}, data={"challenge": "AB12"}
    )
    assert again.json()["status"] == "invalid" and "replayed" in again.json()["codes"]
    # another runtime (a worker, a restart) on the same database remembers it too
    other = world.verifier_runtime(
        Path(runtime.settings.config_dir), database_url=runtime.settings.database_url
    )
    from verifier_service.offline import read_qr_bytes, verify_qr

    report = verify_qr(other, read_qr_bytes(png), challenge="AB12")
    assert "replayed" in report.codes
    wrong = client.post("/offline/verify?challenge=ZZ99", content=_qr(world, holder, "AB12")).json()
    assert "challenge_mismatch" in wrong["codes"]
    garbage = client.post("/offline/verify", content=b"not an image")
    assert garbage.status_code == 400 and garbage.json()["code"] == "offline_qr_unreadable"


def test_offline_page_in_both_languages(make_verifier: Any) -> None:
    _runtime, client = make_verifier()
    en = client.get("/offline?lang=en").text
    zh = client.get("/offline?lang=zh-TW").text
    assert 'action="/offline/verify"' in en and "Check an offline QR" in en
    assert "查驗離線 QR 碼" in zh
