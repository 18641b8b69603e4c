"""The test vectors of W3C Data Integrity EdDSA Cryptosuites v1.0 (Appendix B), verbatim."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import nacl.signing
import pytest
from di_helpers import CASES, VECTORS, KeyResolver

from passport.di import eddsa
from passport.errors import VerdictError
from passport.keys import PrivateKey

Vector = Callable[[str, str], Any]


def _canonical_name(case: str, what: str) -> str:
    ext = "json" if case.startswith("jcs") else "nq"
    return f"canonical-{what}.{ext}"


def _raw(case: str, name: str) -> str:
    return (VECTORS / case / name).read_text()


def test_key_pair_is_the_multikey_pair(spec_key: PrivateKey, spec_public_multikey: str) -> None:
    assert spec_key.public_key.to_multikey() == spec_public_multikey


@pytest.mark.parametrize("case", CASES)
def test_canonical_document_and_hash(case: str, vector: Vector) -> None:
    unsecured = vector(case, "credential-without-proof.json")
    suite = vector(case, "proof-options.json")["cryptosuite"]
    canonical = eddsa.canonical_document(unsecured, suite)
    # N-Quads: every line ends with a newline; JCS: no trailing newline
    assert canonical.decode() == _raw(case, _canonical_name(case, "credential"))
    assert hashlib.sha256(canonical).hexdigest() == vector(case, "credential-hash.hex").strip()


@pytest.mark.parametrize("case", CASES)
def test_canonical_proof_options_and_hash(case: str, vector: Vector) -> None:
    unsecured = vector(case, "credential-without-proof.json")
    options = vector(case, "proof-options.json")
    canonical = eddsa.canonical_proof_config(options, unsecured)
    assert canonical.decode() == _raw(case, _canonical_name(case, "proof-options"))
    assert hashlib.sha256(canonical).hexdigest() == vector(case, "proof-options-hash.hex").strip()


@pytest.mark.parametrize("case", CASES)
def test_combined_hash_and_signature(case: str, vector: Vector, spec_key: PrivateKey) -> None:
    unsecured = vector(case, "credential-without-proof.json")
    options = vector(case, "proof-options.json")
    data = eddsa.hash_data(
        eddsa.canonical_proof_config(options, unsecured),
        eddsa.canonical_document(unsecured, options["cryptosuite"]),
    )
    assert data.hex() == vector(case, "combined-hash.hex").strip()
    signature = spec_key.sign(data)
    assert signature.hex() == vector(case, "signature.hex").strip()
    # and an independent Ed25519 implementation agrees
    nacl.signing.VerifyKey(spec_key.public_key.raw).verify(data, signature)


@pytest.mark.parametrize("case", CASES)
def test_signing_reproduces_the_signed_credential_byte_for_byte(
    case: str, vector: Vector, spec_key: PrivateKey
) -> None:
    unsecured = vector(case, "credential-without-proof.json")
    options = vector(case, "proof-options.json")
    signed = eddsa.sign(
        unsecured,
        spec_key,
        options["verificationMethod"],
        cryptosuite=options["cryptosuite"],
        proof_purpose=options["proofPurpose"],
        created=datetime.fromisoformat(options["created"]),
    )
    assert signed["proof"]["proofValue"] == vector(case, "signature-base58btc.txt").strip()
    expected_text = _raw(case, "signed-credential.json")
    assert json.dumps(signed, indent=2) + "\n" == expected_text
    assert unsecured == vector(case, "credential-without-proof.json")  # input untouched


@pytest.mark.parametrize("case", CASES)
def test_signed_credential_verifies(case: str, vector: Vector, resolver: KeyResolver) -> None:
    signed = vector(case, "signed-credential.json")
    # the examples' issuer is not the signing key's DID, so the issuer binding is off here
    result = eddsa.verify(signed, resolver, check_controller=False)
    vm = signed["proof"]["verificationMethod"]
    assert result.verification_method == vm
    assert result.controller == vm.split("#")[0]
    assert result.cryptosuite == signed["proof"]["cryptosuite"]
    assert result.proof_purpose == "assertionMethod"
    assert result.created == datetime.fromisoformat("2023-02-24T23:36:38+00:00")


@pytest.mark.parametrize("case", CASES)
def test_signed_credential_is_not_the_issuers(
    case: str, vector: Vector, resolver: KeyResolver
) -> None:
    with pytest.raises(VerdictError) as err:
        eddsa.verify(vector(case, "signed-credential.json"), resolver)
    assert err.value.code == "issuer_mismatch"


@pytest.mark.parametrize("case", CASES)
def test_signed_credential_with_changed_claim_fails(
    case: str, vector: Vector, resolver: KeyResolver
) -> None:
    signed = vector(case, "signed-credential.json")
    signed["validFrom"] = "2023-01-02T00:00:00Z"
    with pytest.raises(VerdictError) as err:
        eddsa.verify(signed, resolver, check_controller=False)
    assert err.value.code == "signature_invalid"
