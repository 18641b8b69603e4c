"""did:ethr: the pure document builder (spec vectors, synthetic histories), then the resolver
against the embedded chain (controller operations, caching, RPC counts, verification)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import encode as abi_encode

from passport import securing
from passport.chain.client import Chain
from passport.chain.deployment import Deployment, deploy
from passport.credentials import build_kyc_credential, credential_status_entry
from passport.credentials.model import hash_id_document_number
from passport.di import eddsa
from passport.did.ethr import (
    DID_ATTRIBUTE_CHANGED,
    DID_DELEGATE_CHANGED,
    DID_OWNER_CHANGED,
    AttributeChanged,
    DelegateChanged,
    EthrDidResolver,
    OwnerChanged,
    RegistryEvent,
    build_document,
    decode_log,
    ethr_did,
    parse_ethr_did,
)
from passport.did.ethr.controller import EthrDidController
from passport.did.key import KeyDidResolver, did_key_from_public_key
from passport.did.resolver import CachingResolver
from passport.errors import ConfigurationError, CouldNotCheckError, MalformedError, VerdictError
from passport.keys import KeyType, PrivateKey
from passport.ports import FixedClock
from passport.report import ReportStatus
from passport.status import StatusList, build_status_list_credential
from passport.status.fetch import LocalFirstFetcher
from passport.verify import VerifyOptions, verify

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "did-ethr"
SPEC_ACCOUNT = "0xf3beac30c498d9e26865f34fcaa57dbb935b0d74"
SPEC_DID = f"did:ethr:{SPEC_ACCOUNT}"
NOW = 1_700_000_000
LATER = NOW + 86_400


def vector(name: str) -> Any:
    return json.loads((VECTORS / name).read_text())


def attr(
    block: int, name: str, value: bytes, valid_to: int = LATER, pc: int = 0
) -> AttributeChanged:
    return AttributeChanged(block, pc, name, value, valid_to)


def doc_of(history: list[RegistryEvent], did: str = SPEC_DID, **kw: Any) -> dict[str, Any]:
    parsed = parse_ethr_did(did)
    kw.setdefault("chain_id", parsed.chain_id)
    kw.setdefault("now", NOW)
    kw.setdefault("controller_key", parsed.public_key)
    return build_document(did, parsed.address, history, **kw).data


# --- identifiers -------------------------------------------------------------------------


def test_parse_chain_qualified_did() -> None:
    addr = "0x" + "ab" * 20
    parsed = parse_ethr_did(f"did:ethr:0x7a69:{addr}?versionId=12#delegate-1")
    assert parsed.chain_id == 31337
    assert parsed.address == "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"
    assert parsed.did == f"did:ethr:0x7a69:{addr}"
    assert parsed.version_id == 12
    assert parse_ethr_did(f"did:ethr:{addr}").chain_id == 1  # no network: mainnet
    assert parse_ethr_did(f"did:ethr:mainnet:{addr}").chain_id == 1
    assert parse_ethr_did(f"did:ethr:0x7a69:{addr}?versionId=latest").version_id is None


def test_public_key_did_maps_to_its_address() -> None:
    # the secp256k1 generator point is the public key of private key 1
    parsed = parse_ethr_did(
        "did:ethr:0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    )
    assert parsed.address == "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
    assert parsed.public_key is not None and len(parsed.public_key) == 33


@pytest.mark.parametrize(
    "did",
    [
        "did:key:z6Mkabc",
        "did:ethr:0x7a69:0x1234",
        "did:ethr:0x7a69:0x" + "zz" * 20,
        "did:ethr:ropsten2:0x" + "ab" * 20,  # unknown network name
        "did:ethr:0x7a69:0x" + "ab" * 20 + "?versionId=abc",
        "did:ethr:0x03" + "00" * 32,  # not a point on secp256k1
    ],
)
def test_invalid_dids_are_did_invalid(did: str) -> None:
    with pytest.raises(MalformedError) as err:
        parse_ethr_did(did)
    assert err.value.code == "did_invalid"


def test_ethr_did_helper() -> None:
    assert ethr_did("0x" + "ab" * 20, 31337) == (
        "did:ethr:0x7a69:0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"
    )
    with pytest.raises(MalformedError) as err:
        ethr_did("0x1234", 31337)
    assert err.value.code == "did_invalid"


# --- the spec's examples (tests/vectors/did-ethr, see README) ------------------------------


def test_spec_default_document_of_an_address() -> None:
    expected = vector("default-address.did-document.json")
    got = doc_of([], did=expected["id"])
    # blockchainAccountId MAY use the EIP-55 checksum form (spec "Method Specific Identifier")
    got_account = got["verificationMethod"][0].pop("blockchainAccountId")
    want_account = expected["verificationMethod"][0].pop("blockchainAccountId")
    assert got_account.lower() == want_account.lower()
    assert got == expected


def test_spec_default_document_of_a_public_key() -> None:
    expected = vector("default-public-key.did-document.json")
    got = doc_of([], did=expected["id"])
    # Erratum in the spec's example: its blockchainAccountId names 0xb9c5..., which is not the
    # address of the generator point 0x0279be...; the address is 0x7E5F...95Bdf.
    assert got["verificationMethod"][0].pop("blockchainAccountId") == (
        "eip155:1:0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
    )
    expected["verificationMethod"][0].pop("blockchainAccountId")
    got["verificationMethod"][1]["publicKeyJwk"] = dict(
        sorted(got["verificationMethod"][1]["publicKeyJwk"].items())
    )
    expected["verificationMethod"][1]["publicKeyJwk"] = dict(
        sorted(expected["verificationMethod"][1]["publicKeyJwk"].items())
    )
    assert got == expected


@pytest.mark.parametrize(
    ("name", "value", "file", "relationship"),
    [
        (
            "did/pub/Ed25519/veriKey",
            "c642b35757cc36906fa75fa0338bf33e5210c5bce4769324801fd64276d69d07",
            "ed25519-veriKey.vm.json",
            "assertionMethod",
        ),
        (
            "did/pub/X25519/enc",
            "118557777ffb078774371a52b00fed75561dcf975e61c47553e664a617661052",
            "x25519-enc.vm.json",
            "keyAgreement",
        ),
        (
            "did/pub/Secp256k1/veriKey/hex",
            "02b97c30de767f084ce3080168ee293053ba33b235d7116a3263d29f1450936b71",
            "secp256k1-veriKey-hex.vm.json",
            "assertionMethod",
        ),
    ],
)
def test_spec_public_key_examples(name: str, value: str, file: str, relationship: str) -> None:
    expected = vector(file)
    data = doc_of([attr(5, name, bytes.fromhex(value))])
    assert data["verificationMethod"][1] == expected
    assert data[relationship][-1] == expected["id"]


def test_spec_secp256k1_jwk_example() -> None:
    # Erratum in the spec's example: its x/y are not the coordinates of 0x02b97c30...;
    # the type, id and controller are checked against it, the JWK against the key itself.
    expected = vector("secp256k1-veriKey.vm.json")
    key = "02b97c30de767f084ce3080168ee293053ba33b235d7116a3263d29f1450936b71"
    vm = doc_of([attr(5, "did/pub/Secp256k1/veriKey", bytes.fromhex(key))])["verificationMethod"][1]
    assert {k: vm[k] for k in ("id", "type", "controller")} == {
        k: expected[k] for k in ("id", "type", "controller")
    }
    assert vm["publicKeyJwk"]["x"] == "uXww3nZ_CEzjCAFo7ikwU7ozsjXXEWoyY9KfFFCTa3E"
    assert vm["publicKeyJwk"]["crv"] == "secp256k1"


def test_spec_service_example() -> None:
    data = doc_of([attr(5, "did/svc/HubService", b"https://hubs.uport.me")])
    assert data["service"] == [vector("service.json")]


# --- synthetic histories ---------------------------------------------------------------------

ED1 = bytes(range(32))
ED2 = bytes(range(1, 33))
D1 = "0x1111111111111111111111111111111111111111"
D2 = "0x2222222222222222222222222222222222222222"


def test_spec_id_numbering_example() -> None:
    """The example of spec section "id properties of entries", step by step."""
    history: list[RegistryEvent] = [
        attr(1, "did/pub/Ed25519/veriKey", ED1),  # delegate-1
        attr(2, "did/pub/Ed25519/veriKey", ED2),  # delegate-2
        DelegateChanged(3, 2, "veriKey", D1, NOW + 100),  # delegate-3 (expires first)
        attr(4, "did/svc/HubService", b"https://hub"),  # service-1
        attr(5, "did/pub/Ed25519/veriKey", ED1, valid_to=0),  # revoke first key (count 4)
        DelegateChanged(6, 5, "veriKey", D2, LATER),  # delegate-5
    ]
    data = doc_of(history)
    ids = [vm["id"].split("#")[1] for vm in data["verificationMethod"]]
    assert ids == ["controller", "delegate-2", "delegate-3", "delegate-5"]
    assert data["service"][0]["id"].endswith("#service-1")
    expired = doc_of(history, now=NOW + 101)  # first delegate expired
    assert [vm["id"].split("#")[1] for vm in expired["verificationMethod"]] == [
        "controller",
        "delegate-2",
        "delegate-5",
    ]


def test_delegates_veri_key_and_sig_auth() -> None:
    data = doc_of(
        [DelegateChanged(1, 0, "veriKey", D1, LATER), DelegateChanged(2, 1, "sigAuth", D2, LATER)]
    )
    vm1, vm2 = data["verificationMethod"][1:]
    assert vm1["type"] == vm2["type"] == "EcdsaSecp256k1RecoveryMethod2020"
    assert vm1["blockchainAccountId"] == f"eip155:1:{D1}"
    assert data["assertionMethod"] == [f"{SPEC_DID}#controller", vm1["id"], vm2["id"]]
    assert data["authentication"] == [f"{SPEC_DID}#controller", vm2["id"]]


def test_revoked_delegate_and_unknown_delegate_type() -> None:
    data = doc_of(
        [
            DelegateChanged(1, 0, "veriKey", D1, LATER),
            DelegateChanged(2, 1, "veriKey", D1, NOW - 1),  # revokeDelegate: validTo = then
            DelegateChanged(3, 2, "custom", D2, LATER),  # counted, not shown
            attr(4, "did/pub/Ed25519/veriKey", ED1),
        ]
    )
    assert [vm["id"].split("#")[1] for vm in data["verificationMethod"]] == [
        "controller",
        "delegate-4",
    ]


@pytest.mark.parametrize("encoding", ["", "/hex", "/base64", "/base58"])
def test_ed25519_key_in_every_encoding_is_canonical_multikey(encoding: str) -> None:
    from passport.did.document import DidDocument

    data = doc_of([attr(1, f"did/pub/Ed25519/veriKey{encoding}", ED1)])
    vm = data["verificationMethod"][1]
    assert vm["type"] == "Ed25519VerificationKey2020"
    assert "https://w3id.org/security/suites/ed25519-2020/v1" in data["@context"]
    method = DidDocument(data).authorized_method(vm["id"], "assertionMethod")
    assert method.public_key.raw == ED1


def test_sig_auth_ed25519_key_serves_authentication() -> None:
    data = doc_of([attr(1, "did/pub/Ed25519/sigAuth/base58", ED1)])
    vm_id = data["verificationMethod"][1]["id"]
    assert vm_id in data["authentication"] and vm_id in data["assertionMethod"]


def test_malformed_key_attributes_are_left_out_but_counted() -> None:
    data = doc_of(
        [
            attr(1, "did/pub/Ed25519/veriKey", b"short"),  # not 32 bytes
            attr(2, "other/attribute", b"x"),  # not a DID attribute: not counted
            attr(3, "did/pub/Ed25519/veriKey", ED1),
            attr(4, "did/svc/Bad", b"\xff\xfe"),  # not UTF-8
            attr(5, "did/svc/Json", b'{"uri": "https://x"}'),
        ]
    )
    assert [vm["id"].split("#")[1] for vm in data["verificationMethod"]] == [
        "controller",
        "delegate-2",
    ]
    assert data["service"] == [
        {"id": f"{SPEC_DID}#service-2", "type": "Json", "serviceEndpoint": {"uri": "https://x"}}
    ]


def test_rsa_and_unknown_algorithms() -> None:
    data = doc_of(
        [attr(1, "did/pub/RSA/veriKey", b"\x30\x82"), attr(2, "did/pub/Bls12381G2Key2020", b"\x01")]
    )
    rsa, bls = data["verificationMethod"][1:]
    assert rsa["type"] == "RsaVerificationKey2018"
    assert rsa["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----\nMII=")
    assert bls == {
        "id": f"{SPEC_DID}#delegate-2",
        "controller": SPEC_DID,
        "type": "Bls12381G2Key2020",
        "publicKeyHex": "01",
    }


def test_owner_change_and_controller_key() -> None:
    pk_did = "did:ethr:0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    data = doc_of([OwnerChanged(1, 0, D1)], did=pk_did)
    assert data["verificationMethod"][0]["blockchainAccountId"] == f"eip155:1:{D1}"
    assert len(data["verificationMethod"]) == 1  # #controllerKey left out: owner changed
    assert data["authentication"] == [f"{pk_did}#controller"]


def test_deactivation() -> None:
    built = build_document(
        SPEC_DID,
        SPEC_ACCOUNT,
        [attr(1, "did/pub/Ed25519/veriKey", ED1), OwnerChanged(2, 1, "0x" + "00" * 20)],
        chain_id=1,
        now=NOW,
    )
    assert built.deactivated
    assert built.data == {
        "@context": "https://www.w3.org/ns/did/v1",
        "id": SPEC_DID,
        "verificationMethod": [],
        "authentication": [],
        "assertionMethod": [],
    }


def test_version_block_ignores_later_events() -> None:
    history: list[RegistryEvent] = [
        attr(10, "did/pub/Ed25519/veriKey", ED1),
        attr(20, "did/pub/Ed25519/veriKey", ED1, valid_to=0, pc=10),
        attr(20, "did/pub/Ed25519/veriKey", ED2, pc=20),
        attr(30, "did/svc/Hub", b"https://h", pc=20),
    ]
    parsed = parse_ethr_did(SPEC_DID)
    old = build_document(SPEC_DID, parsed.address, history, chain_id=1, now=NOW, version_block=15)
    assert old.version_id == 10 and old.next_version_id == 20
    assert old.data["verificationMethod"][1]["id"].endswith("#delegate-1")
    new = build_document(SPEC_DID, parsed.address, history, chain_id=1, now=NOW)
    assert new.version_id == 30 and new.next_version_id is None
    assert [vm["id"].split("#")[1] for vm in new.data["verificationMethod"]] == [
        "controller",
        "delegate-3",
    ]
    assert new.valid_until == LATER


def _log(topic: bytes, data: bytes, block: int = 7) -> dict[str, Any]:
    identity = bytes(12) + bytes.fromhex(SPEC_ACCOUNT[2:])
    return {"topics": [topic, identity], "data": data, "blockNumber": block, "logIndex": 0}


def test_decode_logs_of_the_three_events() -> None:
    owner, pc = decode_log(_log(DID_OWNER_CHANGED, abi_encode(["address", "uint256"], [D1, 3])))
    assert owner == OwnerChanged(7, 3, D1) and pc == 3
    name = b"veriKey".ljust(32, b"\0")
    delegate, _ = decode_log(
        _log(
            DID_DELEGATE_CHANGED,
            abi_encode(["bytes32", "address", "uint256", "uint256"], [name, D2, 99, 3]),
        )
    )
    assert delegate == DelegateChanged(7, 3, "veriKey", D2, 99)
    attr_name = b"did/svc/Hub".ljust(32, b"\0")
    attribute, _ = decode_log(
        {
            **_log(
                DID_ATTRIBUTE_CHANGED,
                abi_encode(["bytes32", "bytes", "uint256", "uint256"], [attr_name, b"x", 5, 0]),
            ),
            "data": "0x"
            + abi_encode(["bytes32", "bytes", "uint256", "uint256"], [attr_name, b"x", 5, 0]).hex(),
            "blockNumber": "0x7",
        }
    )
    assert attribute == AttributeChanged(7, 0, "did/svc/Hub", b"x", 5)
    not_utf8, pc = decode_log(
        _log(
            DID_ATTRIBUTE_CHANGED,
            abi_encode(["bytes32", "bytes", "uint256", "uint256"], [b"\xff" * 32, b"x", 5, 4]),
        )
    )
    assert not_utf8 is None and pc == 4  # skipped, but its previousChange still counts


# --- against the embedded chain ----------------------------------------------------------------


@dataclass
class Env:
    chain: Chain
    deployment: Deployment


@pytest.fixture(scope="module")
def env() -> Iterator[Env]:
    chain = Chain.embedded()
    yield Env(chain, deploy(chain, chain.accounts[0]))


def chain_clock(chain: Chain) -> FixedClock:
    return FixedClock(datetime.fromtimestamp(chain.block_timestamp(), UTC))


def new_owner(env: Env) -> PrivateKey:
    key = PrivateKey.generate(KeyType.SECP256K1)
    env.chain.fund(key.eth_address(), 10**18)
    return key


def resolver_for(env: Env, **kw: Any) -> EthrDidResolver:
    kw.setdefault("clock", chain_clock(env.chain))
    return EthrDidResolver.from_deployment(env.chain, env.deployment, **kw)


def test_fresh_identity_resolves_to_the_default_document_with_one_call(env: Env) -> None:
    key = PrivateKey.generate(KeyType.SECP256K1)
    did = EthrDidController(env.chain, env.deployment, key).did
    assert did.startswith(f"did:ethr:{hex(env.deployment.chain_id)}:0x")
    resolver = resolver_for(env)
    env.chain.reset_rpc_calls()
    doc = resolver.resolve(did)
    assert env.chain.rpc_methods == {"eth_call": 1}
    assert doc.data["verificationMethod"][0]["blockchainAccountId"] == (
        f"eip155:{env.deployment.chain_id}:{key.eth_address()}"
    )
    assert doc.metadata["changed"] == 0 and "versionId" not in doc.metadata


def test_published_key_service_and_rpc_counts(env: Env) -> None:
    owner = new_owner(env)
    ctl = EthrDidController(env.chain, env.deployment, owner)
    ed = PrivateKey.generate()
    first = ctl.publish_ed25519_assertion_key(ed.public_key, valid_for=3600)
    ctl.add_service("LinkedDomains", "https://bank.example")
    resolver = resolver_for(env)
    env.chain.reset_rpc_calls()
    doc = resolver.resolve(ctl.did)
    # cold: changed() + one eth_getLogs per change block + the block of `updated`
    assert env.chain.rpc_methods == {"eth_call": 1, "eth_getLogs": 2, "eth_getBlockByNumber": 1}
    vm = doc.authorized_method(f"{ctl.did}#delegate-1", "assertionMethod")
    assert vm.public_key == ed.public_key
    assert doc.data["service"] == [
        {
            "id": f"{ctl.did}#service-1",
            "type": "LinkedDomains",
            "serviceEndpoint": "https://bank.example",
        }
    ]
    assert int(doc.metadata["versionId"]) == first.block_number + 1
    assert doc.metadata["updated"].endswith("Z")
    env.chain.reset_rpc_calls()
    assert resolver.resolve(ctl.did) is doc  # warm: changed() only
    assert env.chain.rpc_calls == 1
    # an entry expires by the resolver's clock: the cached document is rebuilt without it
    assert isinstance(resolver.clock, FixedClock)
    resolver.clock.advance(3601)
    later = resolver.resolve(ctl.did)
    assert [v["id"].split("#")[1] for v in later.data["verificationMethod"]] == ["controller"]


def test_incremental_history_fetches_only_new_blocks(env: Env) -> None:
    owner = new_owner(env)
    ctl = EthrDidController(env.chain, env.deployment, owner)
    ctl.add_service("A", "https://a")
    resolver = resolver_for(env)
    resolver.resolve(ctl.did)
    ctl.add_service("B", "https://b")
    env.chain.reset_rpc_calls()
    doc = resolver.resolve(ctl.did)
    assert env.chain.rpc_methods["eth_getLogs"] == 1  # the new block only
    assert [s["type"] for s in doc.data["service"]] == ["A", "B"]


def test_polling_mode_reaches_zero_calls_and_sees_changes_after_refresh(env: Env) -> None:
    owner = new_owner(env)
    ctl = EthrDidController(env.chain, env.deployment, owner)
    old, new = PrivateKey.generate(), PrivateKey.generate()
    ctl.publish_ed25519_assertion_key(old.public_key)
    clock = chain_clock(env.chain)
    resolver = resolver_for(env, clock=clock, poll_interval=30)
    resolver.resolve(ctl.did)  # first refresh (baseline) + cold fetch
    env.chain.reset_rpc_calls()
    for _ in range(5):
        resolver.resolve(ctl.did)
    assert env.chain.rpc_calls == 0
    ctl.rotate_ed25519_assertion_key(old.public_key, new.public_key)
    stale = resolver.resolve(ctl.did)  # within the poll interval: the old document
    assert stale.methods_for("assertionMethod")[0].public_key == old.public_key
    env.chain.reset_rpc_calls()
    clock.advance(30)
    fresh = resolver.resolve(ctl.did)
    assert env.chain.rpc_methods["eth_blockNumber"] == 1
    assert [vm.public_key for vm in fresh.methods_for("assertionMethod")] == [new.public_key]
    assert resolver.refresh() == set()  # nothing new since


def test_refresh_reports_changed_identities(env: Env) -> None:
    resolver = resolver_for(env)
    assert resolver.refresh() == set()  # baseline
    owner = new_owner(env)
    ctl = EthrDidController(env.chain, env.deployment, owner)
    ctl.add_service("A", "https://a")
    env.chain.reset_rpc_calls()
    assert resolver.refresh() == {owner.eth_address()}
    assert env.chain.rpc_methods == {"eth_blockNumber": 1, "eth_getLogs": 1}


def test_delegates_owner_change_and_old_owner_reverts(env: Env) -> None:
    owner, successor = new_owner(env), new_owner(env)
    ctl = EthrDidController(env.chain, env.deployment, owner)
    delegate = PrivateKey.generate(KeyType.SECP256K1).eth_address()
    ctl.add_delegate("sigAuth", delegate, valid_for=3600)
    assert ctl.valid_delegate("sigAuth", delegate)
    resolver = resolver_for(env)
    doc = resolver.resolve(ctl.did)
    assert f"{ctl.did}#delegate-1" in doc.data["authentication"]
    ctl.revoke_delegate("sigAuth", delegate)
    ctl.change_owner(successor.eth_address())
    resolver.clock = chain_clock(env.chain)
    doc = resolver.resolve(ctl.did)
    assert doc.data["verificationMethod"] == [
        {
            "id": f"{ctl.did}#controller",
            "type": "EcdsaSecp256k1RecoveryMethod2020",
            "controller": ctl.did,
            "blockchainAccountId": f"eip155:{env.deployment.chain_id}:{successor.eth_address()}",
        }
    ]
    with pytest.raises(VerdictError) as err:
        ctl.add_service("X", "https://x")
    assert err.value.code == "contract_reverted"
    assert "bad_actor" in err.value.message
    successor_ctl = EthrDidController(
        env.chain, env.deployment, successor, identity=owner.eth_address()
    )
    successor_ctl.add_service("X", "https://x")
    assert resolver.resolve(ctl.did).data["service"][0]["type"] == "X"


def test_meta_transactions_are_signed_by_the_owner_and_sent_by_a_relayer(env: Env) -> None:
    owner = PrivateKey.generate(KeyType.SECP256K1)  # holds no ether at all
    relayer = env.chain.accounts[1]
    ctl = EthrDidController(env.chain, env.deployment, owner)
    ed = PrivateKey.generate()
    ctl.publish_ed25519_assertion_key_signed(ed.public_key, relayer=relayer)
    assert ctl.nonce() == 1
    successor = PrivateKey.generate(KeyType.SECP256K1).eth_address()
    signature = ctl.sign_change_owner(successor)
    ctl.change_owner_signed(successor, relayer=relayer, signature=signature)
    doc = resolver_for(env).resolve(ctl.did)
    assert doc.data["verificationMethod"][0]["blockchainAccountId"].endswith(successor)
    assert doc.methods_for("assertionMethod")[0].public_key == ed.public_key
    with pytest.raises(VerdictError) as err:  # replaying the signature: no longer the owner's
        ctl.change_owner_signed(successor, relayer=relayer, signature=signature)
    assert err.value.code == "contract_reverted" and "bad_signature" in err.value.message


def test_meta_transaction_needs_a_private_key(env: Env) -> None:
    ctl = EthrDidController(env.chain, env.deployment, env.chain.accounts[2])
    with pytest.raises(ConfigurationError) as err:
        ctl.sign_change_owner(env.chain.accounts[3])
    assert err.value.code == "unsupported_key_type"


def test_attribute_name_and_key_type_errors(env: Env) -> None:
    ctl = EthrDidController(env.chain, env.deployment, env.chain.accounts[2])
    with pytest.raises(MalformedError) as err:
        ctl.add_service("has-dash", "https://x")
    assert err.value.code == "attribute_name_invalid"
    with pytest.raises(MalformedError) as err:
        ctl.set_attribute("did/svc/" + "X" * 30, b"x")
    assert err.value.code == "attribute_name_invalid"
    with pytest.raises(ConfigurationError) as exc:
        ctl.publish_ed25519_assertion_key(PrivateKey.generate(KeyType.P256).public_key)
    assert exc.value.code == "unsupported_key_type"


def test_deactivated_did(env: Env) -> None:
    owner = new_owner(env)
    ctl = EthrDidController(env.chain, env.deployment, owner)
    ctl.publish_ed25519_assertion_key(PrivateKey.generate().public_key)
    result = ctl.deactivate()
    doc = resolver_for(env).resolve(ctl.did)
    assert doc.metadata["deactivated"] is True
    assert doc.metadata["versionId"] == str(result.block_number)
    assert doc.data["verificationMethod"] == [] and doc.methods_for("assertionMethod") == []


def test_version_beyond_the_chain_is_did_invalid(env: Env) -> None:
    did = EthrDidController(env.chain, env.deployment, env.chain.accounts[2]).did
    with pytest.raises(MalformedError) as err:
        resolver_for(env).resolve(f"{did}?versionId={env.chain.block_number() + 1000}")
    assert err.value.code == "did_invalid"


def test_chain_mismatch(env: Env) -> None:
    with pytest.raises(CouldNotCheckError) as err:
        resolver_for(env).resolve("did:ethr:0x1:0x" + "ab" * 20)
    assert err.value.code == "did_chain_mismatch"


class _Broken:
    """A RegistryReader whose node is down, or that lost its logs."""

    def __init__(self, changed: int | None = None) -> None:
        self._changed = changed

    def chain_id(self) -> int:
        return 31337

    def changed(self, registry: str, identity: str) -> int:
        if self._changed is None:
            raise ConnectionRefusedError("connection refused")
        return self._changed

    def logs(self, *args: Any) -> list[Mapping[str, Any]]:
        return []

    def block_number(self) -> int:
        raise TimeoutError("timed out")

    def block_timestamp(self, block: int) -> int:
        return 0


def test_rpc_unavailable_and_missing_logs() -> None:
    did = "did:ethr:0x7a69:0x" + "ab" * 20
    with pytest.raises(CouldNotCheckError) as err:
        EthrDidResolver(_Broken(), "0x" + "11" * 20, 31337).resolve(did)
    assert err.value.code == "rpc_unavailable"
    with pytest.raises(CouldNotCheckError) as err:
        EthrDidResolver(_Broken(), "0x" + "11" * 20, 31337).refresh()
    assert err.value.code == "rpc_unavailable"
    with pytest.raises(CouldNotCheckError) as err:
        EthrDidResolver(_Broken(changed=5), "0x" + "11" * 20, 31337).resolve(did)
    assert err.value.code == "did_resolution_failed"


# --- the key acceptance test: credentials signed by a key published on a did:ethr ----------------


def _kyc(issuer: str, holder: str, now: datetime) -> dict[str, Any]:
    return build_kyc_credential(
        issuer=issuer,
        holder=holder,
        legal_name="Lin Mei-Hua",
        given_name="Mei-Hua",
        family_name="Lin",
        birth_date=date(1990, 4, 1),
        nationality="TW",
        id_document_type="national_id",
        id_document_number_hash=hash_id_document_number("A123456789", salt=b"s" * 16),
        kyc_level="enhanced",
        verification_date=now.date(),
        status=credential_status_entry("https://bank.example/status/1", 7),
        valid_from=now - timedelta(hours=1),
        valid_until=now + timedelta(days=30),
    )


def test_credentials_signed_by_an_ethr_key_verify_and_rotation_takes_effect(env: Env) -> None:
    owner = new_owner(env)
    bank = EthrDidController(env.chain, env.deployment, owner)
    old, new = PrivateKey.generate(), PrivateKey.generate()
    published = bank.publish_ed25519_assertion_key(old.public_key)
    clock = chain_clock(env.chain)
    now = clock.now()
    ethr = EthrDidResolver.from_deployment(env.chain, env.deployment, clock=clock)

    def resolver() -> CachingResolver:
        return CachingResolver(methods={"ethr": ethr, "key": KeyDidResolver()}, clock=clock)

    holder = did_key_from_public_key(PrivateKey.generate().public_key)

    def issue_all(key: PrivateKey) -> tuple[list[Any], dict[str, Any]]:
        res = resolver()
        creds = [
            securing.issue(
                _kyc(bank.did, holder, now), key, securing.IssueFormat(fmt), resolver=res, now=now
            )
            for fmt in ("sd-jwt", "di-rdfc", "di-jcs")
        ]
        vm = securing.find_own_method(res, bank.did, key.public_key, "assertionMethod").id
        unsigned = build_status_list_credential(
            issuer=bank.did,
            url="https://bank.example/status/1",
            purpose="revocation",
            status_list=StatusList(),
            valid_from=now - timedelta(hours=1),
            valid_until=now + timedelta(days=1),
        )
        return creds, eddsa.sign(unsigned, key, vm, cryptosuite="eddsa-jcs-2022", created=now)

    def verdicts(creds: list[Any], status_vc: dict[str, Any]) -> list[ReportStatus]:
        opts = VerifyOptions(
            resolver=resolver(), now=now, status_fetcher=LocalFirstFetcher(local=[status_vc])
        )
        return [verify(c, opts).status for c in creds]

    old_creds, old_list = issue_all(old)
    assert old_creds[1]["proof"]["verificationMethod"] == f"{bank.did}#delegate-1"
    assert verdicts(old_creds, old_list) == [ReportStatus.VERIFIED] * 3

    bank.rotate_ed25519_assertion_key(old.public_key, new.public_key)
    new_creds, new_list = issue_all(new)
    assert new_creds[1]["proof"]["verificationMethod"] == f"{bank.did}#delegate-3"
    assert verdicts(new_creds, new_list) == [ReportStatus.VERIFIED] * 3
    assert verdicts(old_creds, new_list) == [ReportStatus.INVALID] * 3
    opts = VerifyOptions(
        resolver=resolver(), now=now, status_fetcher=LocalFirstFetcher(local=[new_list])
    )
    assert verify(old_creds[1], opts).codes == ["verification_method_not_found"]

    # historical resolution: as of the publishing block the old key is there
    historical = ethr.resolve(f"{bank.did}?versionId={published.block_number}")
    assert historical.methods_for("assertionMethod")[0].public_key == old.public_key
    assert historical.metadata["versionId"] == str(published.block_number)
    assert int(historical.metadata["nextVersionId"]) > published.block_number
    latest = ethr.resolve(bank.did)
    assert [vm.public_key for vm in latest.methods_for("assertionMethod")] == [new.public_key]


def test_version_id_through_the_caching_resolver(chain: Any, deployment: Any, eth_key: Any) -> None:
    """``did:ethr:...?versionId=N`` reaches the ethr resolver through ``CachingResolver`` and
    is not cached in place of the current document."""
    from passport.did import default_resolver
    from passport.did.ethr import EthrDidResolver
    from passport.did.ethr.controller import EthrDidController
    from passport.keys import PrivateKey

    controller = EthrDidController(chain, deployment, eth_key)
    first, second = PrivateKey.generate(), PrivateKey.generate()
    published = controller.publish_ed25519_assertion_key(first.public_key)
    controller.rotate_ed25519_assertion_key(first.public_key, second.public_key)
    resolver = default_resolver(
        extra_methods={"ethr": EthrDidResolver.from_deployment(chain, deployment)}
    )
    then = resolver.resolve(f"{controller.did}?versionId={published.block_number}")
    current = resolver.resolve(controller.did)
    assert [m.public_key for m in then.methods_for("assertionMethod")] == [first.public_key]
    assert [m.public_key for m in current.methods_for("assertionMethod")] == [second.public_key]
    assert resolver.resolve(controller.did) is current  # the current one is cached
