"""SD-JWT (RFC 9901): selective disclosure for JWTs, one module per role.

- ``issuer.issue``: a ``vc+sd-jwt`` (W3C VC 2.0 payload, W3C VC-JOSE-COSE) or any SD-JWT;
- ``holder.present`` / ``holder.disclosable_claims``: choose what to reveal, add a Key Binding JWT;
- ``verifier.verify``: RFC 9901 sections 7.1 and 7.3, raising the codes its docstring lists.
"""

from passport.sdjwt.common import KB_TYP, VC_SD_JWT_TYP, Disclosure, SdJwtParts, split_sd_jwt
from passport.sdjwt.holder import DisclosableClaim, disclosable_claims, present
from passport.sdjwt.issuer import SUBJECT_CLAIMS, issue
from passport.sdjwt.verifier import IssuerKey, VerifiedSdJwt, verify

__all__ = [
    "KB_TYP",
    "SUBJECT_CLAIMS",
    "VC_SD_JWT_TYP",
    "DisclosableClaim",
    "Disclosure",
    "IssuerKey",
    "SdJwtParts",
    "VerifiedSdJwt",
    "disclosable_claims",
    "issue",
    "present",
    "split_sd_jwt",
    "verify",
]
