"""A bank, a citizen and a verifier's trust snapshot for the offline QR tests (helpers).

``world`` builds the snapshot by hand (keys, accreditation, a status list with one revoked
entry) so each test can change one thing; ``tests/unit/offline/test_offline_snapshot.py``
builds one from a real embedded chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from passport.credentials.model import balance_tiers
from passport.keys import PrivateKey
from passport.offline import (
    Accreditation,
    IssuerKey,
    IssuerTrust,
    OfflineCredential,
    SnapshotStatusList,
    StatusRef,
    TrustSnapshot,
    bank_statement_claims,
    issue_offline_credential,
)
from passport.status.bitstring import StatusList

NOW = datetime(2026, 12, 2, 12, 0, 0, tzinfo=UTC)
BANK = "did:ethr:0x7a69:0x5FbDB2315678afecb367f032d93F642f64180aa3"
LIST_URL = "http://127.0.0.1:8000/status/1"
GOOD_INDEX = 4242
REVOKED_INDEX = 77


@dataclass
class World:
    bank_key: PrivateKey
    holder_key: PrivateKey
    snapshot: TrustSnapshot
    credential: OfflineCredential

    def issue(self, **changes: object) -> OfflineCredential:
        args: dict[str, object] = {
            "issuer": BANK,
            "issuer_key": self.bank_key,
            "kid": f"{BANK}#delegate-1",
            "holder_key": self.holder_key.public_key,
            "status": StatusRef.of(LIST_URL, GOOD_INDEX),
            "now": NOW,
        }
        args.update(changes)
        claims = args.pop("claims", statement_claims())
        return issue_offline_credential(claims, **args)  # type: ignore[arg-type]


def statement_claims():  # type: ignore[no-untyped-def]
    tiers = balance_tiers(
        currency="TWD", basis=Decimal(450_000), units_per_usd={"TWD": Decimal(32)}
    )
    return bank_statement_claims(name="Chen Mei-Ling", nationality="TW", tiers=tiers)


def make_snapshot(bank_key: PrivateKey, *, taken_at: datetime = NOW) -> TrustSnapshot:
    status = StatusList()
    status.set(REVOKED_INDEX)
    return TrustSnapshot(
        taken_at=taken_at,
        issuers=(
            IssuerTrust(
                did=BANK,
                keys=(IssuerKey(f"{BANK}#delegate-1", bank_key.public_key.raw),),
                accreditations=(
                    Accreditation(
                        types=("KYCCredential", "BankStatementCredential"),
                        jurisdiction="TW",
                        valid_from=NOW - timedelta(days=30),
                        valid_until=NOW + timedelta(days=365),
                    ),
                ),
                registry_status={
                    "KYCCredential": "accredited",
                    "BankStatementCredential": "accredited",
                },
            ),
        ),
        status_lists=(
            SnapshotStatusList(
                url=LIST_URL,
                issuer=BANK,
                purpose="revocation",
                encoded_list=status.encode(),
                digest=b"\x11" * 32,
                version=3,
                fetched_at=taken_at,
            ),
        ),
        chain_id=0x7A69,
    )
