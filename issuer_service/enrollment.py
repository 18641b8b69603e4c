"""FIDO enrollment as two domain operations: begin (WebAuthn options bound to an offer's
access token) and finish (verify the registration and the holder's DID binding over the same
challenge, then issue the FidoKeyBindingCredential in one transaction).

Error codes: ``fido_ceremony_invalid``, the ``fido_*`` codes of
``passport.fido.webauthn.verify_registration``, the ``did_binding_*`` codes of
``passport.fido.did_binding.verify_did_binding``, ``access_token_invalid``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from issuer_service.db import Database
from issuer_service.domain import (
    IssuanceResult,
    IssuerContext,
    fido_enrollment_state,
    finish_fido_enrollment,
    start_fido_enrollment,
)
from passport.fido.did_binding import verify_did_binding
from passport.fido.webauthn import (
    RegistrationState,
    registration_options,
    registration_response_parts,
    verify_registration,
)
from passport.ports import Resolver

__all__ = ["begin_enrollment", "finish_enrollment", "issuer_origin"]


def issuer_origin(base_url: str) -> str:
    """The WebAuthn origin of the issuer: scheme://host[:port] of its base URL."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def begin_enrollment(
    db: Database, ctx: IssuerContext, *, access_token: str, rp_name: str
) -> dict[str, Any]:
    """WebAuthn registration options (WebAuthn L3 section 5.4) bound to the offer of
    ``access_token``; the server state is kept for ``finish_enrollment``."""
    options, state = registration_options(
        rp_id=ctx.relying_party_id,
        rp_name=rp_name,
        user_id=secrets.token_bytes(16),
        user_name="passport-holder",
        user_display_name=f"{rp_name} passport holder",
        challenge=secrets.token_bytes(32),
    )
    enrollment = start_fido_enrollment(
        db, ctx, access_token=access_token, server_state=state.to_dict()
    )
    return {"ceremony_id": enrollment.ceremony_id, "publicKey": options}


def finish_enrollment(
    db: Database,
    ctx: IssuerContext,
    *,
    access_token: str,
    ceremony_id: str,
    registration: Mapping[str, Any],
    did_binding: str,
    resolver: Resolver,
    base_url: str,
) -> IssuanceResult:
    """Verify the registration (WebAuthn section 7.1; none and packed attestation) and the
    holder's DID binding over the same challenge, then issue the FidoKeyBindingCredential."""
    enrollment = fido_enrollment_state(db, ctx, ceremony_id)
    state = RegistrationState.from_dict(enrollment.state)
    client_data, attestation = registration_response_parts(dict(registration))
    authenticator = verify_registration(
        state,
        client_data_json=client_data,
        attestation_object=attestation,
        origins=[issuer_origin(base_url)],
    )
    binding = verify_did_binding(
        did_binding,
        challenge=state.challenge,
        audience=base_url,
        resolver=resolver,
        now=ctx.now(),
        credential_id=authenticator.credential_id,
    )
    return finish_fido_enrollment(
        db,
        ctx,
        access_token=access_token,
        ceremony_id=ceremony_id,
        holder_did=binding.did,
        authenticator=authenticator,
    )
