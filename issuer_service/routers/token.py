"""The Token Endpoint (OpenID4VCI 1.0 section 6; RFC 6749 sections 4.1.3 and 5)."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from issuer_service.deps import CtxDep, DbDep, RuntimeDep
from issuer_service.domain import redeem_token
from issuer_service.errors import NO_STORE, ProtocolError
from issuer_service.offer_files import remove_offer_png
from issuer_service.schemas import OAuthErrorBody, TokenRequestForm, TokenResponseBody
from passport.exchange.oid4vci import parse_token_request, token_response

router = APIRouter(tags=["oid4vci"])

_FORM = "application/x-www-form-urlencoded"
_MAX_BODY = 16 * 1024


@router.post(
    "/token",
    summary="Token Request (pre-authorized code grant)",
    response_model=TokenResponseBody,
    responses={400: {"model": OAuthErrorBody}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {_FORM: {"schema": TokenRequestForm.model_json_schema(by_alias=True)}},
        }
    },
)
async def token(request: Request, db: DbDep, ctx: CtxDep, runtime: RuntimeDep) -> JSONResponse:
    """Exchange a pre-authorized code (and its tx_code) for an access token. Codes are
    single-use and expire; wrong tx_codes are counted and lock the offer at the limit.

    Errors: ``invalid_request`` (not a form, missing or repeated parameters, tx_code missing
    or unexpected), ``unsupported_grant_type``, ``invalid_grant`` (unknown, used, expired or
    locked code; wrong tx_code)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != _FORM:
        raise ProtocolError("invalid_request", f"Send the token request as {_FORM}.")
    raw = await request.body()
    if len(raw) > _MAX_BODY:
        raise ProtocolError("invalid_request", "The token request is too large.")
    try:
        form = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw))
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError("invalid_request", "The token request is not a valid form.") from None
    if form.get("grant_type") == ["refresh_token"]:
        # RFC 6749 section 6: a new batch of a credential received before (wallet refresh)
        from issuer_service.domain.refresh import redeem_refresh_token

        values = form.get("refresh_token") or []
        if len(values) != 1 or not values[0]:
            raise ProtocolError("invalid_request", "Send one refresh_token.")
        refreshed, renewed = await run_in_threadpool(redeem_refresh_token, db, ctx, values[0])
        return JSONResponse(
            token_response(
                refreshed.access_token, expires_in=refreshed.expires_in, refresh_token=renewed
            ),
            headers=NO_STORE,
        )
    grant = await run_in_threadpool(redeem_token, db, ctx, parse_token_request(form))
    # the offer's QR code (it holds the pre-authorized code) is of no use any more
    await run_in_threadpool(remove_offer_png, runtime.settings.config_dir, grant.offer_id)
    return JSONResponse(
        token_response(
            grant.access_token, expires_in=grant.expires_in, refresh_token=grant.refresh_token
        ),
        headers=NO_STORE,
    )
