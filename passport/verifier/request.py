"""The verifier's Authorization Request (OpenID4VP 1.0 sections 5 and 8): the request object
that the wallet fetches from ``request_uri``, the ``openid4vp://`` link that points to it,
and the ephemeral encryption key of ``direct_post.jwt``.

* Client identifier prefixes (section 5.9): ``decentralized_identifier:<DID>`` with the request
  object signed by a key of the DID (``typ`` ``oauth-authz-req+jwt``, ``kid`` the DID URL of
  the key, RFC 9101); ``redirect_uri:<response_uri>``, whose request object is unsigned
  (``alg`` ``none``), the response URI being the client identifier itself.
* Response modes (section 8.2, 8.3): ``direct_post`` (the wallet posts ``vp_token`` and
  ``state`` form-encoded to ``response_uri``) and ``direct_post.jwt`` (the wallet posts
  ``response``, a JWE encrypted with ECDH-ES to the ephemeral P-256 key offered in
  ``client_metadata.jwks``, one key per request, with an ``enc`` from
  ``encrypted_response_enc_values_supported``).

Error codes: ConfigurationError ``verifier_identity_invalid`` (a signing prefix without a key,
an unknown prefix or response mode).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from passport.errors import ConfigurationError
from passport.exchange.oid4vp import (
    REQUEST_OBJECT_TYP,
    SCHEME,
    ClientIdPrefix,
    ResponseMode,
    authorization_link,
)
from passport.keys import PrivateKey, b64url_encode

__all__ = [
    "DECENTRALIZED_IDENTIFIER",
    "DIRECT_POST",
    "DIRECT_POST_JWT",
    "ENC_VALUES",
    "JWE_ALG",
    "REDIRECT_URI",
    "REQUEST_OBJECT_TYP",
    "SCHEME",
    "AuthorizationRequest",
    "VerifierIdentity",
    "authorization_link",
    "build_request",
    "encode_request_object",
    "new_encryption_key",
    "random_token",
]

DECENTRALIZED_IDENTIFIER: Final = ClientIdPrefix.DECENTRALIZED_IDENTIFIER.value
REDIRECT_URI: Final = ClientIdPrefix.REDIRECT_URI.value
DIRECT_POST: Final = ResponseMode.DIRECT_POST.value
DIRECT_POST_JWT: Final = ResponseMode.DIRECT_POST_JWT.value
JWE_ALG: Final = "ECDH-ES"
#: Content encryption accepted for ``direct_post.jwt``, in order of preference.
ENC_VALUES: Final = ("A128GCM", "A256GCM")
#: OpenID4VP section 5.8: the audience of a request object under static discovery.
SELF_ISSUED_AUD: Final = "https://self-issued.me/v2"


def random_token(nbytes: int = 24) -> str:
    """A URL-safe random value (nonce, state, session ids): ``nbytes`` of entropy."""
    return secrets.token_urlsafe(nbytes)


@dataclass(frozen=True)
class VerifierIdentity:
    """Who asks: the institution's name, its client identifier prefix and, for
    ``decentralized_identifier``, its DID and the key (``kid``: a DID URL) signing requests."""

    name: str
    prefix: str
    did: str | None = None
    kid: str | None = None
    signing_key: PrivateKey | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.prefix == DECENTRALIZED_IDENTIFIER:
            if not (self.did and self.kid and self.signing_key):
                raise ConfigurationError(
                    "verifier_identity_invalid",
                    "The decentralized_identifier: prefix needs the verifier's DID, the key id "
                    "and the signing key.",
                )
        elif self.prefix != REDIRECT_URI:
            raise ConfigurationError(
                "verifier_identity_invalid",
                f"Client identifier prefix {self.prefix!r}: use {DECENTRALIZED_IDENTIFIER} "
                f"or {REDIRECT_URI}.",
            )

    def client_id(self, response_uri: str) -> str:
        """The client identifier the wallet sees (and the KB-JWT audience)."""
        if self.prefix == DECENTRALIZED_IDENTIFIER:
            return f"{DECENTRALIZED_IDENTIFIER}:{self.did}"
        return f"{REDIRECT_URI}:{response_uri}"


def new_encryption_key() -> dict[str, Any]:
    """A fresh ephemeral P-256 key for one request's ``direct_post.jwt`` response, as a
    private JWK with ``kid``, ``use`` and ``alg``."""
    from joserfc.jwk import ECKey

    key = ECKey.generate_key("P-256", private=True)
    jwk = dict(key.as_dict(private=True))
    jwk.update({"kid": random_token(12), "use": "enc", "alg": JWE_ALG})
    return jwk


def _public_jwk(private_jwk: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in private_jwk.items() if k != "d"}


@dataclass(frozen=True)
class AuthorizationRequest:
    """A request ready to serve: the object's claims, its encoded form and the link."""

    client_id: str
    request_uri: str
    claims: Mapping[str, Any]
    request_object: str
    link: str
    expires_at: datetime


def build_request(
    identity: VerifierIdentity,
    *,
    response_uri: str,
    request_uri: str,
    dcql: Mapping[str, Any],
    nonce: str,
    state: str,
    response_mode: str,
    now: datetime,
    ttl: timedelta,
    encryption_jwk: Mapping[str, Any] | None = None,
    wallet_nonce: str | None = None,
) -> AuthorizationRequest:
    """The request object (OpenID4VP section 5.1, RFC 9101) for one onboarding session.

    ``encryption_jwk`` (from ``new_encryption_key``; required for ``direct_post.jwt``) is
    offered public in ``client_metadata.jwks``. ``wallet_nonce`` echoes the wallet's value of a
    ``request_uri_method=post`` fetch. Raises ConfigurationError ``verifier_identity_invalid``.
    """
    if response_mode not in (DIRECT_POST, DIRECT_POST_JWT):
        raise ConfigurationError(
            "verifier_identity_invalid",
            f"Response mode {response_mode!r}: use {DIRECT_POST} or {DIRECT_POST_JWT}.",
        )
    if response_mode == DIRECT_POST_JWT and encryption_jwk is None:
        raise ConfigurationError(
            "verifier_identity_invalid", "direct_post.jwt needs an ephemeral encryption key."
        )
    client_id = identity.client_id(response_uri)
    metadata: dict[str, Any] = {
        "client_name": identity.name,
        "vp_formats_supported": {
            "vc+sd-jwt": {"sd-jwt_alg_values": ["EdDSA"], "kb-jwt_alg_values": ["EdDSA"]},
            "dc+sd-jwt": {
                "sd-jwt_alg_values": ["EdDSA", "ES256"],
                "kb-jwt_alg_values": ["EdDSA", "ES256"],
            },
            "ldp_vc": {
                "proof_type_values": ["DataIntegrityProof"],
                "cryptosuite_values": ["eddsa-rdfc-2022", "eddsa-jcs-2022"],
            },
        },
    }
    if response_mode == DIRECT_POST_JWT and encryption_jwk is not None:
        metadata["jwks"] = {"keys": [_public_jwk(encryption_jwk)]}
        metadata["encrypted_response_enc_values_supported"] = list(ENC_VALUES)
    expires_at = now + ttl
    claims: dict[str, Any] = {
        "client_id": client_id,
        "response_type": "vp_token",
        "response_mode": response_mode,
        "response_uri": response_uri,
        "nonce": nonce,
        "state": state,
        "dcql_query": dict(dcql),
        "client_metadata": metadata,
        "aud": SELF_ISSUED_AUD,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    if identity.prefix == DECENTRALIZED_IDENTIFIER:
        claims["iss"] = client_id
    if wallet_nonce is not None:
        claims["wallet_nonce"] = wallet_nonce
    encoded = encode_request_object(claims, identity)
    link = authorization_link({"client_id": client_id, "request_uri": request_uri})
    return AuthorizationRequest(client_id, request_uri, claims, encoded, link, expires_at)


def encode_request_object(claims: Mapping[str, Any], identity: VerifierIdentity) -> str:
    """Signed (``decentralized_identifier``) or ``alg: none`` (``redirect_uri``) JWT."""
    if identity.prefix == DECENTRALIZED_IDENTIFIER:
        from passport.sdjwt.common import sign_jws

        assert identity.signing_key is not None and identity.kid is not None
        header = {"typ": REQUEST_OBJECT_TYP, "kid": identity.kid}
        return sign_jws(header, claims, identity.signing_key)
    header = {"alg": "none", "typ": REQUEST_OBJECT_TYP}

    def part(obj: Mapping[str, Any]) -> str:
        return b64url_encode(json.dumps(obj, separators=(",", ":")).encode())

    return f"{part(header)}.{part(claims)}."
