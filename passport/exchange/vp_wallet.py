"""The wallet side of OpenID4VP 1.0: read a request, check who sent it, answer it.

``fetch_request`` (section 5): the ``openid4vp://`` link carries the request by value, as a
``request`` object, or by reference (``request_uri``; ``request_uri_method`` ``get`` or
``post``, section 5.10, the latter with a fresh ``wallet_nonce`` that the signed request must
repeat). The Client Identifier prefix decides how the request is trusted (section 5.9.3):

- ``decentralized_identifier:<DID>``: a signed request object (``typ``
  ``oauth-authz-req+jwt``, JAR / RFC 9101) whose ``kid`` is a DID URL of that DID, resolved
  with the injected resolver (did:key, did:jwk, did:web, did:ethr) and checked;
- ``redirect_uri:<URI>``: unsigned (by value, or an ``alg: none`` request object); the
  ``response_uri`` must be the identifier itself.

``send_response`` posts the Authorization Response (section 8): ``direct_post`` (form
``vp_token`` = the JSON object keyed by credential query id, ``state``) or ``direct_post.jwt``
(section 8.3: form ``response`` = a JWE, ``ECDH-ES`` to a key of ``client_metadata.jwks``
with an ``enc`` the verifier offers in ``encrypted_response_enc_values_supported``, default
``A128GCM``). Error responses (section 8.5) go the same way, encrypted too in
``direct_post.jwt``. The verifier's answer may carry a ``redirect_uri`` (section 8.2).

Error codes: ``request_invalid`` (MalformedError: the request lacks or misuses a parameter),
``request_unsupported`` (VerdictError: a response type / mode / prefix this wallet does not
speak), ``request_signature_invalid``, ``request_client_mismatch``,
``response_uri_mismatch``, ``wallet_nonce_mismatch``, ``request_expired`` (VerdictError: the
request is not what it claims), ``verifier_unreachable`` (CouldNotCheckError),
``verifier_error`` (VerdictError: the verifier answered an error; ``details.error``),
``response_encryption_unsupported`` (VerdictError: no usable encryption key); plus the
resolver's codes and those of ``passport.exchange.oid4vp`` / ``dcql``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import httpx

from passport.did.document import split_did_url
from passport.errors import CouldNotCheckError, MalformedError, PassportError, VerdictError
from passport.exchange.dcql import DcqlQuery, parse_dcql
from passport.exchange.oid4vp import (
    REQUEST_OBJECT_TYP,
    ClientId,
    ClientIdPrefix,
    ResponseMode,
    WalletErrorCode,
    error_response,
    parse_authorization_link,
    parse_client_id,
)
from passport.keys import b64url_decode
from passport.ports import Resolver

__all__ = [
    "AuthorizationRequest",
    "VerifierAnswer",
    "encrypt_response",
    "fetch_request",
    "parse_request_object",
    "send_error",
    "send_response",
]

_REQUEST_MEDIA_TYPE: Final = "application/oauth-authz-req+jwt"
_DEFAULT_ENC: Final = "A128GCM"
_SUPPORTED_ENC: Final = ("A128GCM", "A192GCM", "A256GCM")


#: Hosts a plain-http request_uri / response_uri may use (a verifier on this machine, tests).
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})


def _invalid(message: str, **details: Any) -> MalformedError:
    return MalformedError("request_invalid", message, details=details or None)


def _web_url(value: Any, what: str) -> str:
    """An https URL (plain http only for loopback hosts). Raises ``request_invalid``."""
    from urllib.parse import urlsplit

    if not isinstance(value, str):
        raise _invalid(f"The request has no {what} URL.")
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return value
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return value
    raise _invalid(f"The {what} {value[:80]!r} is not an https URL.", parameter=what)


@dataclass(frozen=True)
class AuthorizationRequest:
    """A checked OpenID4VP Authorization Request (section 5.1)."""

    client_id: ClientId
    nonce: str
    response_mode: ResponseMode
    response_uri: str
    dcql_query: DcqlQuery
    state: str | None
    client_metadata: Mapping[str, Any] = field(repr=False)
    transaction_data: tuple[str, ...] | None
    signed: bool
    request_object_kid: str | None = None


@dataclass(frozen=True)
class VerifierAnswer:
    """What the verifier answered to the response: its HTTP status, body and redirect."""

    status: int
    body: Mapping[str, Any]
    redirect_uri: str | None


def _http(http: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    try:
        return http.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise CouldNotCheckError(
            "verifier_unreachable",
            f"Could not reach the verifier at {url}: {exc}. Check the connection and try again.",
            details={"url": url},
        ) from None


def _decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """(header, payload, has signature) of a compact JWT, without checking anything."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise _invalid("The request object is not a compact JWT.")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _invalid(f"The request object cannot be decoded: {exc}") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise _invalid("The request object's header and payload must be JSON objects.")
    return header, payload, bool(parts[2])


def _verify_did_signed(
    token: str, header: Mapping[str, Any], client: ClientId, resolver: Resolver
) -> str:
    """Section 5.9.3 ``decentralized_identifier``: the request object is signed with a key of
    the DID (``kid`` a DID URL of it). Returns the kid."""
    from passport.sdjwt.common import parse_jws, verify_jws_signature

    alg, kid = header.get("alg"), header.get("kid")
    if alg in (None, "none"):
        raise VerdictError(
            "request_signature_invalid",
            "A decentralized_identifier: request must be signed; this one is not.",
        )
    if not isinstance(kid, str) or "#" not in kid:
        raise VerdictError(
            "request_signature_invalid",
            "The request object's kid must be a DID URL of the verifier's DID.",
        )
    did, _ = split_did_url(kid if not kid.startswith("#") else client.identifier + kid)
    if did != client.identifier:
        raise VerdictError(
            "request_client_mismatch",
            f"The request is signed by {did}, not by the verifier it names ({client.identifier}).",
        )
    if kid.startswith("#"):
        kid = client.identifier + kid
    document = resolver.resolve(client.identifier)
    method = document.verification_method(kid)
    verify_jws_signature(
        parse_jws(token, what="request object"),
        method.public_key,
        code="request_signature_invalid",
        what="request object",
    )
    return kid


def parse_request_object(
    token: str,
    *,
    link_client_id: str | None,
    resolver: Resolver,
    now: datetime,
    wallet_nonce: str | None = None,
) -> AuthorizationRequest:
    """Check a request object (JAR) and read its parameters. Raises the module's codes."""
    header, payload, has_signature = _decode_unverified(token)
    raw_client = payload.get("client_id")
    if not isinstance(raw_client, str):
        raise _invalid("The request object has no client_id.")
    if link_client_id is not None and raw_client != link_client_id:
        # RFC 9101 section 6.3 / OpenID4VP 5.2: the link's client_id is the one the wallet trusts
        raise VerdictError(
            "request_client_mismatch",
            f"The request object names client {raw_client!r}, the link {link_client_id!r}.",
        )
    client = parse_client_id(raw_client)
    kid: str | None = None
    if client.prefix is ClientIdPrefix.DECENTRALIZED_IDENTIFIER:
        if header.get("typ") != REQUEST_OBJECT_TYP:
            raise VerdictError(
                "request_signature_invalid",
                f"A signed request object must have typ {REQUEST_OBJECT_TYP!r}.",
            )
        kid = _verify_did_signed(token, header, client, resolver)
    elif client.prefix is ClientIdPrefix.REDIRECT_URI:
        if header.get("alg") != "none" or has_signature:
            raise VerdictError(
                "request_signature_invalid",
                "A redirect_uri: request must be unsigned (alg none); a signed one claims a "
                "trust this prefix cannot give.",
            )
    else:  # pragma: no cover - parse_client_id only returns the two prefixes
        raise VerdictError("request_unsupported", f"Client prefix {client.prefix} is unsupported.")
    exp = payload.get("exp")
    if isinstance(exp, (int, float)) and not isinstance(exp, bool) and exp < now.timestamp():
        raise VerdictError("request_expired", "The request has expired; ask for a new QR code.")
    if wallet_nonce is not None and payload.get("wallet_nonce") != wallet_nonce:
        raise VerdictError(
            "wallet_nonce_mismatch",
            "The request does not repeat the wallet_nonce this wallet sent (section 5.10): "
            "it may be replayed.",
        )
    return _from_params(payload, client, signed=kid is not None, kid=kid)


def _json_param(params: Mapping[str, Any], name: str) -> Any:
    value = params.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise _invalid(f"{name} is not JSON.", parameter=name) from None
    return value


def _from_params(
    params: Mapping[str, Any], client: ClientId, *, signed: bool, kid: str | None = None
) -> AuthorizationRequest:
    if params.get("response_type") != "vp_token":
        raise VerdictError(
            "request_unsupported",
            f"response_type {params.get('response_type')!r} is not supported (only vp_token).",
        )
    try:
        mode = ResponseMode(str(params.get("response_mode")))
    except ValueError:
        raise VerdictError(
            "request_unsupported",
            f"response_mode {params.get('response_mode')!r} is not supported "
            "(direct_post or direct_post.jwt).",
        ) from None
    response_uri = _web_url(params.get("response_uri"), "response_uri")
    if params.get("redirect_uri") is not None:
        raise _invalid("redirect_uri must not be present with response_mode direct_post.")
    if client.prefix is ClientIdPrefix.REDIRECT_URI and response_uri != client.identifier:
        raise VerdictError(
            "response_uri_mismatch",
            f"The response would go to {response_uri}, not to the verifier the request names "
            f"({client.identifier}).",
        )
    nonce = params.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise _invalid("The request has no nonce.")
    dcql_raw = _json_param(params, "dcql_query")
    if dcql_raw is None:
        raise _invalid("The request has no dcql_query (this wallet speaks DCQL only).")
    metadata = _json_param(params, "client_metadata") or {}
    if not isinstance(metadata, Mapping):
        raise _invalid("client_metadata must be a JSON object.")
    tx = _json_param(params, "transaction_data")
    if tx is not None and (not isinstance(tx, list) or not all(isinstance(t, str) for t in tx)):
        raise _invalid("transaction_data must be an array of strings.")
    state = params.get("state")
    return AuthorizationRequest(
        client_id=client,
        nonce=nonce,
        response_mode=mode,
        response_uri=response_uri,
        dcql_query=parse_dcql(dcql_raw),
        state=state if isinstance(state, str) else None,
        client_metadata=dict(metadata),
        transaction_data=tuple(tx) if tx is not None else None,
        signed=signed,
        request_object_kid=kid,
    )


def fetch_request(
    link: str,
    *,
    http: httpx.Client,
    resolver: Resolver,
    now: datetime,
    wallet_metadata: Mapping[str, Any] | None = None,
    rng: Callable[[int], str] = secrets.token_urlsafe,
) -> AuthorizationRequest:
    """Read the ``openid4vp://`` ``link`` into a checked request (by value, ``request`` or
    ``request_uri`` with ``get`` / ``post``). Raises the module's codes."""
    params = parse_authorization_link(link)
    link_client = params.get("client_id")
    if not isinstance(link_client, str):
        raise _invalid("The link has no client_id.")
    if "request_uri" in params:
        request_uri = _web_url(params["request_uri"], "request_uri")
        method = params.get("request_uri_method", "get")
        headers = {"Accept": f"{_REQUEST_MEDIA_TYPE}, application/jwt"}
        wallet_nonce: str | None = None
        if method == "post":
            wallet_nonce = rng(24)
            form = {"wallet_nonce": wallet_nonce}
            if wallet_metadata is not None:
                form["wallet_metadata"] = json.dumps(dict(wallet_metadata))
            response = _http(http, "POST", request_uri, data=form, headers=headers)
        elif method == "get":
            response = _http(http, "GET", request_uri, headers=headers)
        else:
            raise VerdictError(
                "request_unsupported",
                f"request_uri_method {method!r} is neither get nor post.",
                details={"error": WalletErrorCode.INVALID_REQUEST_URI_METHOD.value},
            )
        if response.status_code != 200:
            raise VerdictError(
                "verifier_error",
                f"The verifier answered HTTP {response.status_code} for its request_uri; "
                "the request may have expired or been used: ask for a new QR code.",
                details={"status": response.status_code},
            )
        return parse_request_object(
            response.text,
            link_client_id=link_client,
            resolver=resolver,
            now=now,
            wallet_nonce=wallet_nonce,
        )
    if "request" in params:
        return parse_request_object(
            params["request"], link_client_id=link_client, resolver=resolver, now=now
        )
    client = parse_client_id(link_client)
    if client.prefix is not ClientIdPrefix.REDIRECT_URI:
        raise VerdictError(
            "request_signature_invalid",
            "A decentralized_identifier: request must come as a signed request object, not "
            "as plain link parameters.",
        )
    return _from_params(params, client, signed=False)


def _encryption_key(metadata: Mapping[str, Any]) -> tuple[dict[str, Any], str, str]:
    """(JWK, alg, enc) for direct_post.jwt from ``client_metadata`` (section 8.3)."""
    jwks = metadata.get("jwks")
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    enc_values = metadata.get("encrypted_response_enc_values_supported") or [_DEFAULT_ENC]
    enc = next((e for e in enc_values if e in _SUPPORTED_ENC), None)
    if enc is None:
        raise VerdictError(
            "response_encryption_unsupported",
            f"The verifier offers content encryption {enc_values}; this wallet has "
            f"{list(_SUPPORTED_ENC)}.",
        )
    for key in keys if isinstance(keys, list) else []:
        if not isinstance(key, Mapping) or key.get("use", "enc") != "enc":
            continue
        alg = key.get("alg", "ECDH-ES")
        if alg == "ECDH-ES" and key.get("kty") in ("EC", "OKP") and "d" not in key:
            return dict(key), alg, enc
    raise VerdictError(
        "response_encryption_unsupported",
        "direct_post.jwt needs an ECDH-ES public key in client_metadata.jwks; there is none.",
    )


def encrypt_response(payload: Mapping[str, Any], metadata: Mapping[str, Any]) -> str:
    """The compact JWE of the response parameters (section 8.3)."""
    from joserfc import jwe
    from joserfc.jwk import ECKey, OKPKey

    jwk, alg, enc = _encryption_key(metadata)
    try:
        key = (ECKey if jwk["kty"] == "EC" else OKPKey).import_key(jwk)
    except (ValueError, KeyError, TypeError) as exc:
        raise VerdictError(
            "response_encryption_unsupported", f"The verifier's encryption key is invalid: {exc}"
        ) from None
    header: dict[str, Any] = {"alg": alg, "enc": enc}
    if isinstance(jwk.get("kid"), str):
        header["kid"] = jwk["kid"]
    plaintext = json.dumps(dict(payload), separators=(",", ":")).encode()
    return jwe.encrypt_compact(header, plaintext, key)


def _post(
    request: AuthorizationRequest, params: Mapping[str, Any], http: httpx.Client
) -> VerifierAnswer:
    if request.response_mode is ResponseMode.DIRECT_POST_JWT:
        form = {"response": encrypt_response(params, request.client_metadata)}
    else:
        form = {
            k: (v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))
            for k, v in params.items()
        }
    response = _http(
        http, "POST", request.response_uri, data=form, headers={"Accept": "application/json"}
    )
    try:
        body = response.json() if response.content else {}
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    if response.status_code >= 400:
        error = str(body.get("error", "server_error"))
        description = str(body.get("error_description", ""))[:300]
        raise VerdictError(
            "verifier_error",
            f"The verifier answered {response.status_code} {error}"
            + (f": {description}" if description else "")
            + ".",
            details={"error": error, "status": response.status_code, "body": body},
        )
    redirect = body.get("redirect_uri")
    return VerifierAnswer(
        response.status_code,
        body,
        redirect
        if isinstance(redirect, str) and redirect.startswith(("https://", "http://"))
        else None,
    )


def send_response(
    request: AuthorizationRequest, vp_token: Mapping[str, Any], *, http: httpx.Client
) -> VerifierAnswer:
    """Post ``vp_token`` (credential query id -> array of presentations) to the verifier."""
    params: dict[str, Any] = {"vp_token": dict(vp_token)}
    if request.state is not None:
        params["state"] = request.state
    return _post(request, params, http)


def send_error(
    request: AuthorizationRequest,
    code: WalletErrorCode,
    *,
    http: httpx.Client,
    description: str | None = None,
) -> VerifierAnswer | None:
    """Post an error response (section 8.5). Returns the verifier's answer, or None when
    the verifier answered an error to the error (nothing more to do)."""
    params = error_response(code, description, request.state)
    try:
        return _post(request, params, http)
    except PassportError as exc:
        if exc.code == "verifier_error":
            return None
        raise
