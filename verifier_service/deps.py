"""Production wiring of the verifier: the one place that builds the database, the keys, the
policy, the resolver, the chain clients and the status fetcher from the settings.

The chain is connected lazily and reconnected after a failure: when it cannot be reached the
service still serves pages, and the checks that need it report ``rpc_unavailable`` (the
decision is ``indeterminate``). ``build_runtime`` is called by ``create_app``'s lifespan and by
the CLI; tests pass their own clock, chain, resolver, status fetcher and webhook sender.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request

from passport.ports import Clock, Resolver, StatusFetcher, SystemClock
from passport.status.cache import StatusListCache
from verifier_service.db import Database
from verifier_service.settings import VerifierKeys, VerifierSettings, open_keys

if TYPE_CHECKING:
    from passport.chain.client import Chain
    from passport.chain.deployment import Deployment
    from passport.did.document import DidDocument
    from passport.verifier.policy import Policy
    from passport.verifier.request import VerifierIdentity
    from passport.verifier.trust import AccreditationChecker, ChainCheckedStatusFetcher

__all__ = ["ChainLink", "Runtime", "RuntimeDep", "build_runtime", "get_runtime"]

log = logging.getLogger("verifier_service")

Webhook = Callable[[Mapping[str, Any]], None]


class ChainLink:
    """The deployment's chain, connected on first use; ``connect`` raises CouldNotCheckError
    ``rpc_unavailable`` while it is down and tries again on the next call."""

    def __init__(
        self,
        settings: VerifierSettings,
        *,
        chain: tuple[Deployment, Chain] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self._pair = chain
        self._lock = threading.Lock()
        self._accreditation: AccreditationChecker | None = None
        self._status_registry: Any = None
        self._ethr: Any = None

    def drop_caches(self) -> None:
        """Forget cached trust answers and did:ethr state (no chain call: works while it is
        down, and the next verification asks the chain again)."""
        with self._lock:
            self._accreditation = None
            self._ethr = None
            self._status_registry = None
            if self.settings.deployment is not None:
                self._pair = None  # reconnect: the node may have moved or restarted

    @property
    def configured(self) -> bool:
        return self._pair is not None or self.settings.deployment is not None

    def connect(self) -> tuple[Deployment, Chain]:
        with self._lock:
            if self._pair is None:
                from passport.chain.deployment import Deployment

                assert self.settings.deployment is not None
                deployment = Deployment.load(self.settings.deployment)
                if self.settings.rpc_url:
                    deployment = replace(deployment, rpc_url=self.settings.rpc_url)
                self._pair = (deployment, deployment.connect(timeout=5.0))
            return self._pair

    def ethr_resolver(self) -> Any:
        from passport.did.ethr import EthrDidResolver

        with self._lock:
            if self._ethr is not None:
                return self._ethr
        deployment, chain = self.connect()
        resolver = EthrDidResolver.for_chain(
            chain, deployment.addresses["DIDRegistry"], chain_id=deployment.chain_id
        )
        with self._lock:
            self._ethr = resolver
        return resolver

    def accreditation(self) -> AccreditationChecker:
        from passport.chain.registries import TrustRegistryClient
        from passport.verifier.policy import DEFAULT_VCT
        from passport.verifier.trust import AccreditationChecker

        with self._lock:
            if self._accreditation is not None:
                return self._accreditation
        deployment, chain = self.connect()
        checker = AccreditationChecker(
            TrustRegistryClient(chain, deployment, clock=self.clock),
            vct_types={v: k for k, v in DEFAULT_VCT.items()},
            clock=self.clock,
            ttl=self.settings.chain_cache_seconds,
        )
        with self._lock:
            self._accreditation = checker
        return checker

    def status_registry(self) -> Any:
        from passport.chain.registries import StatusRegistryClient

        with self._lock:
            if self._status_registry is not None:
                return self._status_registry
        deployment, chain = self.connect()
        registry = StatusRegistryClient(chain, deployment)
        with self._lock:
            self._status_registry = registry
        return registry


class _LazyEthr:
    """did:ethr through the chain link (resolution fails as could-not-check while it is down)."""

    def __init__(self, link: ChainLink) -> None:
        self.link = link

    def resolve(self, did: str) -> DidDocument:
        resolver = self.link.ethr_resolver()
        document: DidDocument = resolver.resolve(did)
        return document


class _LazyStatusRegistry:
    def __init__(self, link: ChainLink) -> None:
        self.link = link

    def check_status_list(self, issuer: str, list_url: str, credential: Mapping[str, Any]) -> int:
        return int(self.link.status_registry().check_status_list(issuer, list_url, credential))


class _PolicyAccreditation:
    """The link's accreditation checker under one policy's acceptance lists."""

    def __init__(self, link: ChainLink, policy: Policy) -> None:
        self.link = link
        self.policy = policy

    def check(self, doc: Mapping[str, Any]) -> None:
        checker = self.link.accreditation().with_policy(
            self.policy.accepted_types,
            self.policy.accepted_jurisdictions,
            {r.vct: r.credential_type for r in self.policy.credentials if r.vct},
        )
        checker.check(doc)

    def as_check(self) -> tuple[str, Callable[[Mapping[str, Any]], None]]:
        return "accreditation", self.check


@dataclass
class Runtime:
    """What a running verifier holds."""

    settings: VerifierSettings
    keys: VerifierKeys | None = field(repr=False)
    db: Database
    policy: Policy
    identity: VerifierIdentity | None
    resolver: Resolver
    status_fetcher: ChainCheckedStatusFetcher
    chain: ChainLink
    clock: Clock
    webhook: Webhook | None = None
    cache_epoch: str | None = None
    status_cache: StatusListCache = field(default_factory=StatusListCache, repr=False)

    def drop_caches(self) -> None:
        """After ``verifier sync`` (seen through the database's cache epoch)."""
        self.status_fetcher.refresh()
        invalidate = getattr(self.resolver, "invalidate", None)
        if callable(invalidate):
            invalidate()
        self.chain.drop_caches()

    def accreditation(self, policy: Policy) -> Any:
        return _PolicyAccreditation(self.chain, policy) if self.chain.configured else None

    def close(self) -> None:
        self.db.dispose()


def build_identity(settings: VerifierSettings, keys: VerifierKeys) -> VerifierIdentity:
    from passport.verifier.request import VerifierIdentity

    return VerifierIdentity(
        name=settings.name,
        prefix=settings.client_id_prefix,
        did=settings.did,
        kid=settings.verification_method,
        signing_key=keys.signing,
    )


def _http_webhook(settings: VerifierSettings, keys: VerifierKeys, clock: Clock) -> Webhook | None:
    if not settings.webhook_url:
        return None
    url = settings.webhook_url

    def send(payload: Mapping[str, Any]) -> None:
        import httpx

        from passport.verifier.webhook import signed_request

        body, headers = signed_request(keys.webhook_secret, payload, clock.now())
        response = httpx.post(url, content=body, headers=headers, timeout=5.0)
        response.raise_for_status()

    return send


def build_runtime(
    settings: VerifierSettings,
    *,
    keys: VerifierKeys | None = None,
    read_only: bool = False,
    clock: Clock | None = None,
    chain: tuple[Deployment, Chain] | None = None,
    resolver: Resolver | None = None,
    status_fetcher: StatusFetcher | None = None,
    webhook: Webhook | None = None,
    policy: Policy | None = None,
) -> Runtime:
    """Unseal the keys (unless given, or ``read_only``: no keys, no request signing), read
    the policy, open the database.

    Raises the errors of ``open_keys``, ``load_policy``, ``make_engine``.
    """
    from passport.did import default_resolver
    from passport.status.fetch import LocalFirstFetcher
    from passport.verifier.policy import load_policy
    from passport.verifier.trust import ChainCheckedStatusFetcher

    if keys is None and not read_only:
        keys = open_keys(settings)
    clock = clock or SystemClock()
    assert settings.policy is not None
    policy = policy or load_policy(settings.policy)
    identity = build_identity(settings, keys) if keys is not None else None
    link = ChainLink(settings, chain=chain, clock=clock)
    from passport.did.policy import DEFAULT_POLICY, DidWebPolicy
    from passport.verifier.trust import GuardedStatusFetcher

    web_policy = DidWebPolicy.loopback() if settings.allow_loopback else DEFAULT_POLICY
    if resolver is None:
        extra = {"ethr": _LazyEthr(link)} if link.configured else {}
        resolver = default_resolver(
            clock=clock,
            ttl=settings.chain_cache_seconds,
            did_web_policy=web_policy,
            extra_methods=extra,
        )
    checked = ChainCheckedStatusFetcher(
        status_fetcher or GuardedStatusFetcher(LocalFirstFetcher(), web_policy),
        _LazyStatusRegistry(link) if link.configured else None,
        clock=clock,
        ttl=settings.status_cache_seconds,
    )
    db = Database(settings.database_url)
    return Runtime(
        settings=settings,
        keys=keys,
        db=db,
        policy=policy,
        identity=identity,
        resolver=resolver,
        status_fetcher=checked,
        chain=link,
        clock=clock,
        webhook=webhook
        if webhook is not None or keys is None
        else _http_webhook(settings, keys, clock),
    )


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
