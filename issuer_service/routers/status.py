"""Bitstring Status List credentials, served over HTTP (W3C Bitstring Status List v1.0)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from issuer_service.deps import CtxDep, DbDep
from issuer_service.domain import status_list_credential
from issuer_service.schemas import ProblemBody

router = APIRouter(tags=["status"])


@router.get(
    "/status/{list_id}",
    summary="A signed status list credential",
    responses={404: {"model": ProblemBody}},
)
def status_list(list_id: str, db: DbDep, ctx: CtxDep) -> JSONResponse:
    """The current version of the list (its digest is recorded on chain by the anchor
    worker). Not cached: a revocation shows at once. 404 ``status_list_not_found``."""
    return JSONResponse(
        status_list_credential(db, ctx, list_id),
        media_type="application/vc+ld+json",
        headers={"Cache-Control": "no-cache"},
    )
