"""The wallet's operations, each one core function the CLI calls: receive a credential, enroll
a FIDO authenticator, prepare and answer a presentation, refresh what the wallet knows.

Every function takes the wallet state and returns a new one; nothing is stored here (the CLI
saves the new state only when the operation succeeded, so a failure leaves the store as it
was). The world (HTTP client, resolver, status fetcher, clock, accreditation lookup) is
injected.

Batches and one-time keys (docs/unlinkability.md): when the issuer's metadata advertises
``batch_credential_issuance``, ``receive`` asks for ``min(batch_size, copies)`` copies, each
bound to the key of one slot of the wallet's pool (fresh Ed25519 keys, or P-256 when the issuer
takes only ES256 proofs); ``prepare_presentation`` picks the slot a presentation uses (the one
this verifier already saw, else the lowest unused slot holding a copy of every credential
presented), ``answer_presentation`` marks it used; ``refresh_batch`` asks the issuer for new
copies of a held credential (refresh token, or a new offer) bound to unused slots.

Error codes: ``offer_unsupported`` (VerdictError: the offer's configuration is of a format or
type this operation does not take), ``transaction_data_unsupported`` (VerdictError),
``presentation_refused`` and ``presentation_unsatisfiable`` (VerdictError; the verifier was
told ``access_denied``), ``copies_exhausted`` (VerdictError: every copy was shown and reuse
was not allowed; the verifier was told ``access_denied``), ``refresh_not_batch``
(VerdictError), plus those of the modules called.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
from passport.exchange.wallet import (
    AccessGrant,
    batch_size_of,
    obtain_access,
    refresh_access,
    request_credentials,
)
from passport.keys import KeyType, PrivateKey
from passport.ports import Clock, Resolver, StatusFetcher
from passport.wallet.credentials import (
    FORMAT_DC_SD_JWT,
    FORMAT_VC_SD_JWT,
    TokenStatusFetcher,
    accept_copies,
    accept_credential,
    check_held,
)
from passport.wallet.fido import HolderAuthenticator, enroll
from passport.wallet.model import (
    LOW_COPIES,
    Disclosure,
    HeldCredential,
    HistoryEntry,
    SlotKey,
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
    "DEFAULT_COPIES",
    "LOW_COPIES",
    "PendingPresentation",
    "PresentationOutcome",
    "answer_presentation",
    "choose_slot",
    "enroll_authenticator",
    "low_on_copies",
    "prepare_presentation",
    "receive",
    "refresh_batch",
    "refresh_status",
]

#: copies asked of a batch issuer by default (the wallet's setting; the issuer may allow fewer)
DEFAULT_COPIES = 10


#: did -> a short accreditation text (None when the chain knows nothing of it)
AccreditationLookup = Callable[[str], str | None]


def _slot_key_type(config: Any) -> KeyType:
    """Ed25519 unless the configuration's jwt proofs take only ES256 (then P-256)."""
    proof_types = config.get("proof_types_supported") if hasattr(config, "get") else None
    jwt = proof_types.get("jwt") if isinstance(proof_types, dict) else None
    algs = jwt.get("proof_signing_alg_values_supported") if isinstance(jwt, dict) else None
    if isinstance(algs, list) and "EdDSA" not in algs and "ES256" in algs:
        return KeyType.P256
    return KeyType.ED25519


def allocate_slots(
    state: WalletState, count: int, key_type: KeyType, now: datetime, rng: Any = None
) -> tuple[WalletState, tuple[SlotKey, ...]]:
    """``count`` unused slots whose key is of ``key_type``: the lowest existing ones first,
    then new slots with fresh keys (the new state keeps them, sealed with the wallet)."""
    chosen = [s for s in state.slots if not s.used and s.key.type is key_type][:count]
    next_index = max((s.index for s in state.slots), default=-1) + 1
    while len(chosen) < count:
        slot = SlotKey(
            index=next_index,
            key=PrivateKey.generate(key_type, rng),
            created_at=now.isoformat(timespec="seconds"),
        )
        state = state.with_slot(slot)
        chosen.append(slot)
        next_index += 1
    return state, tuple(chosen)


def _copies_wanted(grant: AccessGrant, copies: int) -> int:
    size = batch_size_of(grant.issuer_metadata)
    fmt = grant.configuration.get("format")
    if size is None or copies < 2 or fmt not in (FORMAT_VC_SD_JWT, FORMAT_DC_SD_JWT):
        return 0
    return min(size, copies)


def _refresh_record(grant: AccessGrant) -> dict[str, Any]:
    return {
        "credential_issuer": grant.credential_issuer,
        "credential_configuration_id": grant.credential_configuration_id,
        "refresh_token": grant.refresh_token,
        "token_endpoint": grant.token_endpoint,
    }


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
    copies: int = DEFAULT_COPIES,
) -> tuple[WalletState, tuple[HeldCredential, ...]]:
    """Redeem an OpenID4VCI offer, check every credential received, add them to the wallet.

    With an issuer that advertises ``batch_credential_issuance`` (and a ``vc+sd-jwt`` or
    ``dc+sd-jwt`` configuration), ``min(batch_size, copies)`` copies are asked for, one per
    unused slot key, and stored as one credential; ``copies`` below 2 asks for one credential
    bound to the holder's did:key, as for an issuer without batches."""
    grant = obtain_access(offer, tx_code=tx_code, http=http, allow_http=allow_http)
    wanted = _copies_wanted(grant, copies)
    now = clock.now()
    if wanted:
        state, slots = allocate_slots(state, wanted, _slot_key_type(grant.configuration), now)
        held = _receive_batch(
            grant,
            slots,
            http=http,
            resolver=resolver,
            status_fetcher=status_fetcher,
            clock=clock,
            token_status=token_status,
        )
        return state.with_credential(held), (held,)
    redeemed = request_credentials(grant, http=http, holder_key=state.holder_key, clock=clock)
    held_all = tuple(
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
    for cred in held_all:
        state = state.with_credential(cred)
    return state, held_all


def _receive_batch(
    grant: AccessGrant,
    slots: Sequence[SlotKey],
    *,
    http: httpx.Client,
    resolver: Resolver,
    status_fetcher: StatusFetcher | None,
    clock: Clock,
    token_status: TokenStatusFetcher | None,
) -> HeldCredential:
    redeemed = request_credentials(
        grant,
        http=http,
        holder_key=slots[0].key,
        clock=clock,
        batch_keys=[s.key for s in slots],
    )
    held = accept_copies(
        redeemed.credentials,
        redeemed.format,
        slots=slots,
        resolver=resolver,
        status_fetcher=status_fetcher,
        now=clock.now(),
        configuration_id=redeemed.credential_configuration_id,
        issuer_url=redeemed.credential_issuer,
        token_status=token_status,
    )
    return replace(
        held, refresh=_refresh_record(replace(grant, refresh_token=redeemed.refresh_token))
    )


def low_on_copies(state: WalletState, threshold: int = LOW_COPIES) -> tuple[HeldCredential, ...]:
    """The batch credentials (still valid) with fewer than ``threshold`` unused copies."""
    return tuple(
        c
        for c in state.credentials
        if c.is_batch and c.status in ("valid", "unknown") and state.unused_copies(c) < threshold
    )


def refresh_batch(
    ref: str,
    *,
    state: WalletState,
    http: httpx.Client,
    resolver: Resolver,
    status_fetcher: StatusFetcher | None,
    clock: Clock,
    token_status: TokenStatusFetcher | None = None,
    offer: str | None = None,
    tx_code: str | None = None,
    allow_http: bool = False,
    copies: int = DEFAULT_COPIES,
) -> tuple[WalletState, HeldCredential]:
    """New copies of the held batch credential ``ref``: a new access token from the refresh
    token the issuer gave with the batch (RFC 6749 section 6) or, with ``offer``, a new offer
    of the same configuration redeemed; the copies are bound to unused slots and replace the
    credential's copies (the used ones are dropped: they must never be shown again).

    Raises VerdictError ``credential_not_found``, ``refresh_not_batch`` (not a batch
    credential, or the offer is of another configuration or issuer), ConfigurationError
    ``refresh_unavailable`` (no refresh token and no offer), and what ``receive`` raises."""
    held = state.credential(ref)
    if held is None:
        raise VerdictError(
            "credential_not_found",
            f"No credential {ref!r} in this wallet (`wallet list`).",
            details={"id": ref},
        )
    record = held.refresh or {}
    if not held.is_batch:
        raise VerdictError(
            "refresh_not_batch",
            "This credential was issued once, bound to your did:key, not as a batch of copies; "
            "there is nothing to refresh.",
            details={"id": held.id},
        )
    if offer is not None:
        from passport.exchange.oid4vci import parse_offer_uri
        from passport.exchange.wallet import send_json

        parsed = parse_offer_uri(offer, fetch=lambda url: send_json(http, "GET", url, "offer"))
        # checked before the token request, so a wrong offer spends no transaction code
        if (
            parsed.credential_issuer != held.issuer_url
            or held.configuration_id not in parsed.credential_configuration_ids
        ):
            raise VerdictError(
                "refresh_not_batch",
                "This offer is for another credential or issuer than the one to refresh.",
                details={"id": held.id},
            )
        grant = obtain_access(
            parsed,
            tx_code=tx_code,
            http=http,
            credential_configuration_id=held.configuration_id,
            allow_http=allow_http,
        )
    else:
        grant = AccessGrant(
            credential_issuer=str(record.get("credential_issuer") or held.issuer_url),
            credential_configuration_id=held.configuration_id,
            configuration={},
            issuer_metadata={},
            access_token="",
            refresh_token=record.get("refresh_token"),
            token_endpoint=record.get("token_endpoint"),
            allow_http=allow_http,
        )
        grant = _with_metadata(refresh_access(grant, http=http), http)
    wanted = _copies_wanted(grant, copies)
    if not wanted:
        raise VerdictError(
            "refresh_not_batch",
            "The issuer no longer issues this credential in batches.",
            details={"id": held.id},
        )
    now = clock.now()
    state, slots = allocate_slots(state, wanted, _slot_key_type(grant.configuration), now)
    fresh = _receive_batch(
        grant,
        slots,
        http=http,
        resolver=resolver,
        status_fetcher=status_fetcher,
        clock=clock,
        token_status=token_status,
    )
    renewed = replace(fresh, id=held.id)
    return state.with_credential(renewed), renewed


def _with_metadata(grant: AccessGrant, http: httpx.Client) -> AccessGrant:
    """The issuer's metadata and the configuration, fetched again for a refreshed grant."""
    from passport.exchange.oid4vci import ISSUER_METADATA_PATH, metadata_url
    from passport.exchange.wallet import send_json

    metadata = send_json(
        http, "GET", metadata_url(grant.credential_issuer, ISSUER_METADATA_PATH), "metadata"
    )
    configs = metadata.get("credential_configurations_supported")
    config = configs.get(grant.credential_configuration_id) if isinstance(configs, dict) else None
    if metadata.get("credential_issuer") != grant.credential_issuer or not isinstance(config, dict):
        raise VerdictError(
            "issuer_metadata_mismatch",
            "The issuer's metadata no longer describes this credential's configuration.",
        )
    return replace(grant, issuer_metadata=metadata, configuration=dict(config))


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
    #: the slot whose copies answer (None: no batch credential is presented)
    slot: SlotKey | None = None
    #: the slot was already shown to another verifier: presenting links the two
    #: (``answer_presentation`` needs ``allow_reuse``)
    reuse: bool = False


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
    slot, reuse = choose_slot(plan, state, request.client_id.raw) if plan else (None, False)
    standing: str | None = None
    if accreditation is not None and request.client_id.identifier.startswith("did:"):
        try:
            standing = accreditation(request.client_id.identifier)
        except PassportError:
            standing = None
    return PendingPresentation(request, plan, unsupported, standing, slot, reuse)


def choose_slot(
    plan: ConsentPlan, state: WalletState, client_id: str
) -> tuple[SlotKey | None, bool]:
    """The slot a presentation uses, and whether that reuses a slot another verifier saw.

    Only slots holding a copy of every batch credential in ``plan`` qualify. The slot this
    verifier (``client_id``) was already shown comes first (it links nothing new), then the
    lowest unused slot; when every qualifying slot was shown elsewhere, the least shown one
    (``reuse`` True). ``(None, False)`` when the plan presents no batch credential."""
    batch = [i.credential for i in plan.items if i.credential.is_batch]
    if not batch:
        return None, False
    usable = [s for s in state.slots if all(held.copy_at(s.index) is not None for held in batch)]
    if not usable:
        return None, True
    same = [s for s in usable if client_id in s.used_by and len(set(s.used_by)) == 1]
    if same:
        return same[0], False
    unused = [s for s in usable if not s.used]
    if unused:
        return unused[0], False
    return min(usable, key=lambda s: (len(s.used_by), s.index)), True


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
    allow_reuse: bool = False,
) -> PresentationOutcome:
    """Answer the verifier: the presentation when the holder consented to a satisfiable
    request, else an error response (``access_denied`` for a refusal and for a query no
    credential satisfies, alike; ``invalid_transaction_data`` for transaction data).

    Batch credentials are shown as the copies of ``pending.slot``, whose key signs the
    key-binding JWTs (and adds its proof to a FIDO presentation); the slot is then marked
    used by this verifier. A slot another verifier saw is shown only with ``allow_reuse``,
    else the verifier is told ``access_denied`` (``copies_exhausted``).

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
    exhausted = pending.plan is not None and pending.reuse and not allow_reuse
    exhausted = exhausted or (pending.plan is not None and pending.reuse and pending.slot is None)
    if pending.plan is None or not consent or exhausted:
        send_error(request, WalletErrorCode.ACCESS_DENIED, http=http)
        entry = _entry(pending, "refused", now)
        if consent and exhausted:
            error = VerdictError(
                "copies_exhausted",
                "Every copy of these credentials was already shown to another verifier; showing "
                "one again lets the two link your visits. Run `wallet refresh` for new copies, "
                "or allow reuse (`--allow-reuse`). The verifier was told access_denied.",
            )
        elif pending.plan is None:
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
        slot=pending.slot,
        fido_suite=fido_cryptosuite(request.client_metadata),
    )
    if pending.slot is not None and request.client_id.raw not in pending.slot.used_by:
        state = state.with_slot(
            replace(pending.slot, used_by=(*pending.slot.used_by, request.client_id.raw))
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
