"""The bank's own SD-JWT VCs (``dc+sd-jwt``, a batch of copies) through the one pipeline
(``passport.verify``) as the verifier runs it: a did:ethr issuer on the embedded chain, its
accreditation in the trust registry, its Bitstring Status List, a revocation
that reaches every copy; and the same copy presented with its KB-JWT to the verifier's
``dc+sd-jwt`` entry point."""

from __future__ import annotations

from typing import Any

from passport.keys import KeyType, PrivateKey
from passport.report import ReportStatus
from passport.sdjwt.holder import present
from passport.verifier.policy import DEFAULT_VCT
from passport.verifier.sdjwt_vc import verify_sd_jwt_vc
from passport.verifier.trust import AccreditationChecker
from passport.verify import VerifyOptions, verify


def _options(world: Any, **kwargs: Any) -> VerifyOptions:
    from passport.chain.registries import TrustRegistryClient

    checker = AccreditationChecker(
        TrustRegistryClient(world.chain, world.deployment, clock=world.clock),
        vct_types={v: k for k, v in DEFAULT_VCT.items()},
        clock=world.clock,
    )
    return VerifyOptions(
        resolver=world.resolver,
        now=world.clock.now(),
        status_fetcher=world.status_fetcher(),
        credential_checks=(checker.as_check(),),
        **kwargs,
    )


def test_a_batch_of_bank_sd_jwt_vcs_verifies_and_revokes_together(world: Any) -> None:
    from issuer_service.domain import issue_to_holder, revoke
    from passport.did.jwk import did_jwk_from_jwk

    bank = world.bank
    keys = [PrivateKey.generate(KeyType.ED25519) for _ in range(3)]
    holders = [(did_jwk_from_jwk(k.public_key.to_jwk()), k.public_key.to_jwk()) for k in keys]
    (did, jwk), *more = holders
    result = issue_to_holder(
        bank.runtime.db,
        bank.runtime.ctx,
        customer_id="TW-0003",
        configuration_id="BankStatementCredential-dc",
        holder_did=did,
        holder_jwk=jwk,
        more_holders=more,
    )
    assert bank.did.startswith("did:ethr:") and len(result.copies) == 3
    for copy in result.copies:
        report = verify(copy.credential, _options(world))
        assert report.verified, report.to_dict()
        assert report.format == "dc+sd-jwt"
        names = [c.name for c in report.checks]
        assert {"signature", "issuer", "disclosures", "status", "accreditation"} <= set(names)
        assert report.subject["issuer"] == bank.did
        assert report.subject["vct"].endswith("/vct/BankStatementCredential")

    # presented with a KB-JWT to the verifier's dc+sd-jwt entry point, some claims only
    first = str(result.credential)
    shown = present(
        first,
        disclose=["currency", "balanceAtLeast/*"],
        holder_key=keys[0],
        nonce="n-1",
        aud="https://onboarding.leman.example",
        now=world.clock.now(),
    )
    report = verify_sd_jwt_vc(
        shown, _options(world, nonce="n-1", audience="https://onboarding.leman.example")
    )
    assert report.verified, report.to_dict()
    assert report.format == "dc+sd-jwt presentation"
    assert report.subject["claims"]["currency"] == "TWD"
    assert "currentBalance" not in report.subject["claims"]
    assert report.subject["holder_jwk"] == keys[0].public_key.to_jwk()
    # the KB-JWT answers this request only
    refused = verify_sd_jwt_vc(
        shown, _options(world, nonce="n-2", audience="https://onboarding.leman.example")
    )
    assert refused.status is ReportStatus.INVALID and "kb_nonce_mismatch" in refused.codes

    revoke(bank.runtime.db, bank.runtime.ctx, result.copies[1].credential_id)
    for copy in result.copies:
        report = verify(copy.credential, _options(world))
        assert report.status is ReportStatus.INVALID and "revoked" in report.codes, report.codes


def test_a_vc_sd_jwt_is_not_a_dc_sd_jwt(world: Any, holder: Any) -> None:
    shown = present(
        holder.kyc,
        disclose=["credentialSubject/legalName"],
        holder_key=holder.key,
        nonce="n-3",
        aud="https://onboarding.leman.example",
        now=world.clock.now(),
    )
    report = verify_sd_jwt_vc(
        shown, _options(world, nonce="n-3", audience="https://onboarding.leman.example")
    )
    assert report.status is ReportStatus.INVALID and "typ_mismatch" in report.codes
