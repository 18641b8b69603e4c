"""DCQL, the Digital Credentials Query Language of OpenID4VP 1.0 (section 6), for both roles.

The verifier writes a query (its onboarding policy turned into credential queries) and, once the
wallet answers, checks that what was presented satisfies it (:func:`check_response`). The wallet
parses the query and picks, among the credentials it holds, which to present and which claims to
disclose (:func:`select`). Both sides evaluate claims path pointers (section 7) with the same
function, :func:`select_path`, over a :class:`Candidate`: the JSON that the paths address.

- ``vc+sd-jwt`` and ``ldp_vc`` (W3C VCs): paths start at the credential, e.g.
  ``["credentialSubject", "legalName"]``; ``meta.type_values`` lists acceptable type sets.
- ``dc+sd-jwt`` (IETF SD-JWT VC): paths address the flat payload, e.g. ``["given_name"]``;
  ``meta.vct_values`` lists acceptable types.

Error codes: ``dcql_malformed`` (the query breaks section 6's rules), ``dcql_unsatisfied`` (a
response does not answer the query).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from passport.errors import MalformedError, VerdictError

__all__ = [
    "Candidate",
    "ClaimsQuery",
    "CredentialQuery",
    "CredentialSetQuery",
    "DcqlQuery",
    "Match",
    "Selection",
    "check_response",
    "match",
    "parse_dcql",
    "select",
    "select_path",
]

_ID = re.compile(r"^[A-Za-z0-9_-]+$")
PathElement = str | int | None
ClaimValue = str | int | bool


@dataclass(frozen=True)
class ClaimsQuery:
    """One claim asked for (section 6.3): a claims path pointer and, optionally, the values
    the verifier accepts."""

    path: tuple[PathElement, ...]
    id: str | None = None
    values: tuple[ClaimValue, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": list(self.path)}
        if self.id is not None:
            out["id"] = self.id
        if self.values is not None:
            out["values"] = list(self.values)
        return out


@dataclass(frozen=True)
class CredentialQuery:
    """One credential asked for (section 6.1)."""

    id: str
    format: str
    meta: Mapping[str, Any]
    claims: tuple[ClaimsQuery, ...] | None = None
    claim_sets: tuple[tuple[str, ...], ...] | None = None
    multiple: bool = False
    require_cryptographic_holder_binding: bool = True

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "format": self.format, "meta": dict(self.meta)}
        if self.multiple:
            out["multiple"] = True
        if not self.require_cryptographic_holder_binding:
            out["require_cryptographic_holder_binding"] = False
        if self.claims is not None:
            out["claims"] = [c.to_json() for c in self.claims]
        if self.claim_sets is not None:
            out["claim_sets"] = [list(s) for s in self.claim_sets]
        return out


@dataclass(frozen=True)
class CredentialSetQuery:
    """Alternatives of credentials (section 6.2): one ``options`` entry (a list of credential
    query ids) must be satisfied when ``required``."""

    options: tuple[tuple[str, ...], ...]
    required: bool = True

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"options": [list(o) for o in self.options]}
        if not self.required:
            out["required"] = False
        return out


@dataclass(frozen=True)
class DcqlQuery:
    credentials: tuple[CredentialQuery, ...]
    credential_sets: tuple[CredentialSetQuery, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"credentials": [c.to_json() for c in self.credentials]}
        if self.credential_sets is not None:
            out["credential_sets"] = [s.to_json() for s in self.credential_sets]
        return out

    def by_id(self, query_id: str) -> CredentialQuery | None:
        return next((c for c in self.credentials if c.id == query_id), None)


@dataclass(frozen=True)
class Candidate:
    """A credential as DCQL sees it: its format, the JSON its claim paths address, and its type
    (``vct`` for SD-JWT VC, ``types`` for W3C VCs; taken from ``claims["type"]`` when empty).
    ``ref`` is opaque to this module (the wallet's credential id, the verifier's index)."""

    format: str
    claims: Mapping[str, Any]
    vct: str | None = None
    types: tuple[str, ...] = ()
    ref: Any = None

    def type_set(self) -> frozenset[str]:
        if self.types:
            return frozenset(self.types)
        raw = self.claims.get("type")
        if isinstance(raw, str):
            return frozenset({raw})
        if isinstance(raw, list):
            return frozenset(t for t in raw if isinstance(t, str))
        return frozenset()


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    claims: tuple[ClaimsQuery, ...]


@dataclass(frozen=True)
class Selection:
    """What the wallet presents: for each answered credential query id, the chosen matches."""

    matches: Mapping[str, tuple[Match, ...]]


# --- parsing (section 6) -------------------------------------------------------------------


def _bad(message: str, **details: Any) -> MalformedError:
    return MalformedError(
        "dcql_malformed", f"The DCQL query is not valid: {message}", details=details
    )


def _identifier(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise _bad(f"{what} must be a non-empty string of letters, digits, '_' or '-'.")
    return value


def _non_empty_list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise _bad(f"{what} must be a non-empty array.")
    return value


def _parse_path(value: Any) -> tuple[PathElement, ...]:
    items = _non_empty_list(value, "a claim's path")
    for item in items:
        ok = (
            item is None
            or isinstance(item, str)
            or (isinstance(item, int) and not isinstance(item, bool) and item >= 0)
        )
        if not ok:
            raise _bad("a path element must be a string, null or a non-negative integer.")
    return tuple(items)


def _parse_values(value: Any) -> tuple[ClaimValue, ...]:
    items = _non_empty_list(value, "a claim's values")
    for item in items:
        if not isinstance(item, str | int | bool) or isinstance(item, float):
            raise _bad("claim values must be strings, integers or booleans.")
    return tuple(items)


def _parse_claim(value: Any) -> ClaimsQuery:
    if not isinstance(value, Mapping):
        raise _bad("each entry of claims must be an object.")
    claim_id = value.get("id")
    return ClaimsQuery(
        path=_parse_path(value.get("path")),
        id=None if claim_id is None else _identifier(claim_id, "a claim's id"),
        values=None if value.get("values") is None else _parse_values(value.get("values")),
    )


def _flag(value: Mapping[str, Any], name: str, default: bool) -> bool:
    flag = value.get(name, default)
    if not isinstance(flag, bool):
        raise _bad(f"{name} must be a boolean.")
    return flag


def _parse_credential(value: Any) -> CredentialQuery:
    if not isinstance(value, Mapping):
        raise _bad("each entry of credentials must be an object.")
    query_id = _identifier(value.get("id"), "a credential query's id")
    fmt = value.get("format")
    if not isinstance(fmt, str) or not fmt:
        raise _bad("a credential query needs a format.", query=query_id)
    meta = value.get("meta")
    if not isinstance(meta, Mapping):
        raise _bad("a credential query needs a meta object (it may be empty).", query=query_id)
    _check_meta(meta, query_id)
    claims: tuple[ClaimsQuery, ...] | None = None
    if value.get("claims") is not None:
        claims = tuple(_parse_claim(c) for c in _non_empty_list(value["claims"], "claims"))
        ids = [c.id for c in claims if c.id is not None]
        if len(ids) != len(set(ids)):
            raise _bad("claim ids must be unique within a credential query.", query=query_id)
    claim_sets: tuple[tuple[str, ...], ...] | None = None
    if value.get("claim_sets") is not None:
        if claims is None:
            raise _bad("claim_sets needs claims.", query=query_id)
        known = {c.id for c in claims}
        if None in known:
            raise _bad("with claim_sets every claim needs an id.", query=query_id)
        claim_sets = tuple(
            tuple(_identifier(i, "a claim set entry") for i in _non_empty_list(s, "a claim set"))
            for s in _non_empty_list(value["claim_sets"], "claim_sets")
        )
        unknown = {i for s in claim_sets for i in s} - known
        if unknown:
            raise _bad("claim_sets names unknown claim ids.", query=query_id, ids=sorted(unknown))
    return CredentialQuery(
        id=query_id,
        format=fmt,
        meta=dict(meta),
        claims=claims,
        claim_sets=claim_sets,
        multiple=_flag(value, "multiple", False),
        require_cryptographic_holder_binding=_flag(
            value, "require_cryptographic_holder_binding", True
        ),
    )


def _check_meta(meta: Mapping[str, Any], query_id: str) -> None:
    vct = meta.get("vct_values")
    if vct is not None and (
        not isinstance(vct, list) or not vct or not all(isinstance(v, str) for v in vct)
    ):
        raise _bad("meta.vct_values must be a non-empty array of strings.", query=query_id)
    types = meta.get("type_values")
    if types is not None and (
        not isinstance(types, list)
        or not types
        or not all(isinstance(t, list) and t and all(isinstance(s, str) for s in t) for t in types)
    ):
        raise _bad(
            "meta.type_values must be a non-empty array of non-empty arrays of strings.",
            query=query_id,
        )


def _parse_set(value: Any, known: set[str]) -> CredentialSetQuery:
    if not isinstance(value, Mapping):
        raise _bad("each entry of credential_sets must be an object.")
    options = tuple(
        tuple(
            _identifier(i, "a credential set option entry") for i in _non_empty_list(o, "an option")
        )
        for o in _non_empty_list(value.get("options"), "a credential set's options")
    )
    unknown = {i for o in options for i in o} - known
    if unknown:
        raise _bad("credential_sets names unknown credential query ids.", ids=sorted(unknown))
    return CredentialSetQuery(options=options, required=_flag(value, "required", True))


def parse_dcql(data: Any) -> DcqlQuery:
    """Parse and check a ``dcql_query`` object (OpenID4VP 1.0 section 6).

    Raises ``dcql_malformed``."""
    if not isinstance(data, Mapping):
        raise _bad("it must be a JSON object.")
    credentials = tuple(
        _parse_credential(c) for c in _non_empty_list(data.get("credentials"), "credentials")
    )
    ids = [c.id for c in credentials]
    if len(ids) != len(set(ids)):
        raise _bad("credential query ids must be unique.")
    sets = None
    if data.get("credential_sets") is not None:
        sets = tuple(
            _parse_set(s, set(ids))
            for s in _non_empty_list(data["credential_sets"], "credential_sets")
        )
    return DcqlQuery(credentials=credentials, credential_sets=sets)


# --- evaluation (sections 6.4 and 7) ---------------------------------------------------------


class _PathError(Exception):
    """Section 7: processing aborts when a component meets the wrong kind of element."""


def select_path(claims: Any, path: Sequence[PathElement]) -> list[Any]:
    """The elements a claims path pointer selects (OpenID4VP 1.0 section 7.1); empty when the
    path selects nothing or meets an element of the wrong kind."""
    try:
        return _walk(claims, path)
    except _PathError:
        return []


def _walk(root: Any, path: Sequence[PathElement]) -> list[Any]:
    selected = [root]
    for component in path:
        nxt: list[Any] = []
        for element in selected:
            if isinstance(component, str):
                if not isinstance(element, Mapping):
                    raise _PathError
                if component in element:
                    nxt.append(element[component])
            elif component is None:
                if not isinstance(element, list):
                    raise _PathError
                nxt.extend(element)
            else:
                if not isinstance(element, list):
                    raise _PathError
                if component < len(element):
                    nxt.append(element[component])
        selected = nxt
    return selected


def _same_value(a: Any, b: Any) -> bool:
    # Type and value must both match: True is not 1.
    return type(a) is type(b) and a == b


def _claim_matches(claim: ClaimsQuery, cand: Candidate) -> bool:
    found = select_path(cand.claims, claim.path)
    if not found:
        return False
    if claim.values is None:
        return True
    return any(_same_value(f, v) for f in found for v in claim.values)


def _meta_matches(query: CredentialQuery, cand: Candidate) -> bool:
    vct_values = query.meta.get("vct_values")
    if vct_values is not None and cand.vct not in vct_values:
        return False
    type_values = query.meta.get("type_values")
    if type_values is not None:
        have = cand.type_set()
        if not any(set(option) <= have for option in type_values):
            return False
    return True


def match(query: CredentialQuery, cand: Candidate) -> tuple[ClaimsQuery, ...] | None:
    """Whether ``cand`` answers ``query`` (section 6.4.1) and, if so, the claims to disclose:
    every claim when there are no ``claim_sets``, else the first satisfiable claim set (the
    verifier lists them in order of preference), ``()`` when no claims are asked for."""
    if cand.format != query.format or not _meta_matches(query, cand):
        return None
    if query.claims is None:
        return ()
    if query.claim_sets is None:
        if all(_claim_matches(c, cand) for c in query.claims):
            return query.claims
        return None
    by_id = {c.id: c for c in query.claims}
    for claim_set in query.claim_sets:
        chosen = tuple(by_id[i] for i in claim_set)
        if all(_claim_matches(c, cand) for c in chosen):
            return chosen
    return None


def _matches_for(query: CredentialQuery, candidates: Sequence[Candidate]) -> tuple[Match, ...]:
    found = []
    for cand in candidates:
        claims = match(query, cand)
        if claims is not None:
            found.append(Match(cand, claims))
    return tuple(found)


def select(query: DcqlQuery, candidates: Sequence[Candidate]) -> Selection | None:
    """The wallet's choice (section 6.4.2): for each credential query to answer, the first
    matching candidate (all of them when ``multiple``). Without ``credential_sets`` every query
    must be answered; with them each required set needs one satisfiable option (the first, in
    the verifier's order) and optional sets are answered when they can be. ``None`` when the
    query cannot be satisfied."""
    available = {q.id: _matches_for(q, candidates) for q in query.credentials}

    def pick(query_id: str) -> tuple[Match, ...]:
        found = available[query_id]
        q = query.by_id(query_id)
        return found if (q is not None and q.multiple) else found[:1]

    if query.credential_sets is None:
        if not all(available.values()):
            return None
        return Selection({qid: pick(qid) for qid in available})
    chosen: dict[str, tuple[Match, ...]] = {}
    for cset in query.credential_sets:
        option = next((o for o in cset.options if all(available[i] for i in o)), None)
        if option is None:
            if cset.required:
                return None
            continue
        for qid in option:
            chosen[qid] = pick(qid)
    return Selection(chosen)


def _unsatisfied(message: str, **details: Any) -> VerdictError:
    return VerdictError(
        "dcql_unsatisfied",
        f"The presentation does not answer the request: {message}",
        details=details,
    )


def check_response(query: DcqlQuery, presented: Mapping[str, Sequence[Candidate]]) -> None:
    """Check on the verifier's side that a response answers ``query`` itself (section 6.4 and
    8.1): only known query ids, one presentation per query unless ``multiple``, each matching its
    query (format, meta, every requested claim and its ``values``), and every query (or, with
    ``credential_sets``, one option of each required set) answered. Raises ``dcql_unsatisfied``."""
    for query_id, items in presented.items():
        q = query.by_id(query_id)
        if q is None:
            raise _unsatisfied("it answers a credential query that was not asked.", query=query_id)
        if not items:
            raise _unsatisfied("an answer holds no presentation.", query=query_id)
        if len(items) > 1 and not q.multiple:
            raise _unsatisfied("several presentations answer a single query.", query=query_id)
        for cand in items:
            if cand.format != q.format:
                raise _unsatisfied(
                    "a presentation has another format.", query=query_id, format=cand.format
                )
            if not _meta_matches(q, cand):
                raise _unsatisfied("a presentation is not of the requested type.", query=query_id)
            if match(q, cand) is None:
                missing = [list(c.path) for c in (q.claims or ()) if not _claim_matches(c, cand)]
                raise _unsatisfied(
                    "a requested claim is missing or has a value the request does not accept.",
                    query=query_id,
                    claims=missing,
                )
    answered = {qid for qid, items in presented.items() if items}
    if query.credential_sets is None:
        missing_ids = sorted({q.id for q in query.credentials} - answered)
        if missing_ids:
            raise _unsatisfied("some requested credentials are missing.", queries=missing_ids)
        return
    for cset in query.credential_sets:
        if cset.required and not any(set(o) <= answered for o in cset.options):
            raise _unsatisfied(
                "no option of a required credential set is answered.",
                options=[list(o) for o in cset.options],
            )
