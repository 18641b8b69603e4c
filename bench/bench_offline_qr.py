"""Size of the offline proof QR (issue 11): QR version at level Q, characters, and the byte
budget of each part, for

1. the bank statement with three disclosed tiers (target: version 18 at Q, the EU DCC's
   budget of 555 alphanumeric characters), over a challenge code and over a time window;
2. the worst case: the KYC credential with every claim disclosed, a P-256 holder key and a
   challenge code (target: version 22 at Q);

and, for reference, the floor of the format: a proof that discloses nothing. Targets that
are missed are printed with the miss. Realistic inputs: a did:ethr issuer, the sample
customer TW-0001 (a TWD account: 7 TWD and 9 USD tiers), an index in a 131,072-entry list.

Run: ``./run bench`` (or ``.venv/bin/python bench/bench_offline_qr.py``).
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, datetime
from decimal import Decimal

import cbor2

from passport.credentials import hash_id_document_number
from passport.credentials.model import balance_tiers
from passport.keys import KeyType, PrivateKey
from passport.offline import (
    OfflineCredential,
    OfflineProof,
    StatusRef,
    bank_statement_claims,
    issue_offline_credential,
    kyc_claims,
    make_offline_proof,
    qr_version,
)
from passport.offline.qr import PREFIX

NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
BANK = "did:ethr:0x7a69:0x8A791620dd6260079BF849Dc5567aDC3F2FdC318"
STATUS = StatusRef.of("https://bank.example/status/3f9c2a", 98_765)
TIERS3 = [f"balanceAtLeast/USD_{n}" for n in (1000, 5000, 10000)]
#: alphanumeric characters per QR version at level Q (ISO/IEC 18004 table 7)
CAPACITY_Q = {17: 531, 18: 574, 19: 644, 20: 702, 21: 742, 22: 823, 23: 890, 24: 963, 25: 1041}
DCC_BUDGET = 555


def seeded(seed: bytes):  # type: ignore[no-untyped-def]
    counter = [0]

    def rng(n: int) -> bytes:
        counter[0] += 1
        return hashlib.sha256(seed + counter[0].to_bytes(4, "big")).digest()[:n]

    return rng


def issue(claims, holder: PrivateKey) -> OfflineCredential:  # type: ignore[no-untyped-def]
    bank = PrivateKey(KeyType.ED25519, hashlib.sha256(b"bench bank").digest())
    return issue_offline_credential(
        claims,
        issuer=BANK,
        issuer_key=bank,
        kid=f"{BANK}#delegate-1",
        holder_key=holder.public_key,
        status=STATUS,
        now=NOW,
        rng=seeded(b"bench salts"),
    )


def budget(proof: OfflineProof) -> list[tuple[str, int]]:
    """Bytes of each part of the QR's CBOR, then of the transport."""
    sign1 = cbor2.loads(proof.credential)
    entries, seeds, nodes = cbor2.loads(proof.disclosed)
    holder = cbor2.dumps(proof.holder.to_list())
    cbor_total = len(proof.to_cbor())
    parts = [
        ("issuer signature (Ed25519, COSE bstr)", len(cbor2.dumps(sign1[3]))),
        ("issuer header + claims (iss, exp, iat, cnf, status, type, root)",
         len(proof.credential) - len(cbor2.dumps(sign1[3]))),
        ("digests: Merkle proof nodes (16 bytes each)", len(cbor2.dumps(nodes))),
        ("disclosed claims [leaf index, name, value]", len(cbor2.dumps(entries))),
        ("salt seeds (16 bytes each, one per disclosed subtree)", len(cbor2.dumps(seeds))),
        ("holder proof (COSE_Sign1, detached) + binding",
         len(holder) + len(cbor2.dumps(proof.binding))),
    ]  # fmt: skip
    parts.append(("CBOR framing (arrays, bstr headers)", cbor_total - sum(n for _, n in parts)))
    compressed = len(zlib.compress(proof.to_cbor(), 9))
    parts.append(("zlib (header, Adler-32, Huffman gain)", compressed - cbor_total))
    return parts


def report(title: str, proof: OfflineProof, target: int, budget_chars: int | None) -> None:
    text = proof.to_qr_text()
    version = qr_version(text)
    print(f"== {title}")
    parts = budget(proof)
    for name, size in parts:
        print(f"   {name:<64} {size:>5} bytes")
    compressed = sum(size for _, size in parts)
    print(f"   {'= compressed payload':<64} {compressed:>5} bytes")
    print(f"   {'base45 + ' + PREFIX + ' prefix':<64} {len(text):>5} characters")
    verdict = "met" if version <= target else f"MISSED by {version - target} versions"
    print(f"   QR version {version} at level Q (target <= {target}: {verdict})")
    if version > target:
        over = len(text) - CAPACITY_Q[target]
        print(f"   {over} characters ({over * 2 // 3} bytes) over version {target}'s capacity")
    if budget_chars is not None:
        gap = len(text) - budget_chars
        state = "within" if gap <= 0 else f"{gap} characters over"
        print(f"   DCC budget of {budget_chars} characters: {state}")
    print()


def main() -> None:
    holder = PrivateKey(KeyType.ED25519, hashlib.sha256(b"bench holder").digest())
    p256 = PrivateKey(KeyType.P256, hashlib.sha256(b"bench holder p256").digest())
    tiers = balance_tiers(
        currency="TWD", basis=Decimal(1_250_000), units_per_usd={"TWD": Decimal("32.1")}
    )
    statement = issue(
        bank_statement_claims(name="CHEN, MEI-LING", nationality="TW", tiers=tiers), holder
    )
    print(f"bank statement offline credential: {len(statement.claims)} claims "
          f"(name, nationality, {len(tiers)} tiers); issuer part {len(statement.credential)} "
          "bytes\n")  # fmt: skip
    for binding, challenge in (("challenge code K7Q2-9X", "K7Q2-9X"), ("time window", None)):
        proof = make_offline_proof(statement, holder, disclose=TIERS3, now=NOW, challenge=challenge)
        report(f"bank statement, 3 disclosed tiers, {binding}", proof, 18, DCC_BUDGET)
    kyc = issue(
        kyc_claims(
            {
                "legalName": "CHEN, MEI-LING",
                "givenName": "Mei-Ling",
                "familyName": "Chen",
                "birthDate": "1973-09-02",
                "nationality": "TW",
                "idDocumentType": "national_id",
                "idDocumentCountry": "TW",
                "idDocumentNumberHash": hash_id_document_number("J259151020", salt=b"s" * 16),
                "kycLevel": "standard",
                "verificationDate": "2020-10-18",
            }
        ),
        p256,
    )
    every = [
        "name", "nationality", "givenName", "familyName", "birthDate", "idDocumentType",
        "idDocumentCountry", "idDocumentNumberHash", "kycLevel", "verificationDate",
    ]  # fmt: skip
    worst = make_offline_proof(kyc, p256, disclose=every, now=NOW, challenge="K7Q2-9X")
    report("worst case: KYC, all 10 claims, P-256 holder key, challenge code", worst, 22, None)
    every_tier = [f"balanceAtLeast/{t}" for t in tiers]
    allstat = make_offline_proof(
        statement,
        holder,
        disclose=["name", "nationality", *every_tier],
        now=NOW,
        challenge="K7Q2-9X",
    )
    report("bank statement, every claim disclosed, challenge code", allstat, 22, None)
    floor = make_offline_proof(statement, holder, disclose=[], now=NOW)
    report("floor: nothing disclosed (signatures, holder key, issuer DID)", floor, 18, DCC_BUDGET)


if __name__ == "__main__":
    main()
