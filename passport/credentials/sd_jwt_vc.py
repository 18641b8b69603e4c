"""The bank's credentials as IETF SD-JWT VC (``dc+sd-jwt``): claims, issuance, Type Metadata and
the issuer's key metadata (``docs/sd-jwt-vc.md``).

An SD-JWT VC carries the claims of the W3C credential the registry's builder makes
(``passport.credentials.model``), flat: every ``credentialSubject`` member except ``id`` is a
top-level claim, each selectively disclosable (``balanceAtLeast`` as an object whose tiers are
disclosable one by one, RFC 9901 section 4.2.6). The registered claims (SD-JWT VC section 3.2.2)
are in the clear: ``iss`` (the bank's DID; the header ``kid`` is a DID URL of its
``assertionMethod``, section 3.5 "DID" key resolution), ``iat``, ``nbf`` (``validFrom``),
``exp`` (``validUntil``), ``vct`` (``<issuer>/vct/<type>``, where the Type Metadata is
served), ``cnf.jwk`` (the holder key of the key proof) and ``status``.

Status: ``status`` is ``{"bitstring_status_list": [<BitstringStatusListEntry>, ...]}``, the very
W3C Bitstring Status List entries (revocation and suspension) the W3C form carries, so one list
update revokes every form and copy. Verifiers that only know the IETF Token Status List
(``status.status_list``) see a status mechanism they do not support.

Error codes: those of ``passport.sdjwt.issuer.issue`` and ``passport.credentials.schema``;
``credential_malformed`` (MalformedError: the credential has no subject or dates).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from passport.credentials.fields import issuer_id, parse_datetime
from passport.errors import MalformedError
from passport.keys import PrivateKey, PublicKey, Rng
from passport.sdjwt.common import Path

__all__ = [
    "BITSTRING_STATUS_MEMBER",
    "JWT_VC_ISSUER_PATH",
    "REGISTERED_CLAIMS",
    "issue_sd_jwt_vc",
    "jwt_vc_issuer_metadata",
    "sd_jwt_vc_claims",
    "type_metadata",
]

#: The member of ``status`` that holds the W3C Bitstring Status List entries.
BITSTRING_STATUS_MEMBER: Final = "bitstring_status_list"
#: SD-JWT VC section 5: JWT VC Issuer Metadata, between host and path of the issuer URL.
JWT_VC_ISSUER_PATH: Final = "/.well-known/jwt-vc-issuer"
#: Registered claims of an SD-JWT VC (never selectively disclosable, section 3.2.2).
REGISTERED_CLAIMS: Final = frozenset(
    {"iss", "nbf", "exp", "iat", "cnf", "vct", "vct#integrity", "status", "sub", "_sd_alg"}
)


def _epoch(value: Any, what: str) -> int:
    if not isinstance(value, str):
        raise MalformedError("credential_malformed", f"The credential has no {what}.")
    return int(parse_datetime(value, what).timestamp())


def sd_jwt_vc_claims(credential: Mapping[str, Any], *, vct: str, now: datetime) -> dict[str, Any]:
    """The SD-JWT VC payload (before concealment) of an unsigned W3C ``credential``.

    Raises MalformedError ``credential_malformed``.
    """
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise MalformedError("credential_malformed", "The credential has no credentialSubject.")
    claims: dict[str, Any] = {
        "iss": issuer_id(credential),
        "iat": int(now.timestamp()),
        "nbf": _epoch(credential.get("validFrom"), "validFrom"),
        "exp": _epoch(credential.get("validUntil"), "validUntil"),
        "vct": vct,
    }
    status = credential.get("credentialStatus")
    if status is not None:
        entries = status if isinstance(status, list) else [status]
        claims["status"] = {BITSTRING_STATUS_MEMBER: [dict(e) for e in entries]}
    for name, value in subject.items():
        if name != "id":
            claims[name] = value
    return claims


def _disclosable(path: Path) -> bool:
    """Every non-registered claim, and every member or element below it."""
    return bool(path) and path[0] not in REGISTERED_CLAIMS


def issue_sd_jwt_vc(
    credential: Mapping[str, Any],
    key: PrivateKey,
    *,
    kid: str,
    vct: str,
    holder_jwk: Mapping[str, Any] | None,
    now: datetime,
    rng: Rng | None = None,
) -> str:
    """Issue the ``dc+sd-jwt`` form of the unsigned W3C ``credential`` (validated against its
    JSON Schema first), bound to ``holder_jwk`` (``cnf.jwk``), signed with ``key`` whose DID
    URL is ``kid``. Fresh salts every call (``rng`` only for test vectors).

    Raises the errors of ``passport.credentials.schema.validate_credential`` and of
    ``passport.sdjwt.issuer.issue``; MalformedError ``credential_malformed``.
    """
    from passport.credentials.schema import validate_credential
    from passport.sdjwt import issuer as sd_issuer
    from passport.verify import is_project_type

    if is_project_type(credential):
        validate_credential(credential)
    return sd_issuer.issue(
        sd_jwt_vc_claims(credential, vct=vct, now=now),
        key,
        kid=kid,
        disclosable=_disclosable,
        holder_jwk=holder_jwk,
        typ="dc+sd-jwt",
        now=now,
        rng=rng,
    )


def _label(name: str) -> str:
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).split()
    return " ".join([words[0].capitalize(), *(w.lower() for w in words[1:])]) if words else name


def _subject_properties(credential_type: str) -> Sequence[str]:
    from passport.credentials.schema import subject_claim_names

    return [n for n in subject_claim_names(credential_type) if n != "id"]


def type_metadata(
    *,
    vct: str,
    credential_type: str,
    name: str,
    description: str,
    locale: str = "en",
) -> dict[str, Any]:
    """SD-JWT VC Type Metadata (section 6) of the ``dc+sd-jwt`` form of ``credential_type``:
    ``vct``, ``name``, ``description``, ``extends`` (the bank-independent type,
    ``passport.credentials.types.generic_vct``), ``display`` and ``claims`` (one entry a
    subject claim of the type's JSON Schema, ``sd: "always"``; the ``balanceAtLeast`` tiers
    as ``["balanceAtLeast", null]``)."""
    from passport.credentials.types import generic_vct

    claims: list[dict[str, Any]] = []
    for claim in _subject_properties(credential_type):
        claims.append(
            {
                "path": [claim],
                "display": [{"locale": locale, "label": _label(claim)}],
                "sd": "always",
            }
        )
        if claim == "balanceAtLeast":
            claims.append(
                {
                    "path": [claim, None],
                    "display": [{"locale": locale, "label": "Balance at least (tier)"}],
                    "sd": "always",
                }
            )
    return {
        "vct": vct,
        "name": name,
        "description": description,
        "extends": generic_vct(credential_type),
        "display": [{"locale": locale, "name": name, "description": description}],
        "claims": claims,
    }


def jwt_vc_issuer_metadata(
    credential_issuer: str, keys: Sequence[tuple[str, PublicKey]]
) -> dict[str, Any]:
    """JWT VC Issuer Metadata (SD-JWT VC section 5): ``issuer`` and ``jwks``, each key with
    its ``kid`` (the DID URL the credentials' header names)."""
    return {
        "issuer": credential_issuer.rstrip("/"),
        "jwks": {"keys": [{**key.to_jwk(), "kid": kid} for kid, key in keys]},
    }
