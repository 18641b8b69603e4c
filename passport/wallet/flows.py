"""The wallet's operations, each one core function the CLI calls: receive a credential, enroll
a FIDO authenticator, prepare and answer a presentation, refresh what the wallet knows.

Every function takes the wallet state and returns a new one; nothing is stored here (the CLI
saves the new state only when the operation succeeded, so a failure leaves the store as it
was). The world (HTTP client, resolver, status fetcher, clock, accreditation lookup) is
injected.

Error codes: ``offer_unsupported`` (VerdictError: the offer's configuration is of a format or
type this operation does not take), ``transaction_data_unsupported`` (VerdictError),
``presentation_refused`` and ``presentation_unsatisfiable`` (VerdictError; the verifier was
told ``access_denied``), plus those of the modules called.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import httpx

from passport.errors import PassportError, VerdictError
from passport.exchange.oid4vp import WalletErrorCode
from passport.exchange.vp_wallet import (
    AuthorizationRequest,
    VerifierAnswer,
    fetch_request,
    send_error,
    send_response,
)
from passport.exchange.wallet import redeem_offer
from passport.ports import Clock, Resolver, StatusFetcher
from passport.wallet.credentials import (
    TokenStatusFetcher,
    accept_credential,
    check_held,
)
from passport.wallet.fido import HolderAuthenticator, enroll
from passport.wallet.model import (
    Disclosure,
    HeldCredential,
    HistoryEntry,
    WalletState,
)
from passport.wallet.presentation import (
    Authenticate,
    ConsentPlan,
    build_vp_token,
    fido_cryptosuite,
    format_claim_path,
    plan_presentation,
)

__all__ = [
    "PendingPresentation",
    "PresentationOutcome",
    "answer_presentation",
    "enroll_authenticator",
    "prepare_presentation",
    "receive",
    "refresh_status",
]

#: did -> a short accreditation text (None when the chain knows nothing of it)
AccreditationLookup = Callable[[str], str | None]


def receive(
    offer: str,
    *,
    tx_code: str | None,
    state: WalletState,
    http: httpx.Client,
    resolver: Resolver,
    status_fetcher: StatusFetcher | None,
    clock: Clock,
    token_status: TokenStatusFetcher | None = None,
    allow_http: bool = False,
) -> tuple[WalletState, tuple[HeldCredential, ...]]:
    """Redeem an OpenID4VCI offer, check every credential received, add them to the wallet."""
    redeemed = redeem_offer(
        offer,
        tx_code=tx_code,
        http=http,
        holder_key=state.holder_key,
        clock=clock,
        allow_http=allow_http,
    )
    now = clock.now()
    held = tuple(
        accept_credential(
            credential,
            redeemed.format,
            holder_did=state.did,
            holder_key=state.holder_key.public_key,
            resolver=resolver,
            status_fetcher=status_fetcher,
            now=now,
            configuration_id=redeemed.credential_configuration_id,
            issuer_url=redeemed.credential_issuer,
            token_status=token_status,
        )
        for credential in redeemed.credentials
    )
    for cred in held:
        state = state.with_credential(cred)
    return state, held


def enroll_authenticator(
    offer: str,
    *,
    tx_code: str | None,
    state: WalletState,
    authenticator: HolderAuthenticator,
    http: httpx.Client,
    resolver: Resolver,
    status_fetcher: StatusFetcher | None,
    clock: Clock,
    allow_http: bool = False,
) -> tuple[WalletState, HeldCredential]:
    """The bank's WebAuthn registration: store the authenticator and the checked
    FidoKeyBindingCredential."""
    result = enroll(
        offer,
        tx_code=tx_code,
        http=http,
        holder_key=state.holder_key,
        authenticator=authenticator,
        clock=clock,
        allow_http=allow_http,
    )
    held = accept_credential(
        result.credential,
        "ldp_vc",
        holder_did=state.did,
        holder_key=state.holder_key.public_key,
        resolver=resolver,
        status_fetcher=status_fetcher,
        now=clock.now(),
        configuration_id=result.grant.credential_configuration_id,
        issuer_url=result.grant.credential_issuer,
    )
    record = replace(result.record, binding_credential_id=held.id)
    return state.with_authenticator(record).with_credential(held), held


def refresh_status(
    state: WalletState,
    *,
    resolver: Resolver,
    status_fetcher: StatusFetcher | None,
    now: datetime,
    token_status: TokenStatusFetcher | None = None,
    only: str | None = None,
) -> WalletState:
    """Check every credential's signature, validity and live status again."""
    for held in state.credentials:
        if only is not None and held.id != only:
            continue
        status = check_held(
            held,
            resolver=resolver,
            status_fetcher=status_fetcher,
            now=now,
            token_status=token_status,
        )
        state = state.with_credential(
            replace(held, status=status, status_checked_at=now.isoformat(timespec="seconds"))
        )
    return state


@dataclass(frozen=True)
class PendingPresentation:
    """A checked request and what the wallet could answer: ``plan`` None means the query
    cannot be satisfied; ``unsupported`` names the error response the request earns
    regardless of consent (``invalid_transaction_data``)."""

    request: AuthorizationRequest
    plan: ConsentPlan | None
    unsupported: WalletErrorCode | None
    verifier_accreditation: str | None


@dataclass(frozen=True)
class PresentationOutcome:
    """The new state (with the history entry), the entry, the verifier's answer, and the
    error to report once the state is saved (None when the presentation was accepted)."""

    state: WalletState
    entry: HistoryEntry
    answer: VerifierAnswer | None
    error: PassportError | None = None


def prepare_presentation(
    link: str,
    *,
    state: WalletState,
    http: httpx.Client,
    resolver: Resolver,
    now: datetime,
    accreditation: AccreditationLookup | None = None,
) -> PendingPresentation:
    """Fetch and check the request, and plan what would be disclosed."""
    request = fetch_request(link, http=http, resolver=resolver, now=now)
    unsupported = (
        WalletErrorCode.INVALID_TRANSACTION_DATA if request.transaction_data is not None else None
    )
    plan = plan_presentation(request.dcql_query, state)
    standing: str | None = None
    if accreditation is not None and request.client_id.identifier.startswith("did:"):
        try:
            standing = accreditation(request.client_id.identifier)
        except PassportError:
            standing = None
    return PendingPresentation(request, plan, unsupported, standing)


def _entry(
    pending: PendingPresentation,
    outcome: str,
    now: datetime,
    disclosed: tuple[Disclosure, ...] = (),
    answer: VerifierAnswer | None = None,
    error_body: Any = None,
) -> HistoryEntry:
    body = dict(answer.body) if answer is not None else error_body
    return HistoryEntry(
        at=now.isoformat(timespec="seconds"),
        verifier=pending.request.client_id.raw,
        verifier_accreditation=pending.verifier_accreditation,
        outcome=outcome,
        disclosed=disclosed,
        response_mode=pending.request.response_mode.value,
        verifier_answer=body if isinstance(body, dict) else None,
        redirect_uri=answer.redirect_uri if answer is not None else None,
    )


def answer_presentation(
    pending: PendingPresentation,
    *,
    consent: bool,
    state: WalletState,
    http: httpx.Client,
    now: datetime,
    authenticate: Authenticate,
) -> PresentationOutcome:
    """Answer the verifier: the presentation when the holder consented to a satisfiable
    request, else an error response (``access_denied`` for a refusal and for a query no
    credential satisfies, alike; ``invalid_transaction_data`` for transaction data).

    The returned state has the history entry (and any FIDO counter advanced); ``error`` is
    VerdictError ``presentation_refused`` / ``presentation_unsatisfiable`` (after
    ``access_denied`` went out) or ``verifier_error`` (the verifier rejected the
    presentation). Raises VerdictError ``transaction_data_unsupported`` (after
    ``invalid_transaction_data`` went out; nothing is recorded) and the network errors.
    """
    request = pending.request
    if pending.unsupported is not None:
        send_error(
            request,
            pending.unsupported,
            http=http,
            description="this wallet does not support transaction_data",
        )
        raise VerdictError(
            "transaction_data_unsupported",
            "The verifier asked to authorise transaction data, which this wallet does not "
            "support; it was told invalid_transaction_data and nothing was disclosed.",
        )
    if pending.plan is None or not consent:
        send_error(request, WalletErrorCode.ACCESS_DENIED, http=http)
        entry = _entry(pending, "refused", now)
        if pending.plan is None:
            error = VerdictError(
                "presentation_unsatisfiable",
                "No credential in this wallet satisfies the request; the verifier was told "
                "access_denied and nothing was disclosed.",
            )
        else:
            error = VerdictError(
                "presentation_refused",
                "You refused; the verifier was told access_denied and nothing was disclosed.",
            )
        return PresentationOutcome(state.with_history(entry), entry, None, error)
    vp_token, state = build_vp_token(
        pending.plan,
        state,
        nonce=request.nonce,
        client_id=request.client_id.raw,
        now=now,
        authenticate=authenticate,
        fido_suite=fido_cryptosuite(request.client_metadata),
    )
    disclosed = tuple(
        Disclosure(
            item.query_id,
            item.credential.id,
            item.credential.display_type,
            tuple(format_claim_path(path) for path, _ in item.claims),
        )
        for item in pending.plan.items
    )
    try:
        answer = send_response(request, vp_token, http=http)
    except VerdictError as exc:
        entry = _entry(pending, "failed", now, disclosed, error_body=exc.details.get("body"))
        return PresentationOutcome(state.with_history(entry), entry, None, exc)
    entry = _entry(pending, "sent", now, disclosed, answer)
    return PresentationOutcome(state.with_history(entry), entry, answer)
