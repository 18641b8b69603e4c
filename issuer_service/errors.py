"""Errors as HTTP responses: one place that maps exceptions to status codes and bodies.

* The OpenID4VCI / OAuth endpoints (``/token``, ``/nonce``, ``/credential``) answer with the
  specification's error object ``{"error", "error_description"}`` (RFC 6749 section 5.2,
  OpenID4VCI 1.0 section 8.3.1.2) and ``Cache-Control: no-store``; ``invalid_token`` is a
  401 with ``WWW-Authenticate: Bearer error="invalid_token"`` (RFC 6750 section 3).
* Everything else answers a ``PassportError`` with RFC 9457 ``application/problem+json``:
  ``{"type", "title", "status", "detail", "code", "details"}``.
* A body that does not parse or has the wrong shape is a 400: ``invalid_request`` at the
  token endpoint, ``invalid_credential_request`` at the credential endpoint, problem+json
  ``request_malformed`` elsewhere. Never a traceback, never a 500 for bad input.
* Anything unexpected is a 500 problem ``internal_error`` without internals.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from passport.codes import CODES
from passport.errors import (
    ConfigurationError,
    CouldNotCheckError,
    PassportError,
)
from passport.errors import ProtocolError as CoreProtocolError

__all__ = [
    "OAUTH_PATHS",
    "ProtocolError",
    "install_error_handlers",
    "oauth_error",
    "problem",
    "problem_status",
]

log = logging.getLogger("issuer_service")

ERRORS_DOC = "https://github.com/digital-financial-passport/docs/errors.md"
OAUTH_PATHS: dict[str, str] = {
    "/token": "invalid_request",
    "/nonce": "invalid_request",
    "/credential": "invalid_credential_request",
}
"""Endpoints that speak OAuth/OpenID4VCI errors, and their error for a malformed body."""

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class ProtocolError(CoreProtocolError):
    """An OAuth / OpenID4VCI error raised by the HTTP layer itself (e.g. a token request that
    is not a form), in the one error tree: ``error`` goes on the wire, ``code`` (a row of
    ``passport.codes``) into the log and the docs. Core errors of the same shape (``error``,
    ``error_description``, ``status``) are rendered the same way.
    """

    def __init__(
        self, error: str, description: str, status: int = 400, *, code: str = "request_malformed"
    ) -> None:
        super().__init__(code, description, error=error, status=status)


def oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    """The OAuth error object with no-store caching; 401s carry a Bearer challenge."""
    headers = dict(NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = f'Bearer error="{error}"'
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


def problem_status(err: PassportError) -> int:
    """The HTTP status of ``err``: a protocol error's own, else its code's row in
    ``passport.codes`` (404 only for the issuer's own records, 409 for a change already made,
    400 for malformed input and verdicts, 503 when something could not be reached or checked,
    500 for the issuer's configuration); a code without a row falls back on its class."""
    if isinstance(err, CoreProtocolError):
        return err.status
    row = CODES.get(err.code)
    if row is not None:
        return row.status
    if isinstance(err, CouldNotCheckError):
        return 503
    if isinstance(err, ConfigurationError):
        return 500
    return 400


def problem(
    status: int, code: str, detail: str, details: Mapping[str, Any] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"{ERRORS_DOC}#{code}",
        "title": code.replace("_", " "),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if details:
        body["details"] = dict(details)
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _is_protocol_error(exc: BaseException) -> bool:
    return all(hasattr(exc, a) for a in ("error", "error_description", "status"))


def _protocol_response(exc: Any) -> JSONResponse:
    return oauth_error(str(exc.error), str(exc.error_description), int(exc.status))


def _describe(errors: Any) -> str:
    parts = []
    for e in list(errors)[:3]:
        where = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request body is malformed"


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers above on ``app``."""

    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        description = _describe(exc.errors())
        oauth = OAUTH_PATHS.get(request.url.path)
        if oauth is not None:
            return oauth_error(oauth, description)
        return problem(400, "request_malformed", description)

    async def on_passport(request: Request, exc: PassportError) -> JSONResponse:
        if _is_protocol_error(exc):
            return _protocol_response(exc)
        status = problem_status(exc)
        if status >= 500:
            log.error("%s on %s: %s", exc.code, request.url.path, exc.message)
        oauth = OAUTH_PATHS.get(request.url.path)
        if oauth is not None and status < 500:
            # a core error inside an OAuth endpoint still speaks the endpoint's language
            return oauth_error(oauth, f"{exc.code}: {exc.message}", status)
        return problem(status, exc.code, exc.message, exc.details)

    async def on_protocol(request: Request, exc: ProtocolError) -> JSONResponse:
        return _protocol_response(exc)

    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return problem(exc.status_code, code, str(exc.detail))

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        if _is_protocol_error(exc):
            return _protocol_response(exc)
        log.exception("internal error on %s", request.url.path)
        return problem(500, "internal_error", "The issuer failed unexpectedly; see its log.")

    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(PassportError, on_passport)  # type: ignore[arg-type]
    app.add_exception_handler(ProtocolError, on_protocol)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, on_unexpected)
