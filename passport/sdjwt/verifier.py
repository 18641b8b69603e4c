"""Verify SD-JWT and SD-JWT+KB presentations: RFC 9901 section 7.1 (Verification of the SD-JWT)
and section 7.3 (Verification by the Verifier), step by step.

The Issuer's key comes from ``issuer_key(header, payload)``: the verification pipeline passes
a function that resolves the header ``kid`` (or the payload ``iss``) through the DID resolver,
which is how section 7.1 step 2.3 ("the signing key belongs to this Issuer") is met; tests pass
a fixed ``PublicKey``. Errors of that function (``did_not_found``, ...) propagate unchanged.

Error codes: MalformedError ``sd_jwt_malformed``, ``jwt_malformed``, ``disclosure_malformed``,
``credential_date_invalid``, ``key_malformed``; VerdictError ``signature_invalid``,
``typ_mismatch``, ``issuer_mismatch``, ``sd_alg_unsupported``, ``disclosure_duplicate``,
``digest_duplicate``, ``disclosure_claim_conflict``, ``disclosure_unreferenced``, ``expired``,
``not_yet_valid``, ``kb_missing``, ``cnf_missing``, ``kb_signature_invalid``,
``kb_typ_mismatch``, ``kb_expired``, ``kb_iat_in_future``, ``kb_nonce_mismatch``,
``audience_mismatch``, ``kb_sd_hash_mismatch``; ConfigurationError ``kb_params_missing``,
``naive_datetime``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from passport.credentials.fields import DEFAULT_CLOCK_SKEW, check_validity
from passport.errors import ConfigurationError, MalformedError, PassportError, VerdictError
from passport.keys import PublicKey
from passport.sdjwt.common import (
    DEFAULT_SD_ALG,
    KB_TYP,
    Disclosure,
    Path,
    decode_disclosure,
    digest,
    format_path,
    hash_function,
    parse_jws,
    public_key_from_jwk,
    split_sd_jwt,
    to_epoch,
    verify_jws_signature,
)

__all__ = ["IssuerKey", "StepTrace", "VerifiedSdJwt", "verify"]

#: A fixed key, or a function of the Issuer-signed JWT's (header, payload) returning the key.
IssuerKey = PublicKey | Callable[[Mapping[str, Any], Mapping[str, Any]], PublicKey]


@dataclass(frozen=True)
class VerifiedSdJwt:
    """The outcome of a successful verification.

    ``payload`` is the Processed SD-JWT Payload (disclosed claims restored; ``_sd``,
    ``_sd_alg``, undisclosed array elements removed). ``disclosed`` lists the paths of the
    claims revealed by Disclosures, indexes pointing into ``payload``'s arrays.
    """

    header: Mapping[str, Any]
    payload: Mapping[str, Any]
    disclosed: tuple[str, ...]
    holder_jwk: Mapping[str, Any] | None
    kb_header: Mapping[str, Any] | None
    kb_payload: Mapping[str, Any] | None
    #: The report checks the verification ran, in order (see ``StepTrace``).
    steps: tuple[str, ...] = ()


def verify(
    presentation: str,
    *,
    issuer_key: IssuerKey,
    now: datetime | int,
    nonce: str | None = None,
    aud: str | None = None,
    require_kb: bool = True,
    max_kb_age: int = 300,
    clock_skew: int = DEFAULT_CLOCK_SKEW,
    expected_typ: str | None = None,
    trace: StepTrace | None = None,
) -> VerifiedSdJwt:
    """Verify an SD-JWT (``require_kb=False``) or an SD-JWT+KB presentation.

    RFC 9901 section 7.3: step 1 is ``require_kb`` (the caller's policy, never the presence of
    a KB-JWT); step 2 rejects a missing KB-JWT (``kb_missing``); step 3 splits the presentation
    (``sd_jwt_malformed``); step 4 runs section 7.1:

    - 7.1 step 1: separate the Issuer-signed JWT and the Disclosures;
    - explicit typing (section 9.11): ``typ`` must equal ``expected_typ`` when given
      (``typ_mismatch``);
    - step 2.1-2.2: the algorithm is accepted and never ``none``, the signature verifies
      (``signature_invalid``; ``jwt_malformed`` if it cannot be parsed);
    - step 2.3: the key comes from ``issuer_key``; a VC's ``iss`` must match ``issuer``
      (``issuer_mismatch``);
    - step 2.4: ``_sd_alg`` is supported (``sd_alg_unsupported``);
    - step 3: digests of the Disclosures (a Disclosure sent twice: ``disclosure_duplicate``),
      embedded digests found and replaced, checking the Disclosure's shape
      (``disclosure_malformed``) and claim name (``disclosure_claim_conflict``: ``_sd``, ``...``
      or a name already present), undisclosed array elements, ``_sd`` and ``_sd_alg`` removed;
    - step 4: a digest seen twice (``digest_duplicate``); step 5: a Disclosure no digest
      references (``disclosure_unreferenced``);
    - step 6: ``exp``/``nbf`` and the VC's ``validUntil``/``validFrom`` against ``now`` with
      ``clock_skew`` (``expired``, ``not_yet_valid``, ``credential_date_invalid``): expired
      once ``now - skew >= end``, as every verifier of this library decides.

    Step 5 (for a KB-JWT, required or not, when present): 5.1 the holder key is ``cnf.jwk``
    (``cnf_missing``, ``key_malformed``); 5.2-5.3 algorithm and signature
    (``kb_signature_invalid``); 5.4 ``typ`` is ``kb+jwt`` (``kb_typ_mismatch``); 5.5 ``iat`` is
    no older than ``max_kb_age`` and not in the future (``kb_expired``, ``kb_iat_in_future``);
    5.6 ``nonce`` and ``aud`` (``kb_nonce_mismatch``, ``audience_mismatch``; both must be given
    when ``require_kb``, else ConfigurationError ``kb_params_missing``); 5.7 ``sd_hash`` over
    the SD-JWT up to its last '~' (``kb_sd_hash_mismatch``); 5.8 a KB ``exp`` (``kb_expired``).

    The steps are the verification report's checks, in order: ``signature`` (7.1 steps 1-2.2),
    ``issuer`` (2.3), ``disclosures`` (2.4-5), ``validity_period`` (6, through
    ``passport.credentials.fields.check_validity``), ``holder_proof`` (7.3 steps 5.1-5.5,
    5.7-5.8), ``nonce`` and ``audience`` (5.6, when asked for). Those that passed are returned
    as ``steps``; with ``trace``, the caller also learns them, and the one that failed, when
    this raises.
    """
    trace = trace if trace is not None else StepTrace()
    try:
        return _verify_steps(
            presentation,
            issuer_key,
            to_epoch(now),
            nonce,
            aud,
            require_kb,
            max_kb_age,
            clock_skew,
            expected_typ,
            trace,
        )
    except PassportError:
        trace.failed = trace.current
        raise


def _verify_steps(
    presentation: str,
    issuer_key: IssuerKey,
    now_s: int,
    nonce: str | None,
    aud: str | None,
    require_kb: bool,
    max_kb_age: int,
    clock_skew: int,
    expected_typ: str | None,
    trace: StepTrace,
) -> VerifiedSdJwt:
    passed = trace.passed
    trace.current = "holder_proof"  # 7.3 steps 1-2: the caller's policy
    if require_kb and (nonce is None or aud is None):
        raise ConfigurationError(
            "kb_params_missing",
            "Key Binding is required: pass the nonce and audience this presentation must carry.",
        )
    parts = split_sd_jwt(presentation)  # 7.3 step 3, 7.1 step 1
    if require_kb and parts.kb_jwt is None:  # 7.3 step 2
        raise VerdictError(
            "kb_missing",
            "This presentation has no Key Binding JWT, but this verifier requires one; "
            "present it again with the holder key.",
        )

    trace.current = "signature"  # 7.1 steps 2.1-2.2, and the key of step 2.3
    jwt = parse_jws(parts.issuer_jwt)
    header, raw_payload = jwt.header, jwt.payload
    if expected_typ is not None and header.get("typ") != expected_typ:
        raise VerdictError(
            "typ_mismatch",
            f"The SD-JWT has typ {header.get('typ')!r}; this verifier expects {expected_typ!r}.",
            details={"typ": str(header.get("typ")), "expected": expected_typ},
        )
    key = issuer_key if isinstance(issuer_key, PublicKey) else issuer_key(header, raw_payload)
    verify_jws_signature(jwt, key)
    passed.append("signature")
    trace.current = "issuer"  # step 2.3 (the key's ownership is issuer_key's job)
    _check_issuer(raw_payload)
    passed.append("issuer")
    trace.current = "disclosures"  # 7.1 steps 2.4-5
    sd_alg = raw_payload.get("_sd_alg", DEFAULT_SD_ALG)
    hash_function(sd_alg)  # step 2.4
    by_digest: dict[str, Disclosure] = {}
    for encoded in parts.disclosures:  # step 3.1
        h = digest(encoded, sd_alg)
        if h in by_digest:
            raise VerdictError(
                "disclosure_duplicate",
                "The same Disclosure is sent twice (RFC 9901 section 4); present each once.",
            )
        by_digest[h] = decode_disclosure(encoded)
    walker = _Walker(by_digest)
    try:
        payload = walker.object(raw_payload, ())  # steps 3.2-3.5 and 4
    except RecursionError as exc:
        raise MalformedError(
            "sd_jwt_malformed", "The SD-JWT payload is nested too deeply."
        ) from exc
    payload.pop("_sd_alg", None)  # step 3.6
    if len(walker.used) != len(by_digest):  # step 5
        raise VerdictError(
            "disclosure_unreferenced",
            "A Disclosure is not referenced by any digest of the Issuer-signed JWT; "
            "the presentation was altered or assembled from another credential.",
            details={"count": len(by_digest) - len(walker.used)},
        )
    passed.append("disclosures")
    trace.current = "validity_period"  # step 6
    check_validity(
        payload,
        datetime.fromtimestamp(now_s, UTC),
        skew=clock_skew,
        date_code="credential_date_invalid",
    )
    passed.append("validity_period")

    cnf = payload.get("cnf")
    holder_jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    holder_jwk = holder_jwk if isinstance(holder_jwk, dict) else None
    kb_header: dict[str, Any] | None = None
    kb_payload: dict[str, Any] | None = None
    if parts.kb_jwt is not None:  # 7.3 step 5
        trace.current = "holder_proof"
        kb = parse_jws(parts.kb_jwt, what="Key Binding JWT")
        if holder_jwk is None:  # step 5.1
            raise VerdictError(
                "cnf_missing",
                "The credential has no cnf.jwk holder key, so its Key Binding cannot be checked.",
            )
        verify_jws_signature(  # steps 5.2, 5.3
            kb,
            public_key_from_jwk(holder_jwk),
            code="kb_signature_invalid",
            what="Key Binding JWT",
        )
        kb_header, kb_payload = kb.header, kb.payload
        _check_kb(kb_header, kb_payload, parts.sd_jwt, sd_alg, now_s, max_kb_age, clock_skew)
        passed.append("holder_proof")
        if nonce is not None:
            trace.current = "nonce"
            _check_kb_nonce(kb_payload, nonce)
            passed.append("nonce")
        if aud is not None:
            trace.current = "audience"
            _check_kb_audience(kb_payload, aud)
            passed.append("audience")
    return VerifiedSdJwt(
        header,
        payload,
        tuple(walker.disclosed),
        holder_jwk,
        kb_header,
        kb_payload,
        tuple(passed),
    )


@dataclass
class StepTrace:
    """The steps of one verification as they ran: the report checks that passed, in order,
    and the one that failed (None while none has). Names: ``signature``, ``issuer``,
    ``disclosures``, ``validity_period``, ``holder_proof``, ``nonce``, ``audience``."""

    passed: list[str] = field(default_factory=list)
    failed: str | None = None
    current: str = "holder_proof"  # the step running now (7.3 steps 1-2 come first)


class _Walker:
    """RFC 9901 section 7.1 steps 3.2-3.5 and 4 over the payload and, recursively, Disclosures."""

    __slots__ = ("by_digest", "disclosed", "seen", "used")

    def __init__(self, by_digest: dict[str, Disclosure]) -> None:
        self.by_digest = by_digest
        self.seen: set[str] = set()
        self.used: set[str] = set()
        self.disclosed: list[str] = []

    def _digest(self, h: str) -> Disclosure | None:
        if h in self.seen:  # step 4
            raise VerdictError(
                "digest_duplicate",
                "A digest appears more than once in the SD-JWT; the Issuer-signed JWT is invalid.",
                details={"digest": h},
            )
        self.seen.add(h)
        disclosure = self.by_digest.get(h)
        if disclosure is not None:
            self.used.add(h)
        return disclosure  # None: a decoy, or not disclosed (step 3.3.1: ignored)

    def value(self, value: Any, path: Path) -> Any:
        kind = type(value)
        if kind is dict:
            return self.object(value, path)
        if kind is list:
            return self.array(value, path)
        return value

    def object(self, obj: dict[str, Any], path: Path) -> dict[str, Any]:
        if "..." in obj:
            raise MalformedError(
                "sd_jwt_malformed",
                "The key '...' may only appear in an array element {'...': digest} (RFC 9901 4.1).",
                details={"path": format_path(path)},
            )
        out: dict[str, Any] = {}
        for k, v in obj.items():
            if k == "_sd":
                continue
            kind = type(v)  # JSON decodes to exact dict/list; inlined for speed
            if kind is dict:
                out[k] = self.object(v, (*path, k))
            elif kind is list:
                out[k] = self.array(v, (*path, k))
            else:
                out[k] = v
        sd = obj.get("_sd")
        if sd is None:
            return out
        if not isinstance(sd, list) or not all(isinstance(h, str) for h in sd):
            raise MalformedError(
                "sd_jwt_malformed",
                "An _sd key must hold an array of digest strings (RFC 9901 4.2.4.1).",
                details={"path": format_path(path)},
            )
        for h in sd:  # step 3.3
            disclosure = self._digest(h)
            if disclosure is None:
                continue
            name = disclosure.name
            if name is None:  # step 3.3.2.1
                raise MalformedError(
                    "disclosure_malformed",
                    "An array-element Disclosure [salt, value] is referenced from an object's _sd.",
                    details={"path": format_path(path)},
                )
            if name in ("_sd", "...") or name in out or name in obj:  # steps 3.3.2.2-3
                raise VerdictError(
                    "disclosure_claim_conflict",
                    f"A Disclosure names claim {name!r}, which is reserved or already present.",
                    details={"path": format_path((*path, name))},
                )
            child = (*path, name)
            self.disclosed.append(format_path(child))
            out[name] = self.value(disclosure.value, child)  # steps 3.3.2.4-5
        return out

    def array(self, items: list[Any], path: Path) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if isinstance(item, dict) and "..." in item:
                h = item["..."]
                if len(item) != 1 or not isinstance(h, str):
                    raise MalformedError(
                        "sd_jwt_malformed",
                        "An array digest must be an object {'...': digest} and nothing else.",
                        details={"path": format_path(path)},
                    )
                disclosure = self._digest(h)
                if disclosure is None:
                    continue  # step 3.4: removed
                if disclosure.name is not None:  # step 3.3.3.1
                    raise MalformedError(
                        "disclosure_malformed",
                        "An object-property Disclosure [salt, name, value] is referenced from "
                        "an array element.",
                        details={"path": format_path(path)},
                    )
                child = (*path, len(out))
                self.disclosed.append(format_path(child))
                out.append(self.value(disclosure.value, child))  # steps 3.3.3.2-3
            elif type(item) is dict or type(item) is list:
                out.append(self.value(item, (*path, len(out))))
            else:
                out.append(item)
        return out


def _check_issuer(payload: Mapping[str, Any]) -> None:
    issuer = payload.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    iss = payload.get("iss")
    if iss is not None and issuer_id is not None and iss != issuer_id:
        raise VerdictError(
            "issuer_mismatch",
            "The JWT 'iss' and the credential's 'issuer' name different issuers.",
            details={"iss": str(iss), "issuer": str(issuer_id)},
        )


def _numeric(payload: Mapping[str, Any], claim: str, what: str) -> int | float | None:
    value = payload.get(claim)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedError(
            "jwt_malformed",
            f"The {what} claim {claim!r} must be a NumericDate.",
            details={"claim": claim},
        )
    return value


def _check_kb(
    header: Mapping[str, Any],
    payload: Mapping[str, Any],
    sd_jwt: str,
    sd_alg: str,
    now: int,
    max_age: int,
    skew: int,
) -> None:
    """RFC 9901 section 7.3 steps 5.4, 5.5, 5.7 and 5.8 (5.6 is ``_check_kb_nonce`` /
    ``_check_kb_audience``, reported as their own checks)."""
    if header.get("typ") != KB_TYP:  # step 5.4
        raise VerdictError(
            "kb_typ_mismatch",
            f"The Key Binding JWT has typ {header.get('typ')!r}; it must be 'kb+jwt'.",
        )
    iat = _numeric(payload, "iat", "Key Binding JWT")  # step 5.5
    if iat is None:
        raise MalformedError(
            "jwt_malformed", "The Key Binding JWT has no 'iat'.", details={"claim": "iat"}
        )
    if iat > now + skew:
        raise VerdictError(
            "kb_iat_in_future",
            "The Key Binding JWT was issued in the future; check the holder's clock.",
            details={"iat": iat, "now": now},
        )
    if now - iat > max_age + skew:
        raise VerdictError(
            "kb_expired",
            f"The Key Binding JWT is older than {max_age} s; ask the holder to present again.",
            details={"iat": iat, "now": now},
        )
    if payload.get("sd_hash") != digest(sd_jwt, sd_alg):  # step 5.7
        raise VerdictError(
            "kb_sd_hash_mismatch",
            "The Key Binding JWT signs a different set of Disclosures (sd_hash differs).",
        )
    exp = _numeric(payload, "exp", "Key Binding JWT")  # step 5.8
    if exp is not None and now > exp + skew:
        raise VerdictError(
            "kb_expired", "The Key Binding JWT has expired (exp).", details={"exp": exp}
        )


def _check_kb_nonce(payload: Mapping[str, Any], nonce: str) -> None:
    """RFC 9901 section 7.3 step 5.6: the nonce."""
    if payload.get("nonce") != nonce:
        raise VerdictError(
            "kb_nonce_mismatch",
            "The Key Binding JWT was made for another transaction (nonce differs): "
            "a replay, or a stale request.",
        )


def _check_kb_audience(payload: Mapping[str, Any], aud: str) -> None:
    """RFC 9901 section 7.3 step 5.6: the audience."""
    if payload.get("aud") != aud:
        raise VerdictError(
            "audience_mismatch",
            "The Key Binding JWT was made for another verifier (aud differs).",
            details={"aud": str(payload.get("aud")), "expected": aud},
        )
