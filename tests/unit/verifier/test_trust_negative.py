"""The accreditation checker on the in-process world's trust registry: a credential of a type
the bank's policy does not take is ``credential_type_not_accepted``, even from an accredited
issuer; the same credential passes a policy that takes its type. Issuers whose accreditation
expired, is not yet valid, was revoked, or began after the credential was issued get their own
codes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from verifier_world import World, catch_up

from passport.errors import VerdictError
from passport.keys import KeyType, PrivateKey
from passport.verifier.trust import AccreditationChecker


def test_a_type_outside_the_policy_is_credential_type_not_accepted(world: World) -> None:
    doc = {
        "issuer": world.bank.did,
        "type": ["VerifiableCredential", "BankStatementCredential"],
        "validFrom": world.clock.now().isoformat(),
    }
    checker = AccreditationChecker(
        world.trust, accepted_types=["KYCCredential"], accepted_jurisdictions=["TW"],
        clock=world.clock,
    )  # fmt: skip
    with pytest.raises(VerdictError) as caught:
        checker.check(doc)
    assert caught.value.code == "credential_type_not_accepted"
    assert caught.value.details == {"type": "BankStatementCredential"}
    checker.with_policy(["BankStatementCredential"], ["TW"]).check(doc)  # accredited: passes


def _issuer(world: World) -> str:
    address = PrivateKey.generate(KeyType.SECP256K1).eth_address()
    prefix = world.bank.did.rsplit(":", 1)[0]
    return f"{prefix}:{address}"


def _kyc(issuer: str, issued: Any) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "type": ["VerifiableCredential", "KYCCredential"],
        "validFrom": issued.isoformat(),
    }


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("expired", "accreditation_expired"),
        ("not_yet_valid", "accreditation_not_yet_valid"),
        ("revoked", "accreditation_revoked"),
        ("after_issuance", "issuer_not_accredited_at_issuance"),
    ],
)
def test_accreditation_verdicts(world: World, case: str, code: str) -> None:
    issuer = _issuer(world)
    now = world.clock.now()
    year = timedelta(days=365)
    issued = now - timedelta(days=1)
    window = {
        "expired": (now - year, now + timedelta(hours=1)),
        "not_yet_valid": (now + year, now + 2 * year),
        "revoked": (now - year, now + year),
        "after_issuance": (now - timedelta(hours=1), now + year),
    }[case]
    if case == "after_issuance":
        issued = now - timedelta(days=30)
    world.trust.accredit(issuer, ["KYCCredential"], "TW", *window)
    if case == "revoked":
        world.trust.revoke(issuer, "e2e")
    catch_up(world.chain, world.clock)
    if case == "expired":  # the registry takes no window already over: let it run out
        world.clock.current += timedelta(hours=2)
    checker = AccreditationChecker(
        world.trust, accepted_types=["KYCCredential"], accepted_jurisdictions=["TW"],
        clock=world.clock,
    )  # fmt: skip
    with pytest.raises(VerdictError) as caught:
        checker.check(_kyc(issuer, issued))
    assert caught.value.code == code, caught.value
