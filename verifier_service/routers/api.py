"""The back-office API (for the bank's own systems): create requests, read decisions.

Every call needs the API key that ``verifier init`` printed, as ``Authorization: Bearer KEY``
or ``X-API-Key: KEY`` (``api_key_invalid``, 401); only its SHA-256 is stored.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query

from passport.errors import VerdictError
from verifier_service.deps import Runtime, RuntimeDep
from verifier_service.domain import create_session, get_session, list_sessions, session_view
from verifier_service.schemas import CreatedRequest, CreateRequest, SessionSummary
from verifier_service.settings import api_key_hash

router = APIRouter(prefix="/api", tags=["back office"])


def require_api_key(
    runtime: RuntimeDep,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Runtime:
    presented = x_api_key
    if presented is None and authorization and authorization.lower().startswith("bearer "):
        presented = authorization[7:].strip()
    expected = runtime.settings.api_key_sha256
    if not presented or not expected or not hmac.compare_digest(api_key_hash(presented), expected):
        raise VerdictError(
            "api_key_invalid",
            "The back-office API needs the verifier's API key (Authorization: Bearer KEY).",
        )
    return runtime


AuthedRuntime = Annotated[Runtime, Depends(require_api_key)]


@router.post("/requests", response_model=CreatedRequest, summary="Create an onboarding request")
def create_request(body: CreateRequest, runtime: AuthedRuntime) -> dict[str, object]:
    created = create_session(
        runtime, channel="api", lang=body.lang, response_mode=body.response_mode
    )
    return created.as_dict()


@router.get("/sessions", response_model=list[SessionSummary], summary="Recent sessions")
def sessions(
    runtime: AuthedRuntime, limit: Annotated[int, Query(ge=1, le=1000)] = 20
) -> list[dict[str, object]]:
    return list_sessions(runtime, limit=limit)


@router.get("/sessions/{session_id}", response_model=SessionSummary, summary="One decision")
def session(session_id: str, runtime: AuthedRuntime) -> dict[str, object]:
    return session_view(runtime, get_session(runtime, session_id), full=True)
