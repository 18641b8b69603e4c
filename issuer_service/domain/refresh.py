"""Refresh tokens for new batches (RFC 6749 section 6, which OpenID4VCI 1.0 section 6.1 allows
at the Token Endpoint): the wallet that received a batch of copies asks for a new batch of the
same credential when its copies run low (``wallet refresh``, docs/unlinkability.md) without a
new offer and PIN.

``mint_refresh_token`` is called by ``redeem_token`` for an offer of a batch-capable
configuration (``vc+sd-jwt`` or ``dc+sd-jwt``); ``redeem_refresh_token`` answers the
``refresh_token`` grant: a new access token, tied to a new offer row in state ``redeemed``
for the same customer, account and configuration (so the credential endpoint issues exactly
as for a redeemed offer, with today's figures), and a new refresh token (the old one is used
up). A refresh is refused once any copy issued under the grant's chain of offers is revoked or
suspended.

Error codes (Oid4vciError ``invalid_grant``): ``refresh_token_invalid`` (unknown, used or
expired), ``refresh_credential_revoked`` (the credential it would renew is revoked or
suspended).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer_service.db import Database, IssuedCredential, Offer, RefreshGrant
from issuer_service.domain.audit_log import audit
from issuer_service.domain.context import IssuerContext
from issuer_service.domain.offers import TokenGrant
from passport.exchange.oid4vci import Oid4vciError, hash_secret, new_access_token

__all__ = ["BATCH_FORMATS", "mint_refresh_token", "redeem_refresh_token"]

#: the formats a batch (and so a refresh) is issued in
BATCH_FORMATS = ("vc+sd-jwt", "dc+sd-jwt")


def mint_refresh_token(session: Session, ctx: IssuerContext, offer: Offer, now: datetime) -> str:
    """A new refresh token for ``offer`` (stored hashed), valid for ``ctx.refresh_token_ttl``."""
    token = secrets.token_urlsafe(32)
    session.add(
        RefreshGrant(
            token_hash=hash_secret(token),
            offer_pk=offer.id,
            created_at=now,
            expires_at=now + ctx.refresh_token_ttl,
            used_at=None,
        )
    )
    return token


def _invalid() -> Oid4vciError:
    return Oid4vciError(
        "refresh_token_invalid",
        "The refresh token is unknown, used or expired; ask the bank for a new offer.",
        error="invalid_grant",
    )


def redeem_refresh_token(
    db: Database, ctx: IssuerContext, refresh_token: str, *, actor: str = "wallet"
) -> tuple[TokenGrant, str]:
    """The ``refresh_token`` grant: a new access token and a new refresh token. Raises
    Oid4vciError ``refresh_token_invalid``, ``refresh_credential_revoked``."""
    now = ctx.now()
    with db.transaction() as session:
        grant = session.get(RefreshGrant, hash_secret(refresh_token), with_for_update=True)
        if grant is None or grant.used_at is not None or now >= grant.expires_at:
            raise _invalid()
        previous = session.get(Offer, grant.offer_pk)
        if previous is None:
            raise _invalid()
        issued = session.scalars(
            select(IssuedCredential).where(IssuedCredential.offer_pk == previous.id)
        ).all()
        if any(c.revoked or c.suspended for c in issued):
            raise Oid4vciError(
                "refresh_credential_revoked",
                "The credential this refresh token renews is revoked or suspended.",
                error="invalid_grant",
            )
        grant.used_at = now
        access_token = new_access_token()
        offer = Offer(
            customer_pk=previous.customer_pk,
            account_pk=previous.account_pk,
            configuration_id=previous.configuration_id,
            pre_auth_code_hash=hash_secret(secrets.token_urlsafe(32)),  # never handed out
            tx_code_hash=None,
            state="redeemed",
            created_at=now,
            expires_at=now + ctx.token_ttl,
            redeemed_at=now,
            access_token_hash=hash_secret(access_token),
            token_expires_at=now + ctx.token_ttl,
        )
        session.add(offer)
        session.flush()
        renewed = mint_refresh_token(session, ctx, offer, now)
        audit(
            session,
            ctx,
            "token_refreshed",
            f"offer:{offer.id}",
            actor=actor,
            previous_offer=previous.id,
        )
        return (
            TokenGrant(
                access_token=access_token,
                expires_in=int(ctx.token_ttl.total_seconds()),
                offer_id=offer.id,
                configuration_id=offer.configuration_id,
            ),
            renewed,
        )
