"""The wallet side of OpenID4VCI 1.0: redeem a pre-authorized Credential Offer over HTTP.

``redeem_offer`` walks section 3.5's flow: Credential Issuer metadata (section 12.2.2) ->
Authorization Server metadata (RFC 8414) -> Token Request with the Transaction Code (section
6) -> Nonce Request (section 7) -> Credential Request with a ``jwt`` key proof (section 8).
The ``httpx.Client`` is passed in, so tests can mount an ASGI app (``httpx.ASGITransport``)
or a real server on 127.0.0.1. Plain ``http`` issuers are accepted only when ``allow_http``.

Error codes: ``issuer_error`` (Oid4vciError carrying the issuer's ``error`` and HTTP status),
``issuer_unreachable`` (CouldNotCheckError), ``issuer_response_malformed`` (MalformedError),
``issuer_metadata_mismatch`` and ``issuer_insecure`` (VerdictError), plus the offer's
``credential_offer_malformed``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from passport import jsonsafe
from passport.errors import CouldNotCheckError, MalformedError, VerdictError
from passport.exchange.oid4vci import (
    AS_METADATA_PATH,
    ISSUER_METADATA_PATH,
    PRE_AUTHORIZED_CODE_GRANT,
    CredentialOffer,
    Oid4vciError,
    create_proof_jwt,
    metadata_url,
    parse_offer_uri,
)
from passport.keys import PrivateKey
from passport.ports import Clock, SystemClock

__all__ = ["RedeemedCredentials", "redeem_offer"]


@dataclass(frozen=True)
class RedeemedCredentials:
    """What a redeemed offer gave: the credentials (compact strings or JSON objects), the
    configuration they were issued under and the issuer metadata used."""

    credential_issuer: str
    credential_configuration_id: str
    format: str
    credentials: tuple[str | dict[str, Any], ...]
    issuer_metadata: dict[str, Any] = field(repr=False)
    notification_id: str | None = None


def _json(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        data = jsonsafe.loads(response.content, what=f"The issuer's {what} response")
    except MalformedError as exc:
        raise MalformedError(
            "issuer_response_malformed", f"The issuer's {what} response is not JSON."
        ) from exc
    if not isinstance(data, dict):
        raise MalformedError(
            "issuer_response_malformed", f"The issuer's {what} response is not a JSON object."
        )
    return data


def _send(http: httpx.Client, method: str, url: str, what: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = http.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise CouldNotCheckError(
            "issuer_unreachable", f"Could not reach the issuer's {what} at {url}: {exc}"
        ) from exc
    if response.status_code >= 400:
        error, description = "server_error", response.text[:300]
        try:
            body = jsonsafe.loads(response.content)
            if isinstance(body, Mapping):
                error = str(body.get("error", error))
                description = str(body.get("error_description", body.get("detail", description)))
        except MalformedError:
            pass
        raise Oid4vciError(
            "issuer_error",
            f"The issuer's {what} answered {response.status_code} {error}: {description}",
            error=error,
            status=response.status_code,
            details={"endpoint": what},
        )
    return _json(response, what)


def _check_url(url: Any, what: str, allow_http: bool) -> str:
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise MalformedError("issuer_response_malformed", f"The issuer's {what} is not a URL.")
    if url.startswith("http://") and not allow_http:
        raise VerdictError(
            "issuer_insecure", f"The issuer's {what} {url} is not https; refusing to use it."
        )
    return url


def _request_credential(
    http: httpx.Client,
    metadata: Mapping[str, Any],
    issuer: str,
    config_id: str,
    access_token: str,
    credential_endpoint: str,
    *,
    holder_key: PrivateKey,
    kid: str | None,
    embed_jwk: bool,
    clock: Clock,
    allow_http: bool,
) -> dict[str, Any]:
    c_nonce: str | None = None
    if metadata.get("nonce_endpoint"):
        nonce_url = _check_url(metadata["nonce_endpoint"], "nonce endpoint", allow_http)
        c_nonce_value = _send(http, "POST", nonce_url, "nonce endpoint").get("c_nonce")
        if not isinstance(c_nonce_value, str):
            raise MalformedError("issuer_response_malformed", "The nonce response has no c_nonce.")
        c_nonce = c_nonce_value
    proof = create_proof_jwt(
        holder_key, audience=issuer, nonce=c_nonce, iat=clock.now(), kid=kid, embed_jwk=embed_jwk
    )
    body = {"credential_configuration_id": config_id, "proofs": {"jwt": [proof]}}
    return _send(
        http,
        "POST",
        credential_endpoint,
        "credential endpoint",
        json=body,
        headers={"Authorization": f"Bearer {access_token}"},
    )


def redeem_offer(
    offer: CredentialOffer | str,
    *,
    tx_code: str | None,
    http: httpx.Client,
    holder_key: PrivateKey,
    credential_configuration_id: str | None = None,
    kid: str | None = None,
    embed_jwk: bool = False,
    clock: Clock | None = None,
    allow_http: bool = False,
    credential_retries: int = 2,
) -> RedeemedCredentials:
    """Redeem a pre-authorized ``offer`` (object or offer URI) and return the credentials.

    ``tx_code`` is the Transaction Code the user received out of band (required when the offer
    has a ``tx_code``). The credential is bound to ``holder_key``: the proof names it by
    ``kid`` (default: its did:key) or by embedded ``jwk``. ``credential_configuration_id``
    defaults to the offer's first. Raises Oid4vciError ``issuer_error`` (the issuer's own
    error code in ``.error``), CouldNotCheckError ``issuer_unreachable``, MalformedError
    ``issuer_response_malformed`` / ``credential_offer_malformed``, VerdictError
    ``issuer_metadata_mismatch`` / ``issuer_insecure``; ValueError when the offer has no
    pre-authorized code or lacks a required ``tx_code``. A credential request whose answer is
    lost in transport is sent again (``credential_retries`` times) with a fresh nonce: the
    issuer answers a retry by the same key with the credential it already issued.
    """
    clock = clock or SystemClock()
    if isinstance(offer, str):
        offer = parse_offer_uri(
            offer, fetch=lambda url: _send(http, "GET", url, "credential offer")
        )
    if offer.pre_authorized_code is None:
        raise ValueError("this offer has no pre-authorized code grant")
    if offer.tx_code is not None and tx_code is None:
        raise ValueError("this offer needs the transaction code (tx_code)")
    issuer = _check_url(offer.credential_issuer, "identifier", allow_http)
    config_id = credential_configuration_id or offer.credential_configuration_ids[0]

    # Section 12.2.2: metadata, whose credential_issuer must equal the identifier exactly.
    metadata = _send(http, "GET", metadata_url(issuer, ISSUER_METADATA_PATH), "metadata")
    if metadata.get("credential_issuer") != issuer:
        raise VerdictError(
            "issuer_metadata_mismatch",
            f"The metadata names issuer {metadata.get('credential_issuer')!r}, not {issuer!r}.",
        )
    configs = metadata.get("credential_configurations_supported")
    if not isinstance(configs, Mapping) or config_id not in configs:
        raise VerdictError(
            "issuer_metadata_mismatch",
            f"The issuer's metadata does not describe configuration {config_id!r}.",
        )
    config = configs[config_id]
    credential_endpoint = _check_url(
        metadata.get("credential_endpoint"), "credential endpoint", allow_http
    )
    servers = metadata.get("authorization_servers") or [issuer]
    auth_server = offer.authorization_server or servers[0]
    as_metadata = _send(
        http,
        "GET",
        metadata_url(_check_url(auth_server, "authorization server", allow_http), AS_METADATA_PATH),
        "authorization server metadata",
    )
    token_endpoint = _check_url(as_metadata.get("token_endpoint"), "token endpoint", allow_http)

    # Section 6.1: the token request.
    form = {
        "grant_type": PRE_AUTHORIZED_CODE_GRANT,
        "pre-authorized_code": offer.pre_authorized_code,
    }
    if tx_code is not None and offer.tx_code is not None:
        form["tx_code"] = tx_code
    token = _send(http, "POST", token_endpoint, "token endpoint", data=form)
    access_token = token.get("access_token")
    if not isinstance(access_token, str) or str(token.get("token_type", "")).lower() not in (
        "bearer",
        "dpop",
    ):
        raise MalformedError(
            "issuer_response_malformed", "The token response has no Bearer access_token."
        )

    # Sections 7 and 8.2: a fresh c_nonce and the credential request with one jwt proof. The
    # issuer commits before its answer travels: when the answer is lost (a transport error),
    # the same token and key ask again, with a new nonce, and get the same credential back.
    for attempt in range(credential_retries + 1):
        try:
            answer = _request_credential(
                http, metadata, issuer, config_id, access_token, credential_endpoint,
                holder_key=holder_key, kid=kid, embed_jwk=embed_jwk, clock=clock,
                allow_http=allow_http,
            )  # fmt: skip
            break
        except CouldNotCheckError as exc:
            if exc.code != "issuer_unreachable" or attempt == credential_retries:
                raise
    items = answer.get("credentials")
    if not isinstance(items, list) or not items:
        raise MalformedError(
            "issuer_response_malformed",
            "The credential response has no credentials (deferred issuance is not supported).",
        )
    creds: list[str | dict[str, Any]] = []
    for item in items:
        value = item.get("credential") if isinstance(item, Mapping) else None
        if not isinstance(value, (str, dict)):
            raise MalformedError(
                "issuer_response_malformed", "A credentials entry has no credential."
            )
        creds.append(value)
    notification = answer.get("notification_id")
    return RedeemedCredentials(
        credential_issuer=issuer,
        credential_configuration_id=config_id,
        format=str(config.get("format", "")) if isinstance(config, Mapping) else "",
        credentials=tuple(creds),
        issuer_metadata=metadata,
        notification_id=notification if isinstance(notification, str) else None,
    )
