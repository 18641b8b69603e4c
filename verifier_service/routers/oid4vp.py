"""The wallet-facing OpenID4VP 1.0 endpoints: the request object behind ``request_uri``
(GET, or POST with ``wallet_nonce``, section 5.10) and the response endpoint of
``direct_post`` / ``direct_post.jwt`` (section 8.2)."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from passport.errors import MalformedError
from verifier_service.deps import RuntimeDep
from verifier_service.domain import receive_response, request_object
from verifier_service.errors import NO_STORE

router = APIRouter(prefix="/oid4vp", tags=["openid4vp"])

REQUEST_OBJECT_MEDIA = "application/oauth-authz-req+jwt"


@router.get("/request/{session_id}", summary="The request object (request_uri)")
def get_request(session_id: str, runtime: RuntimeDep) -> Response:
    token = request_object(runtime, session_id)
    return Response(token, media_type=REQUEST_OBJECT_MEDIA, headers=NO_STORE)


@router.post("/request/{session_id}", summary="The request object (request_uri_method=post)")
async def post_request(session_id: str, request: Request, runtime: RuntimeDep) -> Response:
    body = await request.body()
    wallet_nonce = None
    if len(body) <= 8192:
        values = parse_qs(body.decode("utf-8", "replace")).get("wallet_nonce")
        wallet_nonce = values[0] if values else None
    token = await run_in_threadpool(request_object, runtime, session_id, wallet_nonce=wallet_nonce)
    return Response(token, media_type=REQUEST_OBJECT_MEDIA, headers=NO_STORE)


@router.post("/response/{session_id}", summary="The response endpoint (direct_post[.jwt])")
async def post_response(session_id: str, request: Request, runtime: RuntimeDep) -> JSONResponse:
    limit = runtime.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        body = b"x" * (limit + 1)  # refused by size before it is read
    else:
        body = b""
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    break
        except ClientDisconnect:
            raise MalformedError("form_malformed", "The response body is incomplete.") from None
    result = await run_in_threadpool(
        receive_response, runtime, session_id, body, request.headers.get("content-type")
    )
    return JSONResponse(result.as_dict(), headers=NO_STORE)
