"""The chain layer against a real anvil process: deploy, transact, gas report, RPC counts,
restart persistence, and the errors of a node that is down or a port that is taken."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_utils.crypto import keccak

from passport.chain import node
from passport.chain.client import Chain
from passport.chain.deployment import Deployment, deploy
from passport.errors import ConfigurationError, CouldNotCheckError, VerdictError
from passport.keys import KeyType, PrivateKey

pytestmark = pytest.mark.e2e

STRANGER = "0x00000000000000000000000000000000DeaDBeef"


def test_node_status(anvil: node.NodeStatus) -> None:
    state = node.status(anvil.state_dir)
    assert state.running and state.answering
    assert state.pid == anvil.pid
    assert state.port == anvil.port
    assert state.url == f"http://127.0.0.1:{anvil.port}"
    assert state.chain_id == node.DEFAULT_CHAIN_ID
    assert state.block_number == 0
    assert (anvil.state_dir / "anvil.pid").read_text().strip() == str(anvil.pid)
    assert (anvil.state_dir / "anvil.log").exists()


def test_up_refuses_a_second_node_on_the_same_state(anvil: node.NodeStatus, free_port: int) -> None:
    with pytest.raises(ConfigurationError) as caught:
        node.up(port=free_port, state_dir=anvil.state_dir)
    assert caught.value.code == "anvil_already_running"
    assert node.status(anvil.state_dir).pid == anvil.pid  # the running node is untouched


def test_a_taken_port_is_anvil_start_failed(anvil: node.NodeStatus, tmp_path: Path) -> None:
    assert anvil.port is not None
    with pytest.raises(ConfigurationError) as caught:
        node.up(port=anvil.port, state_dir=tmp_path / "other", timeout=15)
    assert caught.value.code == "anvil_start_failed"
    assert "already in use" in caught.value.message
    assert not (tmp_path / "other" / "anvil.pid").exists()


def test_deploy_transact_and_account(anvil_chain: Chain) -> None:
    chain = anvil_chain
    assert chain.chain_id == 31337
    deployment = deploy(chain, chain.accounts[0])
    deployment.check(chain)
    assert deployment.rpc_url == chain.url
    assert {row.op for row in chain.gas_table()} == {
        "deploy DIDRegistry",
        "deploy TrustRegistry",
        "deploy StatusRegistry",
    }

    trust = deployment.contract(chain, "TrustRegistry")
    chain.reset_rpc_calls()
    assert chain.call(trust.functions.isAccreditor(STRANGER)) is False
    assert chain.rpc_calls == 1  # one eth_call, nothing else

    receipt = chain.transact(
        trust.functions.appointAccreditor(STRANGER), sender=chain.accounts[0], op="appoint"
    )
    assert receipt["status"] == 1
    assert chain.gas_report["appoint"] == [receipt["gasUsed"]]
    assert chain.call(trust.functions.isAccreditor(STRANGER)) is True

    with pytest.raises(VerdictError) as caught:
        chain.transact(
            trust.functions.appointAccreditor(chain.accounts[2]),
            sender=chain.accounts[1],
            op="appoint",
        )
    assert caught.value.code == "contract_reverted"
    assert caught.value.details["error"] == "NotRoot"
    assert caught.value.details["args"] == {"caller": chain.accounts[1]}


def test_local_keys_funding_and_rejections(
    anvil_chain: Chain, anvil_deployment: Deployment
) -> None:
    chain = anvil_chain
    registry = anvil_deployment.contract(chain, "DIDRegistry")
    key = PrivateKey.generate(KeyType.SECP256K1)
    identity = key.eth_address()
    change = registry.functions.changeOwner(identity, STRANGER)

    with pytest.raises(ConfigurationError) as caught:
        chain.transact(change, sender=key, op="changeOwner")
    assert caught.value.code == "insufficient_funds"

    chain.fund(identity, 10**18)  # anvil_setBalance
    assert chain.balance(identity) == 10**18
    assert chain.rpc_methods["anvil_setBalance"] == 1

    with pytest.raises(ConfigurationError) as caught:
        chain.transact(change, sender=identity, op="changeOwner")  # anvil holds no such key
    assert caught.value.code == "transaction_rejected"

    chain.transact(change, sender=key, op="changeOwner")
    assert chain.call(registry.functions.identityOwner(identity)) == STRANGER


def test_time_travel_and_snapshots(anvil_chain: Chain, anvil_deployment: Deployment) -> None:
    chain = anvil_chain
    before = chain.block_timestamp()
    chain.mine(seconds=86_400)
    assert chain.block_timestamp() >= before + 86_400

    trust = anvil_deployment.contract(chain, "TrustRegistry")
    snapshot = chain.snapshot()
    chain.transact(trust.functions.appointAccreditor(STRANGER), sender=chain.accounts[0], op="a")
    chain.revert(snapshot)
    assert chain.call(trust.functions.isAccreditor(STRANGER)) is False


def test_state_survives_a_restart(anvil: node.NodeStatus, tmp_path: Path) -> None:
    assert anvil.url is not None and anvil.port is not None
    chain = Chain.connect(anvil.url)
    deployment = deploy(chain, chain.accounts[0])
    trust = deployment.contract(chain, "TrustRegistry")
    registry = deployment.contract(chain, "DIDRegistry")
    chain.transact(trust.functions.appointAccreditor(STRANGER), sender=chain.accounts[0], op="a")
    owner = chain.accounts[0]
    chain.transact(
        registry.functions.setAttribute(owner, keccak(text="did/svc/Test"), b"https://x", 3600),
        sender=owner,
        op="setAttribute",
    )
    block = chain.block_number()
    path = deployment.save(tmp_path / "deployment.json")

    assert node.down(anvil.state_dir) is True
    assert not node.status(anvil.state_dir).running
    assert (anvil.state_dir / "state.json").stat().st_size > 0
    restarted = node.up(port=anvil.port, state_dir=anvil.state_dir)
    assert restarted.pid != anvil.pid

    again = Deployment.load(path).connect()  # chain id and code checked
    assert again.block_number() == block
    trust = deployment.contract(again, "TrustRegistry")
    assert again.call(trust.functions.isAccreditor(STRANGER)) is True
    registry = deployment.contract(again, "DIDRegistry")
    logs = registry.events.DIDAttributeChanged.get_logs(from_block=deployment.deploy_block)
    assert [log["args"]["value"] for log in logs] == [b"https://x"]  # events survived too
    assert again.call(registry.functions.changed(owner)) == block


def test_rpc_unavailable_after_down(anvil: node.NodeStatus, tmp_path: Path) -> None:
    assert anvil.url is not None
    chain = Chain.connect(anvil.url, timeout=2)
    deployment = deploy(chain, chain.accounts[0])
    path = deployment.save(tmp_path / "deployment.json")
    assert node.down(anvil.state_dir) is True

    with pytest.raises(CouldNotCheckError) as caught:
        chain.block_number()
    assert caught.value.code == "rpc_unavailable"
    assert "passport chain up" in caught.value.message
    with pytest.raises(CouldNotCheckError) as caught:
        Deployment.load(path).connect(timeout=2)
    assert caught.value.code == "rpc_unavailable"
    assert node.down(anvil.state_dir) is False  # already stopped: not an error
