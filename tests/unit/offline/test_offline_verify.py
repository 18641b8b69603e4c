"""Offline verification: approved from the snapshot alone, each bad QR refused with its code."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import timedelta

import cbor2
import pytest
from offline_world import BANK, LIST_URL, NOW, REVOKED_INDEX, World, make_snapshot

from passport.errors import ConfigurationError, MalformedError
from passport.keys import PrivateKey
from passport.offline import (
    InMemoryReplayStore,
    IssuerKey,
    OfflineCredential,
    StatusRef,
    decode_qr_text,
    encode_qr_text,
    make_offline_proof,
    parse_proof,
    verify_offline,
    verify_offline_credential,
)
from passport.offline.cose import sign1
from passport.offline.proof import OfflineProof, holder_payload
from passport.report import Outcome, ReportStatus

TIERS = ["balanceAtLeast/USD_1000", "balanceAtLeast/USD_5000", "balanceAtLeast/USD_10000"]


def qr(world: World, credential: OfflineCredential | None = None, **kw: object) -> str:
    kw.setdefault("disclose", TIERS)
    kw.setdefault("now", NOW)
    proof = make_offline_proof(credential or world.credential, world.holder_key, **kw)  # type: ignore[arg-type]
    return proof.to_qr_text()


def failed(report, name: str) -> str | None:  # type: ignore[no-untyped-def]
    checks = [c for c in report.checks if c.name == name]
    assert checks, f"check {name} did not run: {report.to_dict()}"
    assert checks[0].outcome is not Outcome.PASSED
    return checks[0].code


def test_round_trip_with_a_challenge_is_verified_and_shows_only_the_disclosed_claims(
    world: World, no_network: list[object]
) -> None:
    text = qr(world, challenge="K7Q2-9X")
    report = verify_offline(text, world.snapshot, now=NOW, challenge="K7Q2-9X")
    assert report.status is ReportStatus.VERIFIED, report.to_dict()
    assert report.subject["claims"] == {
        "balanceAtLeast": {"USD_1000": True, "USD_5000": True, "USD_10000": True}
    }
    assert report.subject["issuer"] == BANK
    assert report.subject["type"] == "BankStatementCredential"
    assert [c.name for c in report.checks] == [
        "format", "snapshot_age", "issuer", "issuer_key", "signature", "disclosures",
        "accreditation", "status", "validity", "holder_signature", "binding", "replay",
    ]  # fmt: skip
    assert no_network == []


def test_the_network_is_really_cut_in_the_offline_tests(no_network: list[object]) -> None:
    with pytest.raises(OSError), socket.socket() as s:
        s.connect(("127.0.0.1", 9))
    assert no_network


def test_time_window_proof_is_verified_in_its_slot_and_the_next(world: World) -> None:
    text = qr(world, disclose=["name", "nationality", "balanceAtLeast/USD_10000"])
    for later in (0, 299, 599):
        report = verify_offline(text, world.snapshot, now=NOW + timedelta(seconds=later))
        assert report.verified, report.to_dict()
    assert report.subject["claims"]["name"] == "Chen Mei-Ling"
    late = verify_offline(text, world.snapshot, now=NOW + timedelta(seconds=700))
    assert late.status is ReportStatus.INVALID
    assert failed(late, "binding") == "offline_proof_expired"


def test_p256_holder_key(p256_world: World) -> None:
    text = qr(p256_world, challenge="A1")
    assert verify_offline(text, p256_world.snapshot, now=NOW, challenge="A1").verified


def test_disclosing_nothing_and_everything(world: World) -> None:
    claims = dict(world.credential.claims)
    every = ["name", "nationality"] + [f"balanceAtLeast/{n}" for n in claims if isinstance(n, str)]
    for disclose in ([], every):
        report = verify_offline(qr(world, disclose=disclose), world.snapshot, now=NOW)
        assert report.verified, report.to_dict()
    assert report.subject["claims"]["balanceAtLeast"]["USD_1000000"] is False


def test_tampered_claim_is_refused(world: World) -> None:
    proof = make_offline_proof(world.credential, world.holder_key, disclose=TIERS[:1], now=NOW)
    entries, seeds, nodes = cbor2.loads(proof.disclosed)
    assert entries[0][1:] == ["USD_1000", True]
    entries[0][1] = "USD_1000000"  # the holder claims a higher tier
    disclosed = cbor2.dumps([entries, seeds, nodes])
    # the thief re-signs as the holder so that only the issuer's commitment can catch it
    holder = sign1(holder_payload(proof.credential, disclosed, proof.binding), world.holder_key,
                   detached=True)  # fmt: skip
    text = OfflineProof(proof.credential, disclosed, holder, proof.binding).to_qr_text()
    report = verify_offline(text, world.snapshot, now=NOW)
    assert report.status is ReportStatus.INVALID
    assert failed(report, "disclosures") == "offline_disclosure_invalid"


def test_a_changed_issuer_payload_breaks_the_issuer_signature(world: World) -> None:
    proof = make_offline_proof(world.credential, world.holder_key, disclose=TIERS, now=NOW)
    sign1_list = cbor2.loads(proof.credential)
    payload = cbor2.loads(sign1_list[2])
    payload[4] += 86400 * 365  # a year longer
    sign1_list[2] = cbor2.dumps(payload)
    credential = cbor2.dumps(sign1_list)
    holder = sign1(holder_payload(credential, proof.disclosed, proof.binding), world.holder_key,
                   detached=True)  # fmt: skip
    text = OfflineProof(credential, proof.disclosed, holder, proof.binding).to_qr_text()
    assert failed(verify_offline(text, world.snapshot, now=NOW), "signature") == (
        "signature_invalid"
    )


def test_expired_credential(world: World) -> None:
    credential = world.issue(valid_for=timedelta(days=1))
    later = NOW + timedelta(days=2)
    text = qr(world, credential, now=later)
    report = verify_offline(text, make_snapshot(world.bank_key, taken_at=later), now=later)
    assert report.codes == ["expired"]


def test_revoked_as_of_the_snapshot(world: World) -> None:
    credential = world.issue(status=StatusRef.of(LIST_URL, REVOKED_INDEX))
    report = verify_offline(qr(world, credential), world.snapshot, now=NOW)
    assert report.codes == ["revoked"]


def test_suspended_list(world: World) -> None:
    credential = world.issue(status=StatusRef.of(LIST_URL, REVOKED_INDEX))
    lists = tuple(replace(s, purpose="suspension") for s in world.snapshot.status_lists)
    snapshot = replace(world.snapshot, status_lists=lists)
    assert verify_offline(qr(world, credential), snapshot, now=NOW).codes == ["suspended"]


def test_status_list_missing_from_the_snapshot_is_indeterminate(world: World) -> None:
    credential = world.issue(status=StatusRef.of("http://127.0.0.1:8000/status/9", 1))
    report = verify_offline(qr(world, credential), world.snapshot, now=NOW)
    assert report.status is ReportStatus.INDETERMINATE
    assert report.codes == ["offline_status_unknown"]


def test_replayed_qr(world: World) -> None:
    seen = InMemoryReplayStore()
    text = qr(world, challenge="C0DE")
    assert verify_offline(text, world.snapshot, now=NOW, challenge="C0DE", seen=seen).verified
    again = verify_offline(text, world.snapshot, now=NOW, challenge="C0DE", seen=seen)
    assert again.codes == ["replayed"]
    fresh = qr(world, challenge="C0DF")  # the officer's next code: a new holder signature
    assert verify_offline(fresh, world.snapshot, now=NOW, challenge="C0DF", seen=seen).verified


def test_a_refused_qr_is_not_remembered(world: World) -> None:
    seen = InMemoryReplayStore()
    text = qr(world, challenge="C0DE")
    stale = make_snapshot(world.bank_key, taken_at=NOW - timedelta(days=3))
    assert not verify_offline(text, stale, now=NOW, challenge="C0DE", seen=seen).verified
    assert verify_offline(text, world.snapshot, now=NOW, challenge="C0DE", seen=seen).verified


def test_wrong_challenge(world: World) -> None:
    text = qr(world, challenge="AAAA")
    assert verify_offline(text, world.snapshot, now=NOW, challenge="BBBB").codes == [
        "challenge_mismatch"
    ]
    window = qr(world)
    assert verify_offline(window, world.snapshot, now=NOW, challenge="BBBB").codes == [
        "challenge_mismatch"
    ]
    assert verify_offline(text, world.snapshot, now=NOW).codes == ["challenge_mismatch"]


def test_other_holder_signature(world: World) -> None:
    thief = PrivateKey.generate()
    proof = make_offline_proof(world.credential, world.holder_key, disclose=TIERS, now=NOW,
                               challenge="X1")  # fmt: skip
    holder = sign1(holder_payload(proof.credential, proof.disclosed, "X1"), thief, detached=True)
    text = OfflineProof(proof.credential, proof.disclosed, holder, "X1").to_qr_text()
    report = verify_offline(text, world.snapshot, now=NOW, challenge="X1")
    assert report.codes == ["holder_binding_failed"]
    with pytest.raises(ConfigurationError) as err:
        make_offline_proof(world.credential, thief, disclose=TIERS, now=NOW)
    assert err.value.code == "holder_key_mismatch"


def test_unknown_issuer(world: World) -> None:
    snapshot = replace(world.snapshot, issuers=())
    assert verify_offline(qr(world), snapshot, now=NOW).codes == ["offline_issuer_unknown"]


@pytest.mark.parametrize("status", ["suspended", "revoked", "not_accredited"])
def test_unaccredited_issuer(world: World, status: str) -> None:
    issuer = replace(world.snapshot.issuers[0], registry_status={"BankStatementCredential": status})
    snapshot = replace(world.snapshot, issuers=(issuer,))
    assert verify_offline(qr(world), snapshot, now=NOW).codes == ["issuer_not_accredited"]


def test_accreditation_that_ends_before_now(world: World) -> None:
    issuer = world.snapshot.issuers[0]
    ended = replace(issuer.accreditations[0], valid_until=NOW + timedelta(hours=1))
    snapshot = replace(world.snapshot, issuers=(replace(issuer, accreditations=(ended,)),))
    later = NOW + timedelta(hours=2)
    text = qr(world, now=later)
    assert verify_offline(text, snapshot, now=later).codes == ["issuer_not_accredited"]


def test_revoked_issuer_key(world: World) -> None:
    issuer = world.snapshot.issuers[0]
    rotated = IssuerKey(issuer.keys[0].id, issuer.keys[0].public_key, NOW - timedelta(hours=1))
    other = IssuerKey(f"{BANK}#delegate-2", PrivateKey.generate().public_key.raw)
    snapshot = replace(world.snapshot, issuers=(replace(issuer, keys=(rotated, other)),))
    assert verify_offline(qr(world), snapshot, now=NOW).codes == ["issuer_key_revoked"]
    unknown = replace(world.snapshot, issuers=(replace(issuer, keys=(other,)),))
    assert verify_offline(qr(world), unknown, now=NOW).codes == ["verification_method_not_found"]


def test_stale_snapshot_is_indeterminate_never_approved(world: World) -> None:
    old = make_snapshot(world.bank_key, taken_at=NOW - timedelta(hours=25))
    report = verify_offline(qr(world), old, now=NOW)
    assert report.status is ReportStatus.INDETERMINATE
    assert report.codes == ["offline_snapshot_stale"]
    assert report.subject["snapshot"]["ageSeconds"] == 25 * 3600
    ok = verify_offline(qr(world), old, now=NOW, max_snapshot_age=timedelta(hours=26))
    assert ok.verified


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("HC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEXWK", "offline_prefix_unknown"),
        ("https://bank.example/offer", "offline_prefix_unknown"),
        ("DFP1:not base45 at all!", "offline_qr_malformed"),
        ("DFP1:" + "0" * 30, "offline_qr_malformed"),
        (encode_qr_text(cbor2.dumps([1, 2, 3])), "offline_qr_malformed"),
        (encode_qr_text(b"\xff\xff"), "offline_qr_malformed"),
    ],
)
def test_malformed_qr(world: World, text: str, code: str) -> None:
    report = verify_offline(text, world.snapshot, now=NOW)
    assert report.status is ReportStatus.INVALID
    assert report.codes == [code]
    assert [c.name for c in report.checks] == ["format"]


def test_decoder_refuses_a_zlib_bomb() -> None:
    import zlib

    import base45

    text = "DFP1:" + base45.b45encode(zlib.compress(b"\0" * 100_000)).decode()
    with pytest.raises(MalformedError) as err:
        decode_qr_text(text)
    assert err.value.code == "offline_qr_malformed"


def test_wallet_checks_the_credential_it_receives(world: World) -> None:
    payload = verify_offline_credential(world.credential, world.bank_key.public_key)
    assert payload.issuer == BANK and payload.kid == "#delegate-1"
    other = world.issue()
    swapped = OfflineCredential(world.credential.credential, other.seed, other.claims)
    with pytest.raises(Exception) as err:
        verify_offline_credential(swapped, world.bank_key.public_key)
    assert getattr(err.value, "code", None) == "offline_disclosure_invalid"
    stored = OfflineCredential.from_bytes(world.credential.to_bytes())
    assert stored == world.credential


def test_parse_proof_round_trip(world: World) -> None:
    proof = make_offline_proof(world.credential, world.holder_key, disclose=TIERS, now=NOW)
    assert parse_proof(decode_qr_text(proof.to_qr_text())) == proof


def test_unknown_claim_cannot_be_disclosed(world: World) -> None:
    with pytest.raises(ConfigurationError) as err:
        make_offline_proof(world.credential, world.holder_key, disclose=["birthDate"], now=NOW)
    assert err.value.code == "offline_claims_invalid"


@pytest.mark.parametrize("challenge", ["", "X" * 17])
def test_challenge_code_is_short(world: World, challenge: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        make_offline_proof(world.credential, world.holder_key, disclose=[], now=NOW,
                           challenge=challenge)  # fmt: skip
    assert err.value.code == "offline_claims_invalid"
