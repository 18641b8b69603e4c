"""FIDO enrollment: the WebAuthn registration ceremony and the FidoKeyBindingCredential.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from issuer_service.db import (
    Customer,
    Database,
    FidoCeremony,
    FidoRegistration,
    new_id,
)
from issuer_service.domain.audit_log import (
    audit,
)
from issuer_service.domain.context import (
    CONFIGURATIONS,
    FIDO_KEY_BINDING,
    IssuerContext,
)
from issuer_service.domain.issuance import (
    IssuanceResult,
    _issue,
)
from issuer_service.domain.offers import (
    _offer_for_token,
)
from passport.credentials.model import (
    build_fido_key_binding_credential,
)
from passport.errors import (
    VerdictError,
)
from passport.exchange.oid4vci import (
    Oid4vciError,
)


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
