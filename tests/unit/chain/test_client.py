"""Chain (passport/chain/client.py) on the embedded chain, and its error mapping against fake
JSON-RPC endpoints (refusing, hanging, not JSON-RPC, not a dev chain)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from passport.chain.client import EMBEDDED_URL, Chain, GasStat, decode_revert
from passport.chain.deployment import Deployment
from passport.errors import ConfigurationError, CouldNotCheckError, VerdictError
from passport.keys import KeyType, PrivateKey

STRANGER = "0x00000000000000000000000000000000DeaDBeef"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _FakeNode(BaseHTTPRequestHandler):
    """Answers eth_chainId (0x1), eth_accounts ([]) and eth_getBalance (0); every other
    method is 'not found', like a production node without the dev methods. Path /html
    answers a web page instead of JSON-RPC."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/html":
            payload, kind = b"<html>not an RPC endpoint</html>", "text/html"
        else:
            request = json.loads(body)
            results = {"eth_chainId": "0x1", "eth_accounts": [], "eth_getBalance": "0x0"}
            reply: dict[str, Any] = {"jsonrpc": "2.0", "id": request["id"]}
            if request["method"] in results:
                reply["result"] = results[request["method"]]
            else:
                reply["error"] = {"code": -32601, "message": "Method not found"}
            payload, kind = json.dumps(reply).encode(), "application/json"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def fake_node() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeNode)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


# -- the embedded chain ------------------------------------------------------------------------


def test_embedded_chain_identity(fresh_chain: Chain) -> None:
    assert fresh_chain.rpc_calls == 0  # opening the chain is not counted
    assert fresh_chain.is_embedded
    assert fresh_chain.url == EMBEDDED_URL
    assert fresh_chain.chain_id == 131277322940537  # eth-tester's chain id
    assert len(fresh_chain.accounts) == 10
    assert fresh_chain.rpc_calls == 0  # both were read while opening
    assert fresh_chain.balance(fresh_chain.accounts[0]) == 10**6 * 10**18
    assert fresh_chain.rpc_calls == 1
    assert repr(fresh_chain) == "Chain(embedded)"


def test_each_embedded_chain_has_its_own_state(fresh_chain: Chain) -> None:
    other = Chain.embedded()
    fresh_chain.mine()
    assert fresh_chain.block_number() == other.block_number() + 1


def test_a_call_costs_one_rpc_request(chain: Chain, deployment: Deployment) -> None:
    trust = deployment.contract(chain, "TrustRegistry")
    assert chain.rpc_calls == 0
    assert chain.call(trust.functions.root()) == chain.accounts[0]
    assert chain.rpc_calls == 1
    assert chain.rpc_methods == {"eth_call": 1}
    # plain web3 calls through chain.w3 are counted too
    trust.functions.isAccreditor(STRANGER).call()
    assert chain.rpc_calls == 2
    chain.reset_rpc_calls()
    assert chain.rpc_calls == 0


def test_transact_records_gas_per_op(chain: Chain, deployment: Deployment) -> None:
    trust = deployment.contract(chain, "TrustRegistry")
    root = chain.accounts[0]
    first = chain.transact(
        trust.functions.appointAccreditor(chain.accounts[1]), sender=root, op="appointAccreditor"
    )
    second = chain.transact(
        trust.functions.appointAccreditor(chain.accounts[2]), sender=root, op="appointAccreditor"
    )
    assert first["status"] == second["status"] == 1
    assert chain.call(trust.functions.isAccreditor(chain.accounts[2])) is True
    gas = chain.gas_report["appointAccreditor"]
    assert gas == [first["gasUsed"], second["gasUsed"]]
    (row,) = chain.gas_table()
    assert row == GasStat(
        op="appointAccreditor",
        count=2,
        min=min(gas),
        max=max(gas),
        mean=sum(gas) / 2,
        total=sum(gas),
    )
    assert row.as_dict()["total"] == sum(gas)
    chain.reset_gas_report()
    assert chain.gas_table() == []


def test_deploy_contract_records_deploy_gas(fresh_chain: Chain) -> None:
    did = fresh_chain.deploy_contract("DIDRegistry", sender=fresh_chain.accounts[0])
    assert fresh_chain.has_code(did.address)
    assert fresh_chain.gas_report["deploy DIDRegistry"][0] > 100_000
    assert not fresh_chain.has_code(STRANGER)


def test_transact_signed_locally_with_a_secp256k1_key(
    chain: Chain, deployment: Deployment, eth_key: PrivateKey
) -> None:
    registry = deployment.contract(chain, "DIDRegistry")
    identity = eth_key.eth_address()
    receipt = chain.transact(
        registry.functions.changeOwner(identity, chain.accounts[3]),
        sender=eth_key,
        op="changeOwner",
    )
    assert receipt["from"] == identity
    assert chain.call(registry.functions.identityOwner(identity)) == chain.accounts[3]
    assert "eth_sendRawTransaction" in chain.rpc_methods
    assert chain.address_of(eth_key) == identity
    # the nonce follows the account
    receipt = chain.transact(
        registry.functions.changeOwner(eth_key.eth_address(), identity),
        sender=chain.accounts[3],
        op="changeOwner",
    )
    assert chain.call(registry.functions.identityOwner(identity)) == identity
    chain.transact(registry.functions.changeOwner(identity, identity), sender=eth_key, op="c")
    assert chain.w3.eth.get_transaction_count(to_checksum_address(identity)) == 2


def test_unauthorised_write_is_contract_reverted_with_the_custom_error(
    chain: Chain, deployment: Deployment
) -> None:
    trust = deployment.contract(chain, "TrustRegistry")
    outsider = chain.accounts[5]
    with pytest.raises(VerdictError) as caught:
        chain.transact(
            trust.functions.appointAccreditor(outsider), sender=outsider, op="appointAccreditor"
        )
    err = caught.value
    assert err.code == "contract_reverted"
    assert err.details["error"] == "NotRoot"
    assert err.details["args"] == {"caller": outsider}
    assert err.details["op"] == "appointAccreditor"
    assert "NotRoot" in err.message
    assert "appointAccreditor" not in chain.gas_report  # nothing was mined


def test_require_reason_is_decoded(chain: Chain, deployment: Deployment) -> None:
    registry = deployment.contract(chain, "DIDRegistry")
    with pytest.raises(VerdictError) as caught:
        chain.transact(
            registry.functions.changeOwner(chain.accounts[1], STRANGER),
            sender=chain.accounts[2],
            op="changeOwner",
        )
    assert caught.value.code == "contract_reverted"
    assert caught.value.details["error"] == "Error"
    assert caught.value.details["reason"] == "bad_actor"


def test_insufficient_funds(chain: Chain, deployment: Deployment) -> None:
    broke = PrivateKey.generate(KeyType.SECP256K1)
    registry = deployment.contract(chain, "DIDRegistry")
    call = registry.functions.changeOwner(broke.eth_address(), STRANGER)
    with pytest.raises(ConfigurationError) as caught:
        chain.transact(call, sender=broke, op="changeOwner")
    assert caught.value.code == "insufficient_funds"
    assert caught.value.details["address"] == broke.eth_address()


def test_sender_the_node_does_not_hold_is_transaction_rejected(
    chain: Chain, deployment: Deployment, eth_key: PrivateKey
) -> None:
    registry = deployment.contract(chain, "DIDRegistry")
    address = eth_key.eth_address()  # funded, but the node has no key for it
    with pytest.raises(ConfigurationError) as caught:
        chain.transact(
            registry.functions.changeOwner(address, STRANGER), sender=address, op="changeOwner"
        )
    assert caught.value.code == "transaction_rejected"


def test_only_secp256k1_keys_send_transactions(chain: Chain, deployment: Deployment) -> None:
    registry = deployment.contract(chain, "DIDRegistry")
    with pytest.raises(ConfigurationError) as caught:
        chain.transact(
            registry.functions.changeOwner(STRANGER, STRANGER),
            sender=PrivateKey.generate(KeyType.ED25519),
            op="changeOwner",
        )
    assert caught.value.code == "unsupported_key_type"


def test_fund_tops_up_to_at_least(chain: Chain) -> None:
    key = PrivateKey.generate(KeyType.SECP256K1)
    chain.fund(key.eth_address(), 5 * 10**18)
    assert chain.balance(key.eth_address()) == 5 * 10**18
    chain.fund(key.eth_address(), 10**18)  # already has more: nothing to do
    assert chain.balance(key.eth_address()) == 5 * 10**18


def test_mine_moves_time_forward(chain: Chain) -> None:
    before = chain.block_timestamp()
    block = chain.block_number()
    chain.mine(seconds=3600)
    assert chain.block_timestamp() >= before + 3600
    assert chain.block_number() > block
    chain.mine()
    assert chain.block_timestamp() >= before + 3601


def test_snapshot_and_revert(chain: Chain, deployment: Deployment) -> None:
    trust = deployment.contract(chain, "TrustRegistry")
    snapshot = chain.snapshot()
    chain.transact(trust.functions.appointAccreditor(STRANGER), sender=chain.accounts[0], op="a")
    assert chain.call(trust.functions.isAccreditor(STRANGER)) is True
    chain.revert(snapshot)
    assert chain.call(trust.functions.isAccreditor(STRANGER)) is False


def test_fixture_state_does_not_leak_between_tests(chain: Chain, deployment: Deployment) -> None:
    # test_snapshot_and_revert and test_transact_records_gas_per_op appointed accreditors
    trust = deployment.contract(chain, "TrustRegistry")
    assert chain.call(trust.functions.isAccreditor(chain.accounts[1])) is False
    assert chain.gas_report == {}


def test_expect_chain_id(chain: Chain) -> None:
    chain.expect_chain_id(chain.chain_id)
    with pytest.raises(ConfigurationError) as caught:
        chain.expect_chain_id(31337)
    assert caught.value.code == "chain_mismatch"
    assert caught.value.details == {"expected": 31337, "actual": chain.chain_id}


def test_unknown_artifact(chain: Chain) -> None:
    with pytest.raises(ConfigurationError) as caught:
        chain.contract("NoSuchContract", STRANGER)
    assert caught.value.code == "artifact_not_found"


def test_registered_artifact_errors_are_decoded(fresh_chain: Chain) -> None:
    # a custom error known only through a registered ABI
    abi = [{"type": "error", "name": "Nope", "inputs": [{"name": "who", "type": "address"}]}]
    fresh_chain.register_artifact("Extra", abi, "0x")
    assert fresh_chain.artifact("Extra")["abi"] == abi
    data = keccak(text="Nope(address)")[:4] + abi_encode(["address"], [STRANGER])
    decoded = decode_revert(data, abi)
    assert decoded["error"] == "Nope"
    assert decoded["args"] == {"who": STRANGER}


# -- decode_revert -----------------------------------------------------------------------------


def test_decode_revert_error_string_panic_and_unknown() -> None:
    reason = bytes.fromhex("08c379a0") + abi_encode(["string"], ["no way"])
    assert decode_revert(reason, [])["reason"] == "no way"
    panic = bytes.fromhex("4e487b71") + abi_encode(["uint256"], [0x11])
    decoded = decode_revert("0x" + panic.hex(), [])
    assert decoded["error"] == "Panic"
    assert decoded["args"] == {"code": 0x11}
    assert "overflow" in decoded["reason"]
    unknown = decode_revert(b"\x12\x34\x56\x78", [])
    assert unknown["error"] is None
    assert unknown["reason"] == "unknown revert data 0x12345678"
    assert decode_revert(None, [])["reason"] == "no revert data"
    garbled = decode_revert(bytes.fromhex("08c379a0") + b"\x01", [])
    assert garbled["error"] is None


# -- failures of an HTTP endpoint --------------------------------------------------------------


def test_refused_connection_is_rpc_unavailable() -> None:
    url = f"http://127.0.0.1:{_free_port()}/v3/secret-api-key"
    with pytest.raises(CouldNotCheckError) as caught:
        Chain.connect(url, timeout=2)
    err = caught.value
    assert err.code == "rpc_unavailable"
    assert "passport chain up" in err.message
    assert "secret-api-key" not in err.message + json.dumps(err.details)


def test_timeout_is_rpc_unavailable() -> None:
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(CouldNotCheckError) as caught:
            Chain.connect(url, timeout=0.3)
    assert caught.value.code == "rpc_unavailable"


def test_not_json_rpc_is_rpc_unavailable(fake_node: str) -> None:
    with pytest.raises(CouldNotCheckError) as caught:
        Chain.connect(fake_node + "/html", timeout=2)
    assert caught.value.code == "rpc_unavailable"
    assert "JSON-RPC" in caught.value.message


@pytest.mark.parametrize("url", [EMBEDDED_URL, "ftp://127.0.0.1:8545", "127.0.0.1:8545"])
def test_rpc_url_invalid(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Chain.connect(url)
    assert caught.value.code == "rpc_url_invalid"


def test_http_chain_counts_requests(fake_node: str) -> None:
    chain = Chain.connect(fake_node, timeout=2)
    assert chain.chain_id == 1
    assert not chain.is_embedded
    assert chain.rpc_calls == 0
    assert chain.accounts == []
    assert chain.rpc_methods == {"eth_accounts": 1}


def test_dev_methods_on_a_production_node_are_dev_chain_required(fake_node: str) -> None:
    chain = Chain.connect(fake_node, timeout=2)
    for action in (chain.mine, chain.snapshot, lambda: chain.fund(STRANGER, 1)):
        with pytest.raises(ConfigurationError) as caught:
            action()
        assert caught.value.code == "dev_chain_required"


def test_package_exports_resolve_lazily() -> None:
    import passport.chain as package

    for name in package.__all__:
        assert getattr(package, name) is not None
    assert package.Chain is Chain
    assert sorted(dir(package)) == sorted(package.__all__)
    with pytest.raises(AttributeError):
        _ = package.NoSuchThing
