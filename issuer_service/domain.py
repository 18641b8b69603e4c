"""The bank's issuing operations, as plain functions over a ``Database`` and an
``IssuerContext``. The HTTP routes and the CLI call these and only render the results.

Every operation that writes runs in ONE transaction (``Database.transaction``): an error at
any step (a bad proof, a signing failure, a lost race) rolls everything back, so nothing is
ever half-written. The one deliberate exception is the counter of wrong transaction codes,
which ``redeem_token`` commits before it reports the error (OpenID4VCI section 6.3: the
attempt limit must hold even though the request fails).

Flows (OpenID4VCI 1.0, pre-authorized code):

- ``create_offer``: a single-use pre-authorized code and a numeric tx_code (both stored only
  as SHA-256 hashes) -> an ``openid-credential-offer://`` URI; the tx_code is returned once.
- ``redeem_token`` (token endpoint, section 6): single use, expiry, attempt limit (the offer
  locks after ``max_tx_code_attempts`` wrong tx_codes) -> an access token (hash stored).
- ``issue_nonce`` (nonce endpoint, section 7): a single-use ``c_nonce`` (hash stored).
- ``issue_credential`` (credential endpoint, section 8): access token, key proof JWT with a
  live nonce (consumed in the same transaction), a random unique status index, the
  credential built from the bank's records, signed, recorded with its salted Merkle leaf,
  audited. ``issue_to_holder`` is the same issuance without the protocol (library level).
- ``start_fido_enrollment`` / ``fido_enrollment_state`` / ``finish_fido_enrollment``: the
  WebAuthn ceremony state and the FidoKeyBindingCredential (Data Integrity).
- ``revoke`` / ``suspend`` / ``reinstate``: flip the bit, sign a new status list credential
  version (served by ``status_list_credential``), queue its digest for the chain, audit.

Status: each credential has a uniformly random index in a status group (131,072 entries);
it has an entry in the group's revocation list and in its suspension list at that index.
``UNIQUE(status_group, status_index)`` keeps indexes distinct under any concurrency; a
collision rolls back to a savepoint and draws again. A new group is opened when one fills.

Error codes (besides those of ``passport.exchange.oid4vci`` for the protocol):
``customer_not_found``, ``account_not_found``, ``credential_not_found``,
``status_list_not_found``, ``fido_ceremony_invalid`` (VerdictError: nothing by that id,
or not usable); ``credential_configuration_unknown`` (MalformedError);
``credential_already_revoked``, ``credential_already_suspended``, ``credential_revoked``,
``credential_not_suspended`` (VerdictError: a status change that does not apply);
``credential_configuration_not_offered`` and ``fido_registration_required``
(Oid4vciError invalid_credential_request); ``status_index_exhausted`` (CouldNotCheckError:
no free index found after many draws); ``issuer_context_invalid`` (ConfigurationError).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final, Literal, Protocol
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer_service import redelivery
from issuer_service.db import (
    Account,
    AuditEvent,
    ChainJob,
    CredentialDelivery,
    Customer,
    Database,
    FidoCeremony,
    FidoRegistration,
    IssuedCredential,
    Nonce,
    Offer,
    StatusListRecord,
    new_id,
)
from passport.bank import (
    BalanceRecord,
    CustomerFacts,
    StatementFigures,
    bank_statement_builder_args,
    kyc_builder_args,
    statement_figures,
)
from passport.chain.merkle import leaf_from_digest, new_salt
from passport.chain.registries import status_list_digest
from passport.credentials.model import (
    build_bank_statement_credential,
    build_fido_key_binding_credential,
    build_kyc_credential,
    credential_status_entry,
)
from passport.errors import (
    ConfigurationError,
    CouldNotCheckError,
    MalformedError,
    VerdictError,
)
from passport.exchange.oid4vci import (
    FORMAT_LDP_VC,
    FORMAT_VC_SD_JWT,
    CredentialOffer,
    CredentialRequest,
    Oid4vciError,
    TokenRequest,
    TxCode,
    check_pre_authorized_grant,
    hash_secret,
    new_access_token,
    new_c_nonce,
    new_pre_authorized_code,
    new_tx_code,
    offer_uri,
    unknown_access_token,
    unknown_pre_authorized_code,
    verify_proof_jwt,
)
from passport.keys import KeyType, PrivateKey
from passport.ports import Clock, Resolver, SystemClock
from passport.status.bitstring import MIN_ENTRIES, Purpose, StatusList
from passport.status.signed import sign_status_list

__all__ = [
    "BANK_STATEMENT",
    "CONFIGURATIONS",
    "FIDO_KEY_BINDING",
    "KYC",
    "CreatedOffer",
    "CredentialConfiguration",
    "FidoEnrollment",
    "IssuanceResult",
    "IssuedNonce",
    "IssuerContext",
    "RegisteredAuthenticatorLike",
    "StatusChange",
    "TokenGrant",
    "audit",
    "audit_events",
    "change_status",
    "create_offer",
    "ensure_status_lists",
    "finish_fido_enrollment",
    "fido_enrollment_state",
    "issue_credential",
    "issue_nonce",
    "issue_to_holder",
    "issuer_status",
    "purge_expired",
    "redeem_token",
    "refresh_status_lists",
    "reinstate",
    "revoke",
    "start_fido_enrollment",
    "statement_for_account",
    "status_list_credential",
    "suspend",
]

KYC: Final = "KYCCredential"
BANK_STATEMENT: Final = "BankStatementCredential"
FIDO_KEY_BINDING: Final = "FidoKeyBindingCredential"
_PURPOSES: Final[tuple[Purpose, Purpose]] = ("revocation", "suspension")
_MAX_INDEX_DRAWS: Final = 64


@dataclass(frozen=True)
class CredentialConfiguration:
    """One credential configuration this issuer offers (OpenID4VCI section 12.2.4): its id
    (the credential type's name), type, wire format and default validity."""

    id: str
    credential_type: str
    format: str
    validity: timedelta


#: The three configurations, keyed by id (the ids of
#: ``passport.exchange.oid4vci.passport_credential_configurations``).
CONFIGURATIONS: Final[Mapping[str, CredentialConfiguration]] = {
    KYC: CredentialConfiguration(KYC, KYC, FORMAT_VC_SD_JWT, timedelta(days=365)),
    BANK_STATEMENT: CredentialConfiguration(
        BANK_STATEMENT, BANK_STATEMENT, FORMAT_VC_SD_JWT, timedelta(days=90)
    ),
    FIDO_KEY_BINDING: CredentialConfiguration(
        FIDO_KEY_BINDING, FIDO_KEY_BINDING, FORMAT_LDP_VC, timedelta(days=730)
    ),
}


@dataclass(frozen=True)
class IssuerContext:
    """Everything the bank's operations need besides the database: its identity and key,
    its public URL, its configuration (rates table, lifetimes, limits) and a clock.

    ``credential_issuer`` is the Credential Issuer Identifier (the service's base URL);
    status lists are served at ``<credential_issuer>/status/<list_id>``. ``data_key`` keys
    the HMAC of account numbers (at least 16 random bytes, kept with the signing key).
    ``index_rng`` (``rng(n)`` -> an int in [0, n)) and ``status_list_capacity`` (fill a group
    only up to this many entries) exist for tests; leave them at their defaults.

    Raises ConfigurationError ``issuer_context_invalid`` (a non-Ed25519 signing key, a short
    data key, a capacity above the list size, a list under 131,072 entries).
    """

    issuer_did: str
    verification_method: str
    signing_key: PrivateKey = field(repr=False)
    credential_issuer: str
    bank_name: str
    units_per_usd: Mapping[str, Decimal]
    data_key: bytes = field(repr=False)
    clock: Clock = field(default_factory=SystemClock)
    bank_identifier: str | None = None
    averaging_months: int = 6
    offer_ttl: timedelta = timedelta(minutes=30)
    token_ttl: timedelta = timedelta(minutes=10)
    nonce_ttl: timedelta = timedelta(minutes=5)
    fido_ceremony_ttl: timedelta = timedelta(minutes=5)
    max_tx_code_attempts: int = 5
    tx_code_length: int = 6
    proof_max_age: int = 300
    validity: Mapping[str, timedelta] = field(
        default_factory=lambda: {k: v.validity for k, v in CONFIGURATIONS.items()}
    )
    status_list_size: int = MIN_ENTRIES
    status_list_capacity: int | None = None
    status_list_valid_for: timedelta = timedelta(days=7)
    status_list_refresh_before: timedelta = timedelta(days=1)
    rp_id: str | None = None
    index_rng: Callable[[int], int] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        problem = None
        if self.signing_key.type is not KeyType.ED25519:
            problem = "the signing key must be Ed25519"
        elif len(self.data_key) < 16:
            problem = "the data key must be at least 16 bytes"
        elif self.status_list_size < MIN_ENTRIES:
            problem = f"status lists need at least {MIN_ENTRIES} entries"
        elif self.status_list_capacity is not None and not (
            0 < self.status_list_capacity <= self.status_list_size
        ):
            problem = "status_list_capacity must be between 1 and status_list_size"
        elif not self.credential_issuer.startswith(("https://", "http://")):
            problem = "credential_issuer must be an http(s) URL"
        if problem:
            raise ConfigurationError("issuer_context_invalid", f"Issuer context: {problem}.")

    @property
    def status_base_url(self) -> str:
        return f"{self.credential_issuer.rstrip('/')}/status"

    @property
    def capacity(self) -> int:
        return self.status_list_capacity or self.status_list_size

    @property
    def relying_party_id(self) -> str:
        return self.rp_id or (urlsplit(self.credential_issuer).hostname or "localhost")

    def now(self) -> datetime:
        return self.clock.now()


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatedOffer:
    """A new credential offer. ``tx_code`` and ``pre_authorized_code`` are shown once and
    stored only hashed; ``uri`` is the ``openid-credential-offer://`` URI for the QR code."""

    offer_id: str
    customer_id: str
    configuration_id: str
    uri: str
    offer: CredentialOffer = field(repr=False)
    pre_authorized_code: str = field(repr=False)
    tx_code: str = field(repr=False)
    expires_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """For ``--json`` output (includes the tx_code: print it only to its recipient)."""
        return {
            "offer_id": self.offer_id,
            "customer_id": self.customer_id,
            "credential_configuration_id": self.configuration_id,
            "uri": self.uri,
            "tx_code": self.tx_code,
            "expires_at": self.expires_at.isoformat(),
        }


@dataclass(frozen=True)
class TokenGrant:
    """A token endpoint answer: ``passport.exchange.oid4vci.token_response(access_token,
    expires_in=...)`` renders it."""

    access_token: str = field(repr=False)
    expires_in: int
    offer_id: str
    configuration_id: str


@dataclass(frozen=True)
class IssuedNonce:
    c_nonce: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True)
class IssuanceResult:
    """An issued credential: the secured form (compact SD-JWT or a signed JSON-LD document)
    and what was recorded about it."""

    credential: str | dict[str, Any] = field(repr=False)
    credential_id: str
    record_id: str
    configuration_id: str
    format: str
    holder_did: str
    status_group: int
    status_index: int
    status_list_ids: tuple[str, ...]
    digest: str
    issued_at: datetime
    valid_until: datetime


@dataclass(frozen=True)
class StatusChange:
    credential_id: str
    action: str
    list_id: str
    version: int
    digest: str
    revoked: bool
    suspended: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "credential_id": self.credential_id,
            "action": self.action,
            "status_list": self.list_id,
            "version": self.version,
            "digest": self.digest,
            "revoked": self.revoked,
            "suspended": self.suspended,
        }


@dataclass(frozen=True)
class FidoEnrollment:
    """A WebAuthn ceremony in progress: the fido2 server ``state`` to verify against."""

    ceremony_id: str
    customer_id: str
    state: dict[str, Any] = field(repr=False)
    expires_at: datetime


class RegisteredAuthenticatorLike(Protocol):
    """What ``finish_fido_enrollment`` reads from a verified WebAuthn registration
    (``passport.fido.webauthn.RegisteredAuthenticator`` has these attributes)."""

    @property
    def rp_id(self) -> str: ...
    @property
    def credential_id(self) -> bytes: ...
    @property
    def public_key_jwk(self) -> Mapping[str, Any]: ...
    @property
    def aaguid(self) -> Any: ...
    @property
    def user_verified(self) -> bool: ...
    @property
    def attestation_format(self) -> str: ...
    @property
    def sign_count(self) -> int: ...


# --- helpers ------------------------------------------------------------------------------


def audit(
    session: Session,
    ctx: IssuerContext,
    action: str,
    subject: str,
    *,
    actor: str,
    **details: Any,
) -> None:
    """Append one event to the audit log in ``session``'s transaction (no secrets in
    ``details``)."""
    session.add(
        AuditEvent(at=ctx.now(), actor=actor, action=action, subject=subject, details=details)
    )


def _customer(session: Session, customer_id: str) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.customer_id == customer_id))
    if customer is None:
        raise VerdictError(
            "customer_not_found",
            f"No customer {customer_id!r}; import the customer first (`issuer import`).",
            details={"customer_id": customer_id},
        )
    return customer


def _configuration(configuration_id: str) -> CredentialConfiguration:
    try:
        return CONFIGURATIONS[configuration_id]
    except KeyError:
        raise MalformedError(
            "credential_configuration_unknown",
            f"Unknown credential configuration {configuration_id!r}; use one of "
            f"{sorted(CONFIGURATIONS)}.",
        ) from None


def _account(session: Session, customer: Customer, account_id: int | None) -> Account:
    accounts = list(customer.accounts)
    if account_id is not None:
        accounts = [a for a in accounts if a.id == account_id]
    if not accounts:
        raise VerdictError(
            "account_not_found",
            f"Customer {customer.customer_id!r} has no account"
            + (f" {account_id}" if account_id is not None else "")
            + "; import its accounts first.",
            details={"customer_id": customer.customer_id, "account_id": account_id},
        )
    return accounts[0]


def _customer_facts(customer: Customer) -> CustomerFacts:
    return CustomerFacts(
        legal_name=customer.legal_name,
        given_name=customer.given_name,
        family_name=customer.family_name,
        birth_date=customer.birth_date,
        nationality=customer.nationality,
        id_document_type=customer.id_document_type,
        id_document_number_hash=customer.id_number_hash,
        kyc_level=customer.kyc_level,
        verification_date=customer.verified_on,
        id_document_country=customer.id_document_country,
    )


def statement_for_account(ctx: IssuerContext, account: Account) -> StatementFigures:
    """The statement figures of ``account`` (``passport.bank.statement_figures`` over its
    stored history, ``ctx.averaging_months`` months). Raises like that function."""
    history = [BalanceRecord(entry.day, entry.balance) for entry in account.balances]
    return statement_figures(history, currency=account.currency, months=ctx.averaging_months)


def _list_id(group: int, purpose: str) -> str:
    return f"{group}-{purpose}"


def _list_url(ctx: IssuerContext, list_id: str) -> str:
    return f"{ctx.status_base_url}/{list_id}"


def _sign_list(
    ctx: IssuerContext, record: StatusListRecord, status_list: StatusList, now: datetime
) -> None:
    purpose: Purpose = "revocation" if record.purpose == "revocation" else "suspension"
    signed = sign_status_list(
        status_list,
        issuer=ctx.issuer_did,
        url=record.url,
        purpose=purpose,
        key=ctx.signing_key,
        verification_method=ctx.verification_method,
        now=now,
        valid_for=ctx.status_list_valid_for,
    )
    record.bits = status_list.to_bytes()
    record.credential = signed
    record.digest = status_list_digest(signed).hex()
    record.valid_until = now + ctx.status_list_valid_for
    record.updated_at = now


def _queue_publication(session: Session, record: StatusListRecord, now: datetime) -> None:
    session.add(
        ChainJob(
            kind="publish_status_list",
            payload={
                "list_id": record.list_id,
                "url": record.url,
                "version": record.version,
                "digest": record.digest,
            },
            state="pending",
            attempts=0,
            created_at=now,
            next_try_at=now,
        )
    )


def _create_group(session: Session, ctx: IssuerContext, group: int) -> None:
    now = ctx.now()
    for purpose in _PURPOSES:
        list_id = _list_id(group, purpose)
        record = StatusListRecord(
            list_id=list_id,
            status_group=group,
            purpose=purpose,
            url=_list_url(ctx, list_id),
            size=ctx.status_list_size,
            capacity=ctx.capacity,
            version=1,
            published_version=0,
        )
        _sign_list(ctx, record, StatusList(ctx.status_list_size), now)
        session.add(record)
        _queue_publication(session, record, now)
    audit(
        session,
        ctx,
        "status_group_opened",
        f"status-group:{group}",
        actor="system",
        size=ctx.status_list_size,
        capacity=ctx.capacity,
    )


def _open_group(session: Session, ctx: IssuerContext) -> tuple[int, int, int, int]:
    """(group, size, capacity, allocated) of the group new credentials go into; opens the
    next group (in a savepoint, so a concurrent opener is tolerated) when it is full.

    Each lost race means another transaction opened (and, on PostgreSQL, possibly already
    filled) a group, so the bound on rounds is generous: it is progress, not a livelock."""
    for _ in range(_MAX_INDEX_DRAWS):
        latest = session.scalar(select(func.max(StatusListRecord.status_group)))
        if latest is not None:
            head = session.get(StatusListRecord, _list_id(latest, "revocation"))
            assert head is not None
            used = (
                session.scalar(
                    select(func.count())
                    .select_from(IssuedCredential)
                    .where(IssuedCredential.status_group == latest)
                )
                or 0
            )
            # The group's own capacity, lowered by the current configuration if that is lower.
            capacity = min(head.capacity, ctx.capacity)
            if used < capacity:
                return latest, head.size, capacity, used
        try:
            with session.begin_nested():
                _create_group(session, ctx, (latest or 0) + 1)
        except IntegrityError:
            continue  # another transaction opened it first: read again
    raise CouldNotCheckError(
        "status_index_exhausted", "Could not open a new status list group; retry."
    )


def _draw_index(session: Session, ctx: IssuerContext, group: int, size: int, allocated: int) -> int:
    rng = ctx.index_rng or secrets.randbelow
    if allocated * 2 < size:
        return rng(size)
    # Dense: draw among the free indexes only (passport.status.StatusList.allocate).
    taken = session.scalars(
        select(IssuedCredential.status_index).where(IssuedCredential.status_group == group)
    )
    return StatusList(size, allocated=taken).allocate(rng)


def ensure_status_lists(db: Database, ctx: IssuerContext) -> list[str]:
    """Open the first status group (its two signed lists, queued for the chain) if there is
    none yet; returns the ids of all lists. Idempotent."""
    with db.transaction() as session:
        _open_group(session, ctx)
        return list(
            session.scalars(
                select(StatusListRecord.list_id).order_by(
                    StatusListRecord.status_group, StatusListRecord.purpose
                )
            )
        )


# --- offers and tokens --------------------------------------------------------------------


def create_offer(
    db: Database,
    ctx: IssuerContext,
    *,
    customer_id: str,
    configuration_id: str,
    account_id: int | None = None,
    actor: str = "cli",
    tx_code_description: str | None = "The code your bank sent you",
) -> CreatedOffer:
    """Create a credential offer for ``customer_id`` (OpenID4VCI section 4.1.1, pre-authorized
    code with a numeric tx_code). For a bank statement the account (``account_id``, default
    the customer's first account) and its figures are checked now, so a customer without
    enough history is told at once rather than after scanning the QR.

    Raises MalformedError ``credential_configuration_unknown``; VerdictError
    ``customer_not_found``, ``account_not_found``; the errors of
    ``passport.bank.statement_figures`` (``balance_history_too_short``, ...).
    """
    configuration = _configuration(configuration_id)
    code = new_pre_authorized_code()
    tx_code = new_tx_code(ctx.tx_code_length)
    now = ctx.now()
    with db.transaction() as session:
        customer = _customer(session, customer_id)
        account: Account | None = None
        if configuration.id == BANK_STATEMENT:
            account = _account(session, customer, account_id)
            statement_for_account(ctx, account)
        offer = Offer(
            id=new_id(),
            customer_pk=customer.id,
            account_pk=account.id if account else None,
            configuration_id=configuration.id,
            pre_auth_code_hash=hash_secret(code),
            tx_code_hash=hash_secret(tx_code),
            state="offered",
            created_at=now,
            expires_at=now + ctx.offer_ttl,
            tx_code_attempts=0,
        )
        session.add(offer)
        audit(
            session,
            ctx,
            "offer_created",
            f"offer:{offer.id}",
            actor=actor,
            customer_id=customer_id,
            configuration_id=configuration.id,
            account_id=offer.account_pk,
            expires_at=offer.expires_at.isoformat(),
        )
        offer_id, expires_at = offer.id, offer.expires_at
    credential_offer = CredentialOffer(
        credential_issuer=ctx.credential_issuer,
        credential_configuration_ids=(configuration.id,),
        pre_authorized_code=code,
        tx_code=TxCode(length=ctx.tx_code_length, description=tx_code_description),
    )
    return CreatedOffer(
        offer_id=offer_id,
        customer_id=customer_id,
        configuration_id=configuration.id,
        uri=offer_uri(credential_offer),
        offer=credential_offer,
        pre_authorized_code=code,
        tx_code=tx_code,
        expires_at=expires_at,
    )


def redeem_token(
    db: Database, ctx: IssuerContext, request: TokenRequest, *, actor: str = "wallet"
) -> TokenGrant:
    """The token endpoint for the pre-authorized code grant (OpenID4VCI section 6).

    The code is single-use; a wrong tx_code is counted (committed even though the request
    fails) and the offer locks at ``ctx.max_tx_code_attempts``. Raises Oid4vciError
    ``pre_authorized_code_unknown``, ``pre_authorized_code_locked``,
    ``pre_authorized_code_redeemed``, ``pre_authorized_code_expired``, ``tx_code_mismatch``
    (invalid_grant); ``tx_code_missing``, ``tx_code_unexpected`` (invalid_request).
    """
    now = ctx.now()
    failure: Oid4vciError | None = None
    token = new_access_token()
    with db.transaction() as session:
        offer = session.scalar(
            select(Offer)
            .where(Offer.pre_auth_code_hash == hash_secret(request.pre_authorized_code))
            .with_for_update()
        )
        if offer is None:
            raise unknown_pre_authorized_code()
        try:
            check_pre_authorized_grant(
                request,
                tx_code_hash=offer.tx_code_hash,
                expires_at=offer.expires_at,
                redeemed=offer.state not in ("offered", "locked"),
                failed_attempts=offer.tx_code_attempts,
                max_attempts=ctx.max_tx_code_attempts,
                now=now,
            )
        except Oid4vciError as exc:
            if exc.code != "tx_code_mismatch":
                raise
            offer.tx_code_attempts += 1
            locked = offer.tx_code_attempts >= ctx.max_tx_code_attempts
            if locked:
                offer.state = "locked"
            audit(
                session,
                ctx,
                "tx_code_rejected",
                f"offer:{offer.id}",
                actor=actor,
                attempts=offer.tx_code_attempts,
                locked=locked,
            )
            failure = exc  # committed below, then raised
        else:
            offer.state = "redeemed"
            offer.redeemed_at = now
            offer.access_token_hash = hash_secret(token)
            offer.token_expires_at = now + ctx.token_ttl
            audit(
                session,
                ctx,
                "token_issued",
                f"offer:{offer.id}",
                actor=actor,
                expires_at=offer.token_expires_at.isoformat(),
            )
            grant = TokenGrant(
                access_token=token,
                expires_in=int(ctx.token_ttl.total_seconds()),
                offer_id=offer.id,
                configuration_id=offer.configuration_id,
            )
    if failure is not None:
        raise failure
    return grant


def issue_nonce(db: Database, ctx: IssuerContext) -> IssuedNonce:
    """A fresh ``c_nonce`` for the nonce endpoint (OpenID4VCI section 7), stored hashed,
    single use, valid for ``ctx.nonce_ttl``."""
    value = new_c_nonce()
    now = ctx.now()
    with db.transaction() as session:
        session.add(
            Nonce(value_hash=hash_secret(value), created_at=now, expires_at=now + ctx.nonce_ttl)
        )
    return IssuedNonce(value, now + ctx.nonce_ttl)


def _nonce_consumer(session: Session, now: datetime) -> Callable[[str], bool]:
    def consume(value: str) -> bool:
        result = session.execute(
            update(Nonce)
            .where(
                Nonce.value_hash == hash_secret(value),
                Nonce.used_at.is_(None),
                Nonce.expires_at > now,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    return consume


def _offer_for_token(
    session: Session, access_token: str, now: datetime, states: tuple[str, ...] = ("redeemed",)
) -> Offer:
    offer = session.scalar(
        select(Offer).where(Offer.access_token_hash == hash_secret(access_token)).with_for_update()
    )
    if (
        offer is None
        or offer.state not in states
        or offer.token_expires_at is None
        or now >= offer.token_expires_at
    ):
        raise unknown_access_token()
    return offer


# --- issuance -----------------------------------------------------------------------------


def _status_entries(ctx: IssuerContext, group: int, index: int) -> list[dict[str, Any]]:
    return [
        credential_status_entry(_list_url(ctx, _list_id(group, purpose)), index, purpose)
        for purpose in _PURPOSES
    ]


def _reserve_slot(
    session: Session,
    ctx: IssuerContext,
    *,
    customer: Customer,
    configuration: CredentialConfiguration,
    holder_did: str,
    offer: Offer | None,
    now: datetime,
) -> IssuedCredential:
    """Insert the credential's row with a fresh random status slot; a collision (UNIQUE
    violation, from an earlier or a concurrent issuance) rolls back to the savepoint and
    draws again."""
    for _ in range(_MAX_INDEX_DRAWS):
        group, size, _capacity, allocated = _open_group(session, ctx)
        try:
            index = _draw_index(session, ctx, group, size, allocated)
        except ConfigurationError as exc:
            if exc.code != "status_list_full":
                raise
            continue  # filled up by concurrent issuances: the next round opens a new group
        record = IssuedCredential(
            id=new_id(),
            credential_id=f"urn:uuid:{uuid.uuid4()}",
            customer_pk=customer.id,
            offer_pk=offer.id if offer else None,
            credential_type=configuration.credential_type,
            configuration_id=configuration.id,
            format=configuration.format,
            holder_did=holder_did,
            status_group=group,
            status_index=index,
            issued_at=now,
            valid_until=now + ctx.validity.get(configuration.id, configuration.validity),
            digest="",
            leaf_salt=b"",
            leaf=b"",
            revoked=False,
            suspended=False,
        )
        try:
            with session.begin_nested():
                session.add(record)
                session.flush()
        except IntegrityError:
            continue
        return record
    raise CouldNotCheckError(
        "status_index_exhausted",
        "No free status index was found after many random draws; retry the issuance.",
    )


def _secure(
    ctx: IssuerContext,
    unsigned: dict[str, Any],
    configuration: CredentialConfiguration,
    holder_jwk: Mapping[str, Any] | None,
    now: datetime,
) -> tuple[str | dict[str, Any], bytes]:
    """Sign ``unsigned``; returns the secured credential and the bytes its digest covers
    (the compact SD-JWT, or the JCS bytes of the signed document)."""
    if configuration.format == FORMAT_VC_SD_JWT:
        from passport.sdjwt import issuer as sd_issuer

        compact = sd_issuer.issue(
            unsigned,
            ctx.signing_key,
            kid=ctx.verification_method,
            disclosable=lambda path: len(path) >= 2 and path[0] == "credentialSubject",
            holder_jwk=holder_jwk,
            now=now,
        )
        return compact, compact.encode("ascii")
    from passport.di import eddsa
    from passport.di.jcs import canonicalize

    signed = eddsa.sign(
        unsigned,
        ctx.signing_key,
        ctx.verification_method,
        cryptosuite=eddsa.EDDSA_RDFC_2022,
        created=now,
    )
    return signed, canonicalize(signed)


def _issue(
    session: Session,
    ctx: IssuerContext,
    *,
    customer: Customer,
    configuration: CredentialConfiguration,
    holder_did: str,
    holder_jwk: Mapping[str, Any] | None,
    offer: Offer | None,
    account_id: int | None,
    actor: str,
    build_fido: Callable[[list[dict[str, Any]], datetime, datetime, str], dict[str, Any]]
    | None = None,
) -> IssuanceResult:
    now = ctx.now()
    record = _reserve_slot(
        session,
        ctx,
        customer=customer,
        configuration=configuration,
        holder_did=holder_did,
        offer=offer,
        now=now,
    )
    status = _status_entries(ctx, record.status_group, record.status_index)
    common: dict[str, Any] = {
        "issuer": ctx.issuer_did,
        "holder": holder_did,
        "status": status,
        "valid_from": now,
        "valid_until": record.valid_until,
        "credential_id": record.credential_id,
    }
    if configuration.id == KYC:
        unsigned = build_kyc_credential(**common, **kyc_builder_args(_customer_facts(customer)))
    elif configuration.id == BANK_STATEMENT:
        account = _account(session, customer, account_id)
        figures = statement_for_account(ctx, account)
        unsigned = build_bank_statement_credential(
            **common,
            **bank_statement_builder_args(
                account_holder_name=customer.legal_name,
                bank_name=ctx.bank_name,
                account_number=account.masked_number,
                figures=figures,
                units_per_usd=ctx.units_per_usd,
                bank_identifier=ctx.bank_identifier,
            ),
        )
    else:
        if build_fido is None:
            raise Oid4vciError(
                "fido_registration_required",
                "A FidoKeyBindingCredential is issued after a WebAuthn registration; use the "
                "FIDO enrollment endpoints.",
                error="invalid_credential_request",
            )
        unsigned = build_fido(status, now, record.valid_until, record.credential_id)
    secured, covered = _secure(ctx, unsigned, configuration, holder_jwk, now)
    digest = hashlib.sha256(covered).digest()
    salt = new_salt()
    record.digest = digest.hex()
    record.leaf_salt = salt
    record.leaf = leaf_from_digest(digest, salt)
    audit(
        session,
        ctx,
        "credential_issued",
        f"credential:{record.credential_id}",
        actor=actor,
        customer_id=customer.customer_id,
        configuration_id=configuration.id,
        holder_did=holder_did,
        status_group=record.status_group,
        status_index=record.status_index,
        offer_id=offer.id if offer else None,
    )
    return IssuanceResult(
        credential=secured,
        credential_id=record.credential_id,
        record_id=record.id,
        configuration_id=configuration.id,
        format=configuration.format,
        holder_did=holder_did,
        status_group=record.status_group,
        status_index=record.status_index,
        status_list_ids=tuple(_list_id(record.status_group, p) for p in _PURPOSES),
        digest=record.digest,
        issued_at=now,
        valid_until=record.valid_until,
    )


def issue_to_holder(
    db: Database,
    ctx: IssuerContext,
    *,
    customer_id: str,
    configuration_id: str,
    holder_did: str,
    holder_jwk: Mapping[str, Any] | None,
    account_id: int | None = None,
    actor: str = "library",
) -> IssuanceResult:
    """Issue a KYC or bank statement credential for ``customer_id`` to ``holder_did`` (whose
    key ``holder_jwk`` goes in ``cnf``) without the OpenID4VCI exchange: one transaction
    (status slot, build, sign, record, audit). Used by ``issue_credential`` and benchmarks.

    Raises VerdictError ``customer_not_found``, ``account_not_found``; MalformedError
    ``credential_configuration_unknown``; Oid4vciError ``fido_registration_required``; the
    errors of the builders and ``passport.bank``; CouldNotCheckError
    ``status_index_exhausted``, ``database_unavailable``.
    """
    configuration = _configuration(configuration_id)
    with db.transaction() as session:
        customer = _customer(session, customer_id)
        return _issue(
            session,
            ctx,
            customer=customer,
            configuration=configuration,
            holder_did=holder_did,
            holder_jwk=holder_jwk,
            offer=None,
            account_id=account_id,
            actor=actor,
        )


def issue_credential(
    db: Database,
    ctx: IssuerContext,
    *,
    access_token: str,
    request: CredentialRequest,
    resolver: Resolver,
    actor: str = "wallet",
) -> IssuanceResult:
    """The credential endpoint (OpenID4VCI section 8) for a request already parsed with
    ``passport.exchange.oid4vci.parse_credential_request``: the access token must be live
    and unused, the configuration the one offered, the key proof valid with a live
    ``c_nonce`` (consumed in this transaction); then ``issue_to_holder``'s steps. All or
    nothing: on any error no nonce, token, status index or record is used up. A retry with
    the same token and holder key while the token lives returns the credential already
    issued (``issuer_service.redelivery``: a response lost on the way is not a lost offer).

    Raises Oid4vciError ``access_token_invalid`` (invalid_token, 401),
    ``credential_configuration_not_offered``, ``fido_registration_required``
    (invalid_credential_request), the proof codes of ``verify_proof_jwt`` (invalid_proof,
    invalid_nonce); the errors of ``issue_to_holder``.
    """
    now = ctx.now()
    with db.transaction() as session:
        offer = _offer_for_token(session, access_token, now, ("redeemed", "issued"))
        wanted = request.credential_configuration_id or request.credential_identifier
        if wanted != offer.configuration_id:
            raise Oid4vciError(
                "credential_configuration_not_offered",
                f"This access token was granted for {offer.configuration_id}, not {wanted}.",
                error="invalid_credential_request",
            )
        configuration = _configuration(offer.configuration_id)
        if configuration.id == FIDO_KEY_BINDING:
            raise Oid4vciError(
                "fido_registration_required",
                "A FidoKeyBindingCredential is issued after a WebAuthn registration; use the "
                "FIDO enrollment endpoints with this access token.",
                error="invalid_credential_request",
            )
        if len(request.proof_jwts) != 1:
            raise Oid4vciError(
                "proof_missing", "Send exactly one key proof.", error="invalid_proof"
            )
        holder = verify_proof_jwt(
            request.proof_jwts[0],
            audience=ctx.credential_issuer,
            nonce=_nonce_consumer(session, now),
            now=now,
            resolver=resolver,
            max_age=ctx.proof_max_age,
        )
        if offer.state == "issued":
            return _reissue(session, ctx, offer, holder.did, now)
        result = _issue(
            session,
            ctx,
            customer=offer.customer,
            configuration=configuration,
            holder_did=holder.did,
            holder_jwk=holder.jwk,
            offer=offer,
            account_id=offer.account_pk,
            actor=actor,
        )
        offer.state = "issued"
        offer.credential_pk = result.record_id
        assert offer.token_expires_at is not None  # a live token was found above
        redelivery.remember(
            session,
            ctx.data_key,
            offer_pk=offer.id,
            holder_did=holder.did,
            credential=result.credential,
            until=offer.token_expires_at,
        )
        return result


def _reissue(
    session: Session, ctx: IssuerContext, offer: Offer, holder_did: str, now: datetime
) -> IssuanceResult:
    """The credential already issued for ``offer``, for a retry by the same holder."""
    credential = redelivery.replay(
        session, ctx.data_key, offer_pk=offer.id, holder_did=holder_did, now=now
    )
    record = session.get(IssuedCredential, offer.credential_pk)
    if record is None:  # pragma: no cover - the record is written with the offer's state
        raise VerdictError("credential_not_found", "The offer's credential record is gone.")
    audit(
        session, ctx, "credential_redelivered", f"credential:{record.credential_id}", actor="wallet"
    )
    return IssuanceResult(
        credential=credential,
        credential_id=record.credential_id,
        record_id=record.id,
        configuration_id=record.configuration_id,
        format=record.format,
        holder_did=record.holder_did,
        status_group=record.status_group,
        status_index=record.status_index,
        status_list_ids=tuple(_list_id(record.status_group, p) for p in _PURPOSES),
        digest=record.digest,
        issued_at=record.issued_at,
        valid_until=record.valid_until,
    )


# --- FIDO enrollment ----------------------------------------------------------------------


def start_fido_enrollment(
    db: Database,
    ctx: IssuerContext,
    *,
    access_token: str,
    server_state: Mapping[str, Any],
) -> FidoEnrollment:
    """Store the fido2 server ``state`` of a WebAuthn registration begun for the holder of
    ``access_token`` (granted for FidoKeyBindingCredential); returns its ceremony id.

    Raises Oid4vciError ``access_token_invalid``, ``credential_configuration_not_offered``.
    """
    now = ctx.now()
    with db.transaction() as session:
        offer = _offer_for_token(session, access_token, now)
        if offer.configuration_id != FIDO_KEY_BINDING:
            raise Oid4vciError(
                "credential_configuration_not_offered",
                f"This access token was granted for {offer.configuration_id}, not "
                f"{FIDO_KEY_BINDING}.",
                error="invalid_credential_request",
            )
        ceremony = FidoCeremony(
            id=new_id(),
            offer_pk=offer.id,
            customer_pk=offer.customer_pk,
            state=dict(server_state),
            created_at=now,
            expires_at=now + ctx.fido_ceremony_ttl,
        )
        session.add(ceremony)
        audit(
            session,
            ctx,
            "fido_enrollment_started",
            f"offer:{offer.id}",
            actor="wallet",
            ceremony_id=ceremony.id,
        )
        return FidoEnrollment(
            ceremony.id, offer.customer.customer_id, dict(server_state), ceremony.expires_at
        )


def _ceremony(session: Session, ctx: IssuerContext, ceremony_id: str) -> FidoCeremony:
    ceremony = session.get(FidoCeremony, ceremony_id, with_for_update=True)
    if ceremony is None or ceremony.used_at is not None or ctx.now() >= ceremony.expires_at:
        raise VerdictError(
            "fido_ceremony_invalid",
            "This FIDO registration is unknown, expired or finished; start it again.",
        )
    return ceremony


def fido_enrollment_state(db: Database, ctx: IssuerContext, ceremony_id: str) -> FidoEnrollment:
    """The stored state of a live ceremony (to verify the registration against).

    Raises VerdictError ``fido_ceremony_invalid``."""
    with db.transaction() as session:
        ceremony = _ceremony(session, ctx, ceremony_id)
        customer = session.get(Customer, ceremony.customer_pk)
        assert customer is not None
        return FidoEnrollment(
            ceremony.id, customer.customer_id, dict(ceremony.state), ceremony.expires_at
        )


def finish_fido_enrollment(
    db: Database,
    ctx: IssuerContext,
    *,
    access_token: str,
    ceremony_id: str,
    holder_did: str,
    authenticator: RegisteredAuthenticatorLike,
    assurance_level: str | None = None,
) -> IssuanceResult:
    """Record a verified WebAuthn registration and issue the FidoKeyBindingCredential
    (Data Integrity eddsa-rdfc-2022) binding ``holder_did`` (proven by the caller) to the
    authenticator. One transaction: ceremony and access token used up, registration,
    credential record, audit. ``assurance_level`` defaults to AAL2 with user verification,
    AAL1 without.

    Raises VerdictError ``fido_ceremony_invalid``; Oid4vciError ``access_token_invalid``;
    the errors of ``issue_to_holder``.
    """
    now = ctx.now()
    configuration = CONFIGURATIONS[FIDO_KEY_BINDING]
    with db.transaction() as session:
        offer = _offer_for_token(session, access_token, now)
        ceremony = _ceremony(session, ctx, ceremony_id)
        if ceremony.offer_pk != offer.id:
            raise VerdictError(
                "fido_ceremony_invalid", "This FIDO registration belongs to another offer."
            )
        ceremony.used_at = now
        level = assurance_level or ("AAL2" if authenticator.user_verified else "AAL1")

        def build(
            status: list[dict[str, Any]],
            valid_from: datetime,
            valid_until: datetime,
            credential_id: str,
        ) -> dict[str, Any]:
            return build_fido_key_binding_credential(
                issuer=ctx.issuer_did,
                holder=holder_did,
                authenticator_credential_id=authenticator.credential_id,
                public_key_jwk=authenticator.public_key_jwk,
                aaguid=str(authenticator.aaguid),
                rp_id=authenticator.rp_id,
                user_verified=authenticator.user_verified,
                assurance_level=level,
                attestation_format=authenticator.attestation_format,
                status=status,
                valid_from=valid_from,
                valid_until=valid_until,
                credential_id=credential_id,
            )

        result = _issue(
            session,
            ctx,
            customer=offer.customer,
            configuration=configuration,
            holder_did=holder_did,
            holder_jwk=None,
            offer=offer,
            account_id=None,
            actor="wallet",
            build_fido=build,
        )
        from passport.keys import b64url_encode

        session.add(
            FidoRegistration(
                customer_pk=offer.customer_pk,
                holder_did=holder_did,
                authenticator_credential_id=b64url_encode(authenticator.credential_id),
                public_key_jwk=dict(authenticator.public_key_jwk),
                aaguid=str(authenticator.aaguid),
                user_verified=authenticator.user_verified,
                attestation_format=authenticator.attestation_format,
                sign_count=authenticator.sign_count,
                credential_pk=result.record_id,
                created_at=now,
            )
        )
        offer.state = "issued"
        offer.credential_pk = result.record_id
        return result


# --- status changes -----------------------------------------------------------------------

StatusAction = Literal["revoke", "suspend", "reinstate"]
_AUDIT_ACTIONS: Final[Mapping[str, str]] = {
    "revoke": "credential_revoked",
    "suspend": "credential_suspended",
    "reinstate": "credential_reinstated",
}


def _credential(session: Session, credential_id: str) -> IssuedCredential:
    record = session.scalar(
        select(IssuedCredential)
        .where(
            (IssuedCredential.credential_id == credential_id)
            | (IssuedCredential.id == credential_id)
        )
        .with_for_update()
    )
    if record is None:
        raise VerdictError(
            "credential_not_found",
            f"No credential {credential_id!r} was issued here (give its urn:uuid id).",
            details={"credential_id": credential_id},
        )
    return record


def change_status(
    db: Database,
    ctx: IssuerContext,
    credential_id: str,
    action: StatusAction,
    *,
    actor: str = "cli",
    reason: str | None = None,
) -> StatusChange:
    """Revoke, suspend or reinstate a credential (Bitstring Status List section 3.1): flip its
    bit, sign the list credential as a new version, queue the digest for the chain and
    audit, in one transaction.

    Raises VerdictError ``credential_not_found``, ``credential_already_revoked``,
    ``credential_already_suspended``, ``credential_revoked`` (a revoked credential cannot
    be suspended or reinstated), ``credential_not_suspended``.
    """
    now = ctx.now()
    with db.transaction() as session:
        record = _credential(session, credential_id)
        cid = record.credential_id
        if record.revoked:
            code = "credential_already_revoked" if action == "revoke" else "credential_revoked"
            raise VerdictError(
                code, f"{cid} is revoked; revocation is final.", details={"credential_id": cid}
            )
        if action == "suspend" and record.suspended:
            raise VerdictError(
                "credential_already_suspended",
                f"{cid} is already suspended.",
                details={"credential_id": cid},
            )
        if action == "reinstate" and not record.suspended:
            raise VerdictError(
                "credential_not_suspended",
                f"{cid} is not suspended; there is nothing to reinstate.",
                details={"credential_id": cid},
            )
        purpose = "revocation" if action == "revoke" else "suspension"
        value = 0 if action == "reinstate" else 1
        lst = session.get(
            StatusListRecord, _list_id(record.status_group, purpose), with_for_update=True
        )
        if lst is None:  # pragma: no cover - created with the group
            raise VerdictError("status_list_not_found", "The credential's status list is gone.")
        bits = StatusList.from_bytes(lst.bits, min_entries=lst.size)
        bits.set(record.status_index, value)
        lst.version += 1
        _sign_list(ctx, lst, bits, now)
        _queue_publication(session, lst, now)
        if action == "revoke":
            record.revoked = True
        else:
            record.suspended = action == "suspend"
        audit(
            session,
            ctx,
            _AUDIT_ACTIONS[action],
            f"credential:{cid}",
            actor=actor,
            reason=reason,
            status_list=lst.list_id,
            index=record.status_index,
            version=lst.version,
        )
        return StatusChange(
            cid, action, lst.list_id, lst.version, lst.digest, record.revoked, record.suspended
        )


class StatusOperation(Protocol):
    def __call__(
        self,
        db: Database,
        ctx: IssuerContext,
        credential_id: str,
        *,
        actor: str = "cli",
        reason: str | None = None,
    ) -> StatusChange: ...


def _status_operation(action: StatusAction) -> StatusOperation:
    """``revoke`` / ``suspend`` / ``reinstate``: ``change_status`` with the action fixed."""

    def operation(
        db: Database,
        ctx: IssuerContext,
        credential_id: str,
        *,
        actor: str = "cli",
        reason: str | None = None,
    ) -> StatusChange:
        return change_status(db, ctx, credential_id, action, actor=actor, reason=reason)

    operation.__name__ = operation.__qualname__ = action
    operation.__doc__ = f"``change_status(..., {action!r})``."
    return operation


revoke = _status_operation("revoke")
suspend = _status_operation("suspend")
reinstate = _status_operation("reinstate")


def _refresh(
    session: Session, ctx: IssuerContext, record: StatusListRecord, *, locked: bool = False
) -> bool:
    """Re-sign ``record`` as a new version if it is close to its expiry. Unless the caller
    read it ``FOR UPDATE`` (``locked``), it is re-read under the row lock first: a status
    change committed since it was read (PostgreSQL, READ COMMITTED) must not be overwritten
    with stale bits."""
    now = ctx.now()
    if now + ctx.status_list_refresh_before < record.valid_until:
        return False
    if not locked:
        session.refresh(record, with_for_update=True)
        if now + ctx.status_list_refresh_before < record.valid_until:
            return False  # a concurrent change re-signed it meanwhile
    record.version += 1
    _sign_list(ctx, record, StatusList.from_bytes(record.bits, min_entries=record.size), now)
    _queue_publication(session, record, now)
    audit(
        session,
        ctx,
        "status_list_refreshed",
        f"status-list:{record.list_id}",
        actor="system",
        version=record.version,
    )
    return True


def status_list_credential(db: Database, ctx: IssuerContext, list_id: str) -> dict[str, Any]:
    """The current signed status list credential ``list_id`` (for ``GET /status/{list_id}``).
    A list within ``ctx.status_list_refresh_before`` of its ``validUntil`` is re-signed first
    (a new version, queued for the chain).

    Raises VerdictError ``status_list_not_found``.
    """
    with db.transaction() as session:
        record = session.get(StatusListRecord, list_id)
        if record is None:
            raise VerdictError(
                "status_list_not_found",
                f"No status list {list_id!r}.",
                details={"list_id": list_id},
            )
        _refresh(session, ctx, record)
        return dict(record.credential)


def refresh_status_lists(db: Database, ctx: IssuerContext) -> list[str]:
    """Re-sign every list close to its expiry (see ``status_list_credential``); returns the
    ids refreshed. For the background worker."""
    with db.transaction() as session:
        records = session.scalars(
            select(StatusListRecord).order_by(StatusListRecord.list_id).with_for_update()
        ).all()  # locked in one order: two workers cannot deadlock
        return [r.list_id for r in records if _refresh(session, ctx, r, locked=True)]


# --- housekeeping and reports -------------------------------------------------------------


def purge_expired(db: Database, ctx: IssuerContext, *, keep: timedelta = timedelta(days=1)) -> int:
    """Delete nonces that expired more than ``keep`` ago, and sealed credentials kept for a
    retry whose access token has expired; returns how many nonces."""
    from sqlalchemy import delete

    with db.transaction() as session:
        result = session.execute(
            delete(Nonce)
            .where(Nonce.expires_at < ctx.now() - keep)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            delete(CredentialDelivery)
            .where(CredentialDelivery.expires_at <= ctx.now())
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def audit_events(
    db: Database, *, subject: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The latest audit events (newest first), optionally about one ``subject``."""
    with db.transaction() as session:
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if subject is not None:
            query = query.where(AuditEvent.subject == subject)
        return [
            {
                "id": e.id,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "subject": e.subject,
                "details": e.details,
            }
            for e in session.scalars(query)
        ]


def issuer_status(db: Database) -> dict[str, Any]:
    """Counts and queue state for ``issuer status``: customers, offers by state, credentials
    (revoked, suspended, not yet anchored), status lists (version on record and on chain),
    pending chain jobs with their last error."""
    with db.transaction() as session:

        def count(query: Any) -> int:
            return int(session.scalar(query) or 0)

        credentials = select(func.count()).select_from(IssuedCredential)
        offers = {
            str(state): int(n)
            for state, n in session.execute(
                select(Offer.state, func.count()).group_by(Offer.state)
            ).all()
        }
        pending = session.scalars(
            select(ChainJob).where(ChainJob.state == "pending").order_by(ChainJob.id)
        ).all()
        return {
            "customers": count(select(func.count()).select_from(Customer)),
            "accounts": count(select(func.count()).select_from(Account)),
            "offers": offers,
            "credentials": {
                "issued": count(credentials),
                "revoked": count(credentials.where(IssuedCredential.revoked.is_(True))),
                "suspended": count(credentials.where(IssuedCredential.suspended.is_(True))),
                "unanchored": count(credentials.where(IssuedCredential.anchor_job_pk.is_(None))),
            },
            "status_lists": [
                {
                    "list_id": r.list_id,
                    "url": r.url,
                    "version": r.version,
                    "published_version": r.published_version,
                    "valid_until": r.valid_until.isoformat(),
                }
                for r in session.scalars(
                    select(StatusListRecord).order_by(
                        StatusListRecord.status_group, StatusListRecord.purpose
                    )
                )
            ],
            "chain_jobs_pending": [
                {
                    "id": j.id,
                    "kind": j.kind,
                    "attempts": j.attempts,
                    "last_error": j.last_error,
                    "next_try_at": j.next_try_at.isoformat(),
                }
                for j in pending
            ],
        }
