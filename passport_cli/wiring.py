"""Production wiring of the CLI: the one place that builds resolvers, chains and clocks."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from passport.ports import Resolver, StatusFetcher

if TYPE_CHECKING:
    from passport.chain.client import Chain, Sender
    from passport.chain.deployment import Deployment
    from passport.context import ChainContext

DEFAULT_DEPLOYMENT = Path(".passport/deployment.json")


def now() -> datetime:
    from passport.ports import SystemClock

    return SystemClock().now()


def chain_context(deployment_path: Path) -> ChainContext:
    """The deployment at ``deployment_path`` opened once per command (one chain connection
    shared by the resolver, the trust registry and the command); a rewritten file (a new
    deployment) is opened afresh."""
    path = deployment_path.resolve()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = -1  # Deployment.load reports the missing file
    return _open_context(path, stamp)


@functools.lru_cache(maxsize=8)
def _open_context(path: Path, stamp: int) -> ChainContext:
    from passport.context import ChainContext

    return ChainContext.open(path)


def open_chain(deployment_path: Path) -> tuple[Deployment, Chain]:
    """The deployment file and a checked connection to its chain (the shared context's)."""
    context = chain_context(deployment_path)
    return context.deployment, context.chain


def build_resolver(deployment_path: Path | None = None, *, did: str | None = None) -> Resolver:
    """did:key, did:jwk, did:web (under the default policy: public https hosts only); plus
    did:ethr from the deployment file when there is one (always when ``did`` is a did:ethr,
    so that a missing file is reported)."""
    from passport.did import default_resolver

    path = deployment_path or DEFAULT_DEPLOYMENT
    wants_ethr = did is not None and did.startswith("did:ethr:")
    if not (wants_ethr or deployment_path is not None or path.exists()):
        return default_resolver()
    return chain_context(path).resolver()


def accreditation_checks(
    deployment_path: Path | None, at: datetime
) -> tuple[tuple[str, Callable[[Mapping[str, Any]], None]], ...]:
    """The trust registry's accreditation check of the deployment's chain, as of ``at``
    (through the same context, hence the same connection, as ``build_resolver``)."""
    return chain_context(deployment_path or DEFAULT_DEPLOYMENT).accreditation_checks(at)


def chain_sender(key: Path | None, chain: Chain, deployment: Deployment) -> Sender:
    """A secp256k1 key from ``--key``, else the deployer (a dev account on local chains)."""
    if key is None:
        return deployment.deployer
    from passport_cli.io import read_private_key

    return read_private_key(key)


def fund_on_dev_chain(chain: Chain, address: str, wei: int = 10**18) -> bool:
    """Give ``address`` gas money on a local dev chain (``passport.chain.client``)."""
    from passport.chain.client import fund_on_dev_chain as fund

    return fund(chain, address, wei)


def build_status_fetcher(local: Sequence[Mapping[str, Any]] = ()) -> StatusFetcher:
    """Status lists given on the command line first (by their id), then HTTP(S)."""
    from passport.status.fetch import LocalFirstFetcher

    return LocalFirstFetcher(local=list(local))
