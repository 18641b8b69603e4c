"""The verifier's storage on a throwaway PostgreSQL cluster: one answer per session under
concurrency (nonce and state single use across workers or machines), a gap-free audit chain
written by concurrent writers, and the append-only triggers."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from passport.errors import PassportError
from passport.verifier.policy import load_policy
from verifier_service.deps import build_runtime
from verifier_service.domain import create_session, get_session, receive_response, verify_audit
from verifier_service.settings import VerifierKeys, VerifierSettings

pytestmark = [pytest.mark.pg]

POLICY = Path(__file__).resolve().parents[2] / "verifier_service" / "policies" / "basic-kyc.toml"


@pytest.fixture
def runtime(pg_url: str, tmp_path: Path) -> Any:
    keys = VerifierKeys.generate()
    from passport.did.key import did_key_from_public_key

    did = did_key_from_public_key(keys.signing.public_key)
    settings = VerifierSettings(
        config_dir=tmp_path,
        name="Banque du Léman",
        base_url="https://onboarding.example",
        did=did,
        verification_method=f"{did}#{did.split(':')[2]}",
        database_url=pg_url,
        policy=POLICY,
        response_mode="direct_post",
    )
    built = build_runtime(settings, keys=keys, policy=load_policy(POLICY))
    yield built
    built.close()


def _race(n: int, fn: Any) -> list[Any]:
    results: list[Any] = [None] * n
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn()
        except PassportError as err:
            results[i] = err.code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_one_answer_per_session_under_concurrency(runtime: Any) -> None:
    created = create_session(runtime, channel="api")
    record = get_session(runtime, created.session_id)
    body = f"error=access_denied&state={record.state}".encode()
    results = _race(
        8,
        lambda: receive_response(
            runtime, created.session_id, body, "application/x-www-form-urlencoded"
        ),
    )
    winners = [r for r in results if not isinstance(r, str)]
    assert len(winners) == 1 and winners[0].status == "refused"
    assert sorted(r for r in results if isinstance(r, str)) == ["response_replayed"] * 7
    assert get_session(runtime, created.session_id).status == "refused"


def test_concurrent_writers_keep_the_audit_chain_whole(runtime: Any) -> None:
    _race(12, lambda: create_session(runtime, channel="api"))
    result = verify_audit(runtime)
    assert result.ok and result.entries == 12, result.as_dict()


def test_the_audit_log_refuses_updates_in_the_database(runtime: Any) -> None:
    create_session(runtime, channel="api")
    with runtime.db.engine.begin() as conn, pytest.raises(sqlalchemy.exc.IntegrityError):
        conn.execute(sqlalchemy.text("UPDATE verifier_audit SET actor = 'x'"))
    with runtime.db.engine.begin() as conn, pytest.raises(sqlalchemy.exc.IntegrityError):
        conn.execute(sqlalchemy.text("TRUNCATE verifier_audit"))
    assert verify_audit(runtime).ok
