"""The three contracts on the embedded chain (eth-tester / py-evm), through plain web3.

These tests pin the contracts' behaviour independently of the Python clients: ERC-1056
compatibility of the DID registry (interface, events, meta-transaction digests, nonces),
who may write to the trust registry and its historical answers, and the status registry's
ownership rule, version monotonicity, one-slot anchors and on-chain Merkle proofs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_abi.abi import encode as abi_encode
from eth_account import Account
from eth_tester.exceptions import TransactionFailed  # type: ignore[import-untyped]
from eth_utils.crypto import keccak
from web3 import EthereumTesterProvider, Web3
from web3.contract import Contract
from web3.types import TxReceipt

from passport.chain.build import load_artifact
from passport.chain.merkle import MerkleTree, credential_leaf, new_salt

KYC = keccak(text="KYCCredential")
AML = keccak(text="AMLCredential")
FAR_FUTURE = 2**63


@dataclass
class Env:
    w3: Web3
    tester: Any
    accounts: list[str]
    did: Contract
    trust: Contract
    status: Contract

    def send(self, fn: Any, sender: str) -> TxReceipt:
        receipt = self.w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender}))
        assert receipt["status"] == 1
        return receipt

    def time_of(self, receipt: TxReceipt) -> int:
        return int(self.w3.eth.get_block(receipt["blockNumber"])["timestamp"])

    def pending_time(self) -> int:
        return int(self.tester.get_block_by_number("pending")["timestamp"])

    def travel(self, seconds: int) -> None:
        self.tester.time_travel(self.pending_time() + seconds)


@pytest.fixture(scope="module")
def module_env() -> Env:
    w3 = Web3(EthereumTesterProvider())
    accounts = [str(a) for a in w3.eth.accounts]

    def deploy(name: str, *args: Any) -> Contract:
        artifact = load_artifact(name)
        factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        tx = factory.constructor(*args).transact({"from": accounts[0]})
        receipt = w3.eth.wait_for_transaction_receipt(tx)
        address = receipt["contractAddress"]
        assert address is not None
        print(f"deploy {name}: {receipt['gasUsed']} gas")
        return w3.eth.contract(address=address, abi=artifact["abi"])

    did = deploy("DIDRegistry")
    trust = deploy("TrustRegistry")
    status = deploy("StatusRegistry", did.address)
    return Env(w3, w3.provider.ethereum_tester, accounts, did, trust, status)  # type: ignore[attr-defined]


@pytest.fixture
def env(module_env: Env) -> Iterator[Env]:
    snapshot = module_env.tester.take_snapshot()
    yield module_env
    module_env.tester.revert_to_snapshot(snapshot)


def custom_error(signature: str, *args: Any) -> bytes:
    """The revert data of a custom error: selector then the ABI-encoded arguments."""
    types = signature[signature.index("(") + 1 : -1]
    arg_types = [t for t in types.split(",") if t]
    return keccak(text=signature)[:4] + abi_encode(arg_types, list(args))


def revert_data(exc: BaseException) -> bytes | str:
    """eth-tester's revert: the reason string of require(), or the custom error's bytes."""
    text = str(exc.args[0]) if exc.args else ""
    text = text.removeprefix("execution reverted: ")
    if text.startswith(("b'", 'b"')):
        value = ast.literal_eval(text)
        assert isinstance(value, bytes)
        return value
    return text


def assert_reverts(expected: bytes | str, fn: Any, sender: str | None = None) -> None:
    """``fn`` (a bound contract function) reverts with ``expected`` when sent by ``sender``
    (or called, without a sender)."""
    with pytest.raises(TransactionFailed) as err:
        if sender is None:
            fn.call()
        else:
            fn.transact({"from": sender})
    assert revert_data(err.value) == expected


def events(contract: Contract, name: str, receipt: TxReceipt) -> list[dict[str, Any]]:
    logs = getattr(contract.events, name)().process_receipt(receipt)
    return [dict(log["args"]) for log in logs]


# --------------------------------------------------------------------- DID registry


ERC1056_FUNCTIONS = {
    "identityOwner(address)",
    "validDelegate(address,bytes32,address)",
    "changeOwner(address,address)",
    "changeOwnerSigned(address,uint8,bytes32,bytes32,address)",
    "addDelegate(address,bytes32,address,uint256)",
    "addDelegateSigned(address,uint8,bytes32,bytes32,bytes32,address,uint256)",
    "revokeDelegate(address,bytes32,address)",
    "revokeDelegateSigned(address,uint8,bytes32,bytes32,bytes32,address)",
    "setAttribute(address,bytes32,bytes,uint256)",
    "setAttributeSigned(address,uint8,bytes32,bytes32,bytes32,bytes,uint256)",
    "revokeAttribute(address,bytes32,bytes)",
    "revokeAttributeSigned(address,uint8,bytes32,bytes32,bytes32,bytes)",
    "owners(address)",
    "delegates(address,bytes32,address)",
    "changed(address)",
    "nonce(address)",
}
ERC1056_EVENTS = {
    "DIDOwnerChanged(address,address,uint256)": ["identity", "owner", "previousChange"],
    "DIDDelegateChanged(address,bytes32,address,uint256,uint256)": [
        "identity",
        "delegateType",
        "delegate",
        "validTo",
        "previousChange",
    ],
    "DIDAttributeChanged(address,bytes32,bytes,uint256,uint256)": [
        "identity",
        "name",
        "value",
        "validTo",
        "previousChange",
    ],
}


def _signature(entry: dict[str, Any]) -> str:
    return f"{entry['name']}({','.join(i['type'] for i in entry['inputs'])})"


def test_did_registry_abi_is_exactly_erc1056() -> None:
    abi = load_artifact("DIDRegistry")["abi"]
    functions = {_signature(e) for e in abi if e["type"] == "function"}
    assert functions == ERC1056_FUNCTIONS
    found = {_signature(e): e for e in abi if e["type"] == "event"}
    assert set(found) == set(ERC1056_EVENTS)
    for signature, names in ERC1056_EVENTS.items():
        inputs = found[signature]["inputs"]
        assert [i["name"] for i in inputs] == names
        assert [i["indexed"] for i in inputs] == [True] + [False] * (len(names) - 1)
    # The well-known topic that every did:ethr resolver filters on.
    assert keccak(text="DIDOwnerChanged(address,address,uint256)").hex() == (
        "38a5a6e68f30ed1ab45860a4afb34bcb2fc00f22ca462d249b8a8d40cda6f7a3"
    )


def test_identity_owns_itself_and_change_owner_chains_previous_change(env: Env) -> None:
    identity, new_owner, third, stranger = env.accounts[1:5]
    assert env.did.functions.identityOwner(identity).call() == identity
    assert env.did.functions.changed(identity).call() == 0

    first = env.send(env.did.functions.changeOwner(identity, new_owner), identity)
    print(f"DIDRegistry.changeOwner: {first['gasUsed']} gas")
    assert events(env.did, "DIDOwnerChanged", first) == [
        {"identity": identity, "owner": new_owner, "previousChange": 0}
    ]
    assert env.did.functions.identityOwner(identity).call() == new_owner
    assert env.did.functions.owners(identity).call() == new_owner
    assert env.did.functions.changed(identity).call() == first["blockNumber"]

    # The old key lost control; strangers never had it.
    for actor in (identity, stranger):
        assert_reverts("bad_actor", env.did.functions.changeOwner(identity, third), actor)
    second = env.send(env.did.functions.changeOwner(identity, third), new_owner)
    assert events(env.did, "DIDOwnerChanged", second)[0]["previousChange"] == first["blockNumber"]


def test_delegates_are_valid_until_expiry_or_revocation(env: Env) -> None:
    identity, delegate, stranger = env.accounts[1:4]
    veri_key = b"veriKey".ljust(32, b"\0")
    receipt = env.send(env.did.functions.addDelegate(identity, veri_key, delegate, 3600), identity)
    print(f"DIDRegistry.addDelegate: {receipt['gasUsed']} gas")
    added_at = env.time_of(receipt)
    (event,) = events(env.did, "DIDDelegateChanged", receipt)
    assert event == {
        "identity": identity,
        "delegateType": veri_key,
        "delegate": delegate,
        "validTo": added_at + 3600,
        "previousChange": 0,
    }
    # The getter is keyed by keccak256(delegateType), as in ERC-1056.
    assert env.did.functions.delegates(identity, keccak(veri_key), delegate).call() == (
        added_at + 3600
    )
    assert env.did.functions.validDelegate(identity, veri_key, delegate).call()
    assert not env.did.functions.validDelegate(
        identity, b"sigAuth".ljust(32, b"\0"), delegate
    ).call()
    assert_reverts(
        "bad_actor",
        env.did.functions.addDelegate(identity, veri_key, stranger, 1),
        stranger,
    )

    env.travel(3601)
    env.tester.mine_blocks()
    assert not env.did.functions.validDelegate(identity, veri_key, delegate).call()

    renewed = env.send(env.did.functions.addDelegate(identity, veri_key, delegate, 3600), identity)
    assert env.did.functions.validDelegate(identity, veri_key, delegate).call()
    revoked = env.send(env.did.functions.revokeDelegate(identity, veri_key, delegate), identity)
    (event,) = events(env.did, "DIDDelegateChanged", revoked)
    assert event["validTo"] == env.time_of(revoked)
    assert event["previousChange"] == renewed["blockNumber"]
    assert not env.did.functions.validDelegate(identity, veri_key, delegate).call()


def test_attributes_live_in_events_and_revocation_has_valid_to_zero(env: Env) -> None:
    identity, stranger = env.accounts[1], env.accounts[5]
    name = b"did/pub/Ed25519/veriKey/base58".ljust(32, b"\0")
    value = bytes(range(32))
    receipt = env.send(env.did.functions.setAttribute(identity, name, value, 86400), identity)
    print(f"DIDRegistry.setAttribute (32-byte key): {receipt['gasUsed']} gas")
    assert events(env.did, "DIDAttributeChanged", receipt) == [
        {
            "identity": identity,
            "name": name,
            "value": value,
            "validTo": env.time_of(receipt) + 86400,
            "previousChange": 0,
        }
    ]
    revoked = env.send(env.did.functions.revokeAttribute(identity, name, value), identity)
    (event,) = events(env.did, "DIDAttributeChanged", revoked)
    assert event["validTo"] == 0
    assert event["previousChange"] == receipt["blockNumber"]
    assert env.did.functions.changed(identity).call() == revoked["blockNumber"]
    assert_reverts(
        "bad_actor",
        env.did.functions.setAttribute(identity, name, value, 1),
        stranger,
    )


def _meta_hash(did: Contract, nonce: int, identity: str, op: str, *parts: bytes) -> bytes:
    """ERC-1056 meta-transaction digest: keccak256(0x19 0x00 registry nonce identity op ...)."""
    packed = (
        b"\x19\x00"
        + bytes.fromhex(did.address[2:])
        + nonce.to_bytes(32, "big")
        + bytes.fromhex(identity[2:])
        + op.encode()
        + b"".join(parts)
    )
    return keccak(packed)


def _addr(address: str) -> bytes:
    return bytes.fromhex(address[2:])


def test_signed_variants_use_the_reference_digest_and_consume_nonces(env: Env) -> None:
    relayer = env.accounts[0]
    owner = Account.create()
    identity = owner.address  # a key that never holds ether: the relayer pays
    delegate = env.accounts[6]
    veri_key = b"veriKey".ljust(32, b"\0")
    name = b"did/svc/LinkedDomains".ljust(32, b"\0")
    value = b"https://bank.example"

    def sign(op: str, *parts: bytes) -> tuple[int, bytes, bytes]:
        nonce = env.did.functions.nonce(owner.address).call()
        digest = _meta_hash(env.did, nonce, identity, op, *parts)
        signed = Account.unsafe_sign_hash(digest, owner.key)
        return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")

    validity = (3600).to_bytes(32, "big")
    v, r, s = sign("addDelegate", veri_key, _addr(delegate), validity)
    receipt = env.send(
        env.did.functions.addDelegateSigned(identity, v, r, s, veri_key, delegate, 3600), relayer
    )
    print(f"DIDRegistry.addDelegateSigned: {receipt['gasUsed']} gas")
    assert env.did.functions.validDelegate(identity, veri_key, delegate).call()
    assert env.did.functions.nonce(owner.address).call() == 1
    # Replaying the same signature fails: the nonce moved on.
    assert_reverts(
        "bad_signature",
        env.did.functions.addDelegateSigned(identity, v, r, s, veri_key, delegate, 3600),
        relayer,
    )

    v, r, s = sign("revokeDelegate", veri_key, _addr(delegate))
    env.send(env.did.functions.revokeDelegateSigned(identity, v, r, s, veri_key, delegate), relayer)
    assert not env.did.functions.validDelegate(identity, veri_key, delegate).call()

    v, r, s = sign("setAttribute", name, value, validity)
    receipt = env.send(
        env.did.functions.setAttributeSigned(identity, v, r, s, name, value, 3600), relayer
    )
    assert events(env.did, "DIDAttributeChanged", receipt)[0]["value"] == value

    v, r, s = sign("revokeAttribute", name, value)
    receipt = env.send(
        env.did.functions.revokeAttributeSigned(identity, v, r, s, name, value), relayer
    )
    assert events(env.did, "DIDAttributeChanged", receipt)[0]["validTo"] == 0

    new_owner = Account.create()
    v, r, s = sign("changeOwner", _addr(new_owner.address))
    env.send(env.did.functions.changeOwnerSigned(identity, v, r, s, new_owner.address), relayer)
    assert env.did.functions.identityOwner(identity).call() == new_owner.address
    assert env.did.functions.nonce(owner.address).call() == 5

    # The former owner's signature no longer controls the identity.
    v, r, s = sign("setAttribute", name, value, validity)
    assert_reverts(
        "bad_signature",
        env.did.functions.setAttributeSigned(identity, v, r, s, name, value, 3600),
        relayer,
    )


def test_signature_by_another_key_or_garbage_is_refused(env: Env) -> None:
    identity = Account.create()
    mallory = Account.create()
    target = env.accounts[7]
    digest = _meta_hash(env.did, 0, identity.address, "changeOwner", _addr(target))
    forged = Account.unsafe_sign_hash(digest, mallory.key)
    assert_reverts(
        "bad_signature",
        env.did.functions.changeOwnerSigned(
            identity.address,
            forged.v,
            forged.r.to_bytes(32, "big"),
            forged.s.to_bytes(32, "big"),
            target,
        ),
        env.accounts[0],
    )
    # ecrecover of garbage yields address(0), which must never count as an owner.
    assert_reverts(
        "bad_signature",
        env.did.functions.changeOwnerSigned(
            "0x0000000000000000000000000000000000000000", 27, b"\x01" * 32, b"\x02" * 32, target
        ),
        env.accounts[0],
    )


# ------------------------------------------------------------------- trust registry


def test_only_root_governs_accreditors(env: Env) -> None:
    root, accreditor, stranger = env.accounts[0], env.accounts[1], env.accounts[2]
    assert env.trust.functions.root().call() == root
    for fn in (
        env.trust.functions.appointAccreditor(accreditor),
        env.trust.functions.removeAccreditor(accreditor),
        env.trust.functions.transferRoot(stranger),
    ):
        assert_reverts(
            custom_error("NotRoot(address)", stranger),
            fn,
            stranger,
        )
    receipt = env.send(env.trust.functions.appointAccreditor(accreditor), root)
    print(f"TrustRegistry.appointAccreditor: {receipt['gasUsed']} gas")
    assert events(env.trust, "AccreditorAppointed", receipt) == [
        {"accreditor": accreditor, "by": root}
    ]
    assert env.trust.functions.isAccreditor(accreditor).call()
    # An accreditor cannot appoint others.
    assert_reverts(
        custom_error("NotRoot(address)", accreditor),
        env.trust.functions.appointAccreditor(stranger),
        accreditor,
    )
    assert_reverts(
        custom_error("AlreadyAccreditor(address)", accreditor),
        env.trust.functions.appointAccreditor(accreditor),
        root,
    )
    assert_reverts(
        custom_error("ZeroAddress()"),
        env.trust.functions.appointAccreditor("0x0000000000000000000000000000000000000000"),
        root,
    )
    receipt = env.send(env.trust.functions.removeAccreditor(accreditor), root)
    assert events(env.trust, "AccreditorRemoved", receipt) == [
        {"accreditor": accreditor, "by": root}
    ]
    assert_reverts(
        custom_error("NotAnAccreditor(address)", accreditor),
        env.trust.functions.removeAccreditor(accreditor),
        root,
    )


def test_transfer_root_hands_over_governance(env: Env) -> None:
    root, new_root = env.accounts[0], env.accounts[1]
    receipt = env.send(env.trust.functions.transferRoot(new_root), root)
    assert events(env.trust, "RootTransferred", receipt) == [
        {"previousRoot": root, "newRoot": new_root}
    ]
    assert_reverts(
        custom_error("NotRoot(address)", root),
        env.trust.functions.appointAccreditor(root),
        root,
    )
    env.send(env.trust.functions.appointAccreditor(root), new_root)


def test_unauthorised_writes_revert(env: Env) -> None:
    root, accreditor, issuer, stranger = env.accounts[0:4]
    env.send(env.trust.functions.appointAccreditor(accreditor), root)
    env.send(env.trust.functions.accredit(issuer, [KYC], b"FR", 0, FAR_FUTURE), accreditor)
    for fn in (
        env.trust.functions.accredit(issuer, [KYC], b"FR", 0, FAR_FUTURE),
        env.trust.functions.suspend(issuer, "no"),
        env.trust.functions.reinstate(issuer),
        env.trust.functions.revoke(issuer, "no"),
    ):
        assert_reverts(
            custom_error("NotAuthorised(address)", stranger),
            fn,
            stranger,
        )
    # A removed accreditor loses its powers.
    env.send(env.trust.functions.removeAccreditor(accreditor), root)
    assert_reverts(
        custom_error("NotAuthorised(address)", accreditor),
        env.trust.functions.suspend(issuer, "x"),
        accreditor,
    )
    # An issuer cannot accredit itself.
    assert_reverts(
        custom_error("NotAuthorised(address)", issuer),
        env.trust.functions.accredit(issuer, [AML], b"FR", 0, FAR_FUTURE),
        issuer,
    )


def test_accredit_validates_its_input(env: Env) -> None:
    root, issuer = env.accounts[0], env.accounts[3]
    zero = "0x0000000000000000000000000000000000000000"
    cases: list[tuple[bytes, Any]] = [
        (custom_error("ZeroAddress()"), env.trust.functions.accredit(zero, [KYC], b"FR", 0, 9)),
        (
            custom_error("NoCredentialTypes()"),
            env.trust.functions.accredit(issuer, [], b"FR", 0, 9),
        ),
        (
            custom_error("InvalidJurisdiction(bytes2)", b"fr"),
            env.trust.functions.accredit(issuer, [KYC], b"fr", 0, 9),
        ),
        (
            custom_error("InvalidJurisdiction(bytes2)", b"F1"),
            env.trust.functions.accredit(issuer, [KYC], b"F1", 0, 9),
        ),
        (
            custom_error("InvalidValidity(uint64,uint64)", FAR_FUTURE, FAR_FUTURE),
            env.trust.functions.accredit(issuer, [KYC], b"FR", FAR_FUTURE, FAR_FUTURE),
        ),
    ]
    for expected, fn in cases:
        assert_reverts(expected, fn, root)
    for fn, error in (
        (env.trust.functions.suspend(issuer, "x"), "NotAccredited(address)"),
        (env.trust.functions.revoke(issuer, "x"), "NotAccredited(address)"),
        (env.trust.functions.reinstate(issuer), "NotSuspended(address)"),
    ):
        assert_reverts(custom_error(error, issuer), fn, root)
    assert_reverts(
        custom_error("NotAccredited(address)", issuer),
        env.trust.functions.accreditation(issuer),
    )


STATUS = ["NotAccredited", "Accredited", "NotYetValid", "Expired", "Suspended", "Revoked"]


def test_history_answers_was_accredited_at_time_t(env: Env) -> None:
    root, accreditor, issuer, other = env.accounts[0:4]
    env.send(env.trust.functions.appointAccreditor(accreditor), root)
    start = env.pending_time() + 1000
    accredited = env.send(
        env.trust.functions.accredit(issuer, [KYC, AML], b"FR", start, start + 10_000), accreditor
    )
    print(f"TrustRegistry.accredit (2 types): {accredited['gasUsed']} gas")
    env.tester.time_travel(start + 100)
    suspended = env.send(env.trust.functions.suspend(issuer, "audit"), root)
    assert env.trust.functions.isSuspended(issuer).call()
    assert_reverts(
        custom_error("AlreadySuspended(address)", issuer),
        env.trust.functions.suspend(issuer, "again"),
        root,
    )
    env.tester.time_travel(start + 200)
    reinstated = env.send(env.trust.functions.reinstate(issuer), accreditor)
    env.tester.time_travel(start + 300)
    revoked = env.send(env.trust.functions.revoke(issuer, "licence withdrawn"), root)
    env.tester.time_travel(start + 400)
    again = env.send(
        env.trust.functions.accredit(issuer, [KYC], b"DE", start + 500, start + 600), root
    )
    print(
        f"TrustRegistry gas: suspend {suspended['gasUsed']}, reinstate {reinstated['gasUsed']}, "
        f"revoke {revoked['gasUsed']}, accredit (1 type) {again['gasUsed']}"
    )
    t_suspend, t_reinstate, t_revoke = (env.time_of(r) for r in (suspended, reinstated, revoked))
    assert (t_suspend, t_reinstate, t_revoke) == (start + 100, start + 200, start + 300)

    def status(credential_type: bytes, at: int, who: str = issuer) -> str:
        return STATUS[int(env.trust.functions.status(who, credential_type, at).call())]

    expected = {
        start - 1: ("NotYetValid", "NotYetValid"),
        start: ("Accredited", "Accredited"),
        t_suspend - 1: ("Accredited", "Accredited"),
        t_suspend: ("Suspended", "Suspended"),
        t_reinstate - 1: ("Suspended", "Suspended"),
        t_reinstate: ("Accredited", "Accredited"),
        t_revoke - 1: ("Accredited", "Accredited"),
        t_revoke: ("Revoked", "Revoked"),
        start + 499: ("Revoked", "Revoked"),
        start + 500: ("Accredited", "Revoked"),  # the second accreditation: KYC only
        start + 599: ("Accredited", "Revoked"),
        start + 600: ("Expired", "Revoked"),
    }
    for at, (kyc, aml) in expected.items():
        assert (status(KYC, at), status(AML, at)) == (kyc, aml), at
        assert env.trust.functions.isAccredited(issuer, KYC, at).call() == (kyc == "Accredited")
    assert status(keccak(text="OtherCredential"), start + 1) == "NotAccredited"
    assert status(KYC, start + 1, other) == "NotAccredited"

    # The records keep the history too.
    assert env.trust.functions.accreditationCount(issuer).call() == 2
    first = env.trust.functions.accreditationAt(issuer, 0).call()
    assert first == ([KYC, AML], b"FR", start, start + 10_000, t_revoke, first[5], accreditor)
    latest = env.trust.functions.accreditation(issuer).call()
    assert latest[:5] == ([KYC], b"DE", start + 500, start + 600, 0) and latest[6] == root
    assert env.trust.functions.suspensionCount(issuer).call() == 1
    assert env.trust.functions.suspensionAt(issuer, 0).call() == (t_suspend, t_reinstate, root)

    # ...and so do the events, in order, for anyone replaying them.
    log = []
    for name in ("Accredited", "Suspended", "Reinstated", "Revoked"):
        for entry in getattr(env.trust.events, name)().get_logs(
            from_block=0, argument_filters={"issuer": issuer}
        ):
            log.append((entry["blockNumber"], name, dict(entry["args"])))
    log.sort(key=lambda item: item[0])
    assert [name for _, name, _ in log] == [
        "Accredited",
        "Suspended",
        "Reinstated",
        "Revoked",
        "Accredited",
    ]
    assert log[0][2] == {
        "issuer": issuer,
        "accreditationId": 0,
        "credentialTypes": [KYC, AML],
        "jurisdiction": b"FR",
        "validFrom": start,
        "validUntil": start + 10_000,
        "by": accreditor,
    }
    assert log[1][2] == {"issuer": issuer, "by": root, "at": t_suspend, "reason": "audit"}
    assert log[2][2] == {"issuer": issuer, "by": accreditor, "at": t_reinstate}
    assert log[3][2] == {
        "issuer": issuer,
        "by": root,
        "at": t_revoke,
        "reason": "licence withdrawn",
    }
    assert log[4][2]["accreditationId"] == 1


def test_revoking_a_suspended_issuer_closes_the_suspension(env: Env) -> None:
    root, issuer = env.accounts[0], env.accounts[3]
    env.send(env.trust.functions.accredit(issuer, [KYC], b"FR", 0, FAR_FUTURE), root)
    env.send(env.trust.functions.suspend(issuer, "audit"), root)
    revoked = env.send(env.trust.functions.revoke(issuer, "closed"), root)
    assert not env.trust.functions.isSuspended(issuer).call()
    assert env.trust.functions.suspensionAt(issuer, 0).call()[1] == env.time_of(revoked)
    assert_reverts(
        custom_error("NotAccredited(address)", issuer),
        env.trust.functions.revoke(issuer, "twice"),
        root,
    )
    env.tester.time_travel(env.time_of(revoked) + 10)
    renewed = env.send(env.trust.functions.accredit(issuer, [KYC], b"FR", 0, FAR_FUTURE), root)
    now = env.time_of(renewed)
    assert env.trust.functions.isAccredited(issuer, KYC, now).call()
    # Declared valid since 0, the new accreditation still counts only from its own block:
    # the time the issuer spent revoked stays revoked (history is never rewritten).
    gap = env.time_of(revoked) + 1
    assert STATUS[env.trust.functions.status(issuer, KYC, gap).call()] == "Revoked"
    assert not env.trust.functions.isAccredited(issuer, KYC, now - 1).call()


def test_accreditation_must_end_in_the_future(env: Env) -> None:
    now = env.pending_time()
    assert_reverts(
        custom_error("InvalidValidity(uint64,uint64)", 0, now - 1),
        env.trust.functions.accredit(env.accounts[3], [KYC], b"FR", 0, now - 1),
        env.accounts[0],
    )


# ------------------------------------------------------------------ status registry

LIST_ID = keccak(text="https://bank.example/status/1")


def test_status_list_versions_strictly_increase_and_only_owner_publishes(env: Env) -> None:
    issuer, stranger = env.accounts[1], env.accounts[2]
    assert env.status.functions.didRegistry().call() == env.did.address
    assert tuple(env.status.functions.statusList(issuer, LIST_ID).call()) == (b"\0" * 32, "", 0, 0)
    assert_reverts(
        custom_error("VersionNotIncreasing(bytes32,uint64,uint64)", LIST_ID, 0, 0),
        env.status.functions.publishStatusList(issuer, LIST_ID, b"\1" * 32, "u", 0),
        issuer,
    )
    uri = "https://bank.example/status/1"
    receipt = env.send(
        env.status.functions.publishStatusList(issuer, LIST_ID, b"\1" * 32, uri, 1), issuer
    )
    print(f"StatusRegistry.publishStatusList (first): {receipt['gasUsed']} gas")
    assert events(env.status, "StatusListPublished", receipt) == [
        {"issuer": issuer, "listId": LIST_ID, "digest": b"\1" * 32, "uri": uri, "version": 1}
    ]
    assert tuple(env.status.functions.statusList(issuer, LIST_ID).call()) == (
        b"\1" * 32,
        uri,
        1,
        receipt["blockNumber"],
    )
    for version in (1, 0):
        assert_reverts(
            custom_error("VersionNotIncreasing(bytes32,uint64,uint64)", LIST_ID, 1, version),
            env.status.functions.publishStatusList(issuer, LIST_ID, b"\2" * 32, uri, version),
            issuer,
        )
    update = env.send(
        env.status.functions.publishStatusList(issuer, LIST_ID, b"\2" * 32, uri, 5), issuer
    )
    print(f"StatusRegistry.publishStatusList (update, same URI): {update['gasUsed']} gas")
    assert tuple(env.status.functions.statusList(issuer, LIST_ID).call()[:3]) == (
        b"\2" * 32,
        uri,
        5,
    )
    assert_reverts(
        custom_error("NotIssuerOwner(address,address)", issuer, stranger),
        env.status.functions.publishStatusList(issuer, LIST_ID, b"\3" * 32, uri, 6),
        stranger,
    )


def test_writes_follow_the_did_registry_owner(env: Env) -> None:
    issuer, new_owner = env.accounts[1], env.accounts[2]
    env.send(env.did.functions.changeOwner(issuer, new_owner), issuer)
    root = b"\x42" * 32
    for fn in (
        env.status.functions.anchorBatch(issuer, root, 3),
        env.status.functions.publishStatusList(issuer, LIST_ID, b"\1" * 32, "u", 1),
    ):
        assert_reverts(
            custom_error("NotIssuerOwner(address,address)", issuer, issuer),
            fn,
            issuer,
        )
    env.send(env.status.functions.anchorBatch(issuer, root, 3), new_owner)
    env.send(env.status.functions.publishStatusList(issuer, LIST_ID, b"\1" * 32, "u", 1), new_owner)
    # The record names the issuer identity, not the key that happened to sign.
    assert env.status.functions.batch(root).call()[0] == issuer


def test_anchor_is_one_slot_and_duplicate_or_empty_batches_revert(env: Env) -> None:
    issuer, stranger = env.accounts[1], env.accounts[2]
    root = keccak(b"batch")
    receipt = env.send(env.status.functions.anchorBatch(issuer, root, 10_000), issuer)
    print(f"StatusRegistry.anchorBatch: {receipt['gasUsed']} gas")
    assert receipt["gasUsed"] < 55_000  # tx 21,000 + one fresh slot 22,100 + owner check + log
    assert events(env.status, "BatchAnchored", receipt) == [
        {
            "issuer": issuer,
            "root": root,
            "leafCount": 10_000,
            "blockNumber": receipt["blockNumber"],
        }
    ]
    assert tuple(env.status.functions.batch(root).call()) == (
        issuer,
        10_000,
        receipt["blockNumber"],
    )
    assert tuple(env.status.functions.batch(b"\7" * 32).call()) == (
        "0x0000000000000000000000000000000000000000",
        0,
        0,
    )
    for sender in (issuer, env.accounts[3]):  # nobody can anchor a root twice
        assert_reverts(
            custom_error("BatchAlreadyAnchored(bytes32)", root),
            env.status.functions.anchorBatch(sender, root, 1),
            sender,
        )
    for bad_root, count in ((b"\0" * 32, 1), (b"\1" * 32, 0)):
        assert_reverts(
            custom_error("InvalidBatch(bytes32,uint32)", bad_root, count),
            env.status.functions.anchorBatch(issuer, bad_root, count),
            issuer,
        )
    assert_reverts(
        custom_error("NotIssuerOwner(address,address)", issuer, stranger),
        env.status.functions.anchorBatch(issuer, b"\2" * 32, 1),
        stranger,
    )


def test_gas_per_credential_falls_with_batch_size(env: Env) -> None:
    issuer = env.accounts[1]
    per_credential = {}
    for size in (1, 100, 10_000):
        tree = MerkleTree([credential_leaf(i.to_bytes(4, "big"), new_salt()) for i in range(size)])
        receipt = env.send(env.status.functions.anchorBatch(issuer, tree.root, size), issuer)
        per_credential[size] = receipt["gasUsed"] / size
        print(
            f"anchor batch of {size}: {receipt['gasUsed']} gas, "
            f"{per_credential[size]:.2f} gas per credential"
        )
    assert per_credential[10_000] <= per_credential[1] / 1_000


@pytest.mark.parametrize("size", [1, 2, 7, 100])
def test_contract_verifies_python_merkle_proofs(env: Env, size: int) -> None:
    issuer, other = env.accounts[1], env.accounts[2]
    leaves = [credential_leaf(f"credential {i}".encode(), new_salt()) for i in range(size)]
    tree = MerkleTree(leaves)
    env.send(env.status.functions.anchorBatch(issuer, tree.root, size), issuer)
    for i in sorted({0, size // 2, size - 1}):
        proof = tree.proof(i)
        assert env.status.functions.verifyInclusion(tree.root, leaves[i], proof).call()
        assert env.status.functions.verifyAnchored(issuer, tree.root, leaves[i], proof).call()
        assert not env.status.functions.verifyAnchored(other, tree.root, leaves[i], proof).call()
        wrong = keccak(b"not issued")
        assert not env.status.functions.verifyInclusion(tree.root, wrong, proof).call()
    unanchored = MerkleTree([*leaves, keccak(b"extra")])
    assert not env.status.functions.verifyAnchored(
        issuer, unanchored.root, leaves[0], unanchored.proof(0)
    ).call()
