"""FIDO enrollment: a WebAuthn registration ceremony that yields a FidoKeyBindingCredential.

The wallet redeems an offer for ``FidoKeyBindingCredential`` at the token endpoint, then:

1. ``POST /fido/registration/options`` (Bearer access token) -> ``{"ceremony_id",
   "publicKey": PublicKeyCredentialCreationOptionsJSON}``;
2. its authenticator creates a credential over the challenge, and the holder signs the same
   challenge with its DID key (a ``did-binding+jwt``, ``aud`` = the credential issuer);
3. ``POST /fido/registration`` (Bearer) with ``{"ceremony_id", "credential":
   RegistrationResponseJSON, "did_binding"}`` -> the credential response
   ``{"credentials": [{"credential": <Data Integrity FidoKeyBindingCredential>}]}``.

Attestation formats ``none`` and ``packed`` are accepted. The WebAuthn origin must be the
issuer's own origin (scheme://host[:port] of its base URL).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from issuer_service.deps import RuntimeDep
from issuer_service.errors import NO_STORE
from issuer_service.schemas import (
    CredentialResponseBody,
    FidoFinishBody,
    FidoOptionsResponse,
    OAuthErrorBody,
    ProblemBody,
)
from passport.exchange.oid4vci import credential_response, parse_bearer_token

router = APIRouter(prefix="/fido", tags=["fido"])

AuthHeader = Annotated[str | None, Header()]


def issuer_origin(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def begin_enrollment(runtime: Any, access_token: str) -> dict[str, Any]:
    """WebAuthn registration options bound to the offer of ``access_token`` (WebAuthn L3
    section 5.4); the state is kept by the domain for the finish step."""
    from issuer_service.domain import start_fido_enrollment
    from passport.fido.webauthn import registration_options

    ctx = runtime.ctx
    options, state = registration_options(
        rp_id=ctx.relying_party_id,
        rp_name=runtime.settings.name,
        user_id=secrets.token_bytes(16),
        user_name="passport-holder",
        user_display_name=f"{runtime.settings.name} passport holder",
        challenge=secrets.token_bytes(32),
    )
    enrollment = start_fido_enrollment(
        runtime.db, ctx, access_token=access_token, server_state=state.to_dict()
    )
    return {"ceremony_id": enrollment.ceremony_id, "publicKey": options}


def finish_enrollment(runtime: Any, access_token: str, body: FidoFinishBody) -> Any:
    """Verify the registration (WebAuthn section 7.1) and the holder's DID binding over the
    same challenge, then issue the FidoKeyBindingCredential (one domain transaction).

    Raises ``fido_ceremony_invalid``, the ``fido_*`` codes of ``verify_registration``, the
    ``did_binding_*`` codes, ``access_token_invalid``."""
    from issuer_service.domain import fido_enrollment_state, finish_fido_enrollment
    from passport.fido.did_binding import verify_did_binding
    from passport.fido.webauthn import (
        RegistrationState,
        registration_response_parts,
        verify_registration,
    )

    ctx = runtime.ctx
    enrollment = fido_enrollment_state(runtime.db, ctx, body.ceremony_id)
    state = RegistrationState.from_dict(enrollment.state)
    client_data, attestation = registration_response_parts(body.credential)
    authenticator = verify_registration(
        state,
        client_data_json=client_data,
        attestation_object=attestation,
        origins=[issuer_origin(runtime.settings.base_url)],
    )
    binding = verify_did_binding(
        body.did_binding,
        challenge=state.challenge,
        audience=runtime.settings.base_url,
        resolver=runtime.resolver,
        now=ctx.now(),
        credential_id=authenticator.credential_id,
    )
    return finish_fido_enrollment(
        runtime.db,
        ctx,
        access_token=access_token,
        ceremony_id=body.ceremony_id,
        holder_did=binding.did,
        authenticator=authenticator,
    )


@router.post(
    "/registration/options",
    summary="Begin a WebAuthn registration",
    response_model=FidoOptionsResponse,
    responses={401: {"model": OAuthErrorBody}},
)
def registration_options_endpoint(
    runtime: RuntimeDep, authorization: AuthHeader = None
) -> JSONResponse:
    """Creation options for the holder's authenticator (needs an access token granted for
    FidoKeyBindingCredential)."""
    access_token = parse_bearer_token(authorization)
    return JSONResponse(begin_enrollment(runtime, access_token), headers=NO_STORE)


@router.post(
    "/registration",
    summary="Finish the registration: the FidoKeyBindingCredential",
    response_model=CredentialResponseBody,
    responses={400: {"model": ProblemBody}, 401: {"model": OAuthErrorBody}},
)
def registration_finish_endpoint(
    body: FidoFinishBody, runtime: RuntimeDep, authorization: AuthHeader = None
) -> JSONResponse:
    """Verify the authenticator's registration and the DID binding; issue the credential."""
    access_token = parse_bearer_token(authorization)
    result = finish_enrollment(runtime, access_token, body)
    return JSONResponse(credential_response([result.credential]), headers=NO_STORE)
