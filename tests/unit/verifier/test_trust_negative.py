"""The accreditation checker on the in-process world's trust registry: a credential of a type
the bank's policy does not take is ``credential_type_not_accepted``, even from an accredited
issuer; the same credential passes a policy that takes its type."""

from __future__ import annotations

import pytest
from verifier_world import World

from passport.errors import VerdictError
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
