"""CachingResolver (ttl on an injected clock), default_resolver wiring, resolve_method."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from passport.did import (
    CachingResolver,
    DidDocument,
    JwkDidResolver,
    KeyDidResolver,
    WebDidResolver,
    default_resolver,
    did_key_from_public_key,
    resolve_method,
)
from passport.errors import CouldNotCheckError, MalformedError, VerdictError
from passport.keys import KeyType, PrivateKey
from passport.ports import FixedClock, Resolver

T0 = datetime(2025, 1, 1, tzinfo=UTC)


class CountingMethod:
    """A method resolver (the shape did:ethr will have) that counts its lookups."""

    def __init__(self, key: PrivateKey, *, cache: bool = True) -> None:
        self.key = key
        self.calls = 0
        self.cache = cache

    def resolve(self, did: str) -> DidDocument:
        self.calls += 1
        vm = {
            "id": did + "#controller",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": self.key.public_key.to_multikey(),
        }
        other = {**vm, "id": did + "#other"}
        data = {
            "id": did,
            "verificationMethod": [vm, other],
            "assertionMethod": [vm["id"], other["id"]],
            "authentication": ["#controller"],  # relative reference
        }
        return DidDocument(data, metadata={"cache": self.cache})


DID = "did:ethr:0x1:0xb9c5714089478a327f09197987f16f9e5d936e8a"


def test_cache_hit_within_ttl_and_miss_after() -> None:
    clock = FixedClock(T0)
    method = CountingMethod(PrivateKey.generate())
    resolver = CachingResolver(methods={"ethr": method}, clock=clock, ttl=300)
    first = resolver.resolve(DID)
    clock.advance(299)
    assert resolver.resolve(DID) is first
    assert method.calls == 1 and resolver.lookups == 1
    clock.advance(1)  # expiry is exclusive: at now == stored + ttl the entry is stale
    assert resolver.resolve(DID) is not first
    assert method.calls == 2 and resolver.lookups == 2
    clock.advance(10)
    resolver.resolve(DID)
    assert method.calls == 2


def test_invalidate_one_or_all() -> None:
    method = CountingMethod(PrivateKey.generate())
    resolver = CachingResolver(methods={"ethr": method}, clock=FixedClock(T0))
    other = DID[:-1] + "b"
    resolver.resolve(DID), resolver.resolve(other)
    resolver.invalidate(DID)
    resolver.resolve(DID), resolver.resolve(other)
    assert method.calls == 3
    resolver.invalidate()
    resolver.resolve(DID), resolver.resolve(other)
    assert method.calls == 5


def test_uncacheable_documents_are_resolved_each_time() -> None:
    method = CountingMethod(PrivateKey.generate(), cache=False)
    resolver = CachingResolver(methods={"ethr": method}, clock=FixedClock(T0))
    resolver.resolve(DID), resolver.resolve(DID)
    assert method.calls == 2


def test_cache_is_bounded_least_recently_used_first() -> None:
    resolver = default_resolver(clock=FixedClock(T0))
    resolver.max_entries = 2
    a, b, c = (did_key_from_public_key(PrivateKey.generate().public_key) for _ in range(3))
    resolver.resolve(a), resolver.resolve(b), resolver.resolve(a)  # a is now most recent
    assert resolver.lookups == 2
    resolver.resolve(c)  # evicts b
    resolver.resolve(a)
    assert resolver.lookups == 3
    resolver.resolve(b)
    assert resolver.lookups == 4


def test_web_documents_are_cached_for_the_ttl(loopback: Any, http_client: httpx.Client) -> None:
    clock = FixedClock(T0)
    resolver = default_resolver(
        clock=clock, ttl=60, http_client=http_client, insecure_http_hosts={"127.0.0.1"}
    )
    did = f"did:web:{loopback.authority}"
    loopback.serve_json("/.well-known/did.json", {"id": did})
    resolver.resolve(did), resolver.resolve(did)
    assert loopback.hits["/.well-known/did.json"] == 1
    clock.advance(61)
    resolver.resolve(did)
    assert loopback.hits["/.well-known/did.json"] == 2


def test_default_resolver_wiring_and_extra_methods() -> None:
    resolver = default_resolver()
    assert isinstance(resolver, Resolver)
    assert isinstance(resolver.methods["key"], KeyDidResolver)
    assert isinstance(resolver.methods["jwk"], JwkDidResolver)
    assert isinstance(resolver.methods["web"], WebDidResolver)
    assert resolver.ttl == 300
    with pytest.raises(CouldNotCheckError) as err:
        resolver.resolve(DID)
    assert err.value.code == "did_method_unsupported"
    assert "did:key" in err.value.message

    method = CountingMethod(PrivateKey.generate())
    plugged = default_resolver(extra_methods={"ethr": method}, ttl=10)
    assert plugged.resolve(DID).id == DID
    assert set(plugged.methods) == {"key", "jwk", "web", "ethr"}


def test_malformed_did_is_did_invalid_before_any_method() -> None:
    method = CountingMethod(PrivateKey.generate())
    resolver = default_resolver(extra_methods={"ethr": method})
    for bad in ("not-a-did", "did:ethr", "did::x", "DID:key:z6Mk", "did:key:z6Mk#frag"):
        with pytest.raises(MalformedError) as err:
            resolver.resolve(bad)
        assert err.value.code == "did_invalid", bad
    assert method.calls == 0


# --- resolve_method: relationship checks -------------------------------------------------


@pytest.fixture
def ethr() -> tuple[CachingResolver, PrivateKey]:
    key = PrivateKey.generate(KeyType.SECP256K1)
    return CachingResolver(methods={"ethr": CountingMethod(key)}, clock=FixedClock(T0)), key


def test_resolve_method_with_fragment(ethr: tuple[CachingResolver, PrivateKey]) -> None:
    resolver, key = ethr
    vm = resolve_method(resolver, DID + "#controller", "assertionMethod")
    assert (vm.id, vm.type, vm.controller) == (DID + "#controller", "Multikey", DID)
    assert vm.public_key == key.public_key
    # relative references in a relationship are resolved against the DID
    assert resolve_method(resolver, DID + "#controller", "authentication").id == vm.id
    # a query part is ignored when finding the DID
    assert resolve_method(resolver, DID + "?versionId=1#controller", "assertionMethod").id == vm.id


def test_resolve_method_not_authorised(ethr: tuple[CachingResolver, PrivateKey]) -> None:
    resolver, _ = ethr
    for url, rel in ((DID + "#other", "authentication"), (DID + "#controller", "keyAgreement")):
        with pytest.raises(VerdictError) as err:
            resolve_method(resolver, url, rel)
        assert err.value.code == "key_not_authorized"


def test_resolve_method_unknown_fragment(ethr: tuple[CachingResolver, PrivateKey]) -> None:
    resolver, _ = ethr
    with pytest.raises(VerdictError) as err:
        resolve_method(resolver, DID + "#nope", "assertionMethod")
    assert err.value.code == "verification_method_not_found"


def test_resolve_method_without_fragment(ethr: tuple[CachingResolver, PrivateKey]) -> None:
    resolver, _ = ethr
    assert resolve_method(resolver, DID, "authentication").id == DID + "#controller"
    with pytest.raises(VerdictError) as err:  # two assertion methods: ambiguous
        resolve_method(resolver, DID, "assertionMethod")
    assert err.value.code == "verification_method_not_found"
    with pytest.raises(VerdictError) as err:  # none at all
        resolve_method(resolver, DID, "capabilityDelegation")
    assert err.value.code == "verification_method_not_found"


def test_resolve_method_did_key_all_relationships() -> None:
    resolver = default_resolver()
    key = PrivateKey.generate()
    did = did_key_from_public_key(key.public_key)
    for rel in ("authentication", "assertionMethod", "capabilityInvocation"):
        assert resolve_method(resolver, did, rel).public_key == key.public_key
    with pytest.raises(VerdictError) as err:
        resolve_method(resolver, f"{did}#{did[8:]}", "keyAgreement")
    assert err.value.code == "key_not_authorized"
