"""The did:web resolution policy: where a resolver may connect, checked on the addresses the
host resolves to, with bounded time and size, and errors that never name exception classes.

Host names are resolved by an injected ``resolve_host`` (a name -> addresses table: the
answers a DNS server would give), so the tests need no DNS; the connections are real, to
the ``loopback`` server (conftest.py).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from passport.did import DidWebPolicy, WebDidResolver, default_resolver
from passport.errors import CouldNotCheckError
from passport.keys import PrivateKey


def _dns(table: dict[str, list[str]]) -> Any:
    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("no such host")
        return table[host]

    return resolve


def _document(did: str) -> dict[str, Any]:
    key = PrivateKey.generate()
    return {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": did + "#k",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.public_key.to_multikey(),
            }
        ],
    }


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("169.254.169.254", "link-local"),  # the cloud metadata service
        ("10.0.0.7", "private"),
        ("172.16.3.4", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "reserved"),  # carrier-grade NAT
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("::", "unspecified"),
        ("ff02::1", "multicast"),
        ("::ffff:10.0.0.1", "private"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
    ],
)
def test_names_resolving_to_non_public_addresses_are_forbidden(
    loopback: Any, address: str, kind: str
) -> None:
    policy = DidWebPolicy(resolve_host=_dns({"bank.example": [address]}))
    with pytest.raises(CouldNotCheckError) as err:
        WebDidResolver(policy=policy).resolve("did:web:bank.example")
    assert err.value.code == "did_web_forbidden_host"
    assert err.value.details["address_kind"] == kind
    assert "Error" not in err.value.message


def test_one_bad_address_among_good_ones_is_enough_to_refuse() -> None:
    policy = DidWebPolicy(resolve_host=_dns({"bank.example": ["93.184.216.34", "10.0.0.1"]}))
    with pytest.raises(CouldNotCheckError) as err:
        WebDidResolver(policy=policy).resolve("did:web:bank.example")
    assert err.value.code == "did_web_forbidden_host"


@pytest.mark.parametrize(
    "did", ["did:web:169.254.169.254", "did:web:10.1.2.3%3A8080", "did:web:192.168.0.1:x"]
)
def test_ip_literals_outside_the_policy_are_forbidden(did: str) -> None:
    with pytest.raises(CouldNotCheckError) as err:
        default_resolver().resolve(did)
    assert err.value.code == "did_web_forbidden_host"


def test_loopback_is_refused_by_default_without_connecting(loopback: Any) -> None:
    did = f"did:web:{loopback.authority}"
    loopback.serve_json("/.well-known/did.json", _document(did))
    with pytest.raises(CouldNotCheckError) as err:
        default_resolver().resolve(did)
    assert err.value.code == "did_web_forbidden_host"
    assert loopback.hits == {}  # no connection was opened


def test_loopback_when_configured(loopback: Any) -> None:
    did = f"did:web:{loopback.authority}"
    loopback.serve_json("/.well-known/did.json", _document(did))
    assert default_resolver(did_web_policy=DidWebPolicy.loopback()).resolve(did).id == did


def test_the_checked_address_is_the_one_connected_to(loopback: Any) -> None:
    """A name is resolved once, checked, and the connection goes to that address, with the
    DID's host in the Host header (a rebinding DNS answer later changes nothing)."""
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])
    policy = DidWebPolicy(
        allow_loopback=True,
        insecure_http_hosts=frozenset({"bank.test"}),
        resolve_host=lambda host, port: next(answers),
    )
    did = f"did:web:bank.test%3A{loopback.port}"
    loopback.serve_json("/.well-known/did.json", _document(did))
    with httpx.Client() as client:
        assert WebDidResolver(client, policy=policy).resolve(did).id == did
    assert loopback.hosts == [f"bank.test:{loopback.port}"]


def test_unresolvable_name_is_unreachable() -> None:
    policy = DidWebPolicy(resolve_host=_dns({}))
    with pytest.raises(CouldNotCheckError) as err:
        WebDidResolver(policy=policy).resolve("did:web:nowhere.example")
    assert err.value.code == "did_web_unreachable"


def test_a_slow_trickle_is_cut_at_the_policy_time(loopback: Any) -> None:
    did = f"did:web:{loopback.authority}"
    loopback.route("/.well-known/did.json", 200, b" " * 40 + b"{}", trickle=0.02)
    policy = DidWebPolicy.loopback(timeout=0.3)  # every byte comes within the read timeout
    with pytest.raises(CouldNotCheckError) as err:
        WebDidResolver(policy=policy).resolve(did)
    assert err.value.code == "did_web_unreachable"


def test_document_size_is_bounded_by_default(loopback: Any) -> None:
    did = f"did:web:{loopback.authority}"
    loopback.serve_json("/.well-known/did.json", {**_document(did), "x": "y" * 300_000})
    with pytest.raises(Exception) as err:
        WebDidResolver(policy=DidWebPolicy.loopback()).resolve(did)
    assert getattr(err.value, "code", None) == "did_document_malformed"
