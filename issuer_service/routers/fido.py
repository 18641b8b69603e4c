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

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from issuer_service.deps import RuntimeDep
from issuer_service.enrollment import begin_enrollment, finish_enrollment
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
    options = begin_enrollment(
        runtime.db,
        runtime.ctx,
        access_token=parse_bearer_token(authorization),
        rp_name=runtime.settings.name,
    )
    return JSONResponse(options, headers=NO_STORE)


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
    result = finish_enrollment(
        runtime.db,
        runtime.ctx,
        access_token=parse_bearer_token(authorization),
        ceremony_id=body.ceremony_id,
        registration=body.credential,
        did_binding=body.did_binding,
        resolver=runtime.resolver,
        base_url=runtime.settings.base_url,
    )
    return JSONResponse(credential_response([result.credential]), headers=NO_STORE)
