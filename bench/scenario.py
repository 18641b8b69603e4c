"""The verifier's everyday case, built once for the benchmarks: an SD-JWT presentation of a
KYC credential issued by a bank's did:ethr on the embedded chain, with a status list and the
regulator's accreditation check, verified by a verifier with its own resolver and trust
client (warm after the first verification, as in a verifier that has seen the bank before).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from passport import securing
from passport.chain.client import Chain
from passport.chain.deployment import Deployment, deploy
from passport.chain.registries import TrustRegistryClient, accreditation_check
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
from passport.ports import FixedClock, Resolver
from passport.status import StatusList
from passport.status.cache import StatusListCache
from passport.status.fetch import LocalFirstFetcher
from passport.status.signed import sign_status_list
from passport.verify import VerifyOptions

NONCE, AUDIENCE = "n-1", "https://foreign-bank.example"
LIST_URL = "https://bank.example/status/9"


@dataclass(frozen=True)
class Scenario:
    chain: Chain
    deployment: Deployment
    bank: str
    bank_key: PrivateKey
    presentation: str
    options: VerifyOptions
    issued: str
    holder_key: PrivateKey
    holder_resolver: Resolver
    #: Signatures one warm verification checks (issuer JWT + KB-JWT; the status list's proof
    #: is verified once and cached by content digest).
    signatures: int = 2

    def fresh(self, count: int) -> list[tuple[str, VerifyOptions]]:
        """``count`` new presentations of the credential, each answering its own request:
        a new nonce and so a new KB-JWT (its signature differs every time), with the
        verifier's options for that request."""
        out = []
        for i in range(count):
            nonce = f"n-{i}-{os.urandom(8).hex()}"
            pres = securing.present(
                self.issued,
                self.holder_key,
                nonce=nonce,
                audience=AUDIENCE,
                resolver=self.holder_resolver,
                now=self.options.now,
            )
            assert isinstance(pres, str)
            out.append((pres, replace(self.options, nonce=nonce)))
        return out


def bank_on_chain() -> tuple[Chain, Deployment, PrivateKey, str]:
    """An embedded chain with the contracts, a bank's did:ethr (an Ed25519 assertion key
    published) accredited for KYC and bank statements."""
    chain = Chain.embedded()
    deployment = deploy(chain, chain.accounts[0])
    owner = PrivateKey.generate(KeyType.SECP256K1)
    chain.fund(owner.eth_address(), 10**20)
    bank_signing = PrivateKey.generate()
    controller = EthrDidController(chain, deployment, owner)
    controller.publish_ed25519_assertion_key(bank_signing.public_key)
    now = datetime.fromtimestamp(chain.block_timestamp(), UTC)
    TrustRegistryClient(chain, deployment).accredit(
        controller.did,
        ["KYCCredential", "BankStatementCredential"],
        "TW",
        now - timedelta(days=1),
        now + timedelta(days=365),
    )
    return chain, deployment, bank_signing, controller.did


def pipeline_scenario(
    chain: Chain, deployment: Deployment, bank_key: PrivateKey, bank: str
) -> Scenario:
    # the chain's clock, not the wall clock: accreditations start when they were recorded
    now = datetime.fromtimestamp(chain.block_timestamp() + 60, UTC)
    clock = FixedClock(now)
    holder_key = PrivateKey.generate()
    holder = did_key_from_public_key(holder_key.public_key)
    ethr = EthrDidResolver.from_deployment(chain, deployment, clock=clock, poll_interval=30.0)
    resolver = default_resolver(clock=clock, extra_methods={"ethr": ethr})
    vm = securing.find_own_method(resolver, bank, bank_key.public_key, "assertionMethod").id
    status_list = sign_status_list(
        StatusList(),
        issuer=bank,
        url=LIST_URL,
        purpose="revocation",
        key=bank_key,
        verification_method=vm,
        now=now - timedelta(hours=1),
        valid_for=timedelta(days=7),
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
        status=credential_status_entry(LIST_URL, 4242),
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=30),
    )
    issued = securing.issue(doc, bank_key, securing.IssueFormat.SD_JWT, resolver=resolver, now=now)
    pres = securing.present(
        issued, holder_key, nonce=NONCE, audience=AUDIENCE, resolver=resolver, now=now
    )
    assert isinstance(pres, str)
    # the verifier: its own, cold resolver and trust client
    verifier_ethr = EthrDidResolver.from_deployment(
        chain, deployment, clock=clock, poll_interval=30.0
    )
    options = VerifyOptions(
        resolver=default_resolver(clock=clock, extra_methods={"ethr": verifier_ethr}),
        now=now,
        nonce=NONCE,
        audience=AUDIENCE,
        credential_checks=(
            accreditation_check(TrustRegistryClient(chain, deployment, clock=clock), now),
        ),
        status_fetcher=LocalFirstFetcher(local=[status_list]),
        status_cache=StatusListCache(),
    )
    return Scenario(chain, deployment, bank, bank_key, pres, options, issued, holder_key, resolver)
