"""One deployment, opened once: the chain connection and every client built on it.

``ChainContext.open(path)`` reads the deployment file and connects to its chain once; the
did:ethr resolver, the full resolver (did:key, did:jwk, did:web and did:ethr), the trust and
status registry clients and the accreditation check all share that connection. Used by the
``passport`` toolbox (``vc verify --require-accreditation`` connects once) and the issuer.

It lives above both ``passport.chain`` and ``passport.did`` (it hands out clients of each),
so neither of them needs to import the other.

Error codes: those of ``Deployment.load`` / ``Deployment.connect`` (``deployment_not_found``,
``deployment_malformed``, ``deployment_stale``, ``chain_mismatch``, ``rpc_unavailable``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from passport.ports import Clock, SystemClock

if TYPE_CHECKING:
    from passport.chain.client import Chain, Sender
    from passport.chain.deployment import Deployment
    from passport.chain.registries import StatusRegistryClient, TrustRegistryClient
    from passport.did.ethr.resolver import EthrDidResolver
    from passport.did.resolver import CachingResolver

__all__ = ["ChainContext"]


@dataclass
class ChainContext:
    """A deployment and its one chain connection; clients are built on first use and kept."""

    deployment: Deployment
    chain: Chain
    clock: Clock = field(default_factory=SystemClock)
    poll_interval: float | None = None
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        clock: Clock | None = None,
        poll_interval: float | None = None,
        timeout: float = 10.0,
    ) -> ChainContext:
        """Load the deployment file at ``path`` and connect to its chain (once)."""
        from passport.chain.deployment import Deployment

        return cls.connect(
            Deployment.load(path), clock=clock, poll_interval=poll_interval, timeout=timeout
        )

    @classmethod
    def connect(
        cls,
        deployment: Deployment,
        *,
        clock: Clock | None = None,
        poll_interval: float | None = None,
        timeout: float = 10.0,
    ) -> ChainContext:
        """Connect to ``deployment``'s chain (once; e.g. after overriding its RPC URL)."""
        return cls(
            deployment,
            deployment.connect(timeout=timeout),
            clock or SystemClock(),
            poll_interval,
        )

    def _once(self, name: str, build: Callable[[], Any]) -> Any:
        if name not in self._clients:
            self._clients[name] = build()
        return self._clients[name]

    def ethr_resolver(self) -> EthrDidResolver:
        """The did:ethr resolver of this deployment's DIDRegistry."""
        from passport.did.ethr.resolver import EthrDidResolver

        return self._once(  # type: ignore[no-any-return]
            "ethr",
            lambda: EthrDidResolver.from_deployment(
                self.chain, self.deployment, clock=self.clock, poll_interval=self.poll_interval
            ),
        )

    def resolver(self, **kwargs: Any) -> CachingResolver:
        """did:key, did:jwk and did:web (``passport.did.default_resolver(**kwargs)``) plus
        this deployment's did:ethr."""
        from passport.did import default_resolver

        if kwargs:
            return default_resolver(extra_methods={"ethr": self.ethr_resolver()}, **kwargs)
        return self._once(  # type: ignore[no-any-return]
            "resolver",
            lambda: default_resolver(
                clock=self.clock, extra_methods={"ethr": self.ethr_resolver()}
            ),
        )

    def trust(self, *, sender: Sender | None = None) -> TrustRegistryClient:
        """The trust registry client (a new one for a ``sender``, else the shared reader)."""
        from passport.chain.registries import TrustRegistryClient

        if sender is not None:
            return TrustRegistryClient(self.chain, self.deployment, sender=sender, clock=self.clock)
        return self._once(  # type: ignore[no-any-return]
            "trust", lambda: TrustRegistryClient(self.chain, self.deployment, clock=self.clock)
        )

    def status_registry(self, *, sender: Sender | None = None) -> StatusRegistryClient:
        """The status and anchor registry client."""
        from passport.chain.registries import StatusRegistryClient

        if sender is not None:
            return StatusRegistryClient(self.chain, self.deployment, sender=sender)
        return self._once(  # type: ignore[no-any-return]
            "status", lambda: StatusRegistryClient(self.chain, self.deployment)
        )

    def accreditation_checks(
        self, at: datetime
    ) -> tuple[tuple[str, Callable[[Mapping[str, Any]], None]], ...]:
        """``VerifyOptions.credential_checks``: the trust registry's accreditation check."""
        from passport.chain.registries import accreditation_check

        return (accreditation_check(self.trust(), at),)

    def fund_on_dev_chain(self, address: str, wei: int = 10**18) -> bool:
        """Gas money for ``address`` on a local dev chain; elsewhere nothing (False)."""
        from passport.chain.client import fund_on_dev_chain

        return fund_on_dev_chain(self.chain, address, wei)
