"""The wallet side of OpenID4VCI 1.0: redeem a pre-authorized Credential Offer over HTTP.

``redeem_offer`` walks section 3.5's flow: Credential Issuer metadata (section 12.2.2) ->
Authorization Server metadata (RFC 8414) -> Token Request with the Transaction Code (section
6) -> Nonce Request (section 7) -> Credential Request with a ``jwt`` key proof (section 8).
The ``httpx.Client`` is passed in, so tests can mount an ASGI app (``httpx.ASGITransport``)
or a real server on 127.0.0.1. Plain ``http`` issuers are accepted only when ``allow_http``.

Error codes: ``issuer_error`` (Oid4vciError carrying the issuer's ``error`` and HTTP status),
``issuer_unreachable`` (CouldNotCheckError), ``issuer_response_malformed`` (MalformedError),
``issuer_metadata_mismatch``, ``issuer_insecure`` and ``proof_binding_unsupported``
(VerdictError), ``offer_not_pre_authorized`` / ``tx_code_required`` (OfferInputError), plus the
offer's ``credential_offer_malformed``.

``redeem_offer`` is ``obtain_access`` (metadata and token) then ``request_credentials`` (nonce
and credential request); the FIDO enrollment uses the access token of ``obtain_access`` for
the issuer's WebAuthn ceremony instead. The key proof names the holder key as the
configuration's ``cryptographic_binding_methods_supported`` allows: a did:key ``kid`` when
``did:key`` (or ``did``) is listed, else the embedded ``jwk``.

Batch issuance (section 8.2 ``proofs``, section 12.2.4 ``batch_credential_issuance``):
``request_credentials(..., batch_keys=[k1, k2, ...])`` sends one ``jwt`` proof per key, all over
the same ``c_nonce``, each naming its key by an embedded ``jwk`` (or the one-time key's own
did:key when the configuration binds only to DIDs); the response's ``credentials`` array holds
one copy per proof. ``batch_size_of`` reads the issuer's limit. A Token Response with a
``refresh_token`` (RFC 6749 section 6) is kept in the grant: ``refresh_access`` trades it for a
new access token, so that ``wallet refresh`` can ask for a new batch without a new offer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from passport import jsonsafe
from passport.errors import ConfigurationError, CouldNotCheckError, MalformedError, VerdictError
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

__all__ = [
    "AccessGrant",
    "OfferInputError",
    "RedeemedCredentials",
    "batch_size_of",
    "obtain_access",
    "redeem_offer",
    "refresh_access",
    "request_credentials",
    "send_json",
]


class OfferInputError(ConfigurationError, ValueError):
    """The offer cannot be redeemed with what was given (no pre-authorized code, no tx_code).

    Also a ValueError, as these were before they got codes: ``offer_not_pre_authorized``,
    ``tx_code_required``."""


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
    #: the grant's refresh token (None when the issuer gave none), for a later new batch
    refresh_token: str | None = field(default=None, repr=False)


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


#: ``send_json(http, method, url, what, **httpx kwargs)``: one request to the issuer, its JSON
#: object answer; the issuer's errors and network failures as this module's codes.
send_json = _send


def _check_url(url: Any, what: str, allow_http: bool) -> str:
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise MalformedError("issuer_response_malformed", f"The issuer's {what} is not a URL.")
    if url.startswith("http://") and not allow_http:
        raise VerdictError(
            "issuer_insecure", f"The issuer's {what} {url} is not https; refusing to use it."
        )
    return url


@dataclass(frozen=True)
class AccessGrant:
    """The state between the Token Response and the Credential Request."""

    credential_issuer: str
    credential_configuration_id: str
    configuration: dict[str, Any] = field(repr=False)
    issuer_metadata: dict[str, Any] = field(repr=False)
    access_token: str = field(repr=False)
    c_nonce: str | None = None
    allow_http: bool = False
    refresh_token: str | None = field(default=None, repr=False)
    token_endpoint: str | None = None


def batch_size_of(metadata: Mapping[str, Any]) -> int | None:
    """Section 12.2.4: ``batch_credential_issuance.batch_size`` (an integer of at least 2), or
    None when the issuer does not issue batches. A malformed entry counts as absent."""
    batch = metadata.get("batch_credential_issuance")
    size = batch.get("batch_size") if isinstance(batch, Mapping) else None
    if isinstance(size, int) and not isinstance(size, bool) and size >= 2:
        return size
    return None


def _token_grant(token: Mapping[str, Any]) -> tuple[str, str | None, str | None]:
    access_token = token.get("access_token")
    if not isinstance(access_token, str) or str(token.get("token_type", "")).lower() not in (
        "bearer",
        "dpop",
    ):
        raise MalformedError(
            "issuer_response_malformed", "The token response has no Bearer access_token."
        )
    c_nonce = token.get("c_nonce")
    refresh = token.get("refresh_token")
    return (
        access_token,
        c_nonce if isinstance(c_nonce, str) else None,
        refresh if isinstance(refresh, str) and refresh else None,
    )


def refresh_access(grant: AccessGrant, *, http: httpx.Client) -> AccessGrant:
    """RFC 6749 section 6: a new access token for the grant's refresh token (OpenID4VCI 1.0
    section 6.1 allows the Token Endpoint to issue one). Raises ConfigurationError
    ``refresh_unavailable`` when the grant has none, and the network and issuer codes."""
    if grant.refresh_token is None or grant.token_endpoint is None:
        raise ConfigurationError(
            "refresh_unavailable",
            "The issuer gave no refresh token for this credential; ask it for a new offer and "
            "pass it to `wallet refresh --offer`.",
        )
    form = {"grant_type": "refresh_token", "refresh_token": grant.refresh_token}
    token = _send(http, "POST", grant.token_endpoint, "token endpoint", data=form)
    access_token, c_nonce, refresh = _token_grant(token)
    return replace(
        grant,
        access_token=access_token,
        c_nonce=c_nonce,
        refresh_token=refresh or grant.refresh_token,
    )


def obtain_access(
    offer: CredentialOffer | str,
    *,
    tx_code: str | None,
    http: httpx.Client,
    credential_configuration_id: str | None = None,
    allow_http: bool = False,
) -> AccessGrant:
    """Metadata (section 12.2.2, RFC 8414) and the Token Request (section 6) of a
    pre-authorized ``offer``. Raises what ``redeem_offer`` raises before the proof."""
    if isinstance(offer, str):
        offer = parse_offer_uri(
            offer, fetch=lambda url: _send(http, "GET", url, "credential offer")
        )
    if offer.pre_authorized_code is None:
        raise OfferInputError(
            "offer_not_pre_authorized",
            "This offer has no pre-authorized code grant; this wallet redeems only those.",
        )
    if offer.tx_code is not None and tx_code is None:
        raise OfferInputError(
            "tx_code_required", "This offer needs the transaction code (tx_code, the PIN)."
        )
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
    if not isinstance(configs, Mapping) or not isinstance(configs.get(config_id), Mapping):
        raise VerdictError(
            "issuer_metadata_mismatch",
            f"The issuer's metadata does not describe configuration {config_id!r}.",
        )
    config = dict(configs[config_id])
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
    access_token, c_nonce, refresh = _token_grant(token)
    return AccessGrant(
        credential_issuer=issuer,
        credential_configuration_id=config_id,
        configuration=config,
        issuer_metadata=metadata,
        access_token=access_token,
        c_nonce=c_nonce,
        allow_http=allow_http,
        refresh_token=refresh,
        token_endpoint=token_endpoint,
    )


def _proof_names_key_by_did(config: Mapping[str, Any]) -> bool:
    """Section 12.2.4 ``cryptographic_binding_methods_supported``: ``did:key`` (or ``did``)
    -> a did:key ``kid``; ``jwk`` -> the embedded key; absent -> did:key (our default)."""
    methods = config.get("cryptographic_binding_methods_supported")
    if not isinstance(methods, list) or not methods:
        return True
    if any(m in ("did:key", "did") for m in methods):
        return True
    if "jwk" in methods:
        return False
    raise VerdictError(
        "proof_binding_unsupported",
        f"The issuer binds credentials by {methods}, but this wallet offers did:key or jwk.",
    )


def _batch_embeds_jwk(config: Mapping[str, Any]) -> bool:
    """One-time keys are named by ``jwk`` where the configuration allows it (or says nothing),
    else by their own did:key; never by the long-lived holder did:key."""
    methods = config.get("cryptographic_binding_methods_supported")
    if not isinstance(methods, list) or not methods or "jwk" in methods:
        return True
    if any(m in ("did:key", "did") for m in methods):
        return False
    raise VerdictError(
        "proof_binding_unsupported",
        f"The issuer binds credentials by {methods}, but this wallet offers did:key or jwk.",
    )


def _request_credential(
    http: httpx.Client,
    grant: AccessGrant,
    credential_endpoint: str,
    *,
    holder_key: PrivateKey,
    kid: str | None,
    embed_jwk: bool,
    clock: Clock,
    first_nonce: str | None,
    batch_keys: Sequence[PrivateKey] = (),
) -> dict[str, Any]:
    """One nonce request (when the issuer has a nonce endpoint) and one credential request."""
    metadata, issuer = grant.issuer_metadata, grant.credential_issuer
    c_nonce = first_nonce
    if metadata.get("nonce_endpoint"):
        nonce_url = _check_url(metadata["nonce_endpoint"], "nonce endpoint", grant.allow_http)
        c_nonce_value = _send(http, "POST", nonce_url, "nonce endpoint").get("c_nonce")
        if not isinstance(c_nonce_value, str):
            raise MalformedError("issuer_response_malformed", "The nonce response has no c_nonce.")
        c_nonce = c_nonce_value
    # Section 8.2: the credential request with one jwt proof (one per copy for a batch, all
    # over the same c_nonce).
    if batch_keys:
        proofs = [
            create_proof_jwt(
                key,
                audience=issuer,
                nonce=c_nonce,
                iat=clock.now(),
                embed_jwk=_batch_embeds_jwk(grant.configuration),
            )
            for key in batch_keys
        ]
    else:
        proofs = [
            create_proof_jwt(
                holder_key,
                audience=issuer,
                nonce=c_nonce,
                iat=clock.now(),
                kid=kid,
                embed_jwk=embed_jwk,
            )
        ]
    body = {
        "credential_configuration_id": grant.credential_configuration_id,
        "proofs": {"jwt": proofs},
    }
    return _send(
        http,
        "POST",
        credential_endpoint,
        "credential endpoint",
        json=body,
        headers={"Authorization": f"Bearer {grant.access_token}"},
    )


def request_credentials(
    grant: AccessGrant,
    *,
    http: httpx.Client,
    holder_key: PrivateKey,
    kid: str | None = None,
    embed_jwk: bool | None = None,
    clock: Clock | None = None,
    credential_retries: int = 2,
    batch_keys: Sequence[PrivateKey] = (),
) -> RedeemedCredentials:
    """Nonce Request (section 7) and Credential Request with a ``jwt`` key proof (section 8).

    ``batch_keys`` (two or more one-time keys, at most the issuer's ``batch_size``) asks for a
    batch: one proof per key, one copy per proof. ``embed_jwk`` None follows the
    configuration's binding methods. A credential request whose
    answer is lost in transport is sent again (``credential_retries`` times) with a fresh
    nonce: the issuer answers a retry by the same key with the credential it already issued."""
    clock = clock or SystemClock()
    metadata, issuer = grant.issuer_metadata, grant.credential_issuer
    credential_endpoint = _check_url(
        metadata.get("credential_endpoint"), "credential endpoint", grant.allow_http
    )
    if embed_jwk is None:
        embed_jwk = kid is None and not _proof_names_key_by_did(grant.configuration)
    for attempt in range(credential_retries + 1):
        try:
            answer = _request_credential(
                http,
                grant,
                credential_endpoint,
                holder_key=holder_key,
                kid=kid,
                embed_jwk=embed_jwk,
                clock=clock,
                first_nonce=grant.c_nonce if attempt == 0 else None,
                batch_keys=batch_keys,
            )
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
        credential_configuration_id=grant.credential_configuration_id,
        format=str(grant.configuration.get("format", "")),
        credentials=tuple(creds),
        issuer_metadata=metadata,
        notification_id=notification if isinstance(notification, str) else None,
        refresh_token=grant.refresh_token,
    )


def redeem_offer(
    offer: CredentialOffer | str,
    *,
    tx_code: str | None,
    http: httpx.Client,
    holder_key: PrivateKey,
    credential_configuration_id: str | None = None,
    kid: str | None = None,
    embed_jwk: bool | None = None,
    clock: Clock | None = None,
    allow_http: bool = False,
    credential_retries: int = 2,
) -> RedeemedCredentials:
    """Redeem a pre-authorized ``offer`` (object or offer URI) and return the credentials.

    ``tx_code`` is the Transaction Code the user received out of band (required when the offer
    has a ``tx_code``). The credential is bound to ``holder_key``: the proof names it by
    ``kid`` (default: its did:key) or by embedded ``jwk`` (``embed_jwk``; None follows the
    configuration's binding methods). ``credential_configuration_id`` defaults to the offer's
    first. Raises Oid4vciError ``issuer_error`` (the issuer's own error code in ``.error``),
    CouldNotCheckError ``issuer_unreachable``, MalformedError ``issuer_response_malformed`` /
    ``credential_offer_malformed``, VerdictError ``issuer_metadata_mismatch`` /
    ``issuer_insecure`` / ``proof_binding_unsupported``; OfferInputError (a ValueError)
    ``offer_not_pre_authorized`` / ``tx_code_required``. A credential request whose answer is
    lost in transport is sent again (``credential_retries`` times) with a fresh nonce.
    """
    grant = obtain_access(
        offer,
        tx_code=tx_code,
        http=http,
        credential_configuration_id=credential_configuration_id,
        allow_http=allow_http,
    )
    return request_credentials(
        grant,
        http=http,
        holder_key=holder_key,
        kid=kid,
        embed_jwk=embed_jwk,
        clock=clock,
        credential_retries=credential_retries,
    )
