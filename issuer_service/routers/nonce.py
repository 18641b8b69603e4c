"""The Nonce Endpoint (OpenID4VCI 1.0 section 7)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from issuer_service.deps import CtxDep, DbDep
from issuer_service.domain import issue_nonce
from issuer_service.errors import NO_STORE
from issuer_service.schemas import NonceResponseBody
from passport.exchange.oid4vci import nonce_response

router = APIRouter(tags=["oid4vci"])


@router.post("/nonce", summary="A fresh c_nonce", response_model=NonceResponseBody)
def nonce(db: DbDep, ctx: CtxDep) -> JSONResponse:
    """A single-use ``c_nonce`` for the key proof of one credential request."""
    issued = issue_nonce(db, ctx)
    return JSONResponse(nonce_response(issued.c_nonce), headers=NO_STORE)
