"""The offline QR configurations (issue 11): offered in the metadata, issued by the
credential endpoint to the proof key, signed with the bank's key, with a status slot."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import select

from issuer_service import domain
from issuer_service.db import Database, IssuedCredential
from passport.did.resolver import CachingResolver
from passport.errors import ConfigurationError
from passport.exchange.oid4vci import (
    TokenRequest,
    create_proof_jwt,
    parse_credential_request,
    passport_credential_configurations,
)
from passport.keys import KeyType, PrivateKey, b64url_decode
from passport.offline import (
    OfflineCredential,
    OfflineType,
    StatusRef,
    make_offline_proof,
    verify_offline_credential,
)
from passport.offline.sd import merkle_root

OFFLINE_STATEMENT = "OfflineBankStatementCredential"
OFFLINE_KYC = "OfflineKYCCredential"


def _issue(
    db: Database,
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    resolver: CachingResolver,
    conf: str,
    customer: str = "TW-0002",
) -> domain.IssuanceResult:
    offer = domain.create_offer(db, ctx, customer_id=customer, configuration_id=conf)
    grant = domain.redeem_token(
        db,
        ctx,
        TokenRequest(pre_authorized_code=offer.pre_authorized_code, tx_code=offer.tx_code),
    )
    nonce = domain.issue_nonce(db, ctx).c_nonce
    jwt = create_proof_jwt(holder, audience=ctx.credential_issuer, nonce=nonce, iat=ctx.now())
    request = parse_credential_request(
        {"credential_configuration_id": conf, "proofs": {"jwt": [jwt]}},
        known_configuration_ids=list(domain.CONFIGURATIONS),
    )
    return domain.issue_credential(
        db, ctx, access_token=grant.access_token, request=request, resolver=resolver
    )


def _held(result: domain.IssuanceResult) -> OfflineCredential:
    assert isinstance(result.credential, str)
    return OfflineCredential.from_bytes(b64url_decode(result.credential))


def test_the_offline_configurations_are_in_the_metadata() -> None:
    configs = passport_credential_configurations()
    for conf, source in (
        (OFFLINE_STATEMENT, "BankStatementCredential"),
        (OFFLINE_KYC, "KYCCredential"),
    ):
        assert configs[conf]["format"] == "dfp-offline-cwt" == domain.CONFIGURATIONS[conf].format
        assert configs[conf]["offline_credential_type"] == source
        assert domain.CONFIGURATIONS[conf].credential_type == source
        assert configs[conf]["proof_types_supported"]["jwt"]


def test_offline_bank_statement_is_bound_signed_and_has_a_status_slot(
    loaded: Database,
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    resolver: CachingResolver,
) -> None:
    result = _issue(loaded, ctx, holder, resolver, OFFLINE_STATEMENT)
    assert result.format == "dfp-offline-cwt"
    held = _held(result)
    payload = verify_offline_credential(held, ctx.signing_key.public_key)
    assert payload.issuer == ctx.issuer_did and payload.holder_key == holder.public_key
    assert payload.type is OfflineType.BANK_STATEMENT
    assert payload.kid == "#" + ctx.verification_method.split("#", 1)[1]
    names = dict(held.claims)
    assert names[1] == "LIN, CHIH-HAO" and names[2] == "TW"
    assert any(isinstance(n, str) and n.startswith("USD_") for n in names)
    # the same status slot as the W3C credentials: revocation and suspension lists
    lists = [f"{ctx.status_base_url}/{gid}" for gid in result.status_list_ids]
    assert [(s.list_id, s.index) for s in payload.status] == [
        (StatusRef.of(url, result.status_index).list_id, result.status_index) for url in lists
    ]
    assert payload.expires - payload.issued_at == domain.CONFIGURATIONS[OFFLINE_STATEMENT].validity
    assert merkle_root(held.leaves()) == payload.root
    with loaded.transaction() as session:
        record = session.scalars(select(IssuedCredential)).one()
        assert record.configuration_id == OFFLINE_STATEMENT
        assert record.credential_type == "BankStatementCredential"
        assert record.digest == hashlib.sha256(held.credential).hexdigest()
    # the holder can make a proof with it
    proof = make_offline_proof(held, holder, disclose=["name"], now=ctx.now(), challenge="K7Q2")
    assert proof.binding == "K7Q2"


def test_offline_kyc_carries_the_kyc_claims(
    loaded: Database,
    ctx: domain.IssuerContext,
    holder: PrivateKey,
    resolver: CachingResolver,
) -> None:
    held = _held(_issue(loaded, ctx, holder, resolver, OFFLINE_KYC))
    payload = verify_offline_credential(held, ctx.signing_key.public_key)
    assert payload.type is OfflineType.KYC
    names = dict(held.claims)
    assert names[1] == "LIN, CHIH-HAO" and names[9]


def test_offline_credential_needs_a_holder_key(
    loaded: Database, ctx: domain.IssuerContext, holder_did: str
) -> None:
    before = _count(loaded)
    with pytest.raises(ConfigurationError) as err:
        domain.issue_to_holder(
            loaded,
            ctx,
            customer_id="TW-0002",
            configuration_id=OFFLINE_STATEMENT,
            holder_did=holder_did,
            holder_jwk=None,
        )
    assert err.value.code == "offline_key_unsupported"
    assert _count(loaded) == before


def test_offline_p256_holder_key(
    loaded: Database, ctx: domain.IssuerContext, resolver: CachingResolver
) -> None:
    holder = PrivateKey.generate(KeyType.P256)
    held = _held(_issue(loaded, ctx, holder, resolver, OFFLINE_STATEMENT))
    assert verify_offline_credential(held, ctx.signing_key.public_key).holder_key == (
        holder.public_key
    )


def _count(db: Database) -> Any:
    with db.transaction() as session:
        return len(list(session.scalars(select(IssuedCredential))))
