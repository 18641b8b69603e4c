"""The response processor refuses a presentation of a format it does not verify.

Policies only admit vc+sd-jwt and dc+sd-jwt (and ldp_vc for the FIDO binding), so this guards a
stored query that was changed behind the verifier's back: the answer is a failed format check
with its code, never an exception and never a pass."""

from __future__ import annotations

from passport.report import ReportStatus
from passport.verifier.response import _verify_one


def test_an_unknown_format_is_format_unsupported() -> None:
    presented = _verify_one("kyc", "mso_mdoc", "o2d2ZXJzaW9u", None)
    assert presented.report.status is ReportStatus.INVALID
    assert presented.report.codes == ["format_unsupported"]
