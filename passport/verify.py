"""The one verification pipeline: detect the format, run every check, return a report.

Used by the verifier service, the offline QR verifier and ``passport vc verify``. Accepts

- ``vc+sd-jwt`` credentials and presentations (SD-JWT, RFC 9901, with or without KB-JWT),
- ``dc+sd-jwt`` (IETF SD-JWT VC: ``iss``, ``vct``, flat claims, ``cnf.jwk``) credentials and
  presentations: the issuer key from the DID in ``iss`` and the header's DID URL ``kid``
  (a non-DID ``iss`` is ``issuer_key_unresolvable``); ``status`` as our Bitstring Status List
  entries (``status.bitstring_status_list``, ``docs/sd-jwt-vc.md``) or an IETF Token Status
  List (``status.status_list``, checked when ``token_status_fetcher`` is given, else
  ``status_mechanism_unsupported``: could not check);
- VC 2.0 Data Integrity credentials and presentations (``eddsa-rdfc-2022``, ``eddsa-jcs-2022``),
- VC 1.1 ``Ed25519Signature2020`` credentials and presentations (legacy, through didkit).

Checks (names in the report), each reported as it ran: ``format``, ``signature`` (proof or
JWS, DID resolution and the key's authorisation), ``issuer`` (the signer is the credential's
issuer), ``disclosures`` (SD-JWT), ``schema``, ``validity_period``, ``status`` (Bitstring
Status List, whose own proof is verified too), and for presentations ``holder_proof``,
``nonce``, ``audience``, ``holder_binding``. Failures carry the codes of the error that
stopped the check; each code's branch and check are its row in ``passport.codes``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from passport import jsonsafe
from passport.codes import check_of
from passport.credentials.fields import (
    DEFAULT_CLOCK_SKEW,
    check_validity,
    issuer_id,
    parse_datetime,
    subject_id,
)
from passport.did.resolver import resolve_method
from passport.errors import CouldNotCheckError, MalformedError, PassportError, VerdictError
from passport.formats import Format
from passport.keys import PublicKey, b64url_decode
from passport.ports import Resolver, StatusFetcher
from passport.report import Outcome, VerificationReport
from passport.status.cache import StatusListCache

__all__ = [
    "Format",
    "TokenStatusFetcher",
    "VerifyOptions",
    "detect_format",
    "is_project_type",
    "parse_datetime",
    "verify",
]


#: Fetches an IETF Token Status List token (a compact ``statuslist+jwt``) by its URI.
TokenStatusFetcher = Callable[[str], str]


@dataclass(frozen=True)
class VerifyOptions:
    """What a verification needs from the world and from the verifier's request."""

    resolver: Resolver
    now: datetime
    nonce: str | None = None
    audience: str | None = None
    status_fetcher: StatusFetcher | None = None
    # Verified status lists shared between verifications (by URL and content digest, until
    # their validUntil; never an older list than one already seen). None: verify every time.
    status_cache: StatusListCache | None = None
    require_holder_binding: bool = True
    kb_max_age: int = 300
    clock_skew: int = DEFAULT_CLOCK_SKEW
    # Extra checks on each verified credential (e.g. accreditation on chain); each raises
    # a PassportError to fail. Named so the report can list them.
    credential_checks: tuple[tuple[str, Callable[[Mapping[str, Any]], None]], ...] = field(
        default_factory=tuple
    )
    # IETF Token Status List tokens for SD-JWT VCs that use ``status.status_list``; None:
    # such a status is ``status_mechanism_unsupported`` (could not check).
    token_status_fetcher: TokenStatusFetcher | None = None


@dataclass(frozen=True)
class Detected:
    format: Format
    presentation: bool
    data: str | dict[str, Any]


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


def _sd_jwt_kind(text: str) -> Format:
    """``dc+sd-jwt`` when the Issuer-signed JWT's header says so, else ``vc+sd-jwt`` (whose
    own ``typ`` check runs in the verification)."""
    header = text.split(".", 1)[0]
    if len(header) > 4096:
        return Format.SD_JWT
    try:
        typ = json.loads(b64url_decode(header)).get("typ")
    except (ValueError, AttributeError):
        return Format.SD_JWT  # the verification reports the malformed header
    return Format.DC_SD_JWT if typ == Format.DC_SD_JWT.value else Format.SD_JWT


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
            return Detected(_sd_jwt_kind(text), not text.endswith("~"), text)
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
    """Verify a credential or presentation in any supported format; never raises PassportError.

    A nonce or an audience asked for means a holder-bound presentation is required, whatever
    the format: a bare credential (an SD-JWT without its KB-JWT, a Data Integrity or VC 1.1
    credential without a presentation proof) fails ``holder_proof`` with
    ``presentation_required``; its own checks still run and are reported.
    """
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
    if not detected.presentation and (options.nonce is not None or options.audience is not None):
        report.failed(
            "holder_proof",
            "presentation_required",
            "A nonce or audience was asked for, but this is a bare credential that proves "
            "nothing about who presents it: present it bound to the holder key "
            "(an SD-JWT with its Key Binding JWT, a signed presentation).",
        )
    if detected.format in (Format.SD_JWT, Format.DC_SD_JWT):
        assert isinstance(detected.data, str)
        _verify_sd_jwt(detected.data, detected.presentation, options, report, detected.format)
    elif detected.presentation:
        assert isinstance(detected.data, dict)
        _verify_json_presentation(detected.data, detected.format, options, report)
    else:
        doc = detected.data
        assert isinstance(doc, dict)
        if _json_credential_proof(doc, detected.format, options, report):
            _credential_checks(doc, options, report)
        report.subject = _summary(doc)
    return report


# --- SD-JWT ------------------------------------------------------------------------------


def _sd_jwt_vc_issuer(payload: Mapping[str, Any]) -> str:
    """SD-JWT VC section 3.5: the issuer's key is found from a DID ``iss`` (this library
    resolves DIDs only: no JWT VC Issuer Metadata lookup, no x5c)."""
    iss = payload.get("iss")
    if not isinstance(iss, str) or not iss.startswith("did:"):
        raise VerdictError(
            "issuer_key_unresolvable",
            "The SD-JWT VC's iss is not a DID; this verifier resolves issuer keys from DIDs.",
        )
    return iss


def _issuer_key_lookup(
    resolver: Resolver, fmt: Format = Format.SD_JWT
) -> Callable[[Mapping[str, Any], Mapping[str, Any]], PublicKey]:
    def lookup(header: Mapping[str, Any], payload: Mapping[str, Any]) -> PublicKey:
        issuer = _sd_jwt_vc_issuer(payload) if fmt is Format.DC_SD_JWT else issuer_id(payload)
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
    text: str,
    is_presentation: bool,
    options: VerifyOptions,
    report: VerificationReport,
    fmt: Format = Format.SD_JWT,
) -> None:
    """The SD-JWT verifier's steps, each reported as it ran (``StepTrace``), then the
    holder binding and the checks common to every credential (its validity period is the
    verifier's own step 6, so it is not checked twice). An SD-JWT VC (``dc+sd-jwt``) then
    has its ``vct`` and ``status`` checked (``_sd_jwt_vc_checks``)."""
    from passport.sdjwt.verifier import StepTrace
    from passport.sdjwt.verifier import verify as sd_verify

    require_kb = is_presentation and options.require_holder_binding
    trace = StepTrace()
    try:
        result = sd_verify(
            text,
            issuer_key=_issuer_key_lookup(options.resolver, fmt),
            nonce=options.nonce if is_presentation else None,
            aud=options.audience if is_presentation else None,
            now=options.now,
            require_kb=require_kb,
            max_kb_age=options.kb_max_age,
            clock_skew=options.clock_skew,
            expected_typ=fmt.value,
            trace=trace,
        )
    except PassportError as err:
        for name in trace.passed:
            report.passed(name)
        report.record_error(trace.failed or check_of(err.code) or "signature", err)
        return
    for name in result.steps:
        report.passed(name)
    payload = dict(result.payload)
    if fmt is Format.DC_SD_JWT:
        _sd_jwt_vc_checks(payload, result.disclosed, result.holder_jwk, options, report)
        return
    report.subject = _summary(payload)
    report.subject["disclosed"] = list(result.disclosed)
    if result.kb_payload is not None:
        report.run(
            "holder_binding", lambda: _check_cnf_binding(payload, result.holder_jwk, options)
        )
    _credential_checks(payload, options, report, partial=True, validity=False)


def _sd_jwt_vc_checks(
    payload: dict[str, Any],
    disclosed: tuple[str, ...],
    holder_jwk: Mapping[str, Any] | None,
    options: VerifyOptions,
    report: VerificationReport,
) -> None:
    """After the SD-JWT steps of a ``dc+sd-jwt``: ``vct`` present (``vct_missing``), the
    ``status`` (``_check_sd_jwt_vc_status``), the verifier's credential checks. The holder is
    the ``cnf.jwk`` key that signed the KB-JWT: there is no subject DID to compare.

    ``report.subject``: ``issuer``, ``vct``, ``claims`` (the processed payload),
    ``disclosed`` (paths), ``holder_jwk``."""
    report.subject = {
        "issuer": payload.get("iss"),
        "vct": payload.get("vct"),
        "claims": payload,
        "disclosed": list(disclosed),
        "holder_jwk": dict(holder_jwk or {}),
    }
    if not isinstance(payload.get("vct"), str) or not payload["vct"]:
        report.failed("format", "vct_missing", "An SD-JWT VC must carry a vct string.")
        return
    if "status" in payload:
        report.run("status", lambda: _check_sd_jwt_vc_status(payload, options))
    for name, check in options.credential_checks:
        report.run(name, lambda check=check: check(payload))  # type: ignore[misc]


def _check_sd_jwt_vc_status(payload: Mapping[str, Any], options: VerifyOptions) -> None:
    """The ``status`` of an SD-JWT VC: our Bitstring Status List entries
    (``bitstring_status_list``, checked as a VC's ``credentialStatus``), or an IETF Token
    Status List reference (``status_list``; needs ``token_status_fetcher``). Anything else, or
    a Token Status List without a fetcher: ``status_mechanism_unsupported`` (could not check).
    """
    from passport.credentials.sd_jwt_vc import BITSTRING_STATUS_MEMBER

    status = payload["status"]
    if isinstance(status, Mapping) and BITSTRING_STATUS_MEMBER in status:
        entries = status[BITSTRING_STATUS_MEMBER]
        if not isinstance(entries, list) or not entries:
            raise MalformedError(
                "status_entry_malformed",
                f"status.{BITSTRING_STATUS_MEMBER} must be a non-empty array of entries.",
            )
        _check_status({"issuer": payload["iss"], "credentialStatus": entries}, options)
        return
    if (
        isinstance(status, Mapping)
        and "status_list" in status
        and options.token_status_fetcher is not None
    ):
        from passport.status.token import check_token_status

        state = check_token_status(
            status["status_list"],
            iss=str(payload["iss"]),
            fetch=options.token_status_fetcher,
            issuer_key=_issuer_key_lookup(options.resolver, Format.DC_SD_JWT),
        )
        if state in ("revoked", "suspended"):
            raise VerdictError(state, f"The issuer's Token Status List marks it {state}.")
        if state == "valid":
            return
    raise CouldNotCheckError(
        "status_mechanism_unsupported",
        "The credential uses a status mechanism this verifier cannot check "
        "(a Token Status List without a fetcher, or an unknown one).",
    )


def _check_cnf_binding(
    payload: Mapping[str, Any], holder_jwk: Mapping[str, Any] | None, options: VerifyOptions
) -> None:
    """The key that signed the KB-JWT (cnf.jwk) must be an authentication key of the subject DID."""
    subject = subject_id(payload)
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


def _verify_json_proof(doc: Mapping[str, Any], fmt: Format, options: VerifyOptions) -> str:
    """Verify the issuer proof of one credential and return its signer's DID; raises the
    verdict or could-not-check error. VC 1.1 proofs are checked without the dates (the
    ``validity_period`` check does that, with the pipeline's skew)."""
    if fmt is Format.LDP_V1:
        from passport import legacy

        return legacy.verify_credential(doc, now=options.now, check_dates=False).issuer
    from passport.di import eddsa

    proof = eddsa.verify(doc, options.resolver, proof_purpose="assertionMethod", now=options.now)
    return proof.controller


def _check_signer_is_issuer(doc: Mapping[str, Any], signer: str) -> None:
    issuer = issuer_id(doc)
    if signer != issuer:
        raise VerdictError(
            "issuer_mismatch",
            f"The proof was made by {signer}, not by the issuer {issuer}.",
        )


def _json_credential_proof(
    doc: dict[str, Any], fmt: Format, options: VerifyOptions, report: VerificationReport
) -> bool:
    """The ``signature`` and ``issuer`` checks of a JSON credential; True when both passed."""
    signer = report.run("signature", lambda: _verify_json_proof(doc, fmt, options))
    if signer is None:
        return False
    report.run("issuer", lambda: _check_signer_is_issuer(doc, signer))
    return report.checks[-1].outcome is Outcome.PASSED


def _verify_json_presentation(
    vp: dict[str, Any], fmt: Format, options: VerifyOptions, report: VerificationReport
) -> None:
    holder = vp.get("holder")
    holder_id = holder.get("id") if isinstance(holder, Mapping) else holder
    proofs = vp["proof"] if isinstance(vp["proof"], list) else [vp["proof"]]
    proof = proofs[0] if isinstance(proofs[0], Mapping) else {}
    # The nonce and audience are compared here, once, for every proof; the holder's proof
    # check then verifies the signatures over whatever challenge and domain they carry.
    if options.nonce is not None:
        report.run(
            "nonce",
            lambda: _expect_all(proofs, "challenge", options.nonce, "challenge_mismatch"),
        )
    if options.audience is not None:
        report.run(
            "audience",
            lambda: _expect_all(proofs, "domain", options.audience, "domain_mismatch"),
        )
    if fmt is Format.LDP_V1:
        from passport import legacy

        challenge, domain = proof.get("challenge"), proof.get("domain")
        report.run(
            "holder_proof",
            lambda: legacy.verify_presentation(
                vp,
                challenge=challenge if isinstance(challenge, str) else "",
                domain=domain if isinstance(domain, str) else None,
                now=options.now,
                check_dates=False,
                check_credentials=False,  # each is verified below, in its own report
            ),
        )
    else:
        from passport.di import eddsa

        def holder_proof() -> None:
            # Every proof must verify; one of them must be the holder's. A proof set may add
            # proofs by other keys (e.g. the one-time key of batch copies presented beside
            # the FIDO binding, docs/unlinkability.md): verified, never a substitute.
            results = eddsa.verify_proofs(
                vp,
                options.resolver,
                proof_purpose="authentication",
                now=options.now,
                check_controller=False,
            )
            signers = [r.controller for r in results]
            if holder_id is not None and holder_id not in signers:
                raise VerdictError(
                    "holder_binding_failed",
                    f"The presentation was signed by {', '.join(signers)}, "
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
    if _json_credential_proof(doc, detected.format, options, sub):
        _credential_checks(doc, options, sub)
    if options.require_holder_binding:
        sub.run("holder_binding", lambda: _expect_holder(doc, holder_id))
    sub.subject = _summary(doc)
    return sub


def _expect_all(proofs: list[Any], what: str, expected: str | None, code: str) -> None:
    for proof in proofs:
        actual = proof.get(what) if isinstance(proof, Mapping) else None
        if actual != expected:
            raise VerdictError(
                code, f"The proof's {what} is {actual!r}; {expected!r} was expected."
            )


def _expect_holder(doc: Mapping[str, Any], holder_id: Any) -> None:
    subject = subject_id(doc)
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
    validity: bool = True,
) -> None:
    from passport.credentials.schema import validate_credential

    if is_project_type(doc):
        report.run("schema", lambda: validate_credential(doc, partial=partial))
    if validity:
        report.run(
            "validity_period",
            lambda: check_validity(doc, options.now, skew=options.clock_skew),
        )
    if "credentialStatus" in doc:
        report.run("status", lambda: _check_status(doc, options))
    for name, check in options.credential_checks:
        report.run(name, lambda check=check: check(doc))  # type: ignore[misc]


def _check_status(doc: Mapping[str, Any], options: VerifyOptions) -> None:
    """Bitstring Status List v1.0 validation, after verifying the list credential's own proof.

    A list outside its own validity window (``status_list_expired``,
    ``status_list_not_yet_valid``) or out of reach (``status_list_unavailable``) is a
    could-not-check: the report is ``indeterminate``, never the credential ``expired``.
    """
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
        url = entry["statusListCredential"]
        status_vc = _verified_status_list(url, options.status_fetcher.fetch(url), options)
        if issuer_id(status_vc) != issuer_id(doc):
            raise VerdictError(
                "status_list_issuer_mismatch",
                "The status list was not issued by the credential's issuer.",
            )
        result = check_status(entry, status_vc, now=options.now, clock_skew=options.clock_skew)
        if result.revoked or result.suspended:
            code = "revoked" if result.revoked else "suspended"
            raise VerdictError(
                code, f"The credential is {code} (status list index {result.index})."
            )


def _verified_status_list(
    url: str, fetched: Mapping[str, Any], options: VerifyOptions
) -> Mapping[str, Any]:
    """The status list credential to use for ``url``, its own proof verified: once per
    content when there is a ``status_cache`` (see ``passport.status.cache``), which also
    never lets an older list replace one already seen."""

    def verified_copy() -> tuple[dict[str, Any], str]:
        status_vc = dict(fetched)
        try:
            signer = _verify_json_proof(status_vc, detect_format(status_vc).format, options)
        except VerdictError as exc:
            if exc.code != "proof_created_in_future":
                raise
            # A list signed for later is a list not yet in force: a could-not-check about
            # the status, never a verdict about the credential.
            raise CouldNotCheckError(
                "status_list_not_yet_valid",
                "The status list's proof is dated in the future; the status cannot be checked "
                "until it is in force (check the clocks).",
            ) from exc
        _check_signer_is_issuer(status_vc, signer)
        return status_vc, signer

    cache = options.status_cache
    if cache is None:
        return verified_copy()[0]
    digest, hit = cache.lookup(url, fetched, options.now)
    if hit is None:
        hit = cache.admit(url, digest, *verified_copy())
    return cache.current(hit, options.now).credential


def _summary(doc: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with contextlib.suppress(MalformedError):
        out["issuer"] = issuer_id(doc)
    types = doc.get("type")
    if types is not None:
        out["type"] = types
    subject = doc.get("credentialSubject")
    if subject is not None:
        out["credentialSubject"] = subject
    return out


# Old private names, kept for callers that reached in.
_issuer_id = issuer_id
_subject_id = subject_id
