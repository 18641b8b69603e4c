"""Production wiring of the CLI: the one place that builds resolvers, chains and clocks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from passport.ports import Resolver, StatusFetcher

if TYPE_CHECKING:
    from passport.chain.client import Chain, Sender
    from passport.chain.deployment import Deployment

DEFAULT_DEPLOYMENT = Path(".passport/deployment.json")


def now() -> datetime:
    from passport.ports import SystemClock

    return SystemClock().now()


def open_chain(deployment_path: Path) -> tuple[Deployment, Chain]:
    """The deployment file and a checked connection to its chain."""
    from passport.chain.deployment import Deployment

    deployment = Deployment.load(deployment_path)
    return deployment, deployment.connect()


def build_resolver(deployment_path: Path | None = None, *, did: str | None = None) -> Resolver:
    """did:key, did:jwk, did:web (under the default policy: public https hosts only); plus
    did:ethr from the deployment file when there is one (always when ``did`` is a did:ethr,
    so that a missing file is reported)."""
    from passport.did import DEFAULT_POLICY, default_resolver

    path = deployment_path or DEFAULT_DEPLOYMENT
    wants_ethr = did is not None and did.startswith("did:ethr:")
    if not (wants_ethr or deployment_path is not None or path.exists()):
        return default_resolver(did_web_policy=DEFAULT_POLICY)
    from passport.did.ethr import EthrDidResolver

    deployment, chain = open_chain(path)
    ethr = EthrDidResolver.for_chain(chain, deployment.addresses["DIDRegistry"])
    return default_resolver(did_web_policy=DEFAULT_POLICY, extra_methods={"ethr": ethr})


def accreditation_checks(
    deployment_path: Path | None, at: datetime
) -> tuple[tuple[str, Callable[[Mapping[str, Any]], None]], ...]:
    """The trust registry's accreditation check of the deployment's chain, as of ``at``."""
    from passport.chain.registries import TrustRegistryClient, accreditation_check

    deployment, chain = open_chain(deployment_path or DEFAULT_DEPLOYMENT)
    return (accreditation_check(TrustRegistryClient(chain, deployment), at),)


def chain_sender(key: Path | None, chain: Chain, deployment: Deployment) -> Sender:
    """A secp256k1 key from ``--key``, else the deployer (a dev account on local chains)."""
    if key is None:
        return deployment.deployer
    from passport_cli.io import read_private_key

    return read_private_key(key)


def fund_on_dev_chain(chain: Chain, address: str, wei: int = 10**18) -> bool:
    """Give ``address`` gas money on a local dev chain (anvil, embedded); elsewhere do nothing."""
    from passport.errors import ConfigurationError

    if chain.balance(address) >= wei // 10:
        return False
    try:
        chain.fund(address, wei)
    except ConfigurationError:
        return False
    return True


def build_status_fetcher(local: Sequence[Mapping[str, Any]] = ()) -> StatusFetcher:
    """Status lists given on the command line first (by their id), then HTTP(S)."""
    from passport.status.fetch import LocalFirstFetcher

    return LocalFirstFetcher(local=list(local))
