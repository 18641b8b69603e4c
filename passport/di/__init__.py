"""W3C Data Integrity proofs: the EdDSA cryptosuites ``eddsa-rdfc-2022`` and ``eddsa-jcs-2022``.

See ``passport.di.eddsa`` for the algorithms and the error codes.
"""

from __future__ import annotations

from passport.di.eddsa import (
    CRYPTOSUITES,
    EDDSA_JCS_2022,
    EDDSA_RDFC_2022,
    PROOF_TYPE,
    VerifiedPresentation,
    VerifiedProof,
    canonical_document,
    canonical_proof_config,
    hash_data,
    present,
    sign,
    verify,
    verify_presentation,
    verify_proofs,
)

__all__ = [
    "CRYPTOSUITES",
    "EDDSA_JCS_2022",
    "EDDSA_RDFC_2022",
    "PROOF_TYPE",
    "VerifiedPresentation",
    "VerifiedProof",
    "canonical_document",
    "canonical_proof_config",
    "hash_data",
    "present",
    "sign",
    "verify",
    "verify_presentation",
    "verify_proofs",
]
