"""Signing and verifying with both EdDSA cryptosuites: round trips and every error code."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from di_helpers import KeyResolver, credential_for, did_key_document, did_of, vm_of

from passport.di import eddsa
from passport.did.document import DidDocument
from passport.did.resolver import CachingResolver
from passport.errors import (
    ConfigurationError,
    CouldNotCheckError,
    MalformedError,
    PassportError,
    VerdictError,
)
from passport.keys import KeyType, PrivateKey
from passport.ports import FixedClock

SUITES = [eddsa.EDDSA_RDFC_2022, eddsa.EDDSA_JCS_2022]
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _signed(key: PrivateKey, suite: str, **kwargs: Any) -> dict[str, Any]:
    return eddsa.sign(
        credential_for(did_of(key)), key, vm_of(key), cryptosuite=suite, created=NOW, **kwargs
    )


def _code(exc_type: type[PassportError], fn: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(exc_type) as err:
        fn(*args, **kwargs)
    return err.value.code


@pytest.mark.parametrize("suite", SUITES)
def test_round_trip(suite: str, issuer_key: PrivateKey, resolver: KeyResolver) -> None:
    signed = _signed(issuer_key, suite)
    result = eddsa.verify(signed, resolver, now=NOW)
    assert result.controller == did_of(issuer_key)
    assert result.verification_method == vm_of(issuer_key)
    assert result.cryptosuite == suite
    assert result.created == NOW


@pytest.mark.parametrize("suite", SUITES)
def test_created_is_omitted_when_not_given(
    suite: str, issuer_key: PrivateKey, resolver: KeyResolver
) -> None:
    signed = eddsa.sign(
        credential_for(did_of(issuer_key)), issuer_key, vm_of(issuer_key), cryptosuite=suite
    )
    assert "created" not in signed["proof"]
    assert eddsa.verify(signed, resolver).created is None


def test_issuer_as_object_is_bound(issuer_key: PrivateKey, resolver: KeyResolver) -> None:
    credential = credential_for(did_of(issuer_key))
    credential["issuer"] = {"id": did_of(issuer_key), "name": "Bank"}
    signed = eddsa.sign(credential, issuer_key, vm_of(issuer_key), created=NOW)
    assert eddsa.verify(signed, resolver).controller == did_of(issuer_key)


# --- malformed -----------------------------------------------------------------------


@pytest.mark.parametrize("proof", [None, []])
def test_proof_missing(proof: Any, issuer_key: PrivateKey, resolver: KeyResolver) -> None:
    document = credential_for(did_of(issuer_key))
    if proof is not None:
        document["proof"] = proof
    assert _code(MalformedError, eddsa.verify, document, resolver) == "proof_missing"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("proofValue", "u" + "A" * 86),  # not base58-btc multibase
        ("proofValue", "z0OIl"),  # characters outside the base58 alphabet
        ("proofValue", "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"),  # not 64 bytes
        ("proofValue", None),
        ("verificationMethod", None),
        ("proofPurpose", None),
        ("created", "2025-06-01"),
        ("created", "2025-06-01T00:00:00"),  # no time zone
        ("expires", "tomorrow"),
    ],
)
@pytest.mark.parametrize("suite", SUITES)
def test_proof_malformed(
    suite: str, field: str, value: Any, issuer_key: PrivateKey, resolver: KeyResolver
) -> None:
    signed = _signed(issuer_key, suite)
    if value is None:
        del signed["proof"][field]
    else:
        signed["proof"][field] = value
    assert _code(MalformedError, eddsa.verify, signed, resolver) == "proof_malformed"


def test_proof_not_an_object(issuer_key: PrivateKey, resolver: KeyResolver) -> None:
    signed = _signed(issuer_key, eddsa.EDDSA_JCS_2022)
    signed["proof"] = ["not a proof"]
    assert _code(MalformedError, eddsa.verify, signed, resolver) == "proof_malformed"


def test_document_malformed(issuer_key: PrivateKey, resolver: KeyResolver) -> None:
    assert _code(MalformedError, eddsa.verify, ["x"], resolver) == "document_malformed"
    no_context = credential_for(did_of(issuer_key))
    del no_context["@context"]
    code = _code(MalformedError, eddsa.sign, no_context, issuer_key, vm_of(issuer_key))
    assert code == "document_malformed"


# --- verdicts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("cryptosuite", "ecdsa-rdfc-2019"), ("type", "Ed25519Signature2020")],
)
def test_cryptosuite_unsupported(
    field: str, value: str, issuer_key: PrivateKey, resolver: KeyResolver
) -> None:
    signed = _signed(issuer_key, eddsa.EDDSA_RDFC_2022)
    signed["proof"][field] = value
    assert _code(VerdictError, eddsa.verify, signed, resolver) == "cryptosuite_unsupported"
    code = _code(
        VerdictError, eddsa.sign, credential_for("x"), issuer_key, "x", cryptosuite="eddsa-2022"
    )
    assert code == "cryptosuite_unsupported"


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["credentialSubject"].__setitem__("alumniOf", "Another School"),
        lambda d: d["type"].append("VerifiablePresentation"),
        lambda d: d["proof"].__setitem__("created", "2025-06-01T00:00:01Z"),
        lambda d: d["proof"].__setitem__("proofValue", d["proof"]["proofValue"][:-2] + "11"),
    ],
)
def test_signature_invalid(
    suite: str, tamper: Any, issuer_key: PrivateKey, resolver: KeyResolver
) -> None:
    signed = _signed(issuer_key, suite)
    tamper(signed)
    assert _code(VerdictError, eddsa.verify, signed, resolver) == "signature_invalid"


def test_signature_invalid_when_signed_by_another_key_of_the_same_did(
    issuer_key: PrivateKey, holder_key: PrivateKey
) -> None:
    # the DID document lists the issuer's VM id but with the holder's public key material
    doc = did_key_document(holder_key.public_key)
    data = copy.deepcopy(dict(doc.data))
    did, vm = did_of(issuer_key), vm_of(issuer_key)
    data["id"] = did
    data["verificationMethod"][0].update(id=vm, controller=did)
    data["assertionMethod"] = [vm]
    resolver = KeyResolver({did: DidDocument(data)})
    signed = _signed(issuer_key, eddsa.EDDSA_JCS_2022)
    assert _code(VerdictError, eddsa.verify, signed, resolver) == "signature_invalid"


def test_jcs_proof_context_must_prefix_document_context(
    issuer_key: PrivateKey, resolver: KeyResolver
) -> None:
    signed = _signed(issuer_key, eddsa.EDDSA_JCS_2022)
    signed["proof"]["@context"] = ["https://www.w3.org/ns/credentials/examples/v2"]
    assert _code(VerdictError, eddsa.verify, signed, resolver) == "signature_invalid"


def test_jcs_document_may_append_contexts_after_the_proofs(
    issuer_key: PrivateKey, resolver: KeyResolver
) -> None:
    # vc-di-eddsa 3.3.2 step 4: the document's @context only has to start with the proof's
    signed = _signed(issuer_key, eddsa.EDDSA_JCS_2022)
    signed["@context"] = [*signed["@context"], "https://w3id.org/security/data-integrity/v2"]
    assert eddsa.verify(signed, resolver).cryptosuite == eddsa.EDDSA_JCS_2022


@pytest.mark.parametrize("suite", SUITES)
def test_proof_purpose_mismatch(suite: str, issuer_key: PrivateKey, resolver: KeyResolver) -> None:
    signed = _signed(issuer_key, suite)
    code = _code(VerdictError, eddsa.verify, signed, resolver, proof_purpose="authentication")
    assert code == "proof_purpose_mismatch"


@pytest.mark.parametrize("suite", SUITES)
def test_challenge_and_domain(suite: str, issuer_key: PrivateKey, resolver: KeyResolver) -> None:
    signed = _signed(issuer_key, suite, challenge="n-0S6_WzA2Mj", domain="bank.example")
    ok = eddsa.verify(signed, resolver, challenge="n-0S6_WzA2Mj", domain="bank.example")
    assert (ok.challenge, ok.domain) == ("n-0S6_WzA2Mj", "bank.example")
    wrong_challenge = _code(VerdictError, eddsa.verify, signed, resolver, challenge="other")
    assert wrong_challenge == "challenge_mismatch"
    wrong_domain = _code(VerdictError, eddsa.verify, signed, resolver, domain="evil.example")
    assert wrong_domain == "domain_mismatch"
    unbound = _signed(issuer_key, suite)
    assert _code(VerdictError, eddsa.verify, unbound, resolver, challenge="x") == (
        "challenge_mismatch"
    )
    assert _code(VerdictError, eddsa.verify, unbound, resolver, domain="x") == "domain_mismatch"


def test_domain_list(issuer_key: PrivateKey, resolver: KeyResolver) -> None:
    signed = _signed(issuer_key, eddsa.EDDSA_JCS_2022, domain=["a.example", "b.example"])
    assert eddsa.verify(signed, resolver, domain="b.example").domain == ["a.example", "b.example"]
    assert _code(VerdictError, eddsa.verify, signed, resolver, domain="c.example") == (
        "domain_mismatch"
    )


@pytest.mark.parametrize("suite", SUITES)
def test_proof_expired(suite: str, issuer_key: PrivateKey, resolver: KeyResolver) -> None:
    signed = _signed(issuer_key, suite, expires=NOW + timedelta(hours=1))
    assert eddsa.verify(signed, resolver, now=NOW).expires == NOW + timedelta(hours=1)
    later = NOW + timedelta(hours=2)
    assert _code(VerdictError, eddsa.verify, signed, resolver, now=later) == "proof_expired"


@pytest.mark.parametrize("suite", SUITES)
def test_issuer_mismatch(
    suite: str, issuer_key: PrivateKey, holder_key: PrivateKey, resolver: KeyResolver
) -> None:
    # a valid signature, but by a key of someone other than the issuer
    signed = eddsa.sign(
        credential_for(did_of(issuer_key)), holder_key, vm_of(holder_key), cryptosuite=suite
    )
    assert _code(VerdictError, eddsa.verify, signed, resolver) == "issuer_mismatch"
    del signed["issuer"]
    assert _code(VerdictError, eddsa.verify, signed, resolver) == "issuer_mismatch"


def test_key_not_authorized_for_the_purpose(issuer_key: PrivateKey) -> None:
    doc = did_key_document(issuer_key.public_key, assertionMethod=[])
    resolver = KeyResolver({did_of(issuer_key): doc})
    signed = _signed(issuer_key, eddsa.EDDSA_RDFC_2022)
    assert _code(VerdictError, eddsa.verify, signed, resolver) == "key_not_authorized"


def test_key_type_mismatch(issuer_key: PrivateKey) -> None:
    p256 = PrivateKey.generate(KeyType.P256, rng=lambda n: b"\x07" * n)
    did, vm = did_of(issuer_key), vm_of(issuer_key)
    data = {
        "id": did,
        "verificationMethod": [
            {
                "id": vm,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": p256.public_key.to_multikey(),
            }
        ],
        "assertionMethod": [vm],
    }
    resolver = KeyResolver({did: DidDocument(data)})
    signed = _signed(issuer_key, eddsa.EDDSA_JCS_2022)
    assert _code(VerdictError, eddsa.verify, signed, resolver) == "key_type_mismatch"


def test_resolver_errors_pass_through(issuer_key: PrivateKey, resolver: KeyResolver) -> None:
    signed = _signed(issuer_key, eddsa.EDDSA_JCS_2022)
    signed["proof"]["verificationMethod"] = "did:web:bank.example#key-1"
    signed["issuer"] = "did:web:bank.example"
    assert _code(CouldNotCheckError, eddsa.verify, signed, resolver) == "did_not_found"
    signed["proof"]["verificationMethod"] = "https://vc.example/issuers/5678#key-1"
    assert _code(MalformedError, eddsa.verify, signed, resolver) == "did_invalid"


def test_unsupported_key_type_for_signing() -> None:
    p256 = PrivateKey.generate(KeyType.P256)
    code = _code(ConfigurationError, eddsa.sign, credential_for("did:x:y"), p256, "did:x:y#k")
    assert code == "unsupported_key_type"


# --- canonicalization errors -----------------------------------------------------------


def test_rdfc_rejects_undefined_terms(issuer_key: PrivateKey, resolver: KeyResolver) -> None:
    credential = credential_for(did_of(issuer_key))
    credential["@context"] = ["https://www.w3.org/ns/credentials/v2"]  # no examples @vocab
    code = _code(MalformedError, eddsa.sign, credential, issuer_key, vm_of(issuer_key))
    assert code == "jsonld_undefined_term"
    # a term added after signing would not change the canonical N-Quads: it must be refused,
    # not reported as a valid signature over content that the signature does not cover
    credential["type"] = ["VerifiableCredential"]
    credential["credentialSubject"] = {"id": "did:example:abcdefgh"}
    signed = eddsa.sign(credential, issuer_key, vm_of(issuer_key))
    assert eddsa.verify(signed, resolver).controller == did_of(issuer_key)
    signed["credentialSubject"]["balance"] = 1_000_000
    assert _code(MalformedError, eddsa.verify, signed, resolver) == "jsonld_undefined_term"


def test_rdfc_unknown_context(issuer_key: PrivateKey) -> None:
    credential = credential_for(did_of(issuer_key))
    credential["@context"].append("https://example.com/not-shipped/v1")
    code = _code(MalformedError, eddsa.sign, credential, issuer_key, vm_of(issuer_key))
    assert code == "jsonld_context_unknown"


def test_jcs_invalid(issuer_key: PrivateKey) -> None:
    credential = credential_for(did_of(issuer_key))
    credential["credentialSubject"]["balance"] = 2**60  # beyond I-JSON's integer range
    code = _code(
        MalformedError,
        eddsa.sign,
        credential,
        issuer_key,
        vm_of(issuer_key),
        cryptosuite=eddsa.EDDSA_JCS_2022,
    )
    assert code == "jcs_invalid"


# --- proof sets and chains -----------------------------------------------------------


@pytest.mark.parametrize("suite", SUITES)
def test_proof_set(
    suite: str, issuer_key: PrivateKey, holder_key: PrivateKey, resolver: KeyResolver
) -> None:
    once = _signed(issuer_key, suite)
    twice = eddsa.sign(once, holder_key, vm_of(holder_key), cryptosuite=suite)
    assert isinstance(twice["proof"], list) and len(twice["proof"]) == 2
    results = eddsa.verify_proofs(twice, resolver, check_controller=False)
    assert [r.controller for r in results] == [did_of(issuer_key), did_of(holder_key)]
    # every proof of the set must verify
    assert _code(VerdictError, eddsa.verify, twice, resolver) == "issuer_mismatch"
    twice["proof"][1]["proofValue"] = once["proof"]["proofValue"]
    code = _code(VerdictError, eddsa.verify_proofs, twice, resolver, check_controller=False)
    assert code == "signature_invalid"


@pytest.mark.parametrize("suite", SUITES)
def test_proof_chain(
    suite: str, issuer_key: PrivateKey, holder_key: PrivateKey, resolver: KeyResolver
) -> None:
    first = _signed(issuer_key, suite, proof_id="urn:uuid:proof-1")
    chained = eddsa.sign(
        first, holder_key, vm_of(holder_key), cryptosuite=suite, previous_proof="urn:uuid:proof-1"
    )
    assert chained["proof"][1]["previousProof"] == "urn:uuid:proof-1"
    results = eddsa.verify_proofs(chained, resolver, check_controller=False)
    assert len(results) == 2
    # the chained proof covers the first: changing the first breaks the second
    chained["proof"][0]["created"] = "2020-01-01T00:00:00Z"
    code = _code(VerdictError, eddsa.verify_proofs, chained, resolver, check_controller=False)
    assert code == "signature_invalid"


def test_proof_chain_to_a_missing_proof(issuer_key: PrivateKey, resolver: KeyResolver) -> None:
    first = _signed(issuer_key, eddsa.EDDSA_JCS_2022, proof_id="urn:uuid:proof-1")
    assert (
        _code(
            MalformedError,
            eddsa.sign,
            first,
            issuer_key,
            vm_of(issuer_key),
            previous_proof="urn:uuid:nope",
        )
        == "proof_malformed"
    )
    chained = eddsa.sign(first, issuer_key, vm_of(issuer_key), previous_proof="urn:uuid:proof-1")
    chained["proof"][1]["previousProof"] = "urn:uuid:nope"
    assert _code(MalformedError, eddsa.verify_proofs, chained, resolver) == "proof_malformed"


# --- resolution ----------------------------------------------------------------------


def _bank_document(key: PrivateKey) -> DidDocument:
    did, vm = "did:example:bank", "did:example:bank#key-1"
    method = {
        "id": vm,
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": key.public_key.to_multikey(),
    }
    return DidDocument({"id": did, "verificationMethod": [method], "assertionMethod": [vm]})


def test_key_rotation_is_seen_after_the_resolver_cache_expires(
    issuer_key: PrivateKey, holder_key: PrivateKey
) -> None:
    """The method lookup memo must never outlive the resolver's own cache entry."""
    current = {"doc": _bank_document(issuer_key)}

    class Method:
        def resolve(self, _did: str) -> DidDocument:
            return current["doc"]

    clock = FixedClock(NOW)
    caching = CachingResolver(methods={"example": Method()}, clock=clock, ttl=60)
    signed = eddsa.sign(
        credential_for("did:example:bank"),
        issuer_key,
        "did:example:bank#key-1",
        cryptosuite=eddsa.EDDSA_JCS_2022,
    )
    assert eddsa.verify(signed, caching).controller == "did:example:bank"
    assert eddsa.verify(signed, caching).controller == "did:example:bank"
    assert caching.lookups == 1
    current["doc"] = _bank_document(holder_key)  # rotation: key-1 is now another key
    assert eddsa.verify(signed, caching).controller == "did:example:bank"  # still cached
    clock.advance(61)
    assert _code(VerdictError, eddsa.verify, signed, caching) == "signature_invalid"


def test_method_lookups_come_from_the_resolver_cache(issuer_key: PrivateKey) -> None:
    from passport.did.key import KeyDidResolver
    from passport.did.resolver import CachingResolver

    signed = _signed(issuer_key, eddsa.EDDSA_JCS_2022)
    cached = CachingResolver(methods={"key": KeyDidResolver()})
    eddsa.verify(signed, cached)
    eddsa.verify(signed, cached)
    assert cached.lookups == 1
    # another resolver is asked itself, and may not support did:key at all
    refusing = KeyResolver({})
    refusing.resolve = _refuse  # type: ignore[method-assign]
    assert _code(CouldNotCheckError, eddsa.verify, signed, refusing) == "did_method_unsupported"


def _refuse(did: str) -> DidDocument:
    raise CouldNotCheckError("did_method_unsupported", f"{did}: did:key is not supported here")
