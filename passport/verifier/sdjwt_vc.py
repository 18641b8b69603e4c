"""IETF SD-JWT VC (``dc+sd-jwt``) presentations, as a verifier accepts them from any wallet.

The core pipeline (``passport.verify``) speaks ``vc+sd-jwt``; an SD-JWT VC differs in its
``typ`` (``dc+sd-jwt``), a flat payload with ``iss`` and ``vct`` instead of a VC 2.0 document,
and its status mechanism (IETF Token Status List, ``status.status_list``). This module runs
the same SD-JWT checks (RFC 9901 section 7, through ``passport.sdjwt.verifier``): the issuer's
key from the DID in ``iss`` and the header's ``kid``, validity, KB-JWT over this request's nonce
and audience, then the verifier's extra checks (accreditation) and reports each step.

A ``status`` claim cannot be checked here (Token Status Lists are not part of this
project): the report says ``could_not_check`` (``status_mechanism_unsupported``), so such a
credential is never approved on an unknown status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from passport.did.resolver import resolve_method
from passport.errors import CouldNotCheckError, MalformedError, PassportError, VerdictError
from passport.keys import PublicKey
from passport.report import VerificationReport
from passport.verify import VerifyOptions

__all__ = ["DC_SD_JWT", "verify_sd_jwt_vc"]

DC_SD_JWT = "dc+sd-jwt"

_CHECK_OF_CODE = {
    "signature_invalid": "signature",
    "issuer_mismatch": "issuer",
    "kb_nonce_mismatch": "nonce",
    "audience_mismatch": "audience",
    "expired": "validity_period",
    "not_yet_valid": "validity_period",
    "typ_mismatch": "format",
}


def _check_name(code: str) -> str:
    if code in _CHECK_OF_CODE:
        return _CHECK_OF_CODE[code]
    if code.startswith("kb_") or code == "cnf_missing":
        return "holder_proof"
    if code.startswith("did_") or code in ("verification_method_not_found", "key_not_authorized"):
        return "signature"
    return "disclosures"


def _issuer_key(resolver: Any) -> Any:
    def lookup(header: Mapping[str, Any], payload: Mapping[str, Any]) -> PublicKey:
        issuer = payload.get("iss")
        kid = header.get("kid")
        if not isinstance(issuer, str) or not issuer.startswith("did:"):
            raise VerdictError(
                "issuer_key_unresolvable",
                "The SD-JWT VC's iss is not a DID; this verifier resolves issuer keys from DIDs.",
            )
        if not isinstance(kid, str) or not kid:
            raise MalformedError("jwt_malformed", "The SD-JWT VC header has no 'kid'.")
        if not kid.startswith("did:"):
            kid = issuer + (kid if kid.startswith("#") else "#" + kid)
        vm = resolve_method(resolver, kid, "assertionMethod")
        if vm.id.split("#", 1)[0] != issuer:
            raise VerdictError(
                "issuer_mismatch", f"The signing key {vm.id} does not belong to {issuer}."
            )
        return vm.public_key

    return lookup


def verify_sd_jwt_vc(text: str, options: VerifyOptions) -> VerificationReport:
    """Verify a ``dc+sd-jwt`` presentation (KB-JWT required); never raises PassportError.

    ``report.subject``: ``issuer``, ``vct``, ``claims`` (the disclosed payload),
    ``disclosed`` (paths), ``holder_jwk``.
    """
    from passport.sdjwt.verifier import verify as sd_verify

    report = VerificationReport(format=f"{DC_SD_JWT} presentation")
    if not isinstance(text, str) or "~" not in text:
        report.failed("format", "sd_jwt_malformed", "A dc+sd-jwt presentation is a string.")
        return report
    report.passed("format")
    try:
        result = sd_verify(
            text,
            issuer_key=_issuer_key(options.resolver),
            nonce=options.nonce,
            aud=options.audience,
            now=options.now,
            require_kb=True,
            max_kb_age=options.kb_max_age,
            clock_skew=options.clock_skew,
            expected_typ=DC_SD_JWT,
        )
    except PassportError as err:
        report.record_error(_check_name(err.code), err)
        return report
    for name in (
        "signature",
        "disclosures",
        "validity_period",
        "holder_proof",
        "nonce",
        "audience",
    ):
        report.passed(name)
    payload = dict(result.payload)
    report.subject = {
        "issuer": payload.get("iss"),
        "vct": payload.get("vct"),
        "claims": payload,
        "disclosed": list(result.disclosed),
        "holder_jwk": dict(result.holder_jwk or {}),
    }
    if "status" in payload:
        report.record_error(
            "status",
            CouldNotCheckError(
                "status_mechanism_unsupported",
                "The credential uses a Token Status List, which this verifier cannot check.",
            ),
        )
    for name, check in options.credential_checks:
        report.run(name, lambda check=check: check(payload))  # type: ignore[misc]
    return report
