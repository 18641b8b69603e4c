"""The Holder's side of SD-JWT: list what a credential can disclose, and present it
(RFC 9901 section 7.2), with a Key Binding JWT (section 4.3) when a holder key is given.

On receipt from the Issuer a wallet validates the SD-JWT with
``passport.sdjwt.verifier.verify(sd_jwt, ..., require_kb=False)`` (section 7.2, first list,
step 1); the functions here only read the credential's structure, they do not check the
Issuer's signature.

Error codes: ``sd_jwt_malformed``, ``jwt_malformed``, ``disclosure_malformed`` (MalformedError);
``sd_alg_unsupported`` (VerdictError); ``sd_path_not_found``, ``kb_params_missing``,
``holder_key_missing``, ``holder_key_mismatch``, ``naive_datetime`` (ConfigurationError).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from passport.errors import ConfigurationError, MalformedError
from passport.keys import PrivateKey, PublicKey
from passport.sdjwt.common import (
    DEFAULT_SD_ALG,
    KB_TYP,
    Disclosure,
    Path,
    SdJwtParts,
    decode_disclosure,
    digest,
    format_path,
    parse_jws,
    parse_path,
    path_matches,
    sign_jws,
    split_sd_jwt,
    to_epoch,
)

__all__ = ["DisclosableClaim", "disclosable_claims", "full_payload", "present"]


@dataclass(frozen=True)
class DisclosableClaim:
    """One selectively disclosable claim of a held credential, for the wallet's consent screen.

    ``path`` is slash-separated (array indexes count the credential's real elements, as the
    issuer's paths do); ``value`` is the claim with everything under it disclosed;
    ``requires`` lists the paths of the disclosable claims that contain it (they are revealed
    with it, RFC 9901 section 4.2.6).
    """

    path: str
    value: Any
    requires: tuple[str, ...]
    disclosure: str


@dataclass(frozen=True)
class _Entry:
    path: Path
    disclosure: Disclosure
    parent: _Entry | None


@dataclass(frozen=True)
class _Held:
    parts: SdJwtParts
    payload: dict[str, Any]
    entries: tuple[_Entry, ...]
    by_digest: dict[str, Disclosure]


def _read(sd_jwt: str) -> _Held:
    parts = split_sd_jwt(sd_jwt)
    if parts.kb_jwt is not None:
        # RFC 9901 section 7.2: the Issuer provides an SD-JWT, never an SD-JWT+KB.
        raise MalformedError(
            "sd_jwt_malformed",
            "This is a presentation (it ends with a Key Binding JWT), not an issued SD-JWT.",
        )
    payload = parse_jws(parts.issuer_jwt).payload
    sd_alg = payload.get("_sd_alg", DEFAULT_SD_ALG)
    by_digest = {digest(d, sd_alg): decode_disclosure(d) for d in parts.disclosures}
    entries: list[_Entry] = []
    _walk(payload, (), None, by_digest, entries)
    return _Held(parts, payload, tuple(entries), by_digest)


def _walk(
    value: Any,
    path: Path,
    parent: _Entry | None,
    by_digest: dict[str, Disclosure],
    out: list[_Entry],
) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            if name != "_sd":
                _walk(child, (*path, name), parent, by_digest, out)
        for d in value.get("_sd", ()):
            disclosure = by_digest.get(d) if isinstance(d, str) else None
            if disclosure is None or disclosure.name is None:
                continue  # a decoy, or a Disclosure the Issuer did not send
            entry = _Entry((*path, disclosure.name), disclosure, parent)
            out.append(entry)
            _walk(disclosure.value, entry.path, entry, by_digest, out)
    elif isinstance(value, list):
        index = 0
        for item in value:
            if isinstance(item, dict) and len(item) == 1 and "..." in item:
                disclosure = by_digest.get(item["..."])
                if disclosure is None or disclosure.name is not None:
                    continue  # decoys do not count as elements
                entry = _Entry((*path, index), disclosure, parent)
                out.append(entry)
                _walk(disclosure.value, entry.path, entry, by_digest, out)
            else:
                _walk(item, (*path, index), parent, by_digest, out)
            index += 1


def _resolve(value: Any, by_digest: dict[str, Disclosure]) -> Any:
    """``value`` with every digest replaced by its Disclosure's content (decoys dropped)."""
    if isinstance(value, dict):
        out = {k: _resolve(v, by_digest) for k, v in value.items() if k not in ("_sd", "_sd_alg")}
        for d in value.get("_sd", ()):
            disclosure = by_digest.get(d) if isinstance(d, str) else None
            if disclosure is not None and disclosure.name is not None:
                out[disclosure.name] = _resolve(disclosure.value, by_digest)
        return out
    if isinstance(value, list):
        items = []
        for item in value:
            if isinstance(item, dict) and len(item) == 1 and "..." in item:
                disclosure = by_digest.get(item["..."])
                if disclosure is not None and disclosure.name is None:
                    items.append(_resolve(disclosure.value, by_digest))
            else:
                items.append(_resolve(item, by_digest))
        return items
    return value


def _requires(entry: _Entry) -> tuple[str, ...]:
    chain: list[str] = []
    parent = entry.parent
    while parent is not None:
        chain.append(format_path(parent.path))
        parent = parent.parent
    return tuple(reversed(chain))


def disclosable_claims(sd_jwt: str) -> tuple[DisclosableClaim, ...]:
    """What an issued SD-JWT can disclose: every selectively disclosable claim, its path and value.

    Raises ``sd_jwt_malformed``, ``jwt_malformed``, ``disclosure_malformed``,
    ``sd_alg_unsupported``. Does not verify the Issuer's signature.
    """
    held = _read(sd_jwt)
    return tuple(
        DisclosableClaim(
            format_path(e.path),
            _resolve(e.disclosure.value, held.by_digest),
            _requires(e),
            e.disclosure.encoded,
        )
        for e in held.entries
    )


def full_payload(sd_jwt: str) -> dict[str, Any]:
    """The issued SD-JWT's payload with every Disclosure it carries put in place (``_sd``,
    ``_sd_alg`` and decoys removed): the holder's own full view, for display and for matching
    a query. Raises like ``disclosable_claims``; does not verify the Issuer's signature."""
    held = _read(sd_jwt)
    view = _resolve(held.payload, held.by_digest)
    assert isinstance(view, dict)
    return view


def present(
    sd_jwt: str,
    *,
    disclose: Collection[str] | Callable[[Path], bool],
    holder_key: PrivateKey | None = None,
    nonce: str | None = None,
    aud: str | None = None,
    now: datetime | int | None = None,
) -> str:
    """Build a presentation of an issued SD-JWT (RFC 9901 section 7.2, second list).

    Step 1: ``disclose`` names the claims the holder consented to reveal, as paths (``*``
    matches one segment) or a predicate; a path reveals that claim and everything under it.
    Step 2: the Disclosures of the claims containing a chosen one are added, so every
    Disclosure connects to the Issuer-signed JWT (section 4.2.6). Step 3: the SD-JWT is
    assembled in the issued order. Step 5: with ``holder_key``, a Key Binding JWT (``typ``
    ``kb+jwt``; ``iat`` = ``now``, default the system clock; ``aud``; ``nonce``; ``sd_hash``
    over the SD-JWT up to its last '~', section 4.3.1) is appended; without it (step 4) the
    SD-JWT ends with '~'.

    Raises MalformedError ``sd_jwt_malformed`` (also for an SD-JWT+KB input), ``jwt_malformed``,
    ``disclosure_malformed``; VerdictError ``sd_alg_unsupported``; ConfigurationError
    ``sd_path_not_found`` (a path without ``*`` names no claim of the credential),
    ``kb_params_missing`` (a holder key without both ``nonce`` and ``aud``),
    ``holder_key_missing`` (``nonce``/``aud`` without a holder key), ``holder_key_mismatch``
    (the key is not the credential's ``cnf.jwk``, or there is none).
    """
    held = _read(sd_jwt)
    if holder_key is None and (nonce is not None or aud is not None):
        raise ConfigurationError(
            "holder_key_missing",
            "nonce/aud are for the Key Binding JWT: pass holder_key to sign one.",
        )
    chosen = _chosen_entries(held, disclose)
    keep = {e.disclosure.encoded for e in chosen}
    selected = tuple(d for d in held.parts.disclosures if d in keep)
    presented = SdJwtParts(held.parts.issuer_jwt, selected, None).sd_jwt
    if holder_key is None:
        return presented

    if not isinstance(nonce, str) or not isinstance(aud, str):
        raise ConfigurationError(
            "kb_params_missing",
            "A Key Binding JWT needs the verifier's nonce and audience (RFC 9901 section 4.3).",
        )
    cnf = held.payload.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict) or PublicKey.from_jwk(jwk) != holder_key.public_key:
        raise ConfigurationError(
            "holder_key_mismatch",
            "holder_key is not the key this credential is bound to (its cnf.jwk); "
            "use the key the credential was issued to.",
        )
    kb_payload = {
        "iat": to_epoch(now) if now is not None else int(datetime.now(UTC).timestamp()),
        "aud": aud,
        "nonce": nonce,
        "sd_hash": digest(presented, held.payload.get("_sd_alg", DEFAULT_SD_ALG)),
    }
    return presented + sign_jws({"typ": KB_TYP}, kb_payload, holder_key)


def _chosen_entries(
    held: _Held, disclose: Collection[str] | Callable[[Path], bool]
) -> list[_Entry]:
    if callable(disclose):
        wanted: Callable[[Path], bool] = disclose
    else:
        texts = [disclose] if isinstance(disclose, str) else list(disclose)
        patterns = [parse_path(p) for p in texts]
        full = _resolve(held.payload, held.by_digest)
        for text, pattern in zip(texts, patterns, strict=True):
            if "*" not in pattern and not _exists(full, pattern):
                raise ConfigurationError(
                    "sd_path_not_found",
                    f"{text!r} is not a claim of this credential; see disclosable_claims().",
                    details={"path": text},
                )

        def wanted(path: Path) -> bool:
            # A pattern reveals the claim and its whole subtree (``path`` extends the pattern),
            # and the disclosable claims that contain it (the pattern extends ``path``), e.g. a
            # recursively disclosed object whose chosen member is always disclosed inside it.
            n = len(path)
            return any(
                path_matches(p, path[: len(p)]) if len(p) <= n else path_matches(p[:n], path)
                for p in patterns
            )

    chosen: dict[int, _Entry] = {}
    for entry in held.entries:
        if wanted(entry.path):
            node: _Entry | None = entry
            while node is not None and id(node) not in chosen:
                chosen[id(node)] = node
                node = node.parent
    return list(chosen.values())


def _exists(value: Any, pattern: tuple[str, ...]) -> bool:
    for segment in pattern:
        if isinstance(value, dict) and segment in value:
            value = value[segment]
        elif isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
            value = value[int(segment)]
        else:
            return False
    return True
