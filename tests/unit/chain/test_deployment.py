"""Deploying the three contracts, the deployment file, and checking a deployment against a
chain (passport/chain/deployment.py), on the embedded chain."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from passport.chain.client import EMBEDDED_URL, Chain
from passport.chain.deployment import CONTRACTS, DEFAULT_DEPLOYMENT_PATH, Deployment, deploy
from passport.errors import ConfigurationError
from passport.keys import KeyType, PrivateKey

ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def _valid() -> dict[str, Any]:
    return {
        "chain_id": 31337,
        "rpc_url": "http://127.0.0.1:8545",
        "addresses": {name: ADDRESS for name in CONTRACTS},
        "deploy_block": 1,
        "deployer": ADDRESS.lower(),
    }


def test_deploy_the_three_contracts(fresh_chain: Chain) -> None:
    deployer = fresh_chain.accounts[0]
    deployment = deploy(fresh_chain, deployer)
    assert deployment.chain_id == fresh_chain.chain_id
    assert deployment.rpc_url == EMBEDDED_URL
    assert deployment.is_embedded
    assert deployment.deployer == deployer
    assert deployment.deploy_block == 1  # the first block after genesis
    assert set(deployment.addresses) == set(CONTRACTS)
    assert len(set(deployment.addresses.values())) == 3
    deployment.check(fresh_chain)
    trust = deployment.contract(fresh_chain, "TrustRegistry")
    assert fresh_chain.call(trust.functions.root()) == deployer
    status = deployment.contract(fresh_chain, "StatusRegistry")
    assert fresh_chain.call(status.functions.didRegistry()) == deployment.addresses["DIDRegistry"]
    assert sorted(row.op for row in fresh_chain.gas_table()) == [
        "deploy DIDRegistry",
        "deploy StatusRegistry",
        "deploy TrustRegistry",
    ]


def test_deploy_with_a_local_key(fresh_chain: Chain) -> None:
    key = PrivateKey.generate(KeyType.SECP256K1)
    fresh_chain.fund(key.eth_address(), 10**18)
    deployment = deploy(fresh_chain, key)
    assert deployment.deployer == key.eth_address()
    trust = deployment.contract(fresh_chain, "TrustRegistry")
    assert fresh_chain.call(trust.functions.root()) == key.eth_address()


def test_save_and_load(tmp_path: Path, deployment: Deployment) -> None:
    path = tmp_path / "nested" / "deployment.json"
    assert deployment.save(path) == path
    assert Deployment.load(path) == deployment
    assert json.loads(path.read_text()) == deployment.to_dict()
    assert [p.name for p in path.parent.iterdir()] == ["deployment.json"]  # no temp files
    deployment.save(str(path))  # overwrites
    assert Deployment.load(str(path)) == deployment


def test_load_normalises_addresses(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    data = _valid()
    data["addresses"] = {name: ADDRESS.lower() for name in CONTRACTS}
    path.write_text(json.dumps(data))
    loaded = Deployment.load(path)
    assert loaded.deployer == ADDRESS
    assert set(loaded.addresses.values()) == {ADDRESS}


def test_default_path_is_relative() -> None:
    assert Path(".passport/deployment.json") == DEFAULT_DEPLOYMENT_PATH


def test_deployment_not_found(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Deployment.load(tmp_path / "missing.json")
    assert caught.value.code == "deployment_not_found"
    assert "passport chain deploy" in caught.value.message


def _mutations() -> list[tuple[str, Any]]:
    def without(key: str) -> dict[str, Any]:
        data = _valid()
        del data[key]
        return data

    def with_(key: str, value: Any) -> dict[str, Any]:
        return {**_valid(), key: value}

    return [
        ("not json", "{chain_id: 1"),
        ("array", [1, 2]),
        ("no chain_id", without("chain_id")),
        ("bool chain_id", with_("chain_id", True)),
        ("zero chain_id", with_("chain_id", 0)),
        ("no rpc_url", without("rpc_url")),
        ("negative block", with_("deploy_block", -1)),
        ("bad deployer", with_("deployer", "alice")),
        ("no addresses", without("addresses")),
        ("missing contract", with_("addresses", {"DIDRegistry": ADDRESS})),
        ("short address", with_("addresses", {n: "0x1234" for n in CONTRACTS})),
    ]


@pytest.mark.parametrize(("case", "content"), _mutations(), ids=[m[0] for m in _mutations()])
def test_deployment_malformed(tmp_path: Path, case: str, content: Any) -> None:
    path = tmp_path / "d.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    with pytest.raises(ConfigurationError) as caught:
        Deployment.load(path)
    assert caught.value.code == "deployment_malformed"
    assert caught.value.details["path"] == str(path)


def test_deployment_malformed_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigurationError) as caught:
        Deployment.load(path)
    assert caught.value.code == "deployment_malformed"


def test_chain_mismatch(chain: Chain, deployment: Deployment) -> None:
    other = dataclasses.replace(deployment, chain_id=31337)
    with pytest.raises(ConfigurationError) as caught:
        other.check(chain)
    assert caught.value.code == "chain_mismatch"


def test_deployment_stale_after_a_reset(deployment: Deployment) -> None:
    reset = Chain.embedded()  # same chain id, none of the contracts
    with pytest.raises(ConfigurationError) as caught:
        deployment.check(reset)
    assert caught.value.code == "deployment_stale"
    assert caught.value.details["contract"] == "DIDRegistry"
    assert "passport chain deploy" in caught.value.message


def test_an_embedded_deployment_cannot_be_reopened(deployment: Deployment) -> None:
    with pytest.raises(ConfigurationError) as caught:
        deployment.connect()
    assert caught.value.code == "deployment_stale"


def test_contract_outside_the_deployment(chain: Chain, deployment: Deployment) -> None:
    with pytest.raises(ConfigurationError) as caught:
        deployment.contract(chain, "Token")
    assert caught.value.code == "artifact_not_found"
