"""The hash-chained audit log (logic and the service's append-only storage) and the signed
webhook."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from passport.errors import ConfigurationError, VerdictError
from passport.verifier.audit import GENESIS, AuditEntry, next_entry, verify_chain
from passport.verifier.webhook import signed_request, verify_signature

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _chain(n: int) -> list[AuditEntry]:
    out: list[AuditEntry] = []
    seq, head = 0, GENESIS
    for i in range(n):
        entry = next_entry(
            seq,
            head,
            at=T0 + timedelta(seconds=i),
            actor="verifier",
            action="decision",
            subject=f"session:{i}",
            details={"status": "approved", "codes": []},
        )
        out.append(entry)
        seq, head = entry.seq, entry.hash
    return out


def test_an_intact_chain_verifies() -> None:
    entries = _chain(5)
    result = verify_chain(entries, head=(5, entries[-1].hash))
    assert result.ok and result.entries == 5 and result.head_hash == entries[-1].hash


def test_an_edited_entry_is_found() -> None:
    entries = _chain(5)
    entries[2] = replace(entries[2], details={"status": "rejected", "codes": []})
    result = verify_chain(entries, head=(5, entries[-1].hash))
    assert [(p.seq, p.code) for p in result.problems] == [(3, "audit_entry_modified")]


def test_a_removed_entry_is_found_in_the_middle_and_at_the_end() -> None:
    entries = _chain(5)
    middle = verify_chain(entries[:2] + entries[3:], head=(5, entries[-1].hash))
    assert [(p.seq, p.code) for p in middle.problems] == [(3, "audit_entry_missing")]
    tail = verify_chain(entries[:4], head=(5, entries[-1].hash))
    assert [(p.seq, p.code) for p in tail.problems] == [(5, "audit_entry_missing")]


def test_reordered_entries_are_found() -> None:
    entries = _chain(5)
    swapped = entries[:1] + [entries[2], entries[1]] + entries[3:]
    codes = {p.code for p in verify_chain(swapped, head=(5, entries[-1].hash)).problems}
    assert "audit_entry_reordered" in codes


def test_a_rewritten_chain_does_not_match_its_head() -> None:
    entries = _chain(3)
    forged = _chain(3)  # same content, other timestamps would differ; here: another head
    result = verify_chain(entries, head=(3, "f" * 64))
    assert [p.code for p in result.problems] == ["audit_chain_broken"]
    assert verify_chain(forged, head=(3, forged[-1].hash)).ok


def test_the_service_log_is_append_only_and_audit_verify_sees_tampering(
    world: Any, holder: Any, make_verifier: Any
) -> None:
    from verifier_world import new_request

    from verifier_service.db import AuditRecord
    from verifier_service.domain import verify_audit

    runtime, client = make_verifier()
    for _ in range(2):
        created = new_request(client)
        world.wallet(client, holder).present(created["uri"])
    assert verify_audit(runtime).ok
    with pytest.raises(ConfigurationError) as err, runtime.db.transaction() as session:
        record = session.get(AuditRecord, 2)
        assert record is not None
        record.actor = "someone else"
    assert err.value.code == "audit_log_append_only"
    # an attacker with the database file drops the triggers and edits a row
    path = runtime.settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as raw:
        with pytest.raises(sqlite3.IntegrityError):
            raw.execute("UPDATE verifier_audit SET actor = 'x' WHERE seq = 2")
        raw.execute("DROP TRIGGER verifier_audit_no_update")
        raw.execute("DROP TRIGGER verifier_audit_no_delete")
        raw.execute('UPDATE verifier_audit SET details = \'{"status": "approved"}\' WHERE seq = 3')
    assert [p.code for p in verify_audit(runtime).problems] == ["audit_entry_modified"]
    with sqlite3.connect(path) as raw:
        raw.execute("DELETE FROM verifier_audit WHERE seq = (SELECT MAX(seq) FROM verifier_audit)")
    codes = [p.code for p in verify_audit(runtime).problems]
    assert codes == ["audit_entry_modified", "audit_entry_missing"]


def test_webhook_signatures() -> None:
    secret = b"s" * 32
    body, headers = signed_request(secret, {"session_id": "a", "status": "approved"}, T0)
    verify_signature(secret, body, headers, T0 + timedelta(seconds=10))
    cases = [
        (b"other" * 8, body, headers, T0, "webhook_signature_invalid"),
        (secret, body.replace(b"approved", b"rejected"), headers, T0, "webhook_signature_invalid"),
        (secret, body, {**headers, "X-Passport-Timestamp": "x"}, T0, "webhook_signature_invalid"),
        (secret, body, headers, T0 + timedelta(hours=1), "webhook_timestamp_stale"),
    ]
    for key, data, hdrs, now, code in cases:
        with pytest.raises(VerdictError) as err:
            verify_signature(key, data, hdrs, now)
        assert err.value.code == code


def test_purge_keeps_the_audit_log_intact(
    world: Any, holder: Any, make_verifier: Any, tmp_path: Path
) -> None:
    from verifier_world import new_request

    from verifier_service.domain import audit_entries, purge, verify_audit

    runtime, client = make_verifier()
    new_request(client)
    assert purge(runtime, older_than_days=0)["deleted"] == 1
    assert verify_audit(runtime).ok
    assert audit_entries(runtime, limit=1)[0]["action"] == "purge"
