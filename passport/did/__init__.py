"""DIDs: documents, one caching resolver, and the did:key, did:jwk and did:web methods.

``default_resolver()`` wires the methods that need no chain; did:ethr plugs in through
``extra_methods={"ethr": ...}``. No resolver here ever fetches a JSON-LD context: documents
are read as plain JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import httpx

from passport.did.document import DidDocument, VerificationMethod, parse_did, split_did_url
from passport.did.jwk import (
    JwkDidResolver,
    did_jwk_document,
    did_jwk_from_jwk,
    did_jwk_from_public_key,
    jwk_from_did_jwk,
)
from passport.did.key import (
    KeyDidResolver,
    did_key_document,
    did_key_from_public_key,
    public_key_from_did_key,
)
from passport.did.policy import DEFAULT_POLICY, DidWebPolicy
from passport.did.resolver import CachingResolver, MethodResolver, resolve_method
from passport.did.web import WebDidResolver, did_web_url
from passport.ports import Clock, SystemClock

__all__ = [
    "DEFAULT_POLICY",
    "CachingResolver",
    "DidDocument",
    "DidWebPolicy",
    "JwkDidResolver",
    "KeyDidResolver",
    "MethodResolver",
    "VerificationMethod",
    "WebDidResolver",
    "default_resolver",
    "did_jwk_document",
    "did_jwk_from_jwk",
    "did_jwk_from_public_key",
    "did_key_document",
    "did_key_from_public_key",
    "did_web_url",
    "jwk_from_did_jwk",
    "parse_did",
    "public_key_from_did_key",
    "resolve_method",
    "split_did_url",
]


def default_resolver(
    *,
    clock: Clock | None = None,
    ttl: float = 300,
    http_client: httpx.Client | None = None,
    insecure_http_hosts: Iterable[str] = frozenset(),
    did_web_policy: DidWebPolicy | None = None,
    extra_methods: Mapping[str, MethodResolver] | None = None,
) -> CachingResolver:
    """A ``CachingResolver`` for did:key, did:jwk and did:web, plus ``extra_methods``.

    ``http_client`` is used for did:web (the resolver creates its own when it is None);
    ``did_web_policy`` says where did:web may connect (default ``DEFAULT_POLICY``: public
    https hosts only); ``insecure_http_hosts`` lets did:web use plain http for those hosts
    (loopback tests only). An entry of ``extra_methods`` replaces a built-in method of the
    same name.
    """
    methods: dict[str, MethodResolver] = {
        "key": KeyDidResolver(),
        "jwk": JwkDidResolver(),
        "web": WebDidResolver(
            http_client, policy=did_web_policy, insecure_http_hosts=insecure_http_hosts
        ),
    }
    methods.update(extra_methods or {})
    return CachingResolver(methods=methods, clock=clock or SystemClock(), ttl=ttl)
