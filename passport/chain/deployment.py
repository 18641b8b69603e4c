"""Where the passport's contracts live: the deployment file, and deploying them.

A deployment file is a small JSON object written by ``passport chain deploy`` and read by
every component that needs the chain (services, wallets, the regulator's CLI)::

    {
      "chain_id": 31337,
      "rpc_url": "http://127.0.0.1:8545",
      "addresses": {"DIDRegistry": "0x...", "TrustRegistry": "0x...", "StatusRegistry": "0x..."},
      "deploy_block": 1,
      "deployer": "0x..."
    }

``rpc_url`` is ``"embedded"`` for contracts deployed on the in-process chain: such a
deployment is usable only by the ``Chain`` object it was made on. ``deploy_block`` is the
block of the first contract creation, where event scans (history, did:ethr) may start.

Error codes (all ConfigurationError): ``deployment_not_found`` (no file at the path),
``deployment_malformed`` (not JSON, or a field missing or of the wrong type),
``deployment_stale`` (no contract code at a recorded address: the chain was reset),
and from ``Chain``: ``chain_mismatch`` (the node is on another chain id).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from web3.contract import Contract

from passport.chain.client import EMBEDDED_URL, Chain, Sender
from passport.errors import ConfigurationError

__all__ = [
    "CONTRACTS",
    "DEFAULT_DEPLOYMENT_PATH",
    "Deployment",
    "deploy",
]

CONTRACTS = ("DIDRegistry", "TrustRegistry", "StatusRegistry")
"""The contracts every deployment holds, in deployment order."""

DEFAULT_DEPLOYMENT_PATH = Path(".passport") / "deployment.json"
"""The default deployment file, relative to the working directory of the CLI that uses it."""

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_DEPLOY_HINT = "deploy the contracts with `passport chain deploy`"


def _malformed(path: Path | str, problem: str) -> ConfigurationError:
    return ConfigurationError(
        "deployment_malformed",
        f"The deployment file {path} is not valid: {problem}. Fix it, or {_DEPLOY_HINT}.",
        details={"path": str(path), "problem": problem},
    )


@dataclass(frozen=True)
class Deployment:
    """The passport contracts on one chain.

    ``addresses`` maps each name of ``CONTRACTS`` to its checksummed address (read-only).
    """

    chain_id: int
    rpc_url: str
    addresses: Mapping[str, str] = field(hash=False)
    deploy_block: int
    deployer: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "addresses", MappingProxyType(dict(self.addresses)))

    # -- file format -------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "rpc_url": self.rpc_url,
            "addresses": {name: self.addresses[name] for name in CONTRACTS},
            "deploy_block": self.deploy_block,
            "deployer": self.deployer,
        }

    @classmethod
    def from_dict(cls, data: Any, *, source: Path | str = "<deployment>") -> Deployment:
        """Read the JSON object of a deployment file.

        Raises ConfigurationError ``deployment_malformed``.
        """
        from eth_utils.address import to_checksum_address

        if not isinstance(data, Mapping):
            raise _malformed(source, "it is not a JSON object")
        chain_id, rpc_url = data.get("chain_id"), data.get("rpc_url")
        deploy_block, deployer = data.get("deploy_block"), data.get("deployer")
        addresses = data.get("addresses")
        if not isinstance(chain_id, int) or isinstance(chain_id, bool) or chain_id <= 0:
            raise _malformed(source, "'chain_id' must be a positive integer")
        if not isinstance(rpc_url, str) or not rpc_url:
            raise _malformed(source, "'rpc_url' must be a URL or \"embedded\"")
        if not isinstance(deploy_block, int) or isinstance(deploy_block, bool) or deploy_block < 0:
            raise _malformed(source, "'deploy_block' must be a block number")
        if not isinstance(deployer, str) or not _ADDRESS.match(deployer):
            raise _malformed(source, "'deployer' must be a 0x address")
        if not isinstance(addresses, Mapping):
            raise _malformed(source, "'addresses' must be an object")
        checked: dict[str, str] = {}
        for name in CONTRACTS:
            address = addresses.get(name)
            if not isinstance(address, str) or not _ADDRESS.match(address):
                raise _malformed(source, f"'addresses.{name}' must be a 0x address")
            checked[name] = to_checksum_address(address)
        return cls(
            chain_id=chain_id,
            rpc_url=rpc_url,
            addresses=checked,
            deploy_block=deploy_block,
            deployer=to_checksum_address(deployer),
        )

    @classmethod
    def load(cls, path: Path | str) -> Deployment:
        """Read the deployment file at ``path``.

        Raises ConfigurationError ``deployment_not_found``, ``deployment_malformed``.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise ConfigurationError(
                "deployment_not_found",
                f"No deployment file at {path}; {_DEPLOY_HINT} (or pass --deployment FILE).",
                details={"path": str(path)},
            ) from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise _malformed(path, f"it cannot be read ({type(exc).__name__})") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _malformed(path, f"it is not JSON ({exc.msg} at line {exc.lineno})") from exc
        return cls.from_dict(data, source=path)

    def save(self, path: Path | str) -> Path:
        """Write the deployment file at ``path`` atomically (a reader never sees half a file),
        creating its directory. Returns the path."""
        from passport.files import write_atomic

        path = Path(path)
        write_atomic(path, json.dumps(self.to_dict(), indent=2) + "\n", mode=0o600)
        return path

    # -- against a chain ---------------------------------------------------------------------

    @property
    def is_embedded(self) -> bool:
        return self.rpc_url == EMBEDDED_URL

    def check(self, chain: Chain) -> None:
        """Check that ``chain`` is this deployment's chain and the contracts are there.

        Raises ConfigurationError ``chain_mismatch`` (other chain id), ``deployment_stale``
        (no code at an address: the chain was reset); CouldNotCheckError ``rpc_unavailable``.
        """
        chain.expect_chain_id(self.chain_id)
        for name in CONTRACTS:
            address = self.addresses[name]
            if not chain.has_code(address):
                raise ConfigurationError(
                    "deployment_stale",
                    f"There is no {name} contract at {address} on chain {self.chain_id} "
                    "(the chain was reset since the deployment file was written); redeploy "
                    "with `passport chain deploy`.",
                    details={"contract": name, "address": address, "chain_id": self.chain_id},
                )

    def connect(self, *, timeout: float = 10.0) -> Chain:
        """Connect to the deployment's ``rpc_url`` and ``check`` it.

        Raises ConfigurationError ``deployment_stale`` for an embedded deployment (its chain
        lived only in the process that made it), ``chain_mismatch``; CouldNotCheckError
        ``rpc_unavailable``.
        """
        if self.is_embedded:
            raise ConfigurationError(
                "deployment_stale",
                "This deployment was made on an embedded (in-process) chain, which no longer "
                "exists; deploy to a node with `passport chain deploy --rpc URL`.",
                details={"rpc_url": self.rpc_url},
            )
        chain = Chain.connect(self.rpc_url, timeout=timeout)
        self.check(chain)
        return chain

    def contract(self, chain: Chain, name: str) -> Contract:
        """The web3 contract ``name`` (one of ``CONTRACTS``) of this deployment on ``chain``."""
        if name not in self.addresses:
            raise ConfigurationError(
                "artifact_not_found",
                f"A deployment holds {', '.join(CONTRACTS)}, not {name!r}.",
                details={"contract": name},
            )
        return chain.contract(name, self.addresses[name])


def deploy(chain: Chain, deployer: Sender) -> Deployment:
    """Deploy DIDRegistry, TrustRegistry (its root authority is ``deployer``) and
    StatusRegistry (bound to the DIDRegistry) on ``chain``; gas is recorded under the ops
    ``deploy DIDRegistry``, ``deploy TrustRegistry``, ``deploy StatusRegistry``.

    ``deployer`` is an unlocked dev account address or a funded secp256k1 ``PrivateKey``.
    Raises what ``Chain.transact`` raises.
    """
    did = chain.transact(chain.constructor("DIDRegistry"), sender=deployer, op="deploy DIDRegistry")
    did_address = str(did["contractAddress"])
    trust = chain.deploy_contract("TrustRegistry", sender=deployer)
    status = chain.deploy_contract("StatusRegistry", did_address, sender=deployer)
    return Deployment(
        chain_id=chain.chain_id,
        rpc_url=chain.url,
        addresses={
            "DIDRegistry": did_address,
            "TrustRegistry": str(trust.address),
            "StatusRegistry": str(status.address),
        },
        deploy_block=int(did["blockNumber"]),
        deployer=chain.address_of(deployer),
    )
