"""A hash-chained, append-only audit log: the logic, independent of the storage.

Entry ``n`` commits to its content and to entry ``n-1``::

    hash_n = SHA-256( JCS([n, at, actor, action, subject, details, hash_{n-1}]) )

with ``hash_0`` = 64 zeros. The store also keeps a head (the last sequence number and hash),
so ``verify_chain`` finds an edited entry (its hash no longer matches:
``audit_entry_modified``), a removed one (a gap in the sequence, or a tail shorter than the
head: ``audit_entry_missing``), reordered ones (``audit_entry_reordered``: the sequence or the
links are out of order) and a forged link (``audit_chain_broken``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

__all__ = [
    "GENESIS",
    "AuditEntry",
    "AuditProblem",
    "ChainVerification",
    "entry_hash",
    "next_entry",
    "verify_chain",
]

GENESIS: Final = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: Mapping[str, Any]
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "details": dict(self.details),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def _canonical(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode("utf-8")


def entry_hash(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: Mapping[str, Any],
    prev_hash: str,
) -> str:
    """The hash of one entry (see the module docstring)."""
    material = [seq, at.isoformat(), actor, action, subject, dict(details), prev_hash]
    return hashlib.sha256(_canonical(material)).hexdigest()


def next_entry(
    head_seq: int,
    head_hash: str,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: Mapping[str, Any],
) -> AuditEntry:
    """The entry that follows the head ``(head_seq, head_hash)``."""
    seq = head_seq + 1
    # details round-trip through JSON so the stored form hashes the same when read back
    clean = json.loads(_canonical(details))
    digest = entry_hash(seq, at, actor, action, subject, clean, head_hash)
    return AuditEntry(seq, at, actor, action, subject, clean, head_hash, digest)


@dataclass(frozen=True)
class AuditProblem:
    seq: int
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class ChainVerification:
    entries: int
    head_hash: str
    problems: tuple[AuditProblem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head_hash": self.head_hash,
            "problems": [p.as_dict() for p in self.problems],
        }


def verify_chain(
    entries: Iterable[AuditEntry], *, head: tuple[int, str] | None = None
) -> ChainVerification:
    """Check every entry (in storage order) and the head. Never raises; see the codes above."""
    problems: list[AuditProblem] = []
    prev_hash, expected_seq, count = GENESIS, 1, 0
    last_seq, last_hash = 0, GENESIS
    for entry in entries:
        count += 1
        if entry.seq < expected_seq:
            problems.append(
                AuditProblem(entry.seq, "audit_entry_reordered", "The entry is out of sequence.")
            )
        elif entry.seq > expected_seq:
            problems.append(
                AuditProblem(
                    expected_seq,
                    "audit_entry_missing",
                    f"Entries {expected_seq}..{entry.seq - 1} are missing.",
                )
            )
        recomputed = entry_hash(
            entry.seq,
            entry.at,
            entry.actor,
            entry.action,
            entry.subject,
            entry.details,
            entry.prev_hash,
        )
        if recomputed != entry.hash:
            problems.append(
                AuditProblem(
                    entry.seq,
                    "audit_entry_modified",
                    "The entry's content does not match its hash.",
                )
            )
        elif entry.prev_hash != prev_hash and entry.seq == expected_seq:
            reordered = any(p.code == "audit_entry_reordered" for p in problems)
            code = "audit_entry_reordered" if reordered else "audit_chain_broken"
            problems.append(
                AuditProblem(entry.seq, code, "The entry does not link to the entry before it.")
            )
        prev_hash = entry.hash
        expected_seq = max(expected_seq, entry.seq) + 1
        last_seq, last_hash = entry.seq, entry.hash
    if head is not None:
        head_seq, head_hash = head
        if head_seq > last_seq:
            problems.append(
                AuditProblem(
                    last_seq + 1,
                    "audit_entry_missing",
                    f"The log ends at {last_seq} but its head says {head_seq}: entries removed.",
                )
            )
        elif head_seq == last_seq and head_hash != last_hash:
            problems.append(
                AuditProblem(last_seq, "audit_chain_broken", "The last entry is not the head.")
            )
    return ChainVerification(count, last_hash, tuple(problems))
