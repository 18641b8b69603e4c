"""Issue SD-JWTs (RFC 9901 sections 4.1 and 4.2), by default ``vc+sd-jwt`` over a W3C VC 2.0
credential as in W3C VC-JOSE-COSE section 3.2.

Which claims are selectively disclosable is the Issuer's choice (``disclosable``): slash-separated
paths (``"credentialSubject/birthDate"``, ``"credentialSubject/nationalities/0"``) where ``*``
matches any one member or element (``SUBJECT_CLAIMS`` = every claim of ``credentialSubject``), or
a predicate over path tuples. A claim whose parent is disclosable as well becomes a recursive
disclosure (section 4.2.6). The JWT and VC properties needed to validate a credential
(``ALWAYS_DISCLOSED``, ``credentialSubject`` as a whole and ``credentialSubject.id``, the holder
DID) are never made disclosable.

Error codes: ``sd_claim_not_disclosable``, ``sd_path_not_found``, ``holder_jwk_private``,
``sd_claims_reserved``, ``naive_datetime`` (ConfigurationError); ``credential_date_invalid``
and, from ``passport.keys``, ``key_malformed`` (MalformedError).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from passport.errors import ConfigurationError, MalformedError
from passport.keys import PrivateKey, PublicKey, Rng, b64url_encode
from passport.sdjwt.common import (
    ALWAYS_DISCLOSED,
    DEFAULT_SD_ALG,
    VC_SD_JWT_TYP,
    Path,
    digest,
    encode_disclosure,
    format_path,
    hash_function,
    parse_path,
    path_matches,
    sign_jws,
    to_epoch,
)

__all__ = ["SUBJECT_CLAIMS", "Disclosable", "Rng", "issue", "is_never_disclosable"]

# Rng (a function n -> n random bytes) is passport.keys.Rng, re-exported here.
#: Paths (``*`` wildcards allowed) or a predicate on a claim's path.
Disclosable = Collection[str] | Callable[[Path], bool]
#: Every claim of ``credentialSubject`` except ``id``.
SUBJECT_CLAIMS: frozenset[str] = frozenset({"credentialSubject/*"})


def is_never_disclosable(path: Path) -> bool:
    """True for the claims that must stay in the clear (RFC 9901 9.7, VC-JOSE-COSE 3.2)."""
    if len(path) == 1:
        # credentialSubject itself stays an object so that its id (the holder DID) stays clear.
        return path[0] in ALWAYS_DISCLOSED or path[0] == "credentialSubject"
    return len(path) == 2 and path == ("credentialSubject", "id")


def issue(
    claims: Mapping[str, Any],
    key: PrivateKey,
    *,
    kid: str,
    disclosable: Disclosable = SUBJECT_CLAIMS,
    holder_jwk: Mapping[str, Any] | None = None,
    decoys: int | Mapping[str, int] = 0,
    typ: str = VC_SD_JWT_TYP,
    now: datetime | int | None = None,
    rng: Rng | None = None,
    header_extras: Mapping[str, Any] | None = None,
    sd_alg: str = DEFAULT_SD_ALG,
) -> str:
    """Issue an SD-JWT over ``claims``; returns ``<Issuer-signed JWT>~<Disclosure>~...~``.

    The payload is ``claims`` with the chosen claims replaced by digests (RFC 9901 sections
    4.2.1-4.2.4; ``_sd`` arrays sorted, array elements as ``{"...": digest}``), decoy digests
    (section 4.2.5: ``decoys`` per object/array holding disclosable claims, or a mapping from a
    path to a count, ``""`` being the top level), ``_sd_alg`` (section 4.1.1), ``cnf.jwk`` when
    ``holder_jwk`` is given (section 4.1.2), and, for a VC (VC-JOSE-COSE, appendix on JWT claims):
    ``iss`` from ``issuer``, ``iat`` from ``now`` (default: the system clock), ``exp`` from
    ``validUntil``; ``nbf`` is not set (NOT RECOMMENDED there). Salts are 128 random bits
    (section 9.3) from ``rng`` (default ``os.urandom``; inject one only for test vectors).

    Raises ConfigurationError ``sd_claim_not_disclosable`` (a listed path must stay in the
    clear), ``sd_path_not_found`` (a listed path without wildcard is not in ``claims``),
    ``sd_claims_reserved`` (``claims`` uses ``_sd``, ``...`` or ``_sd_alg``),
    ``holder_jwk_private`` (``holder_jwk`` has a private part); MalformedError
    ``credential_date_invalid`` (``validUntil`` is not a dateTimeStamp), ``key_malformed``
    (``holder_jwk`` is not a supported public JWK).
    """
    rand = rng or os.urandom
    hash_function(sd_alg)  # refuse an unsupported algorithm before doing any work
    selected = _selector(disclosable, claims)
    disclosures: list[str] = []
    payload = _conceal(claims, (), selected, disclosures, decoys, rand, sd_alg)

    issued_at = to_epoch(now) if now is not None else int(datetime.now(UTC).timestamp())
    issuer = claims.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if isinstance(issuer_id, str) and "iss" not in payload:
        payload["iss"] = issuer_id
    payload.setdefault("iat", issued_at)
    valid_until = claims.get("validUntil")
    if isinstance(valid_until, str) and "exp" not in payload:
        payload["exp"] = _epoch_of(valid_until)
    if holder_jwk is not None:
        if "d" in holder_jwk:
            raise ConfigurationError(
                "holder_jwk_private",
                "holder_jwk contains a private key ('d'); pass the holder's public JWK only.",
            )
        PublicKey.from_jwk(holder_jwk)  # refuse a JWK the verifier could not use
        payload["cnf"] = {"jwk": dict(holder_jwk)}
    payload["_sd_alg"] = sd_alg

    header = {"typ": typ, "kid": kid, **(header_extras or {})}
    return "".join([sign_jws(header, payload, key), "~", *(d + "~" for d in disclosures)])


def _epoch_of(text: str) -> int:
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    except ValueError as exc:
        raise MalformedError(
            "credential_date_invalid",
            f"validUntil {text!r} is not a dateTimeStamp such as 2030-01-01T00:00:00Z.",
        ) from exc


def _selector(disclosable: Disclosable, claims: Mapping[str, Any]) -> Callable[[Path], bool]:
    if callable(disclosable):
        predicate = disclosable
        return lambda path: not is_never_disclosable(path) and bool(predicate(path))
    if isinstance(disclosable, str):
        disclosable = [disclosable]
    patterns = [parse_path(p) for p in disclosable]
    for text, pattern in zip(disclosable, patterns, strict=True):
        if "*" in pattern:
            continue
        if is_never_disclosable(pattern):
            raise ConfigurationError(
                "sd_claim_not_disclosable",
                f"{text!r} must stay disclosed: validators need it (RFC 9901 9.7, VC-JOSE-COSE).",
                details={"path": text},
            )
        if not _exists(claims, pattern):
            raise ConfigurationError(
                "sd_path_not_found",
                f"{text!r} is not a claim of this credential; check the path.",
                details={"path": text},
            )
    return lambda path: (
        not is_never_disclosable(path) and any(path_matches(p, path) for p in patterns)
    )


def _exists(value: Any, pattern: tuple[str, ...]) -> bool:
    for segment in pattern:
        if isinstance(value, Mapping) and segment in value:
            value = value[segment]
        elif isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
            value = value[int(segment)]
        else:
            return False
    return bool(pattern)


def _decoy_count(decoys: int | Mapping[str, int], path: Path, has_sd: bool) -> int:
    if isinstance(decoys, Mapping):
        return int(decoys.get(format_path(path), 0))
    return decoys if has_sd else 0


def _conceal(
    value: Any,
    path: Path,
    selected: Callable[[Path], bool],
    out: list[str],
    decoys: int | Mapping[str, int],
    rand: Rng,
    sd_alg: str,
) -> Any:
    """Bottom-up: children are concealed first, so a disclosable parent's Disclosure carries
    its children's digests (recursive disclosures, RFC 9901 section 4.2.6)."""
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        digests: list[str] = []
        for name, child in value.items():
            if name in ("_sd", "...") or (name == "_sd_alg" and path):
                raise ConfigurationError(
                    "sd_claims_reserved",
                    f"Claim name {name!r} is reserved by SD-JWT (RFC 9901 section 4.1); rename it.",
                    details={"path": format_path((*path, name))},
                )
            child_path = (*path, name)
            concealed = _conceal(child, child_path, selected, out, decoys, rand, sd_alg)
            if selected(child_path):
                disclosure = encode_disclosure(_salt(rand), name, concealed)
                out.append(disclosure)
                digests.append(digest(disclosure, sd_alg))
            else:
                result[name] = concealed
        digests += [_decoy(rand, sd_alg) for _ in range(_decoy_count(decoys, path, bool(digests)))]
        if digests:
            result["_sd"] = sorted(digests)  # hides the claims' order (section 4.2.4.1)
        return result
    if isinstance(value, list):
        items: list[Any] = []
        has_sd = False
        for index, child in enumerate(value):
            child_path = (*path, index)
            concealed = _conceal(child, child_path, selected, out, decoys, rand, sd_alg)
            if selected(child_path):
                disclosure = encode_disclosure(_salt(rand), None, concealed)
                out.append(disclosure)
                items.append({"...": digest(disclosure, sd_alg)})
                has_sd = True
            else:
                items.append(concealed)
        for _ in range(_decoy_count(decoys, path, has_sd)):
            position = int.from_bytes(rand(4), "big") % (len(items) + 1)
            items.insert(position, {"...": _decoy(rand, sd_alg)})
        return items
    return value


def _salt(rand: Rng) -> str:
    return b64url_encode(rand(16))


def _decoy(rand: Rng, sd_alg: str) -> str:
    # RFC 9901 section 4.2.5: the digest of a random number, with the Disclosures' hash.
    return digest(b64url_encode(rand(32)), sd_alg)
