"""IETF SD-JWT VC (``dc+sd-jwt``) presentations, as a verifier accepts them from any wallet.

The checks are the core pipeline's (``passport.verify``, its ``dc+sd-jwt`` branch): RFC 9901
section 7 through ``passport.sdjwt.verifier``, the issuer's key from the DID in ``iss`` and the
header's ``kid`` (a non-DID ``iss`` is ``issuer_key_unresolvable``), validity, the KB-JWT
over this request's nonce and audience, ``vct``, the ``status`` (our Bitstring Status List
entries; an IETF Token Status List only with ``VerifyOptions.token_status_fetcher``, else
``status_mechanism_unsupported``: could not check, never approved on an unknown status), then
the verifier's extra checks (accreditation). This module only insists that what arrives is a
``dc+sd-jwt`` presentation with its KB-JWT.
"""

from __future__ import annotations

from passport.formats import FORMAT_DC_SD_JWT
from passport.report import ReportStatus, VerificationReport
from passport.verify import VerifyOptions, verify

__all__ = ["DC_SD_JWT", "verify_sd_jwt_vc"]

DC_SD_JWT = FORMAT_DC_SD_JWT


def verify_sd_jwt_vc(text: str, options: VerifyOptions) -> VerificationReport:
    """Verify a ``dc+sd-jwt`` presentation (KB-JWT required); never raises PassportError.

    ``report.subject``: ``issuer``, ``vct``, ``claims`` (the disclosed payload),
    ``disclosed`` (paths), ``holder_jwk``.
    """
    if not isinstance(text, str) or "~" not in text:
        report = VerificationReport(format=f"{DC_SD_JWT} presentation")
        report.failed("format", "sd_jwt_malformed", "A dc+sd-jwt presentation is a string.")
        return report
    report = verify(text, options)
    if not report.format.startswith(DC_SD_JWT) and report.status is not ReportStatus.INVALID:
        report.failed(
            "format", "typ_mismatch", f"Expected a {DC_SD_JWT} (its JWT typ), not {report.format}."
        )
    elif report.format == DC_SD_JWT and report.status is not ReportStatus.INVALID:
        report.failed(
            "holder_proof",
            "kb_missing",
            "The presentation has no key-binding JWT over this request's nonce.",
        )
    return report
