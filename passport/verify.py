"""The one verification pipeline: detect the format, run every check, return a report.

Used by the verifier service, the offline QR verifier and ``passport vc verify``. Accepts

- ``vc+sd-jwt`` credentials and presentations (SD-JWT, RFC 9901, with or without KB-JWT),
- VC 2.0 Data Integrity credentials and presentations (``eddsa-rdfc-2022``, ``eddsa-jcs-2022``),
- VC 1.1 ``Ed25519Signature2020`` credentials and presentations (legacy, through didkit).

Checks (names in the report): ``format``, ``signature`` (proof or JWS, DID resolution and the
key's authorisation), ``issuer`` (the signer is the credential's issuer), ``schema``,
``validity_period``, ``status`` (Bitstring Status List, whose own proof is verified too),
and for presentations ``holder_proof``, ``nonce``, ``audience``, ``holder_binding``.
Failures carry the codes of the error that stopped the check (see docs/errors.md).
"""

from __future__ import annotations

import contextlib
import enum
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from passport import jsonsafe
from passport.did.resolver import resolve_method
from passport.errors import CouldNotCheckError, MalformedError, PassportError, VerdictError
from passport.keys import PublicKey
from passport.ports import Resolver, StatusFetcher
from passport.report import VerificationReport

__all__ = [
    "Format",
    "VerifyOptions",
    "detect_format",
    "is_project_type",
    "parse_datetime",
    "verify",
]


class Format(enum.StrEnum):
    SD_JWT = "vc+sd-jwt"
    DI_RDFC = "eddsa-rdfc-2022"
    DI_JCS = "eddsa-jcs-2022"
    LDP_V1 = "Ed25519Signature2020"


@dataclass(frozen=True)
class VerifyOptions:
    """What a verification needs from the world and from the verifier's request."""

    resolver: Resolver
    now: datetime
    nonce: str | None = None
    audience: str | None = None
    status_fetcher: StatusFetcher | None = None
    require_holder_binding: bool = True
    kb_max_age: int = 300
    clock_skew: int = 60
    # Extra checks on each verified credential (e.g. accreditation on chain); each raises
    # a PassportError to fail. Named so the report can list them.
    credential_checks: tuple[tuple[str, Callable[[Mapping[str, Any]], None]], ...] = field(
        default_factory=tuple
    )


@dataclass(frozen=True)
class Detected:
    format: Format
    presentation: bool
    data: str | dict[str, Any]


def parse_datetime(value: Any, name: str) -> datetime:
    """An XML Schema dateTime as a timezone-aware datetime. Raises ``date_malformed``."""
    if not isinstance(value, str):
        raise MalformedError("date_malformed", f"{name} must be a date-time string.")
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedError("date_malformed", f"{name} {value!r} is not a date-time.") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _proof_kind(proof: Any) -> Format:
    proofs = proof if isinstance(proof, list) else [proof]
    first = proofs[0] if proofs else None
    if not isinstance(first, Mapping):
        raise MalformedError("proof_malformed", "The document's proof is not an object.")
    if first.get("type") == "DataIntegrityProof":
        suite = first.get("cryptosuite")
        for fmt in (Format.DI_RDFC, Format.DI_JCS):
            if suite == fmt.value:
                return fmt
        raise VerdictError(
            "cryptosuite_unsupported",
            f"Cryptosuite {suite!r} is not supported (use eddsa-rdfc-2022 or eddsa-jcs-2022).",
        )
    if first.get("type") == "Ed25519Signature2020":
        return Format.LDP_V1
    raise VerdictError(
        "proof_type_unsupported",
        f"Proof type {first.get('type')!r} is not supported "
        "(DataIntegrityProof or Ed25519Signature2020).",
    )


def detect_format(data: str | bytes | Mapping[str, Any]) -> Detected:
    """Tell what ``data`` is.

    Raises ``malformed`` (MalformedError) or an unsupported-proof verdict.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedError("malformed", "The input is not UTF-8 text.") from None
    if isinstance(data, str):
        text = data.strip()
        if text.startswith("{"):
            try:
                parsed = jsonsafe.loads(text, code="malformed", max_bytes=len(text))
            except json.JSONDecodeError as exc:  # jsonsafe raises MalformedError("malformed")
                raise MalformedError(
                    "malformed", f"The input is not valid JSON: {exc.msg}."
                ) from None
            return detect_format(parsed)
        if "~" in text and text.count(".") >= 2:
            return Detected(Format.SD_JWT, not text.endswith("~"), text)
        raise MalformedError(
            "malformed",
            "The input is neither an SD-JWT (header.payload.signature~...~) nor a JSON credential.",
        )
    if not isinstance(data, Mapping):
        raise MalformedError("malformed", "The input must be an SD-JWT string or a JSON object.")
    doc = dict(data)
    types = doc.get("type", [])
    types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    if "proof" not in doc:
        raise MalformedError("proof_missing", "The document has no proof: it is not secured.")
    fmt = _proof_kind(doc["proof"])
    return Detected(fmt, "VerifiablePresentation" in types, doc)


def verify(data: str | bytes | Mapping[str, Any], options: VerifyOptions) -> VerificationReport:
    """Verify a credential or presentation in any supported format; never raises PassportError."""
    report = VerificationReport(format="unknown")
    detected = report.run("format", lambda: detect_format(data))
    if detected is None:
        return report
    report.format = detected.format.value + (" presentation" if detected.presentation else "")
    if detected.presentation and options.nonce is None:
        report.failed(
            "nonce",
            "nonce_required",
            "A presentation answers one request: pass the nonce (challenge) the verifier issued.",
        )
        return report
    if detected.format is Format.SD_JWT:
        assert isinstance(detected.data, str)
        _verify_sd_jwt(detected.data, detected.presentation, options, report)
    elif detected.presentation:
        assert isinstance(detected.data, dict)
        _verify_json_presentation(detected.data, detected.format, options, report)
    else:
        doc = detected.data
        assert isinstance(doc, dict)
        if report.run("signature", lambda: _verify_json_proof(doc, detected.format, options)):
            _credential_checks(doc, options, report)
        report.subject = _summary(doc)
    return report


# --- SD-JWT ------------------------------------------------------------------------------

_SD_CHECK_OF_CODE = {
    "signature_invalid": "signature",
    "issuer_mismatch": "issuer",
    "kb_nonce_mismatch": "nonce",
    "audience_mismatch": "audience",
    "expired": "validity_period",
    "not_yet_valid": "validity_period",
}


def _sd_check_name(code: str) -> str:
    if code in _SD_CHECK_OF_CODE:
        return _SD_CHECK_OF_CODE[code]
    if code.startswith("kb_"):
        return "holder_proof"
    if code.startswith("did_") or code in ("verification_method_not_found", "key_not_authorized"):
        return "signature"
    return "disclosures"


def _issuer_key_lookup(
    resolver: Resolver,
) -> Callable[[Mapping[str, Any], Mapping[str, Any]], PublicKey]:
    def lookup(header: Mapping[str, Any], payload: Mapping[str, Any]) -> PublicKey:
        issuer = _issuer_id(payload)
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise MalformedError("jwt_malformed", "The issuer JWT header has no 'kid' DID URL.")
        if not kid.startswith("did:"):
            kid = issuer + (kid if kid.startswith("#") else "#" + kid)
        vm = resolve_method(resolver, kid, "assertionMethod")
        if vm.id.split("#", 1)[0] != issuer:
            raise VerdictError(
                "issuer_mismatch",
                f"The signing key {vm.id} does not belong to the issuer {issuer}.",
            )
        return vm.public_key

    return lookup


def _verify_sd_jwt(
    text: str, is_presentation: bool, options: VerifyOptions, report: VerificationReport
) -> None:
    from passport.sdjwt.verifier import verify as sd_verify

    require_kb = is_presentation and options.require_holder_binding
    try:
        result = sd_verify(
            text,
            issuer_key=_issuer_key_lookup(options.resolver),
            nonce=options.nonce if is_presentation else None,
            aud=options.audience if is_presentation else None,
            now=options.now,
            require_kb=require_kb,
            max_kb_age=options.kb_max_age,
            clock_skew=options.clock_skew,
            expected_typ="vc+sd-jwt",
        )
    except PassportError as err:
        report.record_error(_sd_check_name(err.code), err)
        return
    report.passed("signature")
    report.passed("disclosures")
    payload = dict(result.payload)
    report.subject = _summary(payload)
    report.subject["disclosed"] = list(result.disclosed)
    if result.kb_payload is not None:
        report.passed("holder_proof")
        if options.nonce is not None:
            report.passed("nonce")
        if options.audience is not None:
            report.passed("audience")
        report.run(
            "holder_binding", lambda: _check_cnf_binding(payload, result.holder_jwk, options)
        )
    elif is_presentation and require_kb:  # pragma: no cover - the verifier raises kb_missing
        report.failed("holder_proof", "kb_missing", "The presentation has no key-binding JWT.")
    _credential_checks(payload, options, report, partial=True)


def _check_cnf_binding(
    payload: Mapping[str, Any], holder_jwk: Mapping[str, Any] | None, options: VerifyOptions
) -> None:
    """The key that signed the KB-JWT (cnf.jwk) must be an authentication key of the subject DID."""
    subject = _subject_id(payload)
    if holder_jwk is None:
        raise VerdictError("holder_binding_failed", "The credential names no holder key (cnf).")
    if subject is None:
        return  # bound to the key alone: nothing more to compare
    cnf_key = PublicKey.from_jwk(holder_jwk)
    doc = options.resolver.resolve(subject)
    if not any(vm.public_key == cnf_key for vm in doc.methods_for("authentication")):
        raise VerdictError(
            "holder_binding_failed",
            f"The key-binding key is not an authentication key of the subject {subject}.",
        )


# --- JSON (Data Integrity, legacy) ---------------------------------------------------------


def _verify_json_proof(doc: dict[str, Any], fmt: Format, options: VerifyOptions) -> bool:
    """Verify the issuer proof of one credential; raises the verdict or could-not-check error."""
    if fmt is Format.LDP_V1:
        from passport import legacy

        legacy.verify_credential(doc, now=options.now)
        return True
    from passport.di import eddsa

    proof = eddsa.verify(doc, options.resolver, proof_purpose="assertionMethod", now=options.now)
    issuer = _issuer_id(doc)
    if proof.controller != issuer:
        raise VerdictError(
            "issuer_mismatch",
            f"The proof was made by {proof.controller}, not by the issuer {issuer}.",
        )
    return True


def _verify_json_presentation(
    vp: dict[str, Any], fmt: Format, options: VerifyOptions, report: VerificationReport
) -> None:
    holder = vp.get("holder")
    holder_id = holder.get("id") if isinstance(holder, Mapping) else holder
    proofs = vp["proof"] if isinstance(vp["proof"], list) else [vp["proof"]]
    proof = proofs[0]
    if options.nonce is not None:
        report.run(
            "nonce",
            lambda: _expect(
                proof.get("challenge"), options.nonce, "challenge_mismatch", "challenge"
            ),
        )
    if options.audience is not None:
        report.run(
            "audience",
            lambda: _expect(proof.get("domain"), options.audience, "domain_mismatch", "domain"),
        )
    if fmt is Format.LDP_V1:
        from passport import legacy

        report.run(
            "holder_proof",
            lambda: legacy.verify_presentation(
                vp, challenge=options.nonce or "", domain=options.audience, now=options.now
            ),
        )
    else:
        from passport.di import eddsa

        def holder_proof() -> None:
            result = eddsa.verify(
                vp,
                options.resolver,
                proof_purpose="authentication",
                challenge=options.nonce,
                domain=options.audience,
                now=options.now,
            )
            if holder_id is not None and result.controller != holder_id:
                raise VerdictError(
                    "holder_binding_failed",
                    f"The presentation was signed by {result.controller}, "
                    f"not its holder {holder_id}.",
                )

        report.run("holder_proof", holder_proof)
    creds = vp.get("verifiableCredential", [])
    creds = creds if isinstance(creds, list) else [creds]
    if not creds:
        report.failed("credentials", "presentation_empty", "The presentation holds no credential.")
    for cred in creds:
        report.credentials.append(_verify_embedded(cred, holder_id, options))


def _verify_embedded(cred: Any, holder_id: Any, options: VerifyOptions) -> VerificationReport:
    sub = VerificationReport(format="unknown")
    detected = sub.run("format", lambda: detect_format(cred))
    if detected is None:
        return sub
    sub.format = detected.format.value
    if detected.format is Format.SD_JWT or detected.presentation:
        sub.failed(
            "format",
            "credential_format_unsupported",
            "Embed only Data Integrity or Ed25519Signature2020 credentials in a JSON presentation.",
        )
        return sub
    assert isinstance(detected.data, dict)
    doc = detected.data
    if sub.run("signature", lambda: _verify_json_proof(doc, detected.format, options)):
        _credential_checks(doc, options, sub)
    if options.require_holder_binding:
        sub.run("holder_binding", lambda: _expect_holder(doc, holder_id))
    sub.subject = _summary(doc)
    return sub


def _expect(actual: Any, expected: str | None, code: str, what: str) -> None:
    if actual != expected:
        raise VerdictError(code, f"The proof's {what} is {actual!r}; {expected!r} was expected.")


def _expect_holder(doc: Mapping[str, Any], holder_id: Any) -> None:
    subject = _subject_id(doc)
    if subject is None or subject != holder_id:
        raise VerdictError(
            "holder_binding_failed",
            f"The credential's subject {subject} is not the presentation's holder {holder_id}.",
        )


# --- checks common to every credential ------------------------------------------------------


def is_project_type(doc: Mapping[str, Any]) -> bool:
    """True when ``doc`` claims one of the project's credential types (it has a schema)."""
    from passport.credentials import CREDENTIAL_TYPES

    types = doc.get("type")
    types = [types] if isinstance(types, str) else types
    return isinstance(types, list) and any(t in CREDENTIAL_TYPES for t in types)


def _credential_checks(
    doc: Mapping[str, Any],
    options: VerifyOptions,
    report: VerificationReport,
    *,
    partial: bool = False,
) -> None:
    from passport.credentials.schema import validate_credential

    if is_project_type(doc):
        report.run("schema", lambda: validate_credential(doc, partial=partial))
    report.run("validity_period", lambda: _check_validity(doc, options))
    if "credentialStatus" in doc:
        report.run("status", lambda: _check_status(doc, options))
    for name, check in options.credential_checks:
        report.run(name, lambda check=check: check(doc))  # type: ignore[misc]


def _check_validity(doc: Mapping[str, Any], options: VerifyOptions) -> None:
    """VC 2.0 validFrom / validUntil (VC 1.1: issuanceDate / expirationDate), with clock skew."""
    from datetime import timedelta

    skew = timedelta(seconds=options.clock_skew)
    start_name = "validFrom" if "validFrom" in doc else "issuanceDate"
    end_name = "validUntil" if "validUntil" in doc else "expirationDate"
    if start_name in doc and options.now + skew < parse_datetime(doc[start_name], start_name):
        raise VerdictError("not_yet_valid", f"The credential is valid only from {doc[start_name]}.")
    if end_name in doc and options.now - skew >= parse_datetime(doc[end_name], end_name):
        raise VerdictError("expired", f"The credential expired at {doc[end_name]}.")


def _check_status(doc: Mapping[str, Any], options: VerifyOptions) -> None:
    """Bitstring Status List v1.0 validation, after verifying the list credential's own proof."""
    from passport.status.bitstring import check_status

    entries = doc["credentialStatus"]
    entries = entries if isinstance(entries, list) else [entries]
    if options.status_fetcher is None:
        raise CouldNotCheckError(
            "status_unavailable",
            "No status list source is configured; the status cannot be checked.",
        )
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("statusListCredential"), str):
            raise MalformedError(
                "status_entry_malformed",
                "A credentialStatus entry has no statusListCredential URL.",
            )
        status_vc = dict(options.status_fetcher.fetch(entry["statusListCredential"]))
        _verify_json_proof(status_vc, detect_format(status_vc).format, options)
        if _issuer_id(status_vc) != _issuer_id(doc):
            raise VerdictError(
                "status_list_issuer_mismatch",
                "The status list was not issued by the credential's issuer.",
            )
        _check_validity(status_vc, options)
        result = check_status(entry, status_vc, now=options.now)
        if result.revoked or result.suspended:
            code = "revoked" if result.revoked else "suspended"
            raise VerdictError(
                code, f"The credential is {code} (status list index {result.index})."
            )


def _issuer_id(doc: Mapping[str, Any]) -> str:
    issuer = doc.get("issuer", doc.get("iss"))
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    if not isinstance(issuer, str) or not issuer:
        raise MalformedError("issuer_missing", "The credential names no issuer.")
    return issuer


def _subject_id(doc: Mapping[str, Any]) -> str | None:
    subject = doc.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    if isinstance(subject, Mapping) and isinstance(subject.get("id"), str):
        return str(subject["id"])
    return None


def _summary(doc: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with contextlib.suppress(MalformedError):
        out["issuer"] = _issuer_id(doc)
    types = doc.get("type")
    if types is not None:
        out["type"] = types
    subject = doc.get("credentialSubject")
    if subject is not None:
        out["credentialSubject"] = subject
    return out
