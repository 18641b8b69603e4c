"""OpenID4VP 1.0 messages shared by both roles: links, client identifiers, vp_token, errors.

The wallet side (fetching and checking request objects, building and posting responses) and
the verifier side (signing requests, decrypting and verifying responses) build on this module;
the query language lives in :mod:`passport.exchange.dcql`.

Error codes: ``authorization_request_malformed`` (a link that is not an OpenID4VP request),
``client_id_unsupported`` (a client identifier prefix this project does not speak),
``vp_token_malformed`` (a ``vp_token`` not in the 1.0 shape of section 8.1).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from passport.errors import MalformedError

__all__ = [
    "REQUEST_OBJECT_TYP",
    "SCHEME",
    "ClientId",
    "ClientIdPrefix",
    "ResponseMode",
    "WalletErrorCode",
    "authorization_link",
    "error_response",
    "parse_authorization_link",
    "parse_client_id",
    "parse_vp_token",
]

SCHEME = "openid4vp://"
REQUEST_OBJECT_TYP = "oauth-authz-req+jwt"


class ResponseMode(enum.StrEnum):
    """Section 8.2 and 8.3."""

    DIRECT_POST = "direct_post"
    DIRECT_POST_JWT = "direct_post.jwt"


class ClientIdPrefix(enum.StrEnum):
    """The client identifier prefixes of section 5.9.3 that this project speaks."""

    REDIRECT_URI = "redirect_uri"
    DECENTRALIZED_IDENTIFIER = "decentralized_identifier"


class WalletErrorCode(enum.StrEnum):
    """Error codes a wallet sends in an authorization error response (section 8.5)."""

    INVALID_REQUEST = "invalid_request"
    INVALID_CLIENT = "invalid_client"
    ACCESS_DENIED = "access_denied"
    VP_FORMATS_NOT_SUPPORTED = "vp_formats_not_supported"
    INVALID_REQUEST_URI_METHOD = "invalid_request_uri_method"
    INVALID_TRANSACTION_DATA = "invalid_transaction_data"
    WALLET_UNAVAILABLE = "wallet_unavailable"


@dataclass(frozen=True)
class ClientId:
    """A client identifier split at its prefix: ``decentralized_identifier:did:ethr:...`` has
    prefix ``decentralized_identifier`` and identifier ``did:ethr:...``."""

    prefix: ClientIdPrefix
    identifier: str
    raw: str


def parse_client_id(raw: Any) -> ClientId:
    """Split a client identifier (section 5.9). Raises ``client_id_unsupported`` for a prefix
    other than ``redirect_uri`` and ``decentralized_identifier`` (or none at all)."""
    if not isinstance(raw, str) or ":" not in raw:
        raise MalformedError(
            "client_id_unsupported",
            "The request's client_id has no prefix this wallet understands; expected "
            "redirect_uri: or decentralized_identifier:.",
        )
    prefix, _, identifier = raw.partition(":")
    try:
        kind = ClientIdPrefix(prefix)
    except ValueError:
        raise MalformedError(
            "client_id_unsupported",
            f"The client identifier prefix {prefix!r} is not supported; expected redirect_uri: "
            "or decentralized_identifier:.",
            details={"prefix": prefix[:64]},
        ) from None
    if not identifier:
        raise MalformedError(
            "client_id_unsupported", "The client_id names no client after its prefix."
        )
    if kind is ClientIdPrefix.DECENTRALIZED_IDENTIFIER and not identifier.startswith("did:"):
        raise MalformedError(
            "client_id_unsupported", "A decentralized_identifier client_id must be a DID."
        )
    if kind is ClientIdPrefix.REDIRECT_URI and not identifier.startswith(("https://", "http://")):
        raise MalformedError("client_id_unsupported", "A redirect_uri client_id must be a URL.")
    return ClientId(kind, identifier, raw)


def authorization_link(params: Mapping[str, str], *, scheme: str = SCHEME) -> str:
    """An authorization request as a link for a QR code or a same-device button (section 5):
    ``openid4vp://?client_id=...&request_uri=...``. ``scheme`` may be a wallet's https URL."""
    base = scheme + "?" if scheme.endswith("://") else scheme + ("&" if "?" in scheme else "?")
    return base + urlencode(dict(params))


def parse_authorization_link(uri: Any) -> dict[str, str]:
    """The parameters of an authorization request link. Raises
    ``authorization_request_malformed`` when it is not one (no ``client_id``, a repeated
    parameter, both ``request`` and ``request_uri``)."""

    def bad(message: str) -> MalformedError:
        return MalformedError(
            "authorization_request_malformed",
            f"This is not an OpenID4VP request: {message} Scan the verifier's QR code again.",
        )

    if not isinstance(uri, str) or not uri.strip():
        raise bad("the link is empty.")
    parts = urlsplit(uri.strip())
    if not parts.scheme:
        raise bad("the link has no scheme.")
    query = parse_qs(parts.query, keep_blank_values=True)
    params: dict[str, str] = {}
    for name, values in query.items():
        if len(values) != 1:
            raise bad(f"the parameter {name[:40]!r} is repeated.")
        params[name] = values[0]
    if not params.get("client_id"):
        raise bad("it carries no client_id.")
    if "request" in params and "request_uri" in params:
        raise bad("it carries both request and request_uri.")
    method = params.get("request_uri_method")
    if method is not None and ("request_uri" not in params or method not in ("get", "post")):
        raise bad("request_uri_method must be get or post, with a request_uri.")
    return params


def error_response(
    code: WalletErrorCode | str, description: str | None = None, state: str | None = None
) -> dict[str, str]:
    """The body of a wallet's error response (section 8.5), posted to the response URI."""
    out = {"error": str(code)}
    if description:
        out["error_description"] = description
    if state is not None:
        out["state"] = state
    return out


def parse_vp_token(value: Any) -> dict[str, tuple[str | dict[str, Any], ...]]:
    """A ``vp_token`` in the 1.0 shape (section 8.1): a JSON object (or its JSON text, as a form
    parameter carries it) whose keys are credential query ids and whose values are non-empty
    arrays of presentations (strings, or objects for JSON-based formats). Raises
    ``vp_token_malformed``."""

    def bad(message: str) -> MalformedError:
        return MalformedError("vp_token_malformed", f"The vp_token is not valid: {message}")

    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise bad("it is not JSON.") from None
    if not isinstance(value, Mapping) or not value:
        raise bad("it must be a non-empty JSON object keyed by credential query id.")
    out: dict[str, tuple[str | dict[str, Any], ...]] = {}
    for key, items in value.items():
        if not isinstance(key, str) or not key:
            raise bad("a key is not a credential query id.")
        if not isinstance(items, list) or not items:
            raise bad(f"the value of {key[:40]!r} must be a non-empty array of presentations.")
        for item in items:
            if not (isinstance(item, str) and item) and not isinstance(item, dict):
                raise bad(f"a presentation under {key[:40]!r} is neither a string nor an object.")
        out[key] = tuple(items)
    return out
