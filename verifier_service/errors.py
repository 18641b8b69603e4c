"""Errors as HTTP responses, in one place.

* The OpenID4VP endpoints (``/oid4vp/...``) answer the wallet with the OAuth error object
  ``{"error", "error_description"}`` (OpenID4VP 1.0 section 8.2 and RFC 6749 section 5.2) plus
  the project's stable ``code``, with ``Cache-Control: no-store``.
* Everything else answers RFC 9457 ``application/problem+json``:
  ``{"type", "title", "status", "detail", "code", "details"}``.
* Never a traceback, never a 500 for bad input; anything unexpected is a 500
  ``internal_error`` without internals.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from issuer_service.errors import problem
from passport.errors import (
    ConfigurationError,
    CouldNotCheckError,
    MalformedError,
    PassportError,
    VerdictError,
)

__all__ = ["install_error_handlers", "problem", "status_of"]

log = logging.getLogger("verifier_service")

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

#: HTTP status by code where it is not the branch's default (400 for malformed input and
#: verdicts, 503 for could-not-check, 500 for configuration).
STATUS: dict[str, int] = {
    "content_type_unsupported": 415,
    "body_too_large": 413,
    "session_unknown": 404,
    "response_replayed": 409,
    "request_expired": 410,
    "api_key_invalid": 401,
}

#: The OpenID4VP error of a code at the response / request endpoints (section 8.5).
_WALLET_FACING = {"session_unknown": "invalid_request", "request_expired": "invalid_request"}


def status_of(err: PassportError) -> int:
    if err.code in STATUS:
        return STATUS[err.code]
    if isinstance(err, MalformedError | VerdictError):
        return 400
    if isinstance(err, CouldNotCheckError):
        return 503
    if isinstance(err, ConfigurationError):
        return 500
    return 400


def _wallet_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "error": _WALLET_FACING.get(code, "invalid_request"),
            "error_description": f"{code}: {message}",
            "code": code,
        },
        status_code=status,
        headers=NO_STORE,
    )


def install_error_handlers(app: FastAPI) -> None:
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for e in list(exc.errors())[:3]:
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
            parts.append(f"{where}: {e.get('msg', 'invalid')}")
        detail = "; ".join(parts) or "the request is malformed"
        if request.url.path.startswith("/oid4vp/"):
            return _wallet_error(400, "request_malformed", detail)
        return problem(400, "request_malformed", detail)

    async def on_passport(request: Request, exc: PassportError) -> JSONResponse:
        status = status_of(exc)
        if status >= 500:
            log.error("%s on %s: %s", exc.code, request.url.path, exc.message)
        if request.url.path.startswith("/oid4vp/"):
            return _wallet_error(status, exc.code, exc.message)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        response = problem(status, exc.code, exc.message, exc.details)
        if headers:
            response.headers.update(headers)
        return response

    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return problem(exc.status_code, code, str(exc.detail))

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s", request.url.path)
        return problem(500, "internal_error", "The verifier failed unexpectedly; see its log.")

    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(PassportError, on_passport)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, on_unexpected)
