"""From a policy to the DCQL query (OpenID4VP 1.0 section 6): ask for exactly what it needs.

For each credential the policy requires there is one credential query per accepted SD-JWT
format (``vc+sd-jwt``: W3C VC paths under ``credentialSubject`` and ``type_values``;
``dc+sd-jwt``: flat IETF SD-JWT VC paths and ``vct_values``), grouped by a required
credential set whose options are the formats. The bank statement asks for ``asOfDate`` when
the policy limits the statement's age and, when it sets a minimum balance, for one
``balanceAtLeast`` tier: claim sets offer the smallest sufficient tier in US dollars first,
then in the minimum's currency, then in the other currencies of the FX table, so the wallet
discloses one boolean and nothing about the balance itself. A required FIDO binding adds an
``ldp_vc`` query for the FidoKeyBindingCredential (answered by a VerifiablePresentation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from passport.credentials.model import DEFAULT_BALANCE_TIERS
from passport.verifier.policy import (
    BANK_STATEMENT_QUERY,
    FIDO_QUERY,
    CredentialRequirement,
    Policy,
    tier_keys,
)

__all__ = [
    "FIDO_CLAIMS",
    "FIDO_FORMAT",
    "build_dcql",
    "query_format",
    "requested_paths",
    "requirement_of",
]

FIDO_FORMAT: Final = "ldp_vc"
#: What the FIDO binding needs of the FidoKeyBindingCredential (docs/fido-presentation.md).
FIDO_CLAIMS: Final = ("authenticatorCredentialId", "publicKeyJwk", "rpId")
_DC_SUFFIX: Final = "_dc"
_ID_CHARS = re.compile(r"[^A-Za-z0-9_-]")


def _claim_id(name: str) -> str:
    return _ID_CHARS.sub("_", name)


def _query_id(requirement: CredentialRequirement, fmt: str, formats: Sequence[str]) -> str:
    if fmt == "dc+sd-jwt" and "vc+sd-jwt" in formats:
        return requirement.query_id + _DC_SUFFIX
    return requirement.query_id


def requirement_of(policy: Policy, query_id: str) -> CredentialRequirement | None:
    """The policy requirement a credential query id answers (``kyc`` and ``kyc_dc``)."""
    base = query_id.removesuffix(_DC_SUFFIX)
    return policy.requirement(base)


def _path(fmt: str, *segments: str) -> list[str]:
    return list(segments) if fmt == "dc+sd-jwt" else ["credentialSubject", *segments]


def _credential_query(
    policy: Policy, requirement: CredentialRequirement, fmt: str
) -> dict[str, Any]:
    query: dict[str, Any] = {
        "id": _query_id(requirement, fmt, policy.formats),
        "format": fmt,
        "meta": {"vct_values": [requirement.vct]}
        if fmt == "dc+sd-jwt"
        else {"type_values": [["VerifiableCredential", requirement.credential_type]]},
    }
    claims: list[dict[str, Any]] = []
    for name in requirement.claims:
        claim: dict[str, Any] = {"id": _claim_id(name), "path": _path(fmt, name)}
        if name in requirement.values:
            claim["values"] = list(requirement.values[name])
        claims.append(claim)
    base_ids = [c["id"] for c in claims]
    if requirement.query_id == BANK_STATEMENT_QUERY:
        if policy.max_statement_age_days is not None and "asOfDate" not in requirement.claims:
            claims.append({"id": "asOfDate", "path": _path(fmt, "asOfDate")})
            base_ids.append("asOfDate")
        if policy.min_balance is not None:
            tiers = tier_keys(policy.min_balance, policy.fx, DEFAULT_BALANCE_TIERS)
            for key in tiers:
                claims.append({"id": _claim_id(key), "path": _path(fmt, "balanceAtLeast", key)})
            if tiers:
                query["claim_sets"] = [[*base_ids, _claim_id(key)] for key in tiers]
    if claims:
        query["claims"] = claims
    return query


def build_dcql(policy: Policy) -> dict[str, Any]:
    """The DCQL query (JSON) for ``policy``: nothing beyond what the policy evaluates."""
    credentials: list[dict[str, Any]] = []
    sets: list[dict[str, Any]] = []
    for requirement in policy.credentials:
        if requirement.query_id == FIDO_QUERY:
            credentials.append(
                {
                    "id": FIDO_QUERY,
                    "format": FIDO_FORMAT,
                    "meta": {"type_values": [["VerifiableCredential", "FidoKeyBindingCredential"]]},
                    "claims": [
                        {"id": name, "path": ["credentialSubject", name]} for name in FIDO_CLAIMS
                    ],
                }
            )
            sets.append({"options": [[FIDO_QUERY]], "required": True})
            continue
        options = []
        for fmt in policy.formats:
            query = _credential_query(policy, requirement, fmt)
            credentials.append(query)
            options.append([query["id"]])
        sets.append({"options": options, "required": True})
    out: dict[str, Any] = {"credentials": credentials}
    if len(credentials) > len(sets):  # some requirement has alternatives (several formats)
        out["credential_sets"] = sets
    return out


def query_format(dcql: Mapping[str, Any], query_id: str) -> str | None:
    for query in dcql.get("credentials", ()):
        if query.get("id") == query_id:
            return str(query.get("format"))
    return None


def requested_paths(dcql: Mapping[str, Any], query_id: str) -> list[tuple[str, ...]]:
    """Every claim path a credential query asks for (over all its claim sets)."""
    for query in dcql.get("credentials", ()):
        if query.get("id") == query_id:
            return [
                tuple(str(p) for p in claim.get("path", ())) for claim in query.get("claims") or ()
            ]
    return []
