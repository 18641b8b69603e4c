"""One resolver for every DID method, with a cache and an injectable clock.

Methods plug in as ``MethodResolver`` objects keyed by method name (``key``, ``jwk``,
``web``; ``ethr`` comes with the chain). Resolved documents are cached for ``ttl``
seconds of the injected clock, at most ``max_entries`` of them (least recently used go
first, so a verifier that sees many holders stays bounded); a method may mark a document
as not cacheable by setting ``metadata["cache"] = False``.

Error codes: ``did_invalid`` (MalformedError); ``did_method_unsupported``,
``did_not_found``, ``did_resolution_failed`` (CouldNotCheckError);
``verification_method_not_found``, ``key_not_authorized`` (VerdictError).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from passport.did.document import DidDocument, VerificationMethod, parse_did, split_did_url
from passport.errors import CouldNotCheckError, VerdictError
from passport.ports import Clock, Resolver, SystemClock

__all__ = ["CachingResolver", "MethodResolver", "resolve_method"]


class MethodResolver(Protocol):
    def resolve(self, did: str) -> DidDocument:
        """Resolve one DID of this method (same errors as ``Resolver.resolve``)."""
        ...


@dataclass
class CachingResolver:
    """Dispatches on the DID method and caches results for ``ttl`` seconds."""

    methods: Mapping[str, MethodResolver]
    clock: Clock = field(default_factory=SystemClock)
    ttl: float = 300.0
    max_entries: int = 10_000
    _cache: OrderedDict[str, tuple[datetime, DidDocument]] = field(
        default_factory=OrderedDict, repr=False
    )
    lookups: int = 0  # resolutions that reached a method resolver (cache misses)

    def resolve(self, did: str) -> DidDocument:
        hit = self._cache.get(did)
        if hit is not None and self.clock.now() < hit[0]:
            self._cache.move_to_end(did)
            return hit[1]
        bare, query = did.split("?", 1) if "?" in did else (did, "")
        method, _ = parse_did(bare)
        impl = self.methods.get(method)
        if impl is None:
            raise CouldNotCheckError(
                "did_method_unsupported",
                f"This resolver does not support did:{method} "
                f"(supported: {', '.join('did:' + m for m in sorted(self.methods))}).",
            )
        self.lookups += 1
        doc = impl.resolve(did)
        # A DID URL with a query (``?versionId=N``) asks for history: its method answers it,
        # and it is not cached under the DID's name.
        if not query and doc.metadata.get("cache", True):
            self._cache[did] = (self.clock.now() + timedelta(seconds=self.ttl), doc)
            self._cache.move_to_end(did)
            while len(self._cache) > self.max_entries:
                self._cache.popitem(last=False)
        return doc

    def invalidate(self, did: str | None = None) -> None:
        if did is None:
            self._cache.clear()
        else:
            self._cache.pop(did, None)


def resolve_method(
    resolver: Resolver, url: str, relationship: str = "assertionMethod"
) -> VerificationMethod:
    """Resolve the verification method at DID URL ``url`` and check it serves ``relationship``.

    A DID URL without a fragment names the DID's only method for that relationship.
    """
    did, fragment = split_did_url(url)
    doc = resolver.resolve(did)
    if fragment:
        return doc.authorized_method(did + fragment, relationship)
    methods = doc.methods_for(relationship)
    if len(methods) != 1:
        raise VerdictError(
            "verification_method_not_found",
            f"{did} has {len(methods)} {relationship} methods; name one with a #fragment.",
        )
    return methods[0]
