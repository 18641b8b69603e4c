"""The bank's operations: offer -> token -> nonce -> credential, every error path, atomicity,
status changes and lists, FIDO enrollment, and 200 concurrent issuances."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from issuer_service import domain
from issuer_service.db import (
    AuditEvent,
    ChainJob,
    Database,
    FidoRegistration,
    IssuedCredential,
    Nonce,
    Offer,
    StatusListRecord,
)
from issuer_service.importer import import_customers, parse_customers_csv
from passport.did.resolver import CachingResolver
from passport.errors import ConfigurationError, CouldNotCheckError, MalformedError, VerdictError
from passport.exchange.oid4vci import (
    CredentialRequest,
    Oid4vciError,
    TokenRequest,
    create_proof_jwt,
    parse_credential_request,
)
from passport.fido.webauthn import RegisteredAuthenticator
from passport.keys import KeyType, PrivateKey
from passport.ports import FixedClock
from passport.status.bitstring import check_status
from passport.verify import VerifyOptions, verify

KYC, STATEMENT, FIDO = domain.KYC, domain.BANK_STATEMENT, domain.FIDO_KEY_BINDING
MakeContext = Callable[..., domain.IssuerContext]


# --- helpers ------------------------------------------------------------------------------


def token_for(
    db: Database, ctx: domain.IssuerContext, customer: str = "TW-0002", conf: str = KYC
) -> tuple[domain.CreatedOffer, domain.TokenGrant]:
    offer = domain.create_offer(db, ctx, customer_id=customer, configuration_id=conf)
    grant = domain.redeem_token(
        db, ctx, TokenRequest(pre_authorized_code=offer.pre_authorized_code, tx_code=offer.tx_code)
    )
    return offer, grant


def request_for(
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    nonce: str | None,
    conf: str = KYC,
    **proof_args: Any,
) -> CredentialRequest:
    jwt = create_proof_jwt(
        holder,
        audience=proof_args.pop("audience", ctx.credential_issuer),
        nonce=nonce,
        iat=ctx.now(),
        **proof_args,
    )
    return parse_credential_request(
        {"credential_configuration_id": conf, "proofs": {"jwt": [jwt]}},
        known_configuration_ids=list(domain.CONFIGURATIONS),
    )


def issue_via_protocol(
    db: Database,
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    resolver: CachingResolver,
    customer: str = "TW-0002",
    conf: str = KYC,
) -> domain.IssuanceResult:
    _, grant = token_for(db, ctx, customer, conf)
    nonce = domain.issue_nonce(db, ctx).c_nonce
    return domain.issue_credential(
        db,
        ctx,
        access_token=grant.access_token,
        request=request_for(ctx, holder, nonce, conf),
        resolver=resolver,
    )


def count(db: Database, model: Any, *where: Any) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def snapshot(db: Database) -> dict[str, int]:
    return {
        "credentials": count(db, IssuedCredential),
        "audit": count(db, AuditEvent),
        "jobs": count(db, ChainJob),
        "nonces_used": count(db, Nonce, Nonce.used_at.is_not(None)),
        "issued_offers": count(db, Offer, Offer.state == "issued"),
        "revoked": count(db, IssuedCredential, IssuedCredential.revoked.is_(True)),
        "list_versions": sum(v for v in _list_versions(db).values()),
    }


def _list_versions(db: Database) -> dict[str, int]:
    with db.transaction() as session:
        return {r.list_id: r.version for r in session.scalars(select(StatusListRecord))}


@dataclass
class DbStatusFetcher:
    db: Database
    ctx: domain.IssuerContext

    def fetch(self, url: str) -> Mapping[str, Any]:
        return domain.status_list_credential(self.db, self.ctx, url.rsplit("/", 1)[1])


def verify_options(
    db: Database, ctx: domain.IssuerContext, resolver: CachingResolver
) -> VerifyOptions:
    return VerifyOptions(resolver=resolver, now=ctx.now(), status_fetcher=DbStatusFetcher(db, ctx))


# --- the happy path -----------------------------------------------------------------------


def test_kyc_through_offer_token_nonce_credential(
    loaded: Database,
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    holder_did: str,
    resolver: CachingResolver,
) -> None:
    result = issue_via_protocol(loaded, ctx, holder, resolver)
    assert result.format == "vc+sd-jwt" and result.holder_did == holder_did
    assert isinstance(result.credential, str) and result.credential.count("~") > 5
    report = verify(result.credential, verify_options(loaded, ctx, resolver))
    assert report.verified, report.to_dict()
    assert report.subject["credentialSubject"]["legalName"] == "LIN, CHIH-HAO"
    with loaded.transaction() as session:
        record = session.scalars(select(IssuedCredential)).one()
        assert record.credential_id == result.credential_id
        assert (record.status_group, record.status_index) == (1, result.status_index)
        assert len(record.leaf) == 32 and len(record.leaf_salt) == 32
        offer = session.scalars(select(Offer)).one()
        assert offer.state == "issued" and offer.credential_pk == record.id
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-3:] == ["offer_created", "token_issued", "credential_issued"]


def test_bank_statement_from_the_bank_records(
    loaded: Database,
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    resolver: CachingResolver,
) -> None:
    result = issue_via_protocol(loaded, ctx, holder, resolver, "TW-0002", STATEMENT)
    report = verify(result.credential, verify_options(loaded, ctx, resolver))
    assert report.verified, report.to_dict()
    subject = report.subject["credentialSubject"]
    assert subject["currency"] == "TWD" and subject["asOfDate"] == "2026-10-31"
    assert subject["averagingPeriodMonths"] == 6
    assert subject["maskedAccountNumber"].startswith("****")
    assert any(k.startswith("USD_") for k in subject["balanceAtLeast"])
    assert any(k.startswith("TWD_") for k in subject["balanceAtLeast"])


def test_usd_account_statement(
    loaded: Database,
    ctx: domain.IssuerContext,
    holder_did: str,
    holder: PrivateKey,
) -> None:
    with loaded.transaction() as session:
        from issuer_service.db import Account

        usd = session.scalars(select(Account).where(Account.currency == "USD")).first()
        assert usd is not None
        customer_id, account_id = usd.customer.customer_id, usd.id
    result = domain.issue_to_holder(
        loaded,
        ctx,
        customer_id=customer_id,
        configuration_id=STATEMENT,
        holder_did=holder_did,
        holder_jwk=holder.public_key.to_jwk(),
        account_id=account_id,
    )
    assert result.configuration_id == STATEMENT


def test_secrets_are_stored_only_as_hashes(
    loaded: Database,
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    resolver: CachingResolver,
    db_path: Path,
) -> None:
    offer, grant = token_for(loaded, ctx)
    nonce = domain.issue_nonce(loaded, ctx).c_nonce
    loaded.dispose()
    raw = db_path.read_bytes() + (
        db_path.with_name(db_path.name + "-wal").read_bytes()
        if db_path.with_name(db_path.name + "-wal").exists()
        else b""
    )
    for secret in (offer.pre_authorized_code, grant.access_token, nonce):
        assert secret.encode() not in raw
    assert f"tx_code={offer.tx_code}".encode() not in raw
    assert "tx_code" not in repr(offer) or offer.tx_code not in repr(offer)
    assert grant.access_token not in repr(grant)


# --- token endpoint errors ------------------------------------------------------------------


def test_unknown_code(loaded: Database, ctx: domain.IssuerContext) -> None:
    with pytest.raises(Oid4vciError) as err:
        domain.redeem_token(loaded, ctx, TokenRequest(pre_authorized_code="nope", tx_code="1"))
    assert (err.value.code, err.value.error) == ("pre_authorized_code_unknown", "invalid_grant")


def test_code_is_single_use(loaded: Database, ctx: domain.IssuerContext) -> None:
    offer, _ = token_for(loaded, ctx)
    with pytest.raises(Oid4vciError) as err:
        domain.redeem_token(loaded, ctx, TokenRequest(offer.pre_authorized_code, offer.tx_code))
    assert err.value.code == "pre_authorized_code_redeemed"


def test_expired_code(loaded: Database, ctx: domain.IssuerContext, clock: FixedClock) -> None:
    offer = domain.create_offer(loaded, ctx, customer_id="TW-0002", configuration_id=KYC)
    clock.advance(ctx.offer_ttl.total_seconds())
    with pytest.raises(Oid4vciError) as err:
        domain.redeem_token(loaded, ctx, TokenRequest(offer.pre_authorized_code, offer.tx_code))
    assert (err.value.code, err.value.error) == ("pre_authorized_code_expired", "invalid_grant")


def test_missing_tx_code(loaded: Database, ctx: domain.IssuerContext) -> None:
    offer = domain.create_offer(loaded, ctx, customer_id="TW-0002", configuration_id=KYC)
    with pytest.raises(Oid4vciError) as err:
        domain.redeem_token(loaded, ctx, TokenRequest(offer.pre_authorized_code, None))
    assert (err.value.code, err.value.error) == ("tx_code_missing", "invalid_request")


def test_wrong_tx_codes_are_counted_and_lock_the_offer(
    loaded: Database, ctx: domain.IssuerContext
) -> None:
    offer = domain.create_offer(loaded, ctx, customer_id="TW-0002", configuration_id=KYC)
    wrong = "000000" if offer.tx_code != "000000" else "111111"
    for attempt in range(ctx.max_tx_code_attempts):
        with pytest.raises(Oid4vciError) as err:
            domain.redeem_token(loaded, ctx, TokenRequest(offer.pre_authorized_code, wrong))
        assert (err.value.code, err.value.error) == ("tx_code_mismatch", "invalid_grant")
        assert err.value.details["attempts_left"] == ctx.max_tx_code_attempts - attempt - 1
    with loaded.transaction() as session:
        stored = session.get(Offer, offer.offer_id)
        assert stored is not None
        assert (stored.state, stored.tx_code_attempts) == ("locked", ctx.max_tx_code_attempts)
    # even the right code is refused now
    with pytest.raises(Oid4vciError) as err:
        domain.redeem_token(loaded, ctx, TokenRequest(offer.pre_authorized_code, offer.tx_code))
    assert err.value.code == "pre_authorized_code_locked"
    assert count(loaded, AuditEvent, AuditEvent.action == "tx_code_rejected") == 5


def test_right_tx_code_after_a_wrong_one(loaded: Database, ctx: domain.IssuerContext) -> None:
    offer = domain.create_offer(loaded, ctx, customer_id="TW-0002", configuration_id=KYC)
    with pytest.raises(Oid4vciError):
        domain.redeem_token(loaded, ctx, TokenRequest(offer.pre_authorized_code, "x"))
    grant = domain.redeem_token(loaded, ctx, TokenRequest(offer.pre_authorized_code, offer.tx_code))
    assert grant.expires_in == 600 and grant.configuration_id == KYC


# --- offer errors --------------------------------------------------------------------------


def test_offer_errors(loaded: Database, ctx: domain.IssuerContext) -> None:
    with pytest.raises(VerdictError) as verr:
        domain.create_offer(loaded, ctx, customer_id="TW-9999", configuration_id=KYC)
    assert verr.value.code == "customer_not_found"
    with pytest.raises(MalformedError) as merr:
        domain.create_offer(loaded, ctx, customer_id="TW-0002", configuration_id="Passport")
    assert merr.value.code == "credential_configuration_unknown"
    with pytest.raises(VerdictError) as verr:
        domain.create_offer(
            loaded, ctx, customer_id="TW-0002", configuration_id=STATEMENT, account_id=10_000
        )
    assert verr.value.code == "account_not_found"
    with pytest.raises(VerdictError) as verr:  # two months of history only
        domain.create_offer(loaded, ctx, customer_id="TW-0020", configuration_id=STATEMENT)
    assert verr.value.code == "balance_history_too_short"
    assert count(loaded, Offer) == 0


def test_statement_for_a_customer_without_accounts(db: Database, ctx: domain.IssuerContext) -> None:
    header = (
        "customer_id,legal_name,given_name,family_name,birth_date,nationality,"
        "id_document_type,id_document_number,id_document_country,kyc_level,verified_on,"
        "email,account_number,currency,product,date,balance"
    )
    row = 'C9,"WU, PO-YU",Po-Yu,Wu,1980-01-01,TW,passport,312345678,TW,standard,2024-01-01,,,,,,'
    import_customers(db, ctx, parse_customers_csv(f"{header}\n{row}\n"))
    with pytest.raises(VerdictError) as err:
        domain.create_offer(db, ctx, customer_id="C9", configuration_id=STATEMENT)
    assert err.value.code == "account_not_found"
    domain.create_offer(db, ctx, customer_id="C9", configuration_id=KYC)


# --- credential endpoint errors: nothing is used up -----------------------------------------


def test_unknown_or_expired_or_reused_token(
    loaded: Database,
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    resolver: CachingResolver,
    clock: FixedClock,
) -> None:
    nonce = domain.issue_nonce(loaded, ctx).c_nonce
    with pytest.raises(Oid4vciError) as err:
        domain.issue_credential(
            loaded,
            ctx,
            access_token="forged",
            request=request_for(ctx, holder, nonce),
            resolver=resolver,
        )
    assert (err.value.error, err.value.status) == ("invalid_token", 401)
    _, grant = token_for(loaded, ctx)
    first = domain.issue_credential(
        loaded,
        ctx,
        access_token=grant.access_token,
        request=request_for(ctx, holder, nonce),
        resolver=resolver,
    )
    again = domain.issue_nonce(loaded, ctx).c_nonce
    retried = domain.issue_credential(  # a lost response: the same credential again
        loaded,
        ctx,
        access_token=grant.access_token,
        request=request_for(ctx, holder, again),
        resolver=resolver,
    )
    assert (retried.credential, retried.record_id) == (first.credential, first.record_id)
    other = PrivateKey.generate()
    with pytest.raises(Oid4vciError) as err:
        domain.issue_credential(
            loaded,
            ctx,
            access_token=grant.access_token,
            request=request_for(ctx, other, domain.issue_nonce(loaded, ctx).c_nonce),
            resolver=resolver,
        )
    assert err.value.code == "credential_already_issued"
    _, late = token_for(loaded, ctx)
    clock.advance(ctx.token_ttl.total_seconds())
    fresh = domain.issue_nonce(loaded, ctx).c_nonce
    with pytest.raises(Oid4vciError) as err:
        domain.issue_credential(
            loaded,
            ctx,
            access_token=late.access_token,
            request=request_for(ctx, holder, fresh),
            resolver=resolver,
        )
    assert err.value.code == "access_token_invalid"
    assert count(loaded, IssuedCredential) == 1


def test_configuration_not_offered(
    loaded: Database,
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    resolver: CachingResolver,
) -> None:
    _, grant = token_for(loaded, ctx, conf=KYC)
    nonce = domain.issue_nonce(loaded, ctx).c_nonce
    with pytest.raises(Oid4vciError) as err:
        domain.issue_credential(
            loaded,
            ctx,
            access_token=grant.access_token,
            request=request_for(ctx, holder, nonce, STATEMENT),
            resolver=resolver,
        )
    assert (err.value.code, err.value.error) == (
        "credential_configuration_not_offered",
        "invalid_credential_request",
    )
    _, fido = token_for(loaded, ctx, conf=FIDO)
    with pytest.raises(Oid4vciError) as err:
        domain.issue_credential(
            loaded,
            ctx,
            access_token=fido.access_token,
            request=request_for(ctx, holder, nonce, FIDO),
            resolver=resolver,
        )
    assert (err.value.code, err.value.error) == (
        "fido_registration_required",
        "invalid_credential_request",
    )
    with pytest.raises(Oid4vciError) as err:
        domain.issue_to_holder(
            loaded,
            ctx,
            customer_id="TW-0002",
            configuration_id=FIDO,
            holder_did="did:key:z6Mkx",
            holder_jwk=None,
        )
    assert err.value.code == "fido_registration_required"


def test_bad_proof_uses_up_nothing(
    loaded: Database,
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    resolver: CachingResolver,
) -> None:
    _, grant = token_for(loaded, ctx)
    nonce = domain.issue_nonce(loaded, ctx).c_nonce
    before = snapshot(loaded)
    for bad, code in (
        (
            request_for(ctx, holder, nonce, audience="https://evil.example"),
            "proof_audience_mismatch",
        ),
        (request_for(ctx, holder, "never-issued"), "proof_nonce_mismatch"),
        (request_for(ctx, holder, None), "proof_nonce_missing"),
    ):
        with pytest.raises(Oid4vciError) as err:
            domain.issue_credential(
                loaded, ctx, access_token=grant.access_token, request=bad, resolver=resolver
            )
        assert err.value.code == code
    assert snapshot(loaded) == before
    # the token and the nonce still work
    domain.issue_credential(
        loaded,
        ctx,
        access_token=grant.access_token,
        request=request_for(ctx, holder, nonce),
        resolver=resolver,
    )


def test_replayed_proof_and_expired_nonce(
    loaded: Database,
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    resolver: CachingResolver,
    clock: FixedClock,
) -> None:
    _, first = token_for(loaded, ctx)
    nonce = domain.issue_nonce(loaded, ctx).c_nonce
    request = request_for(ctx, holder, nonce)
    domain.issue_credential(
        loaded, ctx, access_token=first.access_token, request=request, resolver=resolver
    )
    _, second = token_for(loaded, ctx)
    with pytest.raises(Oid4vciError) as err:  # the same proof (same nonce) again
        domain.issue_credential(
            loaded, ctx, access_token=second.access_token, request=request, resolver=resolver
        )
    assert (err.value.code, err.value.error) == ("proof_nonce_mismatch", "invalid_nonce")
    stale = domain.issue_nonce(loaded, ctx).c_nonce
    clock.advance(ctx.nonce_ttl.total_seconds())
    with pytest.raises(Oid4vciError) as err:
        domain.issue_credential(
            loaded,
            ctx,
            access_token=second.access_token,
            request=request_for(ctx, holder, stale),
            resolver=resolver,
        )
    assert err.value.error == "invalid_nonce"


def test_jwk_proof_binds_a_did_jwk(
    loaded: Database,
    ctx: domain.IssuerContext,
    resolver: CachingResolver,
) -> None:
    holder = PrivateKey.generate(KeyType.P256)
    _, grant = token_for(loaded, ctx)
    nonce = domain.issue_nonce(loaded, ctx).c_nonce
    result = domain.issue_credential(
        loaded,
        ctx,
        access_token=grant.access_token,
        request=request_for(ctx, holder, nonce, embed_jwk=True),
        resolver=resolver,
    )
    assert result.holder_did.startswith("did:jwk:")


def test_signing_failure_mid_issuance_writes_nothing(
    loaded: Database,
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    resolver: CachingResolver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, grant = token_for(loaded, ctx)
    nonce = domain.issue_nonce(loaded, ctx).c_nonce
    before = snapshot(loaded)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("HSM unavailable")

    monkeypatch.setattr(domain, "_secure", broken)
    with pytest.raises(RuntimeError):
        domain.issue_credential(
            loaded,
            ctx,
            access_token=grant.access_token,
            request=request_for(ctx, holder, nonce),
            resolver=resolver,
        )
    assert snapshot(loaded) == before
    monkeypatch.undo()
    domain.issue_credential(
        loaded,
        ctx,
        access_token=grant.access_token,
        request=request_for(ctx, holder, nonce),
        resolver=resolver,
    )
    assert count(loaded, IssuedCredential) == 1


# --- status indexes -------------------------------------------------------------------------


def test_collision_draws_again(
    loaded: Database, make_context: MakeContext, holder_did: str
) -> None:
    draws = iter([7, 7, 7, 9])
    ctx = make_context(index_rng=lambda n: next(draws))
    a = domain.issue_to_holder(
        loaded,
        ctx,
        customer_id="TW-0001",
        configuration_id=KYC,
        holder_did=holder_did,
        holder_jwk=None,
    )
    b = domain.issue_to_holder(
        loaded,
        ctx,
        customer_id="TW-0001",
        configuration_id=KYC,
        holder_did=holder_did,
        holder_jwk=None,
    )
    assert (a.status_index, b.status_index) == (7, 9)


def test_exhausted_draws_write_nothing(
    loaded: Database, make_context: MakeContext, holder_did: str
) -> None:
    ctx = make_context(index_rng=lambda n: 3)
    domain.issue_to_holder(
        loaded,
        ctx,
        customer_id="TW-0001",
        configuration_id=KYC,
        holder_did=holder_did,
        holder_jwk=None,
    )
    before = snapshot(loaded)
    with pytest.raises(CouldNotCheckError) as err:
        domain.issue_to_holder(
            loaded,
            ctx,
            customer_id="TW-0001",
            configuration_id=KYC,
            holder_did=holder_did,
            holder_jwk=None,
        )
    assert err.value.code == "status_index_exhausted"
    assert snapshot(loaded) == before


def test_a_new_status_group_when_one_fills(
    loaded: Database, make_context: MakeContext, holder_did: str
) -> None:
    ctx = make_context(status_list_capacity=3)
    results = [
        domain.issue_to_holder(
            loaded,
            ctx,
            customer_id="TW-0001",
            configuration_id=KYC,
            holder_did=holder_did,
            holder_jwk=None,
        )
        for _ in range(7)
    ]
    assert [r.status_group for r in results] == [1, 1, 1, 2, 2, 2, 3]
    assert results[3].status_list_ids == ("2-revocation", "2-suspension")
    assert set(_list_versions(loaded)) == {
        f"{g}-{p}" for g in (1, 2, 3) for p in ("revocation", "suspension")
    }
    assert count(loaded, ChainJob, ChainJob.kind == "publish_status_list") == 6


def test_dense_group_allocates_among_free_indexes(
    loaded: Database, make_context: MakeContext, holder_did: str
) -> None:
    ctx = make_context()
    rows = [
        {
            "id": f"{i:032x}",
            "credential_id": f"urn:uuid:fill-{i}",
            "customer_pk": 1,
            "credential_type": KYC,
            "configuration_id": KYC,
            "format": "vc+sd-jwt",
            "holder_did": holder_did,
            "status_group": 1,
            "status_index": i,
            "issued_at": ctx.now(),
            "valid_until": ctx.now(),
            "digest": "",
            "leaf_salt": b"",
            "leaf": b"",
            "revoked": False,
            "suspended": False,
        }
        for i in range(ctx.status_list_size * 2 // 3)
    ]
    with loaded.transaction() as session:  # pretend the group is two thirds full
        session.execute(insert(IssuedCredential), rows)
    result = domain.issue_to_holder(
        loaded,
        ctx,
        customer_id="TW-0001",
        configuration_id=KYC,
        holder_did=holder_did,
        holder_jwk=None,
    )
    assert result.status_index >= ctx.status_list_size * 2 // 3


def test_200_concurrent_issuances_get_200_distinct_indexes(
    loaded: Database,
    ctx: domain.IssuerContext,
    holder_did: str,
    holder: PrivateKey,
) -> None:
    barrier = threading.Barrier(200)
    results: list[domain.IssuanceResult] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    jwk = holder.public_key.to_jwk()

    def work(i: int) -> None:
        try:
            barrier.wait()
            out = domain.issue_to_holder(
                loaded,
                ctx,
                customer_id=f"TW-{i % 19 + 1:04d}",
                configuration_id=KYC if i % 2 else STATEMENT,
                holder_did=holder_did,
                holder_jwk=jwk,
            )
            with lock:
                results.append(out)
        except BaseException as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(200)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    assert errors == []
    assert len({(r.status_group, r.status_index) for r in results}) == 200
    with loaded.transaction() as session:
        slots = session.execute(
            select(IssuedCredential.status_group, IssuedCredential.status_index)
        ).all()
    assert len(slots) == 200 and len(set(slots)) == 200
    print(f"200 concurrent issuances: {elapsed:.2f} s")


# --- status changes --------------------------------------------------------------------------


def test_revoke_flips_the_bit_and_queues_the_digest(
    loaded: Database,
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    resolver: CachingResolver,
) -> None:
    result = issue_via_protocol(loaded, ctx, holder, resolver)
    jobs_before = count(loaded, ChainJob)
    change = domain.revoke(loaded, ctx, result.credential_id, reason="lost phone")
    assert (change.list_id, change.version, change.revoked) == ("1-revocation", 2, True)
    listed = domain.status_list_credential(loaded, ctx, "1-revocation")
    entry = {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(result.status_index),
        "statusListCredential": listed["id"],
    }
    assert check_status(entry, listed).revoked
    report = verify(result.credential, verify_options(loaded, ctx, resolver))
    assert not report.verified and "revoked" in report.codes
    with loaded.transaction() as session:
        job = session.scalars(select(ChainJob).order_by(ChainJob.id.desc())).first()
        assert job is not None and job.payload["version"] == 2
        assert job.payload["digest"] == change.digest
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event is not None and event.action == "credential_revoked"
        assert event.details["reason"] == "lost phone"
    assert count(loaded, ChainJob) == jobs_before + 1
    with pytest.raises(VerdictError) as err:
        domain.revoke(loaded, ctx, result.credential_id)
    assert err.value.code == "credential_already_revoked"
    for action in (domain.suspend, domain.reinstate):
        with pytest.raises(VerdictError) as err:
            action(loaded, ctx, result.credential_id)
        assert err.value.code == "credential_revoked"


def test_suspend_and_reinstate(
    loaded: Database,
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    resolver: CachingResolver,
) -> None:
    result = issue_via_protocol(loaded, ctx, holder, resolver)
    with pytest.raises(VerdictError) as err:
        domain.reinstate(loaded, ctx, result.credential_id)
    assert err.value.code == "credential_not_suspended"
    assert domain.suspend(loaded, ctx, result.record_id).suspended  # by record id too
    report = verify(result.credential, verify_options(loaded, ctx, resolver))
    assert "suspended" in report.codes
    with pytest.raises(VerdictError) as err:
        domain.suspend(loaded, ctx, result.credential_id)
    assert err.value.code == "credential_already_suspended"
    change = domain.reinstate(loaded, ctx, result.credential_id)
    assert (change.list_id, change.version, change.suspended) == ("1-suspension", 3, False)
    assert verify(result.credential, verify_options(loaded, ctx, resolver)).verified


def test_unknown_credential_and_list(loaded: Database, ctx: domain.IssuerContext) -> None:
    with pytest.raises(VerdictError) as err:
        domain.revoke(loaded, ctx, "urn:uuid:00000000-0000-0000-0000-000000000000")
    assert err.value.code == "credential_not_found"
    with pytest.raises(VerdictError) as err:
        domain.status_list_credential(loaded, ctx, "9-revocation")
    assert err.value.code == "status_list_not_found"


def test_signing_failure_mid_revocation_changes_nothing(
    loaded: Database,
    ctx: domain.IssuerContext,
    holder_did: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = domain.issue_to_holder(
        loaded,
        ctx,
        customer_id="TW-0001",
        configuration_id=KYC,
        holder_did=holder_did,
        holder_jwk=None,
    )
    before = snapshot(loaded)
    listed = domain.status_list_credential(loaded, ctx, "1-revocation")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("signer down")

    monkeypatch.setattr(domain, "sign_status_list", broken)
    with pytest.raises(RuntimeError):
        domain.revoke(loaded, ctx, result.credential_id)
    assert snapshot(loaded) == before
    assert domain.status_list_credential(loaded, ctx, "1-revocation") == listed


def test_status_list_is_re_signed_before_it_expires(
    loaded: Database,
    ctx: domain.IssuerContext,
    clock: FixedClock,
) -> None:
    first = domain.status_list_credential(loaded, ctx, "1-suspension")
    assert domain.status_list_credential(loaded, ctx, "1-suspension") == first
    clock.advance((ctx.status_list_valid_for - ctx.status_list_refresh_before).total_seconds())
    second = domain.status_list_credential(loaded, ctx, "1-suspension")
    assert second["validFrom"] != first["validFrom"]
    assert _list_versions(loaded)["1-suspension"] == 2
    clock.advance(ctx.status_list_valid_for.total_seconds())
    assert sorted(domain.refresh_status_lists(loaded, ctx)) == ["1-revocation", "1-suspension"]


# --- FIDO enrollment ------------------------------------------------------------------------


def test_fido_enrollment(
    loaded: Database,
    ctx: domain.IssuerContext,
    holder_did: str,
    resolver: CachingResolver,
) -> None:
    _, grant = token_for(loaded, ctx, conf=FIDO)
    started = domain.start_fido_enrollment(
        loaded, ctx, access_token=grant.access_token, server_state={"challenge": "abc"}
    )
    state = domain.fido_enrollment_state(loaded, ctx, started.ceremony_id)
    assert state.state == {"challenge": "abc"} and state.customer_id == "TW-0002"
    authenticator = RegisteredAuthenticator(
        rp_id="bank.example",
        credential_id=b"\x01" * 32,
        public_key=PrivateKey.generate(KeyType.P256).public_key,
        aaguid="00000000-0000-0000-0000-000000000000",
        sign_count=0,
        user_present=True,
        user_verified=True,
        backup_eligible=False,
        attestation_format="packed",
        attestation_type="self",
    )
    result = domain.finish_fido_enrollment(
        loaded,
        ctx,
        access_token=grant.access_token,
        ceremony_id=started.ceremony_id,
        holder_did=holder_did,
        authenticator=authenticator,
    )
    assert result.format == "ldp_vc" and isinstance(result.credential, dict)
    subject = result.credential["credentialSubject"]
    assert subject["assuranceLevel"] == "AAL2" and subject["rpId"] == "bank.example"
    report = verify(result.credential, verify_options(loaded, ctx, resolver))
    assert report.verified, report.to_dict()
    assert count(loaded, FidoRegistration) == 1
    with pytest.raises(VerdictError) as err:  # the ceremony is single-use
        domain.fido_enrollment_state(loaded, ctx, started.ceremony_id)
    assert err.value.code == "fido_ceremony_invalid"
    with pytest.raises(Oid4vciError):  # and so is the token
        domain.start_fido_enrollment(loaded, ctx, access_token=grant.access_token, server_state={})


def test_fido_enrollment_needs_a_fido_token(loaded: Database, ctx: domain.IssuerContext) -> None:
    _, grant = token_for(loaded, ctx, conf=KYC)
    with pytest.raises(Oid4vciError) as err:
        domain.start_fido_enrollment(loaded, ctx, access_token=grant.access_token, server_state={})
    assert err.value.code == "credential_configuration_not_offered"


# --- context and reports --------------------------------------------------------------------


def test_issuer_context_is_checked(make_context: MakeContext) -> None:
    for bad in (
        {"signing_key": PrivateKey.generate(KeyType.P256)},
        {"data_key": b"short"},
        {"status_list_size": 1000},
        {"status_list_capacity": 0},
        {"credential_issuer": "bank.example"},
    ):
        with pytest.raises(ConfigurationError) as err:
            make_context(**bad)
        assert err.value.code == "issuer_context_invalid"
    shown = repr(make_context())
    assert "signing_key" not in shown and "data_key" not in shown


def test_status_report_and_audit_listing(
    loaded: Database,
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    resolver: CachingResolver,
) -> None:
    result = issue_via_protocol(loaded, ctx, holder, resolver)
    domain.suspend(loaded, ctx, result.credential_id)
    status = domain.issuer_status(loaded)
    assert status["customers"] == 20 and status["offers"] == {"issued": 1}
    assert status["credentials"] == {"issued": 1, "revoked": 0, "suspended": 1, "unanchored": 1}
    assert len(status["chain_jobs_pending"]) == 3
    events = domain.audit_events(loaded, subject=f"credential:{result.credential_id}")
    assert [e["action"] for e in events] == ["credential_suspended", "credential_issued"]
    assert domain.purge_expired(loaded, ctx) == 0
