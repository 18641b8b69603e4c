"""Chain costs, measured in one run on the embedded chain (gas is the same on any EVM node):

1. gas per credential when a bank anchors issuance batches of 1, 100 and 10,000 credentials
   as one Merkle root (target: at 10,000, at most 1/1,000 of the per-credential gas of
   anchoring one alone), with the time to build the tree and a proof check of one member;
2. JSON-RPC calls per presentation verification (SD-JWT presentation of a credential issued
   by a bank's did:ethr, with the regulator's accreditation check): cold, then warm
   (target: 0 warm), with the resolver in log-polling mode;
3. a gas report per operation of the registries.

Run: ``./run bench`` (or ``.venv/bin/python bench/bench_chain.py``).
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from passport import securing
from passport.chain.client import Chain
from passport.chain.deployment import deploy
from passport.chain.merkle import MerkleTree, credential_leaf, new_salt
from passport.chain.registries import StatusRegistryClient, TrustRegistryClient, accreditation_check
from passport.credentials import (
    build_kyc_credential,
    credential_status_entry,
    hash_id_document_number,
)
from passport.did import default_resolver
from passport.did.ethr import EthrDidResolver
from passport.did.ethr.controller import EthrDidController
from passport.did.key import did_key_from_public_key
from passport.keys import KeyType, PrivateKey
from passport.ports import FixedClock
from passport.status import StatusList
from passport.status.fetch import LocalFirstFetcher
from passport.status.signed import sign_status_list
from passport.verify import VerifyOptions, verify


def anchoring(chain: Chain, status: StatusRegistryClient, bank: str, owner: Any) -> None:
    print("== anchoring issuance batches (one Merkle root per batch)")
    head = ("credentials", "tree build", "gas", "gas/credential", "vs single")
    print("{:>12} {:>11} {:>8} {:>15} {:>10}".format(*head))
    single = None
    for n in (1, 100, 10_000):
        started = time.perf_counter()
        leaves = [credential_leaf(os.urandom(200), new_salt()) for _ in range(n)]
        tree = MerkleTree(leaves)
        built = time.perf_counter() - started
        anchor = status.anchor_batch(bank, tree.root, n, sender=owner)
        member = n // 2
        assert status.verify_anchored(bank, tree.root, leaves[member], tree.proof(member))
        per = anchor.gas_used / n
        single = single or per
        ms = built * 1000
        print(f"{n:>12,} {ms:>9.1f}ms {anchor.gas_used:>8,} {per:>15,.2f} {per / single:>10.5f}")
    print(
        f"target at 10,000: <= 0.00100 of single -> {'OK' if per / single <= 0.001 else 'MISSED'}"
    )


def rpc_per_verification(chain: Chain, deployment: Any, bank_key: PrivateKey, bank: str) -> None:
    print("\n== JSON-RPC calls per presentation verification (did:ethr issuer + accreditation)")
    # the chain's clock, not the wall clock: accreditations start when they were recorded
    now = datetime.fromtimestamp(chain.block_timestamp() + 60, UTC)
    clock = FixedClock(now)
    holder_key = PrivateKey.generate()
    holder = did_key_from_public_key(holder_key.public_key)
    ethr = EthrDidResolver.from_deployment(chain, deployment, clock=clock, poll_interval=30.0)
    resolver = default_resolver(clock=clock, extra_methods={"ethr": ethr})
    list_url = "https://bank.example/status/9"
    vm = securing.find_own_method(resolver, bank, bank_key.public_key, "assertionMethod").id
    status_list = sign_status_list(
        StatusList(),
        issuer=bank,
        url=list_url,
        purpose="revocation",
        key=bank_key,
        verification_method=vm,
        now=now - timedelta(hours=1),
    )
    doc = build_kyc_credential(
        issuer=bank,
        holder=holder,
        legal_name="CHEN Mei-Ling",
        given_name="Mei-Ling",
        family_name="Chen",
        birth_date=date(1990, 3, 14),
        nationality="TW",
        id_document_type="national_id",
        id_document_number_hash=hash_id_document_number("A123456789", salt=bytes(16)),
        kyc_level="standard",
        verification_date=now.date(),
        status=credential_status_entry(list_url, 4242),
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=30),
    )
    issued = securing.issue(doc, bank_key, securing.IssueFormat.SD_JWT, resolver=resolver, now=now)
    # the verifier: its own, cold resolver and trust client
    verifier_ethr = EthrDidResolver.from_deployment(
        chain, deployment, clock=clock, poll_interval=30.0
    )
    verifier_resolver = default_resolver(clock=clock, extra_methods={"ethr": verifier_ethr})
    options = VerifyOptions(
        resolver=verifier_resolver,
        now=now,
        nonce="n-1",
        audience="https://foreign-bank.example",
        credential_checks=(
            accreditation_check(TrustRegistryClient(chain, deployment, clock=clock), now),
        ),
        status_fetcher=LocalFirstFetcher(local=[status_list]),
    )
    pres = securing.present(
        issued,
        holder_key,
        nonce="n-1",
        audience="https://foreign-bank.example",
        resolver=resolver,
        now=now,
    )
    chain.reset_rpc_calls()
    report = verify(pres, options)
    assert report.verified, report.to_dict()
    cold = chain.rpc_calls
    cold_methods = dict(chain.rpc_methods)
    chain.reset_rpc_calls()
    for _ in range(100):
        assert verify(pres, options).verified
    warm = chain.rpc_calls / 100
    print(f"cold: {cold} calls {cold_methods}")
    verdict = "OK" if warm == 0 else "MISSED"
    print(f"warm: {warm:.2f} calls per verification (100 verifications)  target 0 -> {verdict}")


def main() -> None:
    chain = Chain.embedded()
    deployment = deploy(chain, chain.accounts[0])
    owner = PrivateKey.generate(KeyType.SECP256K1)
    chain.fund(owner.eth_address(), 10**20)
    bank_signing = PrivateKey.generate()
    controller = EthrDidController(chain, deployment, owner)
    bank = controller.did
    controller.publish_ed25519_assertion_key(bank_signing.public_key)
    trust = TrustRegistryClient(chain, deployment)
    now = datetime.now(UTC)
    trust.accredit(
        bank,
        ["KYCCredential", "BankStatementCredential"],
        "TW",
        now - timedelta(days=1),
        now + timedelta(days=365),
    )
    status = StatusRegistryClient(chain, deployment)
    status.publish_status_list(
        bank, "https://bank.example/status/1", hashlib.sha256(b"list-v1").digest(), sender=owner
    )
    status.publish_status_list(
        bank, "https://bank.example/status/1", hashlib.sha256(b"list-v2").digest(), sender=owner
    )

    anchoring(chain, status, bank, owner)
    rpc_per_verification(chain, deployment, bank_signing, bank)

    print("\n== gas per operation")
    print(f"{'operation':36} {'count':>5} {'min':>10} {'max':>10}")
    for stat in chain.gas_table():
        print(f"{stat.op:36} {stat.count:>5} {stat.min:>10,} {stat.max:>10,}")


if __name__ == "__main__":
    main()
