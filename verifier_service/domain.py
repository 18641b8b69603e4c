"""The verifier's flows over its storage: create a session, serve its request object, take the
wallet's response to a stored decision, read sessions, purge, the audit log. Each function is
one transaction (or a few, in order) around the core (``passport.verifier``).

Error codes (besides the core's): ``session_unknown`` (VerdictError: no such session),
``request_expired`` (the request object of an expired or answered session),
``response_replayed`` (a second response to a session), ``database_unavailable``.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from passport.errors import ConfigurationError, PassportError, VerdictError
from passport.verifier.audit import GENESIS, AuditEntry, ChainVerification, next_entry, verify_chain
from passport.verifier.policy import Policy, parse_policy
from passport.verifier.query import build_dcql
from passport.verifier.request import (
    DIRECT_POST_JWT,
    VerifierIdentity,
    build_request,
    encode_request_object,
    new_encryption_key,
    random_token,
)
from passport.verifier.response import (
    Decision,
    DecisionStatus,
    PendingRequest,
    VerifierContext,
    evaluate,
    open_response,
    parse_form,
)
from verifier_service.db import AuditHead, AuditRecord, Meta, SessionRecord, SignCount
from verifier_service.deps import Runtime

__all__ = [
    "CreatedSession",
    "ResponseResult",
    "append_audit",
    "audit_entries",
    "create_session",
    "get_session",
    "list_sessions",
    "purge",
    "receive_response",
    "request_object",
    "session_view",
    "sync",
    "verify_audit",
]

log = logging.getLogger("verifier_service")


@dataclass(frozen=True)
class CreatedSession:
    session_id: str
    link: str
    request_uri: str
    page_url: str
    expires_at: datetime
    response_mode: str
    client_id: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "uri": self.link,
            "request_uri": self.request_uri,
            "page_url": self.page_url,
            "qr_png_url": f"{self.page_url}/qr.png",
            "status_url": f"{self.page_url}/status",
            "expires_at": self.expires_at.isoformat(),
            "response_mode": self.response_mode,
            "client_id": self.client_id,
        }


def _urls(runtime: Runtime, session_id: str) -> tuple[str, str, str]:
    base = runtime.settings.base_url
    return (
        f"{base}/oid4vp/request/{session_id}",
        f"{base}/oid4vp/response/{session_id}",
        f"{base}/onboarding/{session_id}",
    )


# --- audit ---------------------------------------------------------------------------------


def append_audit(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one hash-chained entry inside ``session``'s transaction (the head row is locked,
    so concurrent writers number entries without gaps)."""
    head = session.get(AuditHead, 1, with_for_update=True)
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    entry = next_entry(
        head.seq,
        head.hash,
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        details=details or {},
    )
    session.add(
        AuditRecord(
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            details=dict(entry.details),
            prev_hash=entry.prev_hash,
            hash=entry.hash,
        )
    )
    head.seq, head.hash = entry.seq, entry.hash
    return entry


def _entry(record: AuditRecord) -> AuditEntry:
    return AuditEntry(
        record.seq,
        record.at,
        record.actor,
        record.action,
        record.subject,
        record.details,
        record.prev_hash,
        record.hash,
    )


def audit_entries(
    runtime: Runtime, *, limit: int = 50, subject: str | None = None
) -> list[dict[str, Any]]:
    """The latest entries, newest first."""
    with runtime.db.transaction() as session:
        query = select(AuditRecord).order_by(AuditRecord.id.desc()).limit(limit)
        if subject is not None:
            query = query.where(AuditRecord.subject == subject)
        return [_entry(r).as_dict() for r in session.scalars(query)]


def verify_audit(runtime: Runtime) -> ChainVerification:
    """Walk the whole log in storage order against its head (``passport.verifier.audit``)."""
    with runtime.db.transaction() as session:
        records = session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
        head = session.get(AuditHead, 1)
        return verify_chain(
            [_entry(r) for r in records], head=(head.seq, head.hash) if head else None
        )


# --- sessions ------------------------------------------------------------------------------


def create_session(
    runtime: Runtime,
    *,
    channel: str = "web",
    lang: str | None = None,
    response_mode: str | None = None,
    policy: Policy | None = None,
) -> CreatedSession:
    """A new onboarding session: nonce, state, the policy's DCQL query, the request object
    (signed unless the prefix is ``redirect_uri``) and, for ``direct_post.jwt``, a fresh
    ephemeral key. Raises ConfigurationError ``verifier_identity_invalid``."""
    policy = policy or runtime.policy
    identity = _identity(runtime)
    now = runtime.clock.now()
    session_id = secrets.token_hex(16)  # hex: safe in URLs, file names and CLI arguments
    mode = response_mode or runtime.settings.response_mode
    request_uri, response_uri, page_url = _urls(runtime, session_id)
    jwk = new_encryption_key() if mode == DIRECT_POST_JWT else None
    dcql = build_dcql(policy)
    request = build_request(
        identity,
        response_uri=response_uri,
        request_uri=request_uri,
        dcql=dcql,
        nonce=random_token(),
        state=random_token(),
        response_mode=mode,
        now=now,
        ttl=timedelta(seconds=runtime.settings.request_ttl_seconds),
        encryption_jwk=jwk,
    )
    with runtime.db.transaction() as session:
        session.add(
            SessionRecord(
                id=session_id,
                created_at=now,
                expires_at=request.expires_at,
                status=DecisionStatus.PENDING.value,
                channel=channel,
                lang=lang or runtime.settings.default_lang,
                policy_name=policy.name,
                policy=_policy_source(policy),
                client_id=request.client_id,
                response_mode=mode,
                nonce=str(request.claims["nonce"]),
                state=str(request.claims["state"]),
                dcql=dcql,
                request_claims=dict(request.claims),
                link=request.link,
                encryption_jwk=jwk,
                codes=[],
            )
        )
        append_audit(
            session,
            at=now,
            actor=channel,
            action="session_created",
            subject=f"session:{session_id}",
            details={"policy": policy.name, "response_mode": mode, "client_id": request.client_id},
        )
    return CreatedSession(
        session_id, request.link, request_uri, page_url, request.expires_at, mode, request.client_id
    )


def _policy_source(policy: Policy) -> dict[str, Any]:
    """The policy as TOML-shaped data (so a stored session re-reads the policy it was made
    with, even after the file changed)."""
    data = policy.to_dict()
    out: dict[str, Any] = {
        "name": data["name"],
        "description": data["description"],
        "formats": data["formats"],
        "accepted_jurisdictions": data["accepted_jurisdictions"],
        "accepted_types": data["accepted_types"],
        "fx": data["fx"],
        "fido": {
            "required": data["fido"]["required"],
            "user_verification": "required" if data["fido"]["user_verification"] else "preferred",
        },
    }
    for cred in data["credentials"]:
        if cred["id"] == "fido":
            continue
        section: dict[str, Any] = {"claims": cred["claims"], "values": cred["values"]}
        if cred.get("vct"):
            section["vct"] = cred["vct"]
        if cred["id"] == "bank_statement":
            if data["min_balance"] is not None:
                section["min_balance"] = data["min_balance"]
            if data["max_statement_age_days"] is not None:
                section["max_age_days"] = data["max_statement_age_days"]
        out[cred["id"]] = section
    return out


def _identity(runtime: Runtime) -> VerifierIdentity:
    if runtime.identity is None:
        raise ConfigurationError(
            "passphrase_missing",
            "Signing requests needs the verifier's keys; set $VERIFIER_PASSPHRASE.",
        )
    return runtime.identity


def _get(session: Session, session_id: str, *, lock: bool = False) -> SessionRecord:
    record = session.get(SessionRecord, session_id, with_for_update=lock)
    if record is None:
        raise VerdictError(
            "session_unknown",
            "There is no such onboarding session (it may have been purged); start again.",
        )
    return record


def request_object(runtime: Runtime, session_id: str, *, wallet_nonce: str | None = None) -> str:
    """The request object of a pending session (``request_uri``; with ``request_uri_method``
    ``post`` the wallet's ``wallet_nonce`` is echoed in a freshly signed object).

    Raises ``session_unknown``, ``request_expired``."""
    now = runtime.clock.now()
    with runtime.db.transaction() as session:
        record = _get(session, session_id)
        if record.status != DecisionStatus.PENDING.value or now >= record.expires_at:
            raise VerdictError(
                "request_expired",
                "This request has expired or was answered; scan the bank's new QR code.",
            )
        claims = dict(record.request_claims)
        append_audit(
            session,
            at=now,
            actor="wallet",
            action="request_fetched",
            subject=f"session:{session_id}",
        )
    if wallet_nonce is not None:
        claims["wallet_nonce"] = wallet_nonce[:200]
    return encode_request_object(claims, _identity(runtime))


@dataclass(frozen=True)
class ResponseResult:
    session_id: str
    status: str
    codes: tuple[str, ...]
    redirect_uri: str

    def as_dict(self) -> dict[str, Any]:
        return {"redirect_uri": self.redirect_uri, "status": self.status, "codes": list(self.codes)}


class _ReadCounts:
    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = counts

    def last(self, credential_id: str) -> int:
        return self.counts.get(credential_id, 0)


def _pending(record: SessionRecord) -> PendingRequest:
    return PendingRequest(
        session_id=record.id,
        client_id=record.client_id,
        nonce=record.nonce,
        state=record.state,
        response_mode=record.response_mode,
        dcql=record.dcql,
        expires_at=record.expires_at,
        encryption_jwk=record.encryption_jwk,
    )


def receive_response(
    runtime: Runtime, session_id: str, body: bytes, content_type: str | None
) -> ResponseResult:
    """The response endpoint (OpenID4VP section 8.2): parse and open the response, claim the
    session (single use), verify, store the decision, audit, notify the webhook.

    A response that cannot be opened (bad body, undecryptable, another state, expired) raises
    its code and leaves the session pending; a second response to a claimed session raises
    ``response_replayed``. A verified or rejected presentation returns the decision.
    """
    params = parse_form(body, content_type, max_bytes=runtime.settings.max_body_bytes)
    now = runtime.clock.now()
    with runtime.db.transaction() as session:
        record = _get(session, session_id)
        pending = _pending(record)
        policy_data = record.policy
        status = record.status
        epoch = session.get(Meta, "cache_epoch")
    if epoch is not None and epoch.value != runtime.cache_epoch:
        runtime.drop_caches()  # `verifier sync` ran since this worker last looked
        runtime.cache_epoch = epoch.value
    if status != DecisionStatus.PENDING.value:
        _audit_refusal(runtime, session_id, "response_replayed", now)
        raise VerdictError(
            "response_replayed",
            "This session was already answered; a response is accepted once.",
        )
    try:
        opened = open_response(params, pending, now)
    except PassportError as err:
        _audit_refusal(runtime, session_id, err.code, now)
        raise
    with runtime.db.transaction() as session:
        claimed = session.execute(
            update(SessionRecord)
            .where(SessionRecord.id == session_id, SessionRecord.status == "pending")
            .values(status="processing", responded_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise VerdictError(
                "response_replayed",
                "This session was already answered; a response is accepted once.",
            )
        counts = {row.credential_id: row.count for row in session.scalars(select(SignCount)).all()}
    policy = parse_policy(policy_data, source=f"session {session_id}")
    ctx = VerifierContext(
        resolver=runtime.resolver,
        now=now,
        sign_counts=_ReadCounts(counts),
        status_fetcher=runtime.status_fetcher,
        accreditation=runtime.accreditation(policy),
        status_cache=runtime.status_cache,
    )
    try:
        decision = evaluate(pending, opened, policy, ctx)
    except Exception:  # noqa: BLE001 - never leave a session processing on a bug
        log.exception("verification failed unexpectedly for session %s", session_id)
        from passport.report import VerificationReport

        report = VerificationReport(format="openid4vp response")
        report.failed("internal", "internal_error", "The verifier failed; see its log.")
        decision = Decision(DecisionStatus.REJECTED, ("internal_error",), report)
    decision = _store_decision(runtime, session_id, decision, params, now)
    _notify(runtime, session_id, decision, now)
    _, _, page_url = _urls(runtime, session_id)
    return ResponseResult(session_id, decision.status.value, decision.codes, page_url)


def _audit_refusal(runtime: Runtime, session_id: str, code: str, now: datetime) -> None:
    try:
        with runtime.db.transaction() as session:
            append_audit(
                session,
                at=now,
                actor="wallet",
                action="response_refused",
                subject=f"session:{session_id}",
                details={"code": code},
            )
    except PassportError:  # pragma: no cover - the refusal itself is what the caller sees
        log.warning("could not audit a refused response for %s", session_id)


def _store_decision(
    runtime: Runtime,
    session_id: str,
    decision: Decision,
    params: Mapping[str, str],
    now: datetime,
) -> Decision:
    from dataclasses import replace

    with runtime.db.transaction() as session:
        record = _get(session, session_id, lock=True)
        for credential_id, count in decision.sign_counts.items():
            row = session.get(SignCount, credential_id, with_for_update=True)
            if row is not None and count and count <= row.count:
                # another session saw a higher counter meanwhile: a cloned authenticator
                decision.report.failed(
                    "fido_assertion",
                    "fido_sign_count_regressed",
                    "The authenticator's counter did not grow across sessions.",
                )
                decision = replace(
                    decision,
                    status=DecisionStatus.REJECTED,
                    codes=(*decision.codes, "fido_sign_count_regressed"),
                    claims={},
                )
                break
            if row is None:
                session.add(SignCount(credential_id=credential_id, count=count, updated_at=now))
            else:
                row.count, row.updated_at = count, now
        stored = decision.as_dict()
        record.status = decision.status.value
        record.decided_at = now
        record.codes = list(decision.codes)
        record.report = stored["report"]
        record.claims = stored["claims"] or None
        record.holder = decision.holder if decision.status is DecisionStatus.APPROVED else None
        record.wallet_error = decision.wallet_error
        record.encryption_jwk = None  # the ephemeral key has done its job
        if runtime.settings.keep_raw_presentation:
            record.raw_response = json.dumps(dict(params))
        record.webhook_status = "pending" if runtime.webhook else None
        append_audit(
            session,
            at=now,
            actor="verifier",
            action="decision",
            subject=f"session:{session_id}",
            details={
                "status": decision.status.value,
                "codes": list(decision.codes),
                "policy": record.policy_name,
            },
        )
    return decision


def _notify(runtime: Runtime, session_id: str, decision: Decision, now: datetime) -> None:
    webhook = runtime.webhook
    if webhook is None:
        return
    payload = {
        "event": "decision",
        "session_id": session_id,
        "status": decision.status.value,
        "codes": list(decision.codes),
        "decided_at": now.isoformat(),
    }

    def deliver() -> None:
        outcome = "delivered"
        try:
            webhook(payload)
        except Exception as exc:  # noqa: BLE001 - the receiver's failure is recorded, not raised
            log.warning("webhook for %s failed: %s", session_id, exc)
            outcome = "failed"
        try:
            with runtime.db.transaction() as session:
                session.execute(
                    update(SessionRecord)
                    .where(SessionRecord.id == session_id)
                    .values(webhook_status=outcome)
                )
                append_audit(
                    session,
                    at=runtime.clock.now(),
                    actor="verifier",
                    action=f"webhook_{outcome}",
                    subject=f"session:{session_id}",
                )
        except PassportError:  # pragma: no cover
            log.warning("could not record the webhook outcome for %s", session_id)

    threading.Thread(target=deliver, name=f"webhook-{session_id[:8]}", daemon=True).start()


# --- reading -------------------------------------------------------------------------------


def get_session(runtime: Runtime, session_id: str) -> SessionRecord:
    with runtime.db.transaction() as session:
        return _get(session, session_id)


def _effective_status(record: SessionRecord, now: datetime) -> str:
    if record.status == DecisionStatus.PENDING.value and now >= record.expires_at:
        return DecisionStatus.EXPIRED.value
    return record.status


def session_view(runtime: Runtime, record: SessionRecord, *, full: bool = False) -> dict[str, Any]:
    """A session as the API, the CLI and the page show it."""
    now = runtime.clock.now()
    out: dict[str, Any] = {
        "session_id": record.id,
        "status": _effective_status(record, now),
        "decided": record.decided_at is not None,
        "codes": list(record.codes or []),
        "created_at": record.created_at.isoformat(),
        "expires_at": record.expires_at.isoformat(),
        "decided_at": record.decided_at.isoformat() if record.decided_at else None,
        "policy": record.policy_name,
        "channel": record.channel,
        "response_mode": record.response_mode,
        "wallet_error": record.wallet_error,
    }
    if full:
        out.update(
            {
                "client_id": record.client_id,
                "uri": record.link,
                "claims": record.claims or {},
                "holder": record.holder,
                "report": record.report,
                "webhook": record.webhook_status,
                "raw_response_kept": record.raw_response is not None,
            }
        )
    return out


def list_sessions(runtime: Runtime, *, limit: int = 20) -> list[dict[str, Any]]:
    with runtime.db.transaction() as session:
        records = session.scalars(
            select(SessionRecord).order_by(SessionRecord.created_at.desc()).limit(limit)
        ).all()
    return [session_view(runtime, r) for r in records]


def purge(runtime: Runtime, *, older_than_days: int | None = None) -> dict[str, Any]:
    """Delete sessions created before the retention period (``retention_days``, or
    ``older_than_days``); the audit log keeps its entries (they hold no personal data)."""
    days = runtime.settings.retention_days if older_than_days is None else older_than_days
    now = runtime.clock.now()
    cutoff = now - timedelta(days=days)
    with runtime.db.transaction() as session:
        result = session.execute(delete(SessionRecord).where(SessionRecord.created_at <= cutoff))
        count = int(result.rowcount)  # type: ignore[attr-defined]
        append_audit(
            session,
            at=now,
            actor="operator",
            action="purge",
            subject="sessions",
            details={"deleted": count, "before": cutoff.isoformat()},
        )
    return {"deleted": count, "before": cutoff.isoformat(), "retention_days": days}


def sync(runtime: Runtime, status_urls: Sequence[str] = ()) -> dict[str, Any]:
    """Make every worker drop its cached chain answers, DID documents and status lists (a new
    cache epoch in the database), reconnect, and fetch and check the given lists.

    Raises CouldNotCheckError ``rpc_unavailable`` when the chain cannot be reached (the
    caches are dropped all the same)."""
    out: dict[str, Any] = {"chain": None, "status_lists": []}
    with runtime.db.transaction() as session:  # every worker drops its caches
        epoch = session.get(Meta, "cache_epoch")
        value = secrets.token_hex(8)
        if epoch is None:
            session.add(Meta(key="cache_epoch", value=value))
        else:
            epoch.value = value
    out["cache_epoch"] = value
    runtime.drop_caches()
    if runtime.chain.configured:
        deployment, chain = runtime.chain.connect()
        out["chain"] = {"chain_id": deployment.chain_id, "block": chain.block_number()}
    for url in status_urls:
        runtime.status_fetcher.fetch(url)
        out["status_lists"].append(url)
    with runtime.db.transaction() as session:
        append_audit(
            session,
            at=runtime.clock.now(),
            actor="operator",
            action="sync",
            subject="chain",
            details={"status_lists": len(out["status_lists"])},
        )
    return out
