"""Offers and tokens (OpenID4VCI 1.0 pre-authorized code): create an offer, redeem it at
the token endpoint, issue nonces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from issuer_service.db import (
    Account,
    Database,
    Nonce,
    Offer,
    new_id,
)
from issuer_service.domain.audit_log import (
    audit,
)
from issuer_service.domain.context import (
    BANK_STATEMENT,
    IssuerContext,
    _account,
    _configuration,
    _customer,
    statement_for_account,
)
from passport.exchange.oid4vci import (
    CredentialOffer,
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
)


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
    #: for a batch-capable configuration (``issuer_service.domain.refresh``)
    refresh_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class IssuedNonce:
    c_nonce: str = field(repr=False)
    expires_at: datetime


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
        if configuration.credential_type == BANK_STATEMENT:
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
            refresh: str | None = None
            if ctx.refresh_token_ttl.total_seconds() > 0 and _batch_capable(offer):
                from issuer_service.domain.refresh import mint_refresh_token

                refresh = mint_refresh_token(session, ctx, offer, now)
            grant = TokenGrant(
                access_token=token,
                expires_in=int(ctx.token_ttl.total_seconds()),
                offer_id=offer.id,
                configuration_id=offer.configuration_id,
                refresh_token=refresh,
            )
    if failure is not None:
        raise failure
    return grant


def _batch_capable(offer: Offer) -> bool:
    """An offer whose credential comes in batches (``vc+sd-jwt``, ``dc+sd-jwt``)."""
    from issuer_service.domain.refresh import BATCH_FORMATS

    try:
        return _configuration(offer.configuration_id).format in BATCH_FORMATS
    except Exception:  # noqa: BLE001 - an unknown configuration gets no refresh token
        return False


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
