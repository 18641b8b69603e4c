"""The offline QR credential in the wallet: checked before it is stored, shown as a QR with
a history entry, refused when tampered with, expired or bound to another key."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from passport.did.key import KeyDidResolver, did_key_from_public_key
from passport.did.resolver import CachingResolver
from passport.errors import VerdictError
from passport.keys import KeyType, PrivateKey, b64url_encode
from passport.offline import (
    StatusRef,
    bank_statement_claims,
    decode_qr_text,
    issue_offline_credential,
    parse_proof,
)
from passport.ports import FixedClock
from passport.wallet.credentials import accept_credential, claims_view, disclosable_paths
from passport.wallet.model import new_wallet
from passport.wallet.offline import FORMAT_DFP_OFFLINE, check_offline, make_proof_qr

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
CONF = "OfflineBankStatementCredential"


def _bank() -> tuple[PrivateKey, str, str]:
    key = PrivateKey.generate(KeyType.ED25519)
    did = did_key_from_public_key(key.public_key)
    return key, did, f"{did}#{did.split(':')[2]}"


def _issue(holder: PrivateKey, bank: tuple[PrivateKey, str, str], **changes: object) -> str:
    key, did, kid = bank
    claims = bank_statement_claims(
        name="LIN, CHIH-HAO", nationality="TW", tiers={"USD_1000": True, "USD_5000": False}
    )
    args: dict[str, object] = {
        "issuer": did,
        "issuer_key": key,
        "kid": kid,
        "holder_key": holder.public_key,
        "status": StatusRef.of("https://bank.example/status/1-revocation", 7),
        "now": NOW,
    }
    args.update(changes)
    held = issue_offline_credential(claims, **args)  # type: ignore[arg-type]
    return b64url_encode(held.to_bytes())


def _accept(text: str, holder: PrivateKey, now: datetime = NOW):  # type: ignore[no-untyped-def]
    resolver = CachingResolver(methods={"key": KeyDidResolver()}, clock=FixedClock(now), ttl=60)
    return accept_credential(
        text,
        FORMAT_DFP_OFFLINE,
        holder_did=did_key_from_public_key(holder.public_key),
        holder_key=holder.public_key,
        resolver=resolver,
        status_fetcher=None,
        now=now,
        configuration_id=CONF,
        issuer_url="https://bank.example",
    )


def test_received_offline_credential_is_checked_and_shown_as_a_qr() -> None:
    state = new_wallet(NOW)
    bank = _bank()
    held = _accept(_issue(state.holder_key, bank), state.holder_key)
    assert held.format == "dfp-offline-cwt" and held.issuer == bank[1]
    assert "BankStatementCredential" in held.types and held.status == "unknown"
    view = claims_view(held.format, held.credential)
    assert view["credentialSubject"]["name"] == "LIN, CHIH-HAO"
    assert view["credentialSubject"]["balanceAtLeast"] == {"USD_1000": True, "USD_5000": False}
    assert "balanceAtLeast/USD_5000" in disclosable_paths(held)
    state = state.with_credential(held)
    new_state, qr = make_proof_qr(
        state,
        kind="bank-statement",
        claims=["balanceAtLeast/USD_1000"],
        now=NOW,
        challenge="K7Q2",
    )
    proof = parse_proof(decode_qr_text(qr.text))
    assert proof.binding == "K7Q2"
    assert list(proof.disclosures().claims.values()) == [("USD_1000", True)]
    assert len(new_state.history) == len(state.history) + 1
    entry = new_state.history[-1]
    assert entry.outcome == "shown" and entry.verifier_answer == {"challenge": "K7Q2"}
    assert entry.disclosed[0].claims == ("balanceAtLeast/USD_1000",)
    assert check_offline(held, resolver=_resolver(NOW), now=NOW) == "unknown"
    later = NOW + timedelta(days=31)
    assert check_offline(held, resolver=_resolver(later), now=later) == "expired"


def _resolver(now: datetime) -> CachingResolver:
    return CachingResolver(methods={"key": KeyDidResolver()}, clock=FixedClock(now), ttl=60)


def test_another_holders_credential_is_not_stored() -> None:
    holder, other = PrivateKey.generate(KeyType.ED25519), PrivateKey.generate(KeyType.ED25519)
    with pytest.raises(VerdictError) as err:
        _accept(_issue(other, _bank()), holder)
    assert err.value.code == "credential_not_bound"


def test_a_credential_signed_by_another_key_is_rejected() -> None:
    holder = PrivateKey.generate(KeyType.ED25519)
    bank_key, did, kid = _bank()
    forged = _issue(holder, (PrivateKey.generate(KeyType.ED25519), did, kid))
    with pytest.raises(VerdictError) as err:
        _accept(forged, holder)
    assert err.value.code == "credential_rejected"
    assert err.value.details["code"] == "signature_invalid"
    del bank_key


def test_an_expired_or_garbled_credential_is_rejected() -> None:
    holder = PrivateKey.generate(KeyType.ED25519)
    text = _issue(holder, _bank(), valid_for=timedelta(days=1))
    with pytest.raises(VerdictError) as err:
        _accept(text, holder, NOW + timedelta(days=2))
    assert err.value.details["code"] == "expired"
    with pytest.raises(VerdictError) as err:
        _accept("bm90IGNib3I", holder)
    assert err.value.details["code"] == "offline_qr_malformed"


def test_proof_qr_without_an_offline_credential_is_offline_credential_missing() -> None:
    state = new_wallet(NOW)
    held = _accept(_issue(state.holder_key, _bank()), state.holder_key)
    for wallet, kind in ((state, "bank-statement"), (state.with_credential(held), "kyc")):
        with pytest.raises(VerdictError) as err:
            make_proof_qr(wallet, kind=kind, claims=["name"], now=NOW)
        assert err.value.code == "offline_credential_missing"
    revoked = state.with_credential(replace(held, status="revoked"))
    with pytest.raises(VerdictError) as err:
        make_proof_qr(revoked, kind="bank-statement", claims=["name"], now=NOW)
    assert err.value.code == "offline_credential_missing"
