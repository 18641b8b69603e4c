"""The edge of the issuer: limits every request meets before any route reads it.

A pure ASGI middleware (``RequestLimits``), so that it runs for every route, documented or
not, and before FastAPI parses a body:

* a body larger than ``max_body_bytes`` (by its ``Content-Length``, or counted while it
  arrives in chunks) is refused with 413 ``request_too_large``, without reading the rest;
* a ``Content-Length`` that is not one non-negative integer is 400 ``content_length_invalid``;
* a non-empty body must be JSON (``application/json`` or ``application/*+json``), except at
  the form endpoints (``/token``, which checks its own form), else 415
  ``content_type_unsupported``;
* a JSON body must be UTF-8 JSON nested at most ``max_json_depth`` deep, within Python's
  number limits (``passport.jsonsafe``), else 400 ``json_too_deep`` / ``json_malformed``.
  ``json.loads`` in C recurses once per level: unchecked, 160 KB of ``[`` overflow the stack
  of a process whose recursion limit py_ecc raised (a SIGSEGV);
* a client that goes away before its body is complete (``Content-Length`` larger than what
  it sent) gets no answer and leaves one INFO line in the log, no traceback.

Answers are the OAuth / OpenID4VCI error object at the OAuth endpoints (``invalid_request``,
``invalid_credential_request``, the code first in ``error_description``) and RFC 9457
problem+json with the code elsewhere, as ``issuer_service.errors`` renders them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from issuer_service.errors import OAUTH_PATHS, oauth_error, problem
from passport import jsonsafe
from passport.errors import MalformedError

__all__ = ["FORM_PATHS", "Limits", "RequestLimits"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("issuer_service")

FORM_PATHS = frozenset({"/token"})
"""Endpoints whose body is a form (they check their media type themselves)."""


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


@dataclass(frozen=True)
class Limits:
    """What a request may be: body size in bytes, JSON nesting depth."""

    max_body_bytes: int = 64 * 1024
    max_json_depth: int = 32


def _too_large(size: int, limits: Limits) -> _Refused:
    return _Refused(
        413,
        "request_too_large",
        f"The request body is {size} bytes or more; this issuer accepts at most "
        f"{limits.max_body_bytes}.",
    )


def _check_body(
    scope: Scope, headers: list[tuple[bytes, bytes]], body: bytes, limits: Limits
) -> None:
    if scope.get("path") in FORM_PATHS:
        return
    content_type = next((v for k, v in headers if k == b"content-type"), b"")
    if not _is_json(content_type.decode("latin-1")):
        raise _Refused(
            415, "content_type_unsupported", "Send the request body as application/json."
        )
    try:
        jsonsafe.loads(
            body,
            what="The request body",
            max_depth=limits.max_json_depth,
            max_bytes=limits.max_body_bytes,
        )
    except MalformedError as exc:
        raise _Refused(400, exc.code, exc.message) from None


class RequestLimits:
    """ASGI middleware enforcing the limits above on every HTTP request."""

    def __init__(self, app: ASGIApp, *, limits: Callable[[Scope], Limits]) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        try:
            body = await self._read(scope, receive, self.limits(scope))
        except _Refused as refused:
            await self._answer(path, refused, scope, receive, send)
            return
        if body is None:  # the client went away mid-body: nobody to answer
            log.info("client disconnected before sending its whole body on %s", path)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, scope: Scope, receive: Receive, limits: Limits) -> bytes | None:
        headers = [(k.lower(), v) for k, v in scope.get("headers", ())]
        lengths = {v.strip() for k, v in headers if k == b"content-length"}
        declared: int | None = None
        if lengths:
            value = lengths.pop() if len(lengths) == 1 else b""
            if not value.isdigit():
                raise _Refused(
                    400,
                    "content_length_invalid",
                    "Content-Length must be one non-negative integer.",
                )
            declared = int(value)
            if declared > limits.max_body_bytes:
                raise _too_large(declared, limits)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = bytes(message.get("body", b""))
            size += len(chunk)
            if size > limits.max_body_bytes:
                raise _too_large(size, limits)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body:
            _check_body(scope, headers, body, limits)
        return body

    async def _answer(
        self, path: str, refused: _Refused, scope: Scope, receive: Receive, send: Send
    ) -> None:
        oauth = OAUTH_PATHS.get(path)
        if oauth is not None:
            response = oauth_error(oauth, f"{refused.code}: {refused.message}", refused.status)
        else:
            response = problem(refused.status, refused.code, refused.message)
        # the rest of a refused body is not read: close the connection after answering
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
