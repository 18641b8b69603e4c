"""DID control during FIDO enrollment: the holder signs the WebAuthn challenge with its DID key.

A WebAuthn registration proves control of a new authenticator key, not of the holder's DID.
So that the bank binds the right DID to the authenticator, the wallet also signs a short JWT
with the DID's ``authentication`` key (project-defined, ``typ`` ``did-binding+jwt``)::

    header  {"typ": "did-binding+jwt", "alg": "EdDSA", "kid": "did:key:z...#z..."}
    payload {"iss": <holder DID>, "aud": <relying party id or issuer URL>, "iat": <now>,
             "nonce": <base64url of the WebAuthn challenge>,
             "webauthn_credential_id": <base64url credential id>}   (optional)

``nonce`` ties it to the same ceremony as the WebAuthn response; ``webauthn_credential_id``
names the exact authenticator credential the DID vouches for.

Error codes: ``did_binding_malformed`` (MalformedError); ``did_binding_typ_invalid``,
``did_binding_kid_invalid``, ``did_binding_signature_invalid``, ``did_binding_issuer_mismatch``,
``did_binding_audience_mismatch``, ``did_binding_challenge_mismatch``,
``did_binding_credential_mismatch``, ``did_binding_iat_invalid`` (VerdictError). A resolver
that cannot be reached raises its own CouldNotCheckError.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from passport.did.document import split_did_url
from passport.did.key import did_key_from_public_key
from passport.did.resolver import resolve_method
from passport.errors import CouldNotCheckError, MalformedError, VerdictError
from passport.keys import PrivateKey, PublicKey, b64url_encode
from passport.ports import Resolver
from passport.sdjwt.common import parse_jws, sign_jws, to_epoch, verify_jws_signature

__all__ = ["DID_BINDING_TYP", "DidBinding", "create_did_binding_jwt", "verify_did_binding"]

DID_BINDING_TYP: Final = "did-binding+jwt"


@dataclass(frozen=True)
class DidBinding:
    """A verified DID binding: the holder DID and the key that signed it."""

    did: str
    kid: str
    public_key: PublicKey


def create_did_binding_jwt(
    holder_key: PrivateKey,
    *,
    challenge: bytes,
    audience: str,
    iat: datetime | int,
    kid: str | None = None,
    credential_id: bytes | None = None,
) -> str:
    """Sign the WebAuthn ``challenge`` with the holder's DID key. ``kid`` defaults to the
    did:key DID URL of ``holder_key``; ``credential_id`` names the new authenticator credential."""
    if kid is None:
        did = did_key_from_public_key(holder_key.public_key)
        kid = f"{did}#{did.split(':')[2]}"
    did, _ = split_did_url(kid)
    payload: dict[str, Any] = {
        "iss": did,
        "aud": audience,
        "iat": to_epoch(iat),
        "nonce": b64url_encode(challenge),
    }
    if credential_id is not None:
        payload["webauthn_credential_id"] = b64url_encode(credential_id)
    return sign_jws({"typ": DID_BINDING_TYP, "kid": kid}, payload, holder_key)


def verify_did_binding(
    jwt: str,
    *,
    challenge: bytes,
    audience: str,
    resolver: Resolver,
    now: datetime,
    credential_id: bytes | None = None,
    max_age: int = 600,
    skew: int = 60,
) -> DidBinding:
    """Verify a DID binding JWT over the registration ``challenge`` and return the holder DID.

    The ``kid`` must be a DID URL whose method is in the DID's ``authentication`` relationship.
    When ``credential_id`` is given, the JWT must name it. Raises ``did_binding_malformed``,
    ``did_binding_typ_invalid``, ``did_binding_kid_invalid``, ``did_binding_signature_invalid``,
    ``did_binding_issuer_mismatch``, ``did_binding_audience_mismatch``,
    ``did_binding_challenge_mismatch``, ``did_binding_credential_mismatch``,
    ``did_binding_iat_invalid``.
    """
    try:
        parsed = parse_jws(jwt, what="DID binding JWT")
    except MalformedError as exc:
        raise MalformedError("did_binding_malformed", exc.message) from exc
    header, payload = parsed.header, parsed.payload
    if header.get("typ") != DID_BINDING_TYP:
        raise VerdictError(
            "did_binding_typ_invalid", f"The DID binding JWT's typ must be {DID_BINDING_TYP!r}."
        )
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid.startswith("did:"):
        raise VerdictError("did_binding_kid_invalid", "The DID binding's kid must be a DID URL.")
    try:
        did, _ = split_did_url(kid)
        method = resolve_method(resolver, kid, "authentication")
    except (MalformedError, VerdictError) as exc:
        raise VerdictError(
            "did_binding_kid_invalid", f"The DID binding's kid cannot be used: {exc.message}"
        ) from exc
    except CouldNotCheckError as exc:
        if exc.code != "did_method_unsupported":
            raise  # the resolver could not answer: no verdict
        raise VerdictError(
            "did_binding_kid_invalid",
            f"The DID binding's DID method is not accepted: {exc.message}",
        ) from exc
    try:
        verify_jws_signature(
            parsed, method.public_key, code="did_binding_signature_invalid", what="DID binding JWT"
        )
    except MalformedError as exc:
        raise MalformedError("did_binding_malformed", exc.message) from exc
    if payload.get("iss") != did:
        raise VerdictError(
            "did_binding_issuer_mismatch", "The DID binding's iss is not the DID of its kid."
        )
    aud = payload.get("aud")
    if audience not in (aud if isinstance(aud, list) else [aud]):
        raise VerdictError(
            "did_binding_audience_mismatch", f"The DID binding is not addressed to {audience!r}."
        )
    nonce = payload.get("nonce")
    if not isinstance(nonce, str) or not hmac.compare_digest(
        nonce.encode(), b64url_encode(challenge).encode()
    ):
        raise VerdictError(
            "did_binding_challenge_mismatch",
            "The DID binding signs another challenge than this registration's; start again.",
        )
    if credential_id is not None and payload.get("webauthn_credential_id") != b64url_encode(
        credential_id
    ):
        raise VerdictError(
            "did_binding_credential_mismatch",
            "The DID binding names another authenticator credential than the one registered.",
        )
    iat = payload.get("iat")
    current = to_epoch(now)
    if (
        not isinstance(iat, (int, float))
        or isinstance(iat, bool)
        or iat > current + skew
        or iat < current - max_age - skew
    ):
        raise VerdictError(
            "did_binding_iat_invalid",
            f"The DID binding's iat must be within the last {max_age} seconds.",
        )
    return DidBinding(did=did, kid=kid, public_key=method.public_key)
