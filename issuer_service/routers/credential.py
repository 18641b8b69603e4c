"""The Credential Endpoint (OpenID4VCI 1.0 section 8)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from issuer_service.deps import CtxDep, DbDep, ResolverDep
from issuer_service.domain import CONFIGURATIONS, issue_credential
from issuer_service.errors import NO_STORE
from issuer_service.schemas import CredentialRequestBody, CredentialResponseBody, OAuthErrorBody
from passport.exchange.oid4vci import (
    credential_response,
    parse_bearer_token,
    parse_credential_request,
)

router = APIRouter(tags=["oid4vci"])


@router.post(
    "/credential",
    summary="Credential Request",
    response_model=CredentialResponseBody,
    responses={400: {"model": OAuthErrorBody}, 401: {"model": OAuthErrorBody}},
)
def credential(
    body: CredentialRequestBody,
    db: DbDep,
    ctx: CtxDep,
    resolver: ResolverDep,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Issue the offered credential to the holder key proven by the ``jwt`` key proof (with a
    ``c_nonce`` from the nonce endpoint). One record, one random status index, all or nothing.
    Batch issuance: ``proofs.jwt`` with up to ``batch_credential_issuance.batch_size`` proofs
    (one c_nonce, a different key each) gets one copy per proof, in that order.

    Errors: ``invalid_token`` (401: no, unknown, expired or used access token),
    ``invalid_credential_request``, ``unknown_credential_configuration``, ``invalid_proof``,
    ``invalid_nonce``."""
    access_token = parse_bearer_token(authorization)
    request = parse_credential_request(
        body.as_json(), known_configuration_ids=CONFIGURATIONS, batch_size=ctx.batch_size
    )
    result = issue_credential(
        db, ctx, access_token=access_token, request=request, resolver=resolver
    )
    return JSONResponse(
        credential_response([c.credential for c in result.copies]), headers=NO_STORE
    )
