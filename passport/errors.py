"""The exception tree of the passport library.

Every error carries a stable snake_case ``code`` (documented in ``docs/errors.md``),
a human ``message`` that says what to do, and a ``details`` dict free of secrets::

    PassportError
    ├── MalformedError       the input cannot be parsed (jwt_malformed, disclosure_malformed, ...)
    ├── VerdictError         the input parsed and is invalid (signature_invalid, revoked, ...)
    ├── CouldNotCheckError   no verdict could be reached (did_not_found, rpc_unavailable, ...)
    ├── ConfigurationError   the library was set up wrongly (unsupported_key_type, ...)
    └── ProtocolError        a protocol error with a wire form: an OAuth ``error`` and an HTTP
        │                    status (its branch is its row in ``passport.codes``)
        └── passport.exchange.oid4vci.Oid4vciError   OpenID4VCI token/credential errors

Each code's branch, report check and HTTP status are one row of ``passport.codes.CODES``.

"Could not check" is never reported as "invalid": a resolver timeout is not a bad signature.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "ConfigurationError",
    "CouldNotCheckError",
    "MalformedError",
    "PassportError",
    "ProtocolError",
    "VerdictError",
]


class PassportError(Exception):
    """Root of every error the library raises on purpose."""

    default_code: ClassVar[str] = "passport_error"

    def __init__(
        self,
        code: str | None,
        message: str,
        *,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code: str = code or self.default_code
        self.message: str = message
        self.details: dict[str, Any] = dict(details or {})

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            out["details"] = self.details
        return out


class MalformedError(PassportError):
    """The input could not be parsed or does not have the required shape."""

    default_code = "malformed"


class VerdictError(PassportError):
    """The input was understood and is invalid: a verdict, not an accident."""

    default_code = "invalid"


class CouldNotCheckError(PassportError):
    """A check could not be carried out (a DID could not be resolved, a network was down)."""

    default_code = "could_not_check"


class ConfigurationError(PassportError):
    """The library or a key was configured in a way it cannot work with."""

    default_code = "configuration_error"


class ProtocolError(PassportError):
    """A protocol error with a wire form: ``error`` (e.g. OAuth's ``invalid_request``) and
    the HTTP ``status`` to answer with. Its branch is its code's row in ``passport.codes``."""

    default_code = "protocol_error"

    def __init__(
        self,
        code: str | None,
        message: str,
        *,
        error: str,
        status: int = 400,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(code, message, details=details)
        self.error: str = error
        self.status: int = status

    @property
    def error_description(self) -> str:
        return self.message
