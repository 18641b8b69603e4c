"""The passport's chain: contracts, a web3 wrapper, deployments and a local anvil node.

* ``Chain`` (client.py): ``Chain.embedded()`` (in-process py-evm) or ``Chain.connect(url)``;
  counts JSON-RPC requests, keeps a gas report, maps failures to ``rpc_unavailable``,
  ``contract_reverted``, ``chain_mismatch``.
* ``Deployment`` / ``deploy`` (deployment.py): the deployment file and deploying the three
  contracts (DIDRegistry, TrustRegistry, StatusRegistry).
* ``node`` (node.py): ``up`` / ``status`` / ``down`` of a local anvil with state on disk.

Exports are loaded lazily, so ``passport.chain.node`` does not import web3.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from passport.chain.client import EMBEDDED_URL, Chain, GasStat, Sender, decode_revert
    from passport.chain.deployment import (
        CONTRACTS,
        DEFAULT_DEPLOYMENT_PATH,
        Deployment,
        deploy,
    )
    from passport.chain.node import NodeStatus, find_anvil

__all__ = [
    "CONTRACTS",
    "DEFAULT_DEPLOYMENT_PATH",
    "EMBEDDED_URL",
    "Chain",
    "Deployment",
    "GasStat",
    "NodeStatus",
    "Sender",
    "decode_revert",
    "deploy",
    "find_anvil",
]

_WHERE = {
    "Chain": "client",
    "EMBEDDED_URL": "client",
    "GasStat": "client",
    "Sender": "client",
    "decode_revert": "client",
    "CONTRACTS": "deployment",
    "DEFAULT_DEPLOYMENT_PATH": "deployment",
    "Deployment": "deployment",
    "deploy": "deployment",
    "NodeStatus": "node",
    "find_anvil": "node",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'passport.chain' has no attribute {name!r}")
    return getattr(importlib.import_module(f"passport.chain.{module}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
