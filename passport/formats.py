"""The one vocabulary of credential formats, with both of its spellings.

Each ``Format`` has its *name in the data* (``value``: the JWT ``typ`` ``vc+sd-jwt``, the Data
Integrity cryptosuites ``eddsa-rdfc-2022`` / ``eddsa-jcs-2022``, the proof type
``Ed25519Signature2020``), its *short name* for people and command lines (``short``:
``sd-jwt``, ``di-rdfc``, ``di-jcs``, ``ldp-v1``) and its OpenID4VCI format identifier
(``oid4vci``: ``vc+sd-jwt`` or ``ldp_vc``). ``Format(x)`` accepts either spelling, so
``Format("sd-jwt") is Format("vc+sd-jwt") is Format.SD_JWT``.

``passport.securing.IssueFormat`` and ``passport.verify.Format`` are this class.
"""

from __future__ import annotations

import enum
from typing import Final

__all__ = [
    "FORMAT_DC_SD_JWT",
    "FORMAT_DFP_OFFLINE",
    "FORMAT_LDP_VC",
    "FORMAT_VC_SD_JWT",
    "SHORT_NAMES",
    "Format",
]

#: OpenID4VCI 1.0 format identifiers (Appendix A).
FORMAT_VC_SD_JWT: Final = "vc+sd-jwt"
FORMAT_LDP_VC: Final = "ldp_vc"
#: IETF SD-JWT VC (``vct``, flat claims, ``cnf.jwk``): its JWT ``typ`` and OpenID4VCI format.
FORMAT_DC_SD_JWT: Final = "dc+sd-jwt"
#: The project's own OpenID4VCI format identifier of the offline QR credential (a CWT in a
#: COSE_Sign1, ``docs/offline-format.md`` section 12). Not a ``Format`` member: it is not a
#: W3C securing format and ``passport.securing`` does not produce it.
FORMAT_DFP_OFFLINE: Final = "dfp-offline-cwt"

_SHORT: Final = {
    "vc+sd-jwt": "sd-jwt",
    "eddsa-rdfc-2022": "di-rdfc",
    "eddsa-jcs-2022": "di-jcs",
    "Ed25519Signature2020": "ldp-v1",
    "dc+sd-jwt": "dc-sd-jwt",
}


class Format(enum.StrEnum):
    SD_JWT = "vc+sd-jwt"
    DI_RDFC = "eddsa-rdfc-2022"
    DI_JCS = "eddsa-jcs-2022"
    LDP_V1 = "Ed25519Signature2020"
    #: IETF SD-JWT VC: verified by ``passport.verify``; issued by the bank from a VC's claims
    #: (``passport.credentials.sd_jwt_vc``), not by ``passport.securing.issue``.
    DC_SD_JWT = "dc+sd-jwt"

    @property
    def short(self) -> str:
        """The name for people and command lines: ``sd-jwt``, ``di-rdfc``, ``di-jcs``,
        ``ldp-v1``."""
        return _SHORT[self.value]

    @property
    def oid4vci(self) -> str:
        """The OpenID4VCI format identifier: ``vc+sd-jwt``, ``dc+sd-jwt``, else ``ldp_vc``."""
        if self is Format.SD_JWT:
            return FORMAT_VC_SD_JWT
        return FORMAT_DC_SD_JWT if self is Format.DC_SD_JWT else FORMAT_LDP_VC

    @classmethod
    def _missing_(cls, value: object) -> Format | None:
        for member in cls:
            if member.short == value:
                return member
        return None


#: The short names of the formats ``passport.securing.issue`` secures a VC document in, in
#: order (the CLI's ``--format`` choices).
SHORT_NAMES: Final = tuple(f.short for f in Format if f is not Format.DC_SD_JWT)
