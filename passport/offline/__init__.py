"""Offline proof of funds in one QR (issue 11; ``docs/offline-format.md``).

The bank issues a compact credential (a CWT in a COSE_Sign1, EdDSA, claims as salted
disclosures under a Merkle root, bound to the holder's key); the wallet shows chosen claims
plus a holder signature over the verifier's challenge code or a 5-minute slot as one QR
(``DFP1:`` + base45 + zlib, alphanumeric mode, level Q); the verifier checks it with a
``TrustSnapshot`` taken by ``verifier sync`` and no network.

Roles: ``issue_offline_credential`` (issuer), ``make_offline_proof`` (wallet),
``build_snapshot`` + ``verify_offline`` (verifier).
"""

from passport.offline.claims import (
    OfflineClaims,
    OfflineType,
    bank_statement_claims,
    claims_from_credential,
    kyc_claims,
)
from passport.offline.credential import (
    CredentialPayload,
    OfflineCredential,
    StatusRef,
    issue_offline_credential,
    parse_credential,
    status_list_id,
    verify_offline_credential,
)
from passport.offline.proof import OfflineProof, make_offline_proof, parse_proof, time_slot
from passport.offline.qr import (
    PREFIX,
    decode_qr_text,
    encode_qr_text,
    qr_image,
    qr_terminal,
    qr_version,
    read_qr_image,
)
from passport.offline.snapshot import (
    Accreditation,
    IssuerKey,
    IssuerTrust,
    SnapshotStatusList,
    TrustSnapshot,
    build_snapshot,
    discover_status_lists,
    dumps,
    loads,
    read_snapshot,
    write_snapshot,
)
from passport.offline.verify import FORMAT, InMemoryReplayStore, ReplayStore, verify_offline

__all__ = [
    "FORMAT",
    "PREFIX",
    "Accreditation",
    "CredentialPayload",
    "InMemoryReplayStore",
    "IssuerKey",
    "IssuerTrust",
    "OfflineClaims",
    "OfflineCredential",
    "OfflineProof",
    "OfflineType",
    "ReplayStore",
    "SnapshotStatusList",
    "StatusRef",
    "TrustSnapshot",
    "bank_statement_claims",
    "build_snapshot",
    "claims_from_credential",
    "decode_qr_text",
    "discover_status_lists",
    "dumps",
    "encode_qr_text",
    "issue_offline_credential",
    "kyc_claims",
    "loads",
    "make_offline_proof",
    "parse_credential",
    "parse_proof",
    "qr_image",
    "qr_terminal",
    "qr_version",
    "read_qr_image",
    "read_snapshot",
    "status_list_id",
    "time_slot",
    "verify_offline",
    "verify_offline_credential",
    "write_snapshot",
]
