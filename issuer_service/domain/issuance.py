"""Issuance: the credential endpoint's flow and ``issue_to_holder`` (the same without the
protocol): status slot, build, sign, record, audit.

Batch issuance (OpenID4VCI 1.0 section 8.2 ``proofs``, metadata ``batch_credential_issuance``):
a request with N key proofs (1..``ctx.batch_size``, one c_nonce, N different keys) gets N
copies of the credential, each bound to its proof's key, each with its own salts, random
status index, credential id, digest and Merkle leaf; the records share a ``batch_id`` so that
a status change applies to every copy (``issuer_service.domain.status``).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer_service import redelivery
from issuer_service.db import (
    Customer,
    Database,
    IssuedCredential,
    Offer,
    new_id,
)
from issuer_service.domain.audit_log import (
    audit,
)
from issuer_service.domain.context import (
    _MAX_INDEX_DRAWS,
    _PURPOSES,
    BANK_STATEMENT,
    FIDO_KEY_BINDING,
    KYC,
    CredentialConfiguration,
    IssuerContext,
    _account,
    _configuration,
    _customer,
    _customer_facts,
    statement_for_account,
)
from issuer_service.domain.offers import (
    _nonce_consumer,
    _offer_for_token,
)
from issuer_service.domain.status import (
    _draw_index,
    _list_id,
    _list_url,
    _open_group,
)
from passport.bank import (
    bank_statement_builder_args,
    kyc_builder_args,
)
from passport.chain.merkle import leaf_from_digest, new_salt
from passport.credentials.model import (
    build_bank_statement_credential,
    build_kyc_credential,
    credential_status_entry,
)
from passport.errors import (
    ConfigurationError,
    CouldNotCheckError,
    VerdictError,
)
from passport.exchange.oid4vci import (
    FORMAT_VC_SD_JWT,
    CredentialRequest,
    HolderKey,
    Oid4vciError,
    verify_proof_jwts,
)
from passport.formats import FORMAT_DC_SD_JWT, FORMAT_DFP_OFFLINE
from passport.ports import Resolver


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
    #: The credential id every copy of a batch shares for status changes (None: no batch).
    batch_id: str | None = None
    #: The other copies of a batch, in the order of their key proofs.
    more: tuple[IssuanceResult, ...] = ()

    @property
    def copies(self) -> tuple[IssuanceResult, ...]:
        """Every copy issued by one request: this one first."""
        return (self, *self.more)


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


def _reserve_slots(
    session: Session,
    ctx: IssuerContext,
    *,
    customer: Customer,
    configuration: CredentialConfiguration,
    holder_dids: Sequence[str],
    offer: Offer | None,
    now: datetime,
) -> list[IssuedCredential]:
    """One row and random status slot per holder, inserted together (one savepoint, one
    flush) when the open group has room to spare; otherwise (a group about to fill, or dense
    enough that free indexes must be read) one ``_reserve_slot`` at a time. A collision rolls
    the whole set back to the savepoint and draws again."""
    n = len(holder_dids)
    for _ in range(_MAX_INDEX_DRAWS if n > 1 else 0):
        group, size, capacity, allocated = _open_group(session, ctx)
        if allocated + n > capacity or (allocated + n) * 2 >= size:
            break
        rng = ctx.index_rng or secrets.randbelow
        indexes: list[int] = []
        while len(indexes) < n:
            index = rng(size)
            if index not in indexes:
                indexes.append(index)
        valid_until = now + ctx.validity.get(configuration.id, configuration.validity)
        records = [
            _new_record(customer, configuration, did, offer, group, index, now, valid_until)
            for did, index in zip(holder_dids, indexes, strict=True)
        ]
        try:
            with session.begin_nested():
                session.add_all(records)
                session.flush()
        except IntegrityError:
            continue
        return records
    return [
        _reserve_slot(
            session,
            ctx,
            customer=customer,
            configuration=configuration,
            holder_did=did,
            offer=offer,
            now=now,
        )
        for did in holder_dids
    ]


def _new_record(
    customer: Customer,
    configuration: CredentialConfiguration,
    holder_did: str,
    offer: Offer | None,
    group: int,
    index: int,
    now: datetime,
    valid_until: datetime,
) -> IssuedCredential:
    return IssuedCredential(
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
        valid_until=valid_until,
        digest="",
        leaf_salt=b"",
        leaf=b"",
        revoked=False,
        suspended=False,
    )


def _secure(
    ctx: IssuerContext,
    unsigned: dict[str, Any],
    configuration: CredentialConfiguration,
    holder_jwk: Mapping[str, Any] | None,
    now: datetime,
) -> tuple[str | dict[str, Any], bytes]:
    """Sign ``unsigned`` through ``passport.securing.issue`` (SD-JWT bound to the wallet's
    proof key, IETF SD-JWT VC ``dc+sd-jwt`` bound to it, or Data Integrity eddsa-rdfc-2022);
    returns the secured credential and the
    bytes its digest covers (the compact SD-JWT, or the JCS bytes of the signed document)."""
    from passport import securing
    from passport.di.jcs import canonicalize
    from passport.formats import Format

    if configuration.format == FORMAT_DC_SD_JWT:
        from passport.credentials.sd_jwt_vc import issue_sd_jwt_vc
        from passport.credentials.types import vct_url

        text = issue_sd_jwt_vc(
            unsigned,
            ctx.signing_key,
            kid=ctx.verification_method,
            vct=vct_url(ctx.credential_issuer, configuration.credential_type),
            holder_jwk=holder_jwk,
            now=now,
        )
        return text, text.encode("ascii")
    sd_jwt = configuration.format == FORMAT_VC_SD_JWT
    secured = securing.issue(
        unsigned,
        ctx.signing_key,
        Format.SD_JWT if sd_jwt else Format.DI_RDFC,
        now=now,
        issuer=ctx.issuer_did,
        verification_method=ctx.verification_method,
        holder_jwk=holder_jwk,
    )
    if isinstance(secured, str):
        return secured, secured.encode("ascii")
    return secured, canonicalize(secured)


def _secure_offline(
    ctx: IssuerContext,
    unsigned: Mapping[str, Any],
    customer: Customer,
    status: list[dict[str, Any]],
    holder_jwk: Mapping[str, Any] | None,
    now: datetime,
    valid_until: datetime,
) -> tuple[str, bytes]:
    """The offline QR form of ``unsigned`` (``passport.offline``): its claims (a bank
    statement's name and tiers with the customer's nationality, or the KYC claims) in a CWT
    signed with the bank's assertion key, bound to the proof key, carrying the same status
    entries. Returns the credential response value, base64url (no padding) of the holder's
    ``OfflineCredential`` bytes (``docs/offline-format.md`` section 12), and the issuer
    COSE_Sign1 bytes the digest covers.

    Raises ConfigurationError ``offline_key_unsupported`` (no or an unsupported holder key),
    ``offline_claims_invalid``."""
    from passport.keys import PublicKey, b64url_encode
    from passport.offline import StatusRef, claims_from_credential, issue_offline_credential

    if holder_jwk is None:
        raise ConfigurationError(
            "offline_key_unsupported",
            "An offline credential is bound to the holder's key; give the holder's public key.",
        )
    claims = claims_from_credential(unsigned, nationality=customer.nationality)
    held = issue_offline_credential(
        claims,
        issuer=ctx.issuer_did,
        issuer_key=ctx.signing_key,
        kid=ctx.verification_method,
        holder_key=PublicKey.from_jwk(holder_jwk),
        status=[StatusRef.from_entry(entry) for entry in status],
        now=now,
        valid_for=valid_until - now,
    )
    return b64url_encode(held.to_bytes()), held.credential


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
    return _issue_copies(
        session,
        ctx,
        customer=customer,
        configuration=configuration,
        holders=((holder_did, holder_jwk),),
        offer=offer,
        account_id=account_id,
        actor=actor,
        build_fido=build_fido,
    )


def _builder(
    session: Session,
    ctx: IssuerContext,
    configuration: CredentialConfiguration,
    customer: Customer,
    account_id: int | None,
    build_fido: Callable[[list[dict[str, Any]], datetime, datetime, str], dict[str, Any]] | None,
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The builder of one copy's unsigned credential from its common arguments; the bank's
    facts (customer, statement figures) are read once for all copies."""
    if configuration.credential_type == KYC:
        kyc = kyc_builder_args(_customer_facts(customer))
        return lambda common: build_kyc_credential(**common, **kyc)
    if configuration.credential_type == BANK_STATEMENT:
        account = _account(session, customer, account_id)
        statement = bank_statement_builder_args(
            account_holder_name=customer.legal_name,
            bank_name=ctx.bank_name,
            account_number=account.masked_number,
            figures=statement_for_account(ctx, account),
            units_per_usd=ctx.units_per_usd,
            bank_identifier=ctx.bank_identifier,
        )
        return lambda common: build_bank_statement_credential(**common, **statement)
    if build_fido is None:
        raise Oid4vciError(
            "fido_registration_required",
            "A FidoKeyBindingCredential is issued after a WebAuthn registration; use the "
            "FIDO enrollment endpoints.",
            error="invalid_credential_request",
        )
    fido = build_fido
    return lambda common: fido(
        common["status"], common["valid_from"], common["valid_until"], common["credential_id"]
    )


def _issue_copies(
    session: Session,
    ctx: IssuerContext,
    *,
    customer: Customer,
    configuration: CredentialConfiguration,
    holders: Sequence[tuple[str, Mapping[str, Any] | None]],
    offer: Offer | None,
    account_id: int | None,
    actor: str,
    build_fido: Callable[[list[dict[str, Any]], datetime, datetime, str], dict[str, Any]]
    | None = None,
) -> IssuanceResult:
    """One copy per ``(holder_did, holder_jwk)``: each its own status slot, credential id,
    salts, signature, digest and leaf; two or more copies share a ``batch_id``."""
    now = ctx.now()
    build = _builder(session, ctx, configuration, customer, account_id, build_fido)
    results: list[IssuanceResult] = []
    batch_id: str | None = None
    records = _reserve_slots(
        session,
        ctx,
        customer=customer,
        configuration=configuration,
        holder_dids=[did for did, _ in holders],
        offer=offer,
        now=now,
    )
    for (holder_did, holder_jwk), record in zip(holders, records, strict=True):
        if len(holders) > 1:
            batch_id = batch_id or record.credential_id
            record.batch_id = batch_id
        status = _status_entries(ctx, record.status_group, record.status_index)
        unsigned = build(
            {
                "issuer": ctx.issuer_did,
                "holder": holder_did,
                "status": status,
                "valid_from": now,
                "valid_until": record.valid_until,
                "credential_id": record.credential_id,
            }
        )
        secured: str | dict[str, Any]
        if configuration.format == FORMAT_DFP_OFFLINE:
            secured, covered = _secure_offline(
                ctx, unsigned, customer, status, holder_jwk, now, record.valid_until
            )
        else:
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
            batch_id=batch_id,
        )
        results.append(_result(record, secured, now))
    return replace(results[0], more=tuple(results[1:]))


def _result(
    record: IssuedCredential, credential: str | dict[str, Any], issued_at: datetime
) -> IssuanceResult:
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
        issued_at=issued_at,
        valid_until=record.valid_until,
        batch_id=record.batch_id,
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
    more_holders: Sequence[tuple[str, Mapping[str, Any] | None]] = (),
) -> IssuanceResult:
    """Issue a KYC or bank statement credential for ``customer_id`` to ``holder_did`` (whose
    key ``holder_jwk`` goes in ``cnf``) without the OpenID4VCI exchange: one transaction
    (status slot, build, sign, record, audit). Used by ``issue_credential`` and benchmarks.
    ``more_holders`` (``(did, jwk)`` pairs) makes it a batch: one more copy for each, all
    in ``result.copies``.

    Raises VerdictError ``customer_not_found``, ``account_not_found``; MalformedError
    ``credential_configuration_unknown``; Oid4vciError ``fido_registration_required``; the
    errors of the builders and ``passport.bank``; CouldNotCheckError
    ``status_index_exhausted``, ``database_unavailable``.
    """
    configuration = _configuration(configuration_id)
    with db.transaction() as session:
        customer = _customer(session, customer_id)
        return _issue_copies(
            session,
            ctx,
            customer=customer,
            configuration=configuration,
            holders=((holder_did, holder_jwk), *more_holders),
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
    the same token and holder key(s) while the token lives returns the credential(s) already
    issued (``issuer_service.redelivery``: a response lost on the way is not a lost offer).
    Several proofs (up to ``ctx.batch_size``) make a batch: one copy per proof's key, in
    ``result.copies``.

    Raises Oid4vciError ``access_token_invalid`` (invalid_token, 401),
    ``credential_configuration_not_offered``, ``fido_registration_required``,
    ``batch_size_exceeded`` (invalid_credential_request), the proof codes of
    ``verify_proof_jwts`` (invalid_proof, invalid_nonce); the errors of ``issue_to_holder``.
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
        if len(request.proof_jwts) > ctx.batch_size:
            raise Oid4vciError(
                "batch_size_exceeded",
                f"At most {ctx.batch_size} proof(s) per request are accepted.",
                error="invalid_credential_request",
                details={"batch_size": ctx.batch_size},
            )
        holders: tuple[HolderKey, ...] = verify_proof_jwts(
            request.proof_jwts,
            audience=ctx.credential_issuer,
            nonce=_nonce_consumer(session, now),
            now=now,
            resolver=resolver,
            max_age=ctx.proof_max_age,
        )
        dids = [h.did for h in holders]
        if offer.state == "issued":
            return _reissue(session, ctx, offer, dids, now)
        result = _issue_copies(
            session,
            ctx,
            customer=offer.customer,
            configuration=configuration,
            holders=[(h.did, h.jwk) for h in holders],
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
            holder_dids=dids,
            credentials=[c.credential for c in result.copies],
            record_ids=[c.record_id for c in result.copies],
            until=offer.token_expires_at,
        )
        return result


def _reissue(
    session: Session, ctx: IssuerContext, offer: Offer, holder_dids: Sequence[str], now: datetime
) -> IssuanceResult:
    """The credential(s) already issued for ``offer``, for a retry by the same holder key(s)."""
    credentials, record_ids = redelivery.replay(
        session, ctx.data_key, offer_pk=offer.id, holder_dids=holder_dids, now=now
    )
    results: list[IssuanceResult] = []
    for credential, record_id in zip(credentials, record_ids, strict=True):
        record = session.get(IssuedCredential, record_id)
        if record is None:  # pragma: no cover - the records are written with the offer's state
            raise VerdictError("credential_not_found", "The offer's credential record is gone.")
        audit(
            session,
            ctx,
            "credential_redelivered",
            f"credential:{record.credential_id}",
            actor="wallet",
        )
        results.append(_result(record, credential, record.issued_at))
    return replace(results[0], more=tuple(results[1:]))
