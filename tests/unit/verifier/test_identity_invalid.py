"""A verifier identity the request object cannot be built from is ``verifier_identity_invalid``
(a ConfigurationError): an unknown client identifier prefix, or ``decentralized_identifier``
without the DID, key id and signing key."""

from __future__ import annotations

import pytest

from passport.errors import ConfigurationError
from passport.keys import KeyType, PrivateKey
from passport.verifier.request import VerifierIdentity


@pytest.mark.parametrize(
    "fields",
    [
        {"prefix": "x509_san_dns"},
        {"prefix": "decentralized_identifier"},
        {"prefix": "decentralized_identifier", "did": "did:key:z6Mk", "kid": "did:key:z6Mk#1"},
    ],
)
def test_an_incomplete_identity_is_refused(fields: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        VerifierIdentity(name="Banque du Léman", **fields)
    assert caught.value.code == "verifier_identity_invalid"


def test_a_complete_identity_is_taken() -> None:
    key = PrivateKey.generate(KeyType.ED25519)
    identity = VerifierIdentity(
        name="Banque du Léman", prefix="decentralized_identifier", did="did:key:z6Mk",
        kid="did:key:z6Mk#1", signing_key=key,
    )  # fmt: skip
    assert identity.client_id("https://bank.example/r").startswith("decentralized_identifier:")
