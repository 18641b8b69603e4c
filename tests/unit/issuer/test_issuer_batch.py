"""Batch issuance (OpenID4VCI 1.0 section 8.2 ``proofs``) and the IETF SD-JWT VC forms
(``dc+sd-jwt``) at the domain level: one copy per key proof, each bound to its own key, with
its own salts, status index, id and Merkle leaf; one status change flips every copy."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from sqlalchemy import select
from test_issuer_domain import DbStatusFetcher, snapshot, token_for

from issuer_service import domain
from issuer_service.anchoring import batch_unanchored
from issuer_service.db import Database, IssuedCredential
from passport.did.jwk import did_jwk_from_jwk
from passport.did.resolver import CachingResolver
from passport.exchange.oid4vci import (
    CredentialRequest,
    Oid4vciError,
    create_proof_jwt,
    parse_credential_request,
)
from passport.keys import KeyType, PrivateKey
from passport.sdjwt.common import parse_jws, split_sd_jwt
from passport.sdjwt.holder import full_payload
from passport.verify import VerifyOptions, verify

KYC, STATEMENT = domain.KYC, domain.BANK_STATEMENT


def keys(n: int) -> list[PrivateKey]:
    return [PrivateKey.generate(KeyType.ED25519) for _ in range(n)]


def batch_request(
    ctx: domain.IssuerContext,
    holders: list[PrivateKey],
    nonces: list[str | None],
    conf: str = KYC,
) -> CredentialRequest:
    jwts = [
        create_proof_jwt(h, audience=ctx.credential_issuer, nonce=n, iat=ctx.now(), embed_jwk=True)
        for h, n in zip(holders, nonces, strict=True)
    ]
    return parse_credential_request(
        {"credential_configuration_id": conf, "proofs": {"jwt": jwts}},
        known_configuration_ids=list(domain.CONFIGURATIONS),
        batch_size=len(jwts),
    )


def issue_batch(
    db: Database,
    ctx: domain.IssuerContext,
    resolver: CachingResolver,
    holders: list[PrivateKey],
    conf: str = KYC,
) -> tuple[domain.IssuanceResult, str]:
    _, grant = token_for(db, ctx, "TW-0002", conf)
    nonce = domain.issue_nonce(db, ctx).c_nonce
    result = domain.issue_credential(
        db,
        ctx,
        access_token=grant.access_token,
        request=batch_request(ctx, holders, [nonce] * len(holders), conf),
        resolver=resolver,
    )
    return result, grant.access_token


def options(db: Database, ctx: domain.IssuerContext, resolver: CachingResolver) -> VerifyOptions:
    return VerifyOptions(resolver=resolver, now=ctx.now(), status_fetcher=DbStatusFetcher(db, ctx))


def cnf_of(credential: str) -> Mapping[str, Any]:
    jwk: Mapping[str, Any] = full_payload(credential)["cnf"]["jwk"]
    return jwk


def test_a_batch_gives_one_bound_copy_per_proof(
    loaded: Database, ctx: domain.IssuerContext, resolver: CachingResolver
) -> None:
    holders = keys(3)
    result, _ = issue_batch(loaded, ctx, resolver, holders)
    copies = result.copies
    assert len(copies) == 3
    for copy, holder in zip(copies, holders, strict=True):
        assert isinstance(copy.credential, str)
        jwk = holder.public_key.to_jwk()
        assert cnf_of(copy.credential) == jwk
        # vc+sd-jwt with a jwk proof: the subject is that key's did:jwk
        assert full_payload(copy.credential)["credentialSubject"]["id"] == did_jwk_from_jwk(jwk)
        assert copy.holder_did == did_jwk_from_jwk(jwk)
        report = verify(copy.credential, options(loaded, ctx, resolver))
        assert report.verified, report.to_dict()
    assert len({c.status_index for c in copies}) == 3
    assert len({c.credential_id for c in copies}) == 3
    assert len({c.digest for c in copies}) == 3
    assert {c.batch_id for c in copies} == {copies[0].credential_id}
    disclosures = [set(split_sd_jwt(str(c.credential)).disclosures) for c in copies]
    assert not disclosures[0] & disclosures[1] and not disclosures[1] & disclosures[2]
    signatures = {str(c.credential).split("~")[0].rsplit(".", 1)[1] for c in copies}
    assert len(signatures) == 3
    with loaded.transaction() as session:
        rows = session.scalars(select(IssuedCredential)).all()
        assert len(rows) == 3 and len({r.leaf for r in rows}) == 3
        assert {r.batch_id for r in rows} == {copies[0].credential_id}
    # every copy's digest goes into the next Merkle batch
    assert batch_unanchored(loaded, ctx) == 1
    with loaded.transaction() as session:
        assert all(r.anchor_job_pk is not None for r in session.scalars(select(IssuedCredential)))


def test_one_proof_is_a_single_issuance(
    loaded: Database, ctx: domain.IssuerContext, resolver: CachingResolver
) -> None:
    result, _ = issue_batch(loaded, ctx, resolver, keys(1))
    assert result.copies == (result,) and result.batch_id is None


def test_revoking_any_copy_revokes_every_copy_in_one_list_update(
    loaded: Database, ctx: domain.IssuerContext, resolver: CachingResolver
) -> None:
    result, _ = issue_batch(loaded, ctx, resolver, keys(3), STATEMENT)
    before = snapshot(loaded)
    change = domain.suspend(loaded, ctx, result.copies[1].credential_id)
    assert change.copies == 3 and change.suspended
    after = snapshot(loaded)
    assert after["list_versions"] == before["list_versions"] + 1  # one list, signed once
    assert after["jobs"] == before["jobs"] + 1
    for copy in result.copies:
        report = verify(copy.credential, options(loaded, ctx, resolver))
        assert "suspended" in report.codes, report.to_dict()
    domain.reinstate(loaded, ctx, result.credential_id)
    assert all(verify(c.credential, options(loaded, ctx, resolver)).verified for c in result.copies)
    change = domain.revoke(loaded, ctx, result.copies[2].credential_id)
    assert change.copies == 3 and change.revoked
    for copy in result.copies:
        assert "revoked" in verify(copy.credential, options(loaded, ctx, resolver)).codes
    assert snapshot(loaded)["revoked"] == 3
    with pytest.raises(Exception) as again:
        domain.revoke(loaded, ctx, result.copies[0].credential_id)
    assert getattr(again.value, "code", None) == "credential_already_revoked"


@pytest.mark.parametrize(
    ("count", "nonces", "duplicate", "code", "error"),
    [
        (3, "same", False, "batch_size_exceeded", "invalid_credential_request"),
        (2, "same", True, "proof_key_duplicate", "invalid_proof"),
        (2, "mixed", False, "proof_nonce_mixed", "invalid_proof"),
        (2, "unknown", False, "proof_nonce_mismatch", "invalid_nonce"),
    ],
)
def test_bad_batches_use_up_nothing(
    loaded: Database,
    make_context: Callable[..., domain.IssuerContext],
    resolver: CachingResolver,
    count: int,
    nonces: str,
    duplicate: bool,
    code: str,
    error: str,
) -> None:
    ctx = make_context(batch_size=2)
    domain.ensure_status_lists(loaded, ctx)
    _, grant = token_for(loaded, ctx, "TW-0002", KYC)
    nonce = domain.issue_nonce(loaded, ctx).c_nonce
    other = domain.issue_nonce(loaded, ctx).c_nonce
    holders = keys(count)
    if duplicate:
        holders[1] = holders[0]
    values: list[str | None] = {
        "same": [nonce] * count,
        "mixed": [nonce, other][:count],
        "unknown": ["not-a-nonce"] * count,
    }[nonces]
    jwts = [
        create_proof_jwt(h, audience=ctx.credential_issuer, nonce=n, iat=ctx.now(), embed_jwk=True)
        for h, n in zip(holders, values, strict=True)
    ]
    before = snapshot(loaded)
    with pytest.raises(Oid4vciError) as refused:
        domain.issue_credential(
            loaded,
            ctx,
            access_token=grant.access_token,
            request=CredentialRequest(KYC, None, tuple(jwts)),
            resolver=resolver,
        )
    assert (refused.value.code, refused.value.error) == (code, error)
    assert snapshot(loaded) == before  # no nonce, token, index or record used up
    # and the same token and nonce still issue a good batch
    good = domain.issue_credential(
        loaded,
        ctx,
        access_token=grant.access_token,
        request=batch_request(ctx, keys(2), [nonce, nonce]),
        resolver=resolver,
    )
    assert len(good.copies) == 2


def test_the_http_edge_refuses_more_proofs_than_the_batch_size(
    ctx: domain.IssuerContext,
) -> None:
    jwts = [
        create_proof_jwt(h, audience=ctx.credential_issuer, nonce="n", iat=ctx.now())
        for h in keys(ctx.batch_size + 1)
    ]
    with pytest.raises(Oid4vciError) as refused:
        parse_credential_request(
            {"credential_configuration_id": KYC, "proofs": {"jwt": jwts}},
            known_configuration_ids=list(domain.CONFIGURATIONS),
            batch_size=ctx.batch_size,
        )
    assert refused.value.code == "batch_size_exceeded"


def test_a_lost_batch_response_is_redelivered_to_the_same_keys(
    loaded: Database, ctx: domain.IssuerContext, resolver: CachingResolver
) -> None:
    holders = keys(3)
    first, token = issue_batch(loaded, ctx, resolver, holders)
    nonce = domain.issue_nonce(loaded, ctx).c_nonce
    again = domain.issue_credential(
        loaded,
        ctx,
        access_token=token,
        request=batch_request(ctx, list(reversed(holders)), [nonce] * 3),
        resolver=resolver,
    )
    assert [c.credential for c in again.copies] == [c.credential for c in first.copies]
    assert [c.credential_id for c in again.copies] == [c.credential_id for c in first.copies]
    with loaded.transaction() as session:
        assert len(session.scalars(select(IssuedCredential)).all()) == 3
    nonce = domain.issue_nonce(loaded, ctx).c_nonce
    with pytest.raises(Oid4vciError) as refused:
        domain.issue_credential(
            loaded,
            ctx,
            access_token=token,
            request=batch_request(ctx, [holders[0], *keys(2)], [nonce] * 3),
            resolver=resolver,
        )
    assert refused.value.code == "credential_already_issued"


# --- SD-JWT VC (dc+sd-jwt) ------------------------------------------------------------------


def test_the_sd_jwt_vc_form_is_flat_bound_and_verifies(
    loaded: Database, ctx: domain.IssuerContext, resolver: CachingResolver
) -> None:
    holders = keys(2)
    result, _ = issue_batch(loaded, ctx, resolver, holders, "BankStatementCredential-dc")
    assert result.format == "dc+sd-jwt" and len(result.copies) == 2
    for copy, holder in zip(result.copies, holders, strict=True):
        text = str(copy.credential)
        jwt = parse_jws(split_sd_jwt(text).issuer_jwt)
        assert jwt.header["typ"] == "dc+sd-jwt" and jwt.header["kid"] == ctx.verification_method
        raw = jwt.payload
        assert raw["vct"] == "https://bank.example/vct/BankStatementCredential"
        assert raw["iss"] == ctx.issuer_did and raw["cnf"]["jwk"] == holder.public_key.to_jwk()
        assert {"iat", "nbf", "exp", "status", "_sd"} <= set(raw)
        assert "credentialSubject" not in raw and "currency" not in raw  # disclosable only
        entries = raw["status"]["bitstring_status_list"]
        assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension"]
        assert entries[0]["statusListIndex"] == str(copy.status_index)
        full = full_payload(text)
        assert full["currency"] == "TWD" and isinstance(full["balanceAtLeast"], dict)
        report = verify(text, options(loaded, ctx, resolver))
        assert report.verified, report.to_dict()
        assert report.format == "dc+sd-jwt"
        assert {"signature", "disclosures", "validity_period", "status"} <= {
            c.name for c in report.checks
        }
    # the balanceAtLeast tiers are disclosable one by one (recursive disclosures)
    from passport.sdjwt.holder import disclosable_claims

    paths = {c.path for c in disclosable_claims(str(result.credential))}
    assert any(p.startswith("balanceAtLeast/") for p in paths) and "currency" in paths
    domain.revoke(loaded, ctx, result.credential_id)
    for copy in result.copies:
        assert "revoked" in verify(copy.credential, options(loaded, ctx, resolver)).codes


def test_an_sd_jwt_vc_without_vct_is_malformed(
    ctx: domain.IssuerContext, resolver: CachingResolver
) -> None:
    from passport.sdjwt.issuer import issue

    now = int(ctx.now().timestamp())
    text = issue(
        {"iss": ctx.issuer_did, "iat": now, "exp": now + 60, "legalName": "X"},
        ctx.signing_key,
        kid=ctx.verification_method,
        disclosable={"legalName"},
        typ="dc+sd-jwt",
        now=now,
    )
    report = verify(text, VerifyOptions(resolver=resolver, now=ctx.now()))
    assert report.format == "dc+sd-jwt" and "vct_missing" in report.codes


def test_an_unknown_status_mechanism_is_could_not_check(
    ctx: domain.IssuerContext, resolver: CachingResolver
) -> None:
    from passport.report import ReportStatus
    from passport.sdjwt.issuer import issue

    now = int(ctx.now().timestamp())
    text = issue(
        {
            "iss": ctx.issuer_did,
            "iat": now,
            "exp": now + 60,
            "vct": "https://bank.example/vct/KYCCredential",
            "status": {"status_list": {"idx": 3, "uri": "https://bank.example/tsl"}},
        },
        ctx.signing_key,
        kid=ctx.verification_method,
        disclosable=(),
        typ="dc+sd-jwt",
        now=now,
    )
    report = verify(text, VerifyOptions(resolver=resolver, now=ctx.now()))
    assert report.status is ReportStatus.INDETERMINATE
    assert "status_mechanism_unsupported" in report.codes


def test_batch_slots_redraw_on_a_collision(
    loaded: Database,
    make_context: Callable[..., domain.IssuerContext],
    resolver: CachingResolver,
) -> None:
    draws = iter([5, 5, 5, 6, 7, 8])  # a single at 5; the batch draws 5 (taken), then 7, 8
    ctx = make_context(index_rng=lambda n: next(draws))
    domain.ensure_status_lists(loaded, ctx)
    single, _ = issue_batch(loaded, ctx, resolver, keys(1))
    assert single.status_index == 5
    batch, _ = issue_batch(loaded, ctx, resolver, keys(2))
    assert [c.status_index for c in batch.copies] == [7, 8]


def test_a_batch_that_fills_its_group_spans_two_and_revokes_in_both(
    loaded: Database,
    make_context: Callable[..., domain.IssuerContext],
    resolver: CachingResolver,
) -> None:
    ctx = make_context(status_list_capacity=2)
    domain.ensure_status_lists(loaded, ctx)
    result, _ = issue_batch(loaded, ctx, resolver, keys(3))
    groups = [c.status_group for c in result.copies]
    assert groups == [1, 1, 2]
    before = snapshot(loaded)
    change = domain.revoke(loaded, ctx, result.copies[2].credential_id)
    assert change.copies == 3
    assert snapshot(loaded)["list_versions"] == before["list_versions"] + 2  # one per group
    for copy in result.copies:
        assert "revoked" in verify(copy.credential, options(loaded, ctx, resolver)).codes
