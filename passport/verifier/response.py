"""The wallet's Authorization Response, from the HTTP body to the decision (OpenID4VP 1.0
sections 8.2, 8.3, 8.5 and 8.6), every step reported.

1. ``parse_form``: the body is ``application/x-www-form-urlencoded`` (``content_type_unsupported``)
   within the size limit (``body_too_large``), UTF-8, each parameter once (``form_malformed``).
2. ``open_response``: for ``direct_post.jwt`` the ``response`` parameter is a JWE (compact,
   ``alg`` ``ECDH-ES``, an offered ``enc``; ``jwe_malformed``, ``jwe_alg_unsupported``,
   ``jwe_decryption_failed``) to this request's ephemeral key, whose plaintext is a JSON object of
   the response parameters (``response_malformed``); a plain ``vp_token`` there is refused
   (``response_not_encrypted``), as is a JWE in ``direct_post`` (``response_mode_mismatch``).
   ``state`` must be this request's (``state_mismatch``); an expired request is ``state_expired``.
3. ``evaluate``: an error response (``access_denied`` and the other codes of section 8.5) ends the
   session as ``refused``. Otherwise the ``vp_token`` (1.0 shape, ``vp_token_malformed``) is
   verified presentation by presentation through ``passport.verify.verify`` (``vc+sd-jwt`` and
   the FIDO ``ldp_vc`` presentation) or ``passport.verifier.sdjwt_vc`` (``dc+sd-jwt``), with this
   request's nonce and the client identifier as audience, the status lists checked against the
   chain and the accreditation checks; then the response must answer the DCQL query itself
   (``dcql_unsatisfied``), disclose nothing beyond what was asked (``over_disclosure``: recorded,
   never stored), come from one holder (``holder_mismatch``: every presentation proves at least
   one common holder key; see docs/unlinkability.md), carry a valid WebAuthn assertion
   when FIDO is asked (the ``fido_*`` codes) and meet the policy (``balance_below_minimum``,
   ``statement_too_old``).

The decision is ``approved`` only when every check passed; a check that could not be made (an
unreachable chain or status list) makes it ``indeterminate``, never ``approved`` nor a verdict.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import parse_qs

from passport.errors import MalformedError, PassportError, VerdictError
from passport.jsonsafe import check_depth, loads
from passport.ports import Resolver, StatusFetcher
from passport.report import ReportStatus, VerificationReport
from passport.status.cache import StatusListCache
from passport.verifier.policy import (
    BANK_STATEMENT_QUERY,
    FIDO_QUERY,
    Policy,
    check_min_balance,
    check_statement_age,
)
from passport.verifier.query import query_format, requested_paths, requirement_of
from passport.verifier.request import DIRECT_POST_JWT, ENC_VALUES, JWE_ALG

__all__ = [
    "FORM_CONTENT_TYPE",
    "Decision",
    "DecisionStatus",
    "PendingRequest",
    "SignCounts",
    "VerifierContext",
    "evaluate",
    "open_response",
    "parse_form",
    "sanitized_report",
]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
WALLET_ERRORS = (
    "invalid_request",
    "invalid_client",
    "access_denied",
    "vp_formats_not_supported",
    "invalid_request_uri_method",
    "invalid_transaction_data",
    "wallet_unavailable",
)


class DecisionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    INDETERMINATE = "indeterminate"
    REFUSED = "refused"  # the wallet answered with an error response (e.g. access_denied)
    EXPIRED = "expired"


class SignCounts(Protocol):
    def last(self, credential_id: str) -> int:
        """The highest signature counter seen for this WebAuthn credential id (0 if none)."""
        ...


@dataclass(frozen=True)
class PendingRequest:
    """What the verifier stored when it created the request."""

    session_id: str
    client_id: str
    nonce: str = field(repr=False)
    state: str = field(repr=False)
    response_mode: str
    dcql: Mapping[str, Any]
    expires_at: datetime
    encryption_jwk: Mapping[str, Any] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class VerifierContext:
    """The world a verification needs (inject fakes in tests)."""

    resolver: Resolver
    now: datetime
    sign_counts: SignCounts
    status_fetcher: StatusFetcher | None = None
    accreditation: Any = None  # an AccreditationChecker (or any object with as_check())
    # Verified status lists shared across verifications (passport.status.cache): a list's
    # proof is checked once per content, and an older list never replaces a newer one.
    status_cache: StatusListCache | None = None
    kb_max_age: int = 300
    clock_skew: int = 60


@dataclass(frozen=True)
class Decision:
    """The outcome of one response: status, failing codes, the report, the retained claims
    (only those the policy asked for), the new FIDO sign counts to store and the holder."""

    status: DecisionStatus
    codes: tuple[str, ...]
    report: VerificationReport
    claims: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    sign_counts: Mapping[str, int] = field(default_factory=dict)
    holder: str | None = None
    wallet_error: str | None = None
    wallet_error_description: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "codes": list(self.codes),
            "claims": {k: dict(v) for k, v in self.claims.items()},
            "holder": self.holder,
            "wallet_error": self.wallet_error,
            "report": sanitized_report(self.report),
        }


# --- step 1 and 2: the body ------------------------------------------------------------------


def parse_form(body: bytes, content_type: str | None, *, max_bytes: int) -> dict[str, str]:
    """The form parameters of a direct_post body.

    Raises MalformedError ``content_type_unsupported``, ``body_too_large``, ``form_malformed``.
    """
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != FORM_CONTENT_TYPE:
        raise MalformedError(
            "content_type_unsupported",
            f"The response must be {FORM_CONTENT_TYPE} (OpenID4VP section 8.2), not "
            f"{media or 'untyped'}.",
        )
    if len(body) > max_bytes:
        raise MalformedError(
            "body_too_large",
            f"The response is {len(body)} bytes; this verifier takes at most {max_bytes}.",
        )
    try:
        text = body.decode("utf-8")
        parsed = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text))
    except (UnicodeDecodeError, ValueError):
        raise MalformedError("form_malformed", "The response body is not a valid form.") from None
    out: dict[str, str] = {}
    for name, values in parsed.items():
        if len(values) != 1:
            raise MalformedError("form_malformed", f"The parameter {name[:40]!r} is repeated.")
        out[name] = values[0]
    if not out:
        raise MalformedError("form_malformed", "The response body is empty.")
    for name, value in out.items():  # before any JSON parser sees them (passport.jsonsafe)
        check_depth(value, what=f"The response's {name[:40]}")
    return out


def _decrypt(token: str, jwk: Mapping[str, Any]) -> dict[str, Any]:
    from joserfc import jwe
    from joserfc.errors import JoseError
    from joserfc.jwk import ECKey

    from passport.keys import b64url_decode

    segments = token.split(".")
    try:
        if len(segments) != 5:
            raise ValueError("a compact JWE has five parts")
        raw_header = b64url_decode(segments[0])
    except (ValueError, TypeError) as exc:
        raise MalformedError(
            "jwe_malformed", f"The response is not a compact JWE: {exc}."
        ) from None
    header = loads(raw_header, code="jwe_malformed", what="The JWE protected header")
    if not isinstance(header, dict):
        raise MalformedError("jwe_malformed", "The JWE protected header is not an object.")
    if header.get("alg") != JWE_ALG or header.get("enc") not in ENC_VALUES:
        raise VerdictError(
            "jwe_alg_unsupported",
            f"The response is encrypted with {header.get('alg')!r}/{header.get('enc')!r}; "
            f"this verifier offered {JWE_ALG} with {', '.join(ENC_VALUES)}.",
        )
    if "kid" in header and header["kid"] != jwk.get("kid"):
        raise VerdictError(
            "jwe_decryption_failed", "The response is encrypted to another key of this verifier."
        )
    try:
        key = ECKey.import_key(dict(jwk))
        plaintext = jwe.decrypt_compact(token, key, algorithms=[JWE_ALG, *ENC_VALUES]).plaintext
    except (JoseError, ValueError, TypeError, KeyError, IndexError) as exc:
        raise VerdictError(
            "jwe_decryption_failed",
            f"The response cannot be decrypted with this request's key ({type(exc).__name__}).",
        ) from None
    params = loads(plaintext or b"", code="response_malformed", what="The decrypted response")
    if not isinstance(params, dict):
        raise MalformedError("response_malformed", "The decrypted response is not a JSON object.")
    return params


def open_response(
    params: Mapping[str, str], pending: PendingRequest, now: datetime
) -> dict[str, Any]:
    """The Authorization Response parameters, decrypted when needed and bound to ``pending``.

    Raises ``state_expired``, ``response_mode_mismatch``, ``response_not_encrypted``, the JWE
    codes, ``response_malformed``, ``state_mismatch`` (see the module docstring).
    """
    if now >= pending.expires_at:
        raise VerdictError(
            "state_expired", "This request has expired; start again from the bank's page."
        )
    out: dict[str, Any]
    if "response" in params:
        if pending.response_mode != DIRECT_POST_JWT or pending.encryption_jwk is None:
            raise VerdictError(
                "response_mode_mismatch",
                "An encrypted response was sent, but this request asked for direct_post.",
            )
        out = _decrypt(params["response"], pending.encryption_jwk)
    elif pending.response_mode == DIRECT_POST_JWT and "error" not in params:
        raise VerdictError(
            "response_not_encrypted",
            "This request asked for an encrypted response (direct_post.jwt).",
        )
    else:
        out = dict(params)
    state = out.get("state")
    if state != pending.state:
        raise VerdictError(
            "state_mismatch",
            "The response answers another request (its state is not this session's).",
        )
    return out


# --- step 3: verification ---------------------------------------------------------------------


@dataclass
class _Presented:
    query_id: str
    format: str
    report: VerificationReport
    claims: Mapping[str, Any] = field(default_factory=dict)
    disclosed: tuple[str, ...] = ()
    holder: str | None = None
    credential: Mapping[str, Any] | None = None
    types: tuple[str, ...] = ()
    vct: str | None = None
    raw: Any = None
    #: every holder key the presentation proves (did:key form): its holder, and for a FIDO
    #: presentation the one-time key of its second proof
    bound: frozenset[str] = frozenset()


def _holder_id(did: str | None) -> str | None:
    """One name per key, whichever DID form the credential uses: a did:jwk becomes the
    did:key of its key (an SD-JWT VC's ``cnf.jwk`` and a VC copy's did:jwk subject then
    compare equal); other DIDs stay as they are."""
    if did is None or not did.startswith("did:jwk:"):
        return did
    from passport.did.jwk import jwk_from_did_jwk

    try:
        return _holder_of_jwk(jwk_from_did_jwk(did.split("#", 1)[0])) or did
    except PassportError:
        return did


def _holder_of_jwk(jwk: Mapping[str, Any]) -> str | None:
    from passport.did.key import did_key_from_public_key
    from passport.keys import PublicKey

    try:
        return did_key_from_public_key(PublicKey.from_jwk(jwk))
    except PassportError:
        return None


def _types(doc: Mapping[str, Any]) -> tuple[str, ...]:
    types = doc.get("type")
    types = [types] if isinstance(types, str) else types
    return tuple(str(t) for t in types) if isinstance(types, list) else ()


def _options(pending: PendingRequest, ctx: VerifierContext, policy: Policy) -> Any:
    from passport.verify import VerifyOptions

    checks: tuple[Any, ...] = ()
    if ctx.accreditation is not None:
        checks = (ctx.accreditation.as_check(),)
    return VerifyOptions(
        resolver=ctx.resolver,
        now=ctx.now,
        nonce=pending.nonce,
        audience=pending.client_id,
        status_fetcher=ctx.status_fetcher,
        status_cache=ctx.status_cache,
        require_holder_binding=True,
        kb_max_age=ctx.kb_max_age,
        clock_skew=ctx.clock_skew,
        credential_checks=checks,
    )


def _verify_one(query_id: str, fmt: str, item: Any, options: Any) -> _Presented:
    from passport.verifier.sdjwt_vc import DC_SD_JWT, verify_sd_jwt_vc
    from passport.verify import verify

    if fmt == DC_SD_JWT:
        report = verify_sd_jwt_vc(item, options) if isinstance(item, str) else _wrong(fmt)
        subject = report.subject
        claims = dict(subject.get("claims") or {})
        dc_holder = _holder_of_jwk(subject["holder_jwk"]) if subject.get("holder_jwk") else None
        return _Presented(
            query_id,
            fmt,
            report,
            claims=claims,
            disclosed=tuple(subject.get("disclosed") or ()),
            holder=dc_holder,
            vct=str(claims["vct"]) if isinstance(claims.get("vct"), str) else None,
            bound=frozenset({dc_holder}) if dc_holder else frozenset(),
        )
    if fmt == "vc+sd-jwt":
        if not isinstance(item, str):
            return _Presented(query_id, fmt, _wrong(fmt))
        report = verify(item, options)
        if report.format == "vc+sd-jwt" and report.status is not ReportStatus.INVALID:
            # it ends with '~': a credential without its key binding, not a presentation
            report.failed(
                "holder_proof",
                "kb_missing",
                "The presentation has no key-binding JWT over this request's nonce.",
            )
        elif (
            report.format != "vc+sd-jwt presentation" and report.status is not ReportStatus.INVALID
        ):
            report.failed("format", "presentation_format_mismatch", "Expected a vc+sd-jwt.")
        subject = report.subject
        claims = {k: subject[k] for k in ("issuer", "type", "credentialSubject") if k in subject}
        cs = subject.get("credentialSubject")
        holder = cs.get("id") if isinstance(cs, Mapping) else None
        vc_holder = _holder_id(holder) if isinstance(holder, str) else None
        return _Presented(
            query_id,
            fmt,
            report,
            claims=claims,
            disclosed=tuple(subject.get("disclosed") or ()),
            holder=vc_holder,
            types=_types(subject),
            bound=frozenset({vc_holder}) if vc_holder else frozenset(),
        )
    if fmt == "ldp_vc":
        from passport.fido.presentation import holder_proofs_only, verify_holder_key_proofs

        if not isinstance(item, Mapping):
            return _Presented(query_id, fmt, _wrong(fmt))
        own, extra = holder_proofs_only(item)
        report = verify(own, options)
        if not report.format.endswith("presentation") and report.status is not ReportStatus.INVALID:
            report.failed(
                "format", "presentation_format_mismatch", "Expected a VerifiablePresentation."
            )
        extra_holders: tuple[str, ...] = ()
        if extra:
            found = report.run(
                "holder_key_proof",
                lambda: verify_holder_key_proofs(
                    own,
                    extra,
                    options.resolver,
                    nonce=options.nonce,
                    client_id=options.audience,
                    now=options.now,
                ),
            )
            extra_holders = tuple(found or ())
        creds = item.get("verifiableCredential")
        creds = creds if isinstance(creds, list) else [creds]
        credential = creds[0] if len(creds) == 1 and isinstance(creds[0], Mapping) else None
        holder = item.get("holder")
        holder = holder.get("id") if isinstance(holder, Mapping) else holder
        vp_holder = _holder_id(holder) if isinstance(holder, str) else None
        bound = {h for h in (vp_holder, *(_holder_id(d) for d in extra_holders)) if h}
        return _Presented(
            query_id,
            fmt,
            report,
            claims=dict(credential or {}),
            holder=vp_holder,
            credential=credential,
            types=_types(credential or {}),
            bound=frozenset(bound),
        )
    report = VerificationReport(format=fmt)
    report.failed("format", "format_unsupported", f"The format {fmt!r} is not accepted here.")
    return _Presented(query_id, fmt, report)


def _wrong(fmt: str) -> VerificationReport:
    report = VerificationReport(format=fmt)
    report.failed(
        "format",
        "presentation_format_mismatch",
        f"A {fmt} presentation must be a {'JSON object' if fmt == 'ldp_vc' else 'string'}.",
    )
    return report


def _is_under(path: tuple[str, ...], prefixes: Sequence[tuple[str, ...]]) -> bool:
    """``path`` is requested (equal to, or inside, a requested claim) or leads to one."""
    return any(path[: len(p)] == p or p[: len(path)] == path for p in prefixes)


def _over_disclosed(presented: _Presented, dcql: Mapping[str, Any]) -> list[str]:
    wanted = requested_paths(dcql, presented.query_id)
    out = []
    for text in presented.disclosed:
        path = tuple(text.split("/")) if text else ()
        if not _is_under(path, wanted):
            out.append(text)
    return out


def _retained(presented: _Presented, dcql: Mapping[str, Any]) -> dict[str, Any]:
    from passport.exchange.dcql import select_path

    out: dict[str, Any] = {}
    for path in requested_paths(dcql, presented.query_id):
        values = select_path(presented.claims, list(path))
        if values:
            out["/".join(path)] = values[0] if len(values) == 1 else values
    return out


def _wallet_error(out: Mapping[str, Any]) -> Decision:
    error = str(out.get("error"))
    description = out.get("error_description")
    report = VerificationReport(format="openid4vp response")
    code = error if error in WALLET_ERRORS else "wallet_error"
    report.failed(
        "wallet_response",
        code,
        f"The wallet answered {error[:64]!r}"
        + (f": {str(description)[:200]}" if description else "."),
    )
    return Decision(
        DecisionStatus.REFUSED,
        (code,),
        report,
        wallet_error=error[:64],
        wallet_error_description=str(description)[:200] if description else None,
    )


_DCQL_PARSED: dict[str, Any] = {}  # canonical JSON of a dcql_query -> its parsed form
_DCQL_PARSED_MAX = 256


def _parsed_dcql(data: Any) -> Any:
    """``parse_dcql``, memoised by the query's canonical JSON: a verifier's queries come from
    its few policies, so the same text recurs in every session (a pure function of the text;
    a query that does not parse is not kept and raises each time)."""
    from passport.exchange.dcql import parse_dcql

    try:
        key = json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return parse_dcql(data)
    hit = _DCQL_PARSED.get(key)
    if hit is None:
        hit = parse_dcql(data)
        if len(_DCQL_PARSED) >= _DCQL_PARSED_MAX:
            _DCQL_PARSED.clear()
        _DCQL_PARSED[key] = hit
    return hit


def evaluate(
    pending: PendingRequest,
    response: Mapping[str, Any],
    policy: Policy,
    ctx: VerifierContext,
) -> Decision:
    """Verify an opened response against its request and the policy (module docstring, step
    3). Never raises a PassportError: every outcome is in the decision's report."""
    from passport.exchange.dcql import Candidate, check_response
    from passport.exchange.oid4vp import parse_vp_token
    from passport.fido.presentation import fido_assertion_of, verify_presentation_assertion

    if "error" in response:
        return _wallet_error(response)
    report = VerificationReport(format="openid4vp response")
    report.passed("state")
    vp_token = report.run("vp_token", lambda: parse_vp_token(response.get("vp_token")))
    query = report.run("dcql_query", lambda: _parsed_dcql(pending.dcql))
    if vp_token is None or query is None:
        return _decide(report, {}, {}, None)
    options = _options(pending, ctx, policy)
    presented: list[_Presented] = []
    for query_id, items in vp_token.items():
        fmt = query_format(pending.dcql, query_id)
        if fmt is None:
            continue  # check_response names the unknown query id
        for item in items:
            one = _verify_one(query_id, fmt, item, options)
            one.raw = item
            one.report.subject = {**one.report.subject, "query": query_id}
            report.credentials.append(one.report)
            presented.append(one)

    # The query, the holder and the policy are checked against what verified (or could not be
    # fully checked but was read); a presentation that failed, or whose claims could not be
    # read (its issuer's key was unreachable), already decided the response.
    rejected = any(p.report.status is ReportStatus.INVALID for p in presented) or any(
        not p.claims for p in presented
    )
    candidates: dict[str, list[Any]] = {}
    for p in presented:
        candidates.setdefault(p.query_id, []).append(
            Candidate(format=p.format, claims=p.claims, vct=p.vct, types=p.types)
        )
    for query_id in vp_token:
        if query_id not in candidates:
            candidates[query_id] = [Candidate(format="unknown", claims={})]
    if not rejected:
        report.run("dcql", lambda: check_response(query, candidates))

    over = {p.query_id: _over_disclosed(p, pending.dcql) for p in presented}
    over = {k: v for k, v in over.items() if v}

    def minimal() -> None:
        if over:
            raise VerdictError(
                "over_disclosure",
                "The wallet disclosed claims this bank did not ask for; they were not stored.",
                details={"claims": over},
            )

    report.run("disclosure_minimal", minimal)

    # One holder (docs/unlinkability.md): every presentation proves at least one key that all
    # the others prove too. A credential names its holder key; a FIDO presentation proves its
    # did:key and, with a proof set, the one-time key the batch copies beside it are bound to.
    valid = [p for p in presented if p.report.status is not ReportStatus.INVALID]
    common: frozenset[str] | None = None
    for p in valid:
        common = p.bound if common is None else common & p.bound
    holders = {p.holder for p in valid}
    holder: str | None = None
    if common:
        holder = next(iter(common)) if len(common) == 1 else sorted(common)[0]

    def same_holder() -> None:
        if None in holders or any(not p.bound for p in valid) or not common:
            raise VerdictError(
                "holder_mismatch",
                "The credentials were issued to different holders (or one names no holder).",
                details={"holders": len(holders)},
            )

    if presented and not rejected:
        report.run("same_holder", same_holder)

    sign_counts: dict[str, int] = {}
    fido = [p for p in presented if p.query_id == FIDO_QUERY]
    if policy.fido.required:
        for p in fido:
            if p.report.status is ReportStatus.INVALID or p.credential is None:
                continue
            cs = p.credential.get("credentialSubject")
            subject: Mapping[str, Any] = cs if isinstance(cs, Mapping) else {}
            cred_id = str(subject.get("authenticatorCredentialId", ""))

            def check_fido(
                subject: Mapping[str, Any] = subject, item: Any = p.raw, cred_id: str = cred_id
            ) -> int:
                verified = verify_presentation_assertion(
                    subject,
                    fido_assertion_of(item),
                    nonce=pending.nonce,
                    client_id=pending.client_id,
                    last_sign_count=ctx.sign_counts.last(cred_id),
                    require_user_verification=policy.fido.user_verification,
                )
                return verified.sign_count

            count = report.run("fido_assertion", check_fido)
            if count is not None:
                sign_counts[cred_id] = count

    retained = {p.query_id: _retained(p, pending.dcql) for p in presented}
    if not rejected:
        _policy_checks(report, policy, presented, retained, ctx.now)
    return _decide(report, retained, sign_counts, holder)


def _policy_checks(
    report: VerificationReport,
    policy: Policy,
    presented: Sequence[_Presented],
    retained: Mapping[str, Mapping[str, Any]],
    now: datetime,
) -> None:
    statement = next(
        (
            p
            for p in presented
            if (r := requirement_of(policy, p.query_id)) is not None
            and r.query_id == BANK_STATEMENT_QUERY
        ),
        None,
    )
    if statement is None:
        return
    claims = statement.claims
    subject = claims.get("credentialSubject", claims) if statement.format != "dc+sd-jwt" else claims
    subject = subject if isinstance(subject, Mapping) else {}
    if policy.min_balance is not None:
        tiers = subject.get("balanceAtLeast")
        tiers = tiers if isinstance(tiers, Mapping) else {}
        minimum = policy.min_balance
        report.run("min_balance", lambda: check_min_balance(tiers, minimum, policy.fx))
    if policy.max_statement_age_days is not None:
        days = policy.max_statement_age_days
        report.run("statement_age", lambda: check_statement_age(subject.get("asOfDate"), days, now))


def _decide(
    report: VerificationReport,
    retained: Mapping[str, Mapping[str, Any]],
    sign_counts: Mapping[str, int],
    holder: str | None,
) -> Decision:
    status = {
        ReportStatus.VERIFIED: DecisionStatus.APPROVED,
        ReportStatus.INVALID: DecisionStatus.REJECTED,
        ReportStatus.INDETERMINATE: DecisionStatus.INDETERMINATE,
    }[report.status]
    codes = tuple(dict.fromkeys(report.codes))
    keep = retained if status is DecisionStatus.APPROVED else {}
    return Decision(status, codes, report, keep, sign_counts, holder)


def sanitized_report(report: VerificationReport) -> dict[str, Any]:
    """The report as stored: every check, and of each credential only its query, issuer,
    type and the names of the disclosed claims (never their values)."""
    out = report.to_dict()
    out.pop("subject", None)
    for sub, cred in zip(report.credentials, out.get("credentials", []), strict=False):
        subject = sub.subject
        cred["subject"] = {
            k: v
            for k, v in {
                "query": subject.get("query"),
                "issuer": subject.get("issuer"),
                "type": subject.get("type"),
                "vct": subject.get("vct"),
                "disclosed": subject.get("disclosed"),
            }.items()
            if v is not None
        }
        for nested in cred.get("credentials", []):
            nested.pop("subject", None)
    return out
