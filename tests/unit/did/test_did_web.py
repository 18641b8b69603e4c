"""did:web: DID -> URL, and resolution against a real HTTP server on 127.0.0.1 (no mocks).

The ``loopback`` fixture (conftest.py) is a ``LoopbackServer``.
"""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from passport.did import DidWebPolicy, WebDidResolver, did_web_url, resolve_method
from passport.did.resolver import CachingResolver
from passport.errors import CouldNotCheckError, MalformedError
from passport.keys import PrivateKey

# --- DID -> URL (did:web spec, "Read (Resolve)") ----------------------------------------


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        (
            "did:web:w3c-ccg.github.io:user:alice",
            "https://w3c-ccg.github.io/user/alice/did.json",
        ),
        ("did:web:example.com%3A3000", "https://example.com:3000/.well-known/did.json"),
        ("did:web:example.com%3a3000", "https://example.com:3000/.well-known/did.json"),
        (
            "did:web:example.com%3A3000:user:alice",
            "https://example.com:3000/user/alice/did.json",
        ),
        ("did:web:Bank.Example.COM", "https://bank.example.com/.well-known/did.json"),
        ("did:web:example.com:a%20b", "https://example.com/a%20b/did.json"),
    ],
)
def test_did_to_url(did: str, url: str) -> None:
    assert did_web_url(did) == url


def test_http_only_for_opted_in_hosts() -> None:
    hosts = {"127.0.0.1", "localhost"}
    assert did_web_url("did:web:127.0.0.1%3A8080", insecure_http_hosts=hosts) == (
        "http://127.0.0.1:8080/.well-known/did.json"
    )
    assert did_web_url("did:web:localhost:u:1", insecure_http_hosts=hosts) == (
        "http://localhost/u/1/did.json"
    )
    assert did_web_url("did:web:example.com", insecure_http_hosts=hosts).startswith("https://")
    assert did_web_url("did:web:127.0.0.1%3A8080").startswith("https://")


@pytest.mark.parametrize(
    "did",
    [
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
        "did:web:",
        "did:web:-bad-.com",
        "did:web:exa_mple.com",
        "did:web:example.com%3A",
        "did:web:example.com%3Ahttp",
        "did:web:example.com%3A70000",
        "did:web:example.com%2Fevil",
        "did:web:example.com::x",
        "did:web:example.com:..:x",
        "did:web:example.com:a%2Fb",
        "did:web:example.com/path",
        "did:web:example.com#frag",
    ],
)
def test_malformed_did_web_is_did_invalid(did: str) -> None:
    with pytest.raises(MalformedError) as err:
        did_web_url(did)
    assert err.value.code == "did_invalid"


# --- resolution over loopback HTTP --------------------------------------------------------


def _document(did: str, key: PrivateKey) -> dict[str, Any]:
    vm_id = did + "#key-1"
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.public_key.to_multikey(),
            }
        ],
        "assertionMethod": [vm_id],
    }


def _resolver(client: httpx.Client, **kwargs: Any) -> WebDidResolver:
    return WebDidResolver(client, insecure_http_hosts={"127.0.0.1"}, **kwargs)


def test_resolves_well_known_document(loopback: Any, http_client: httpx.Client) -> None:
    did = f"did:web:{loopback.authority}"
    key = PrivateKey.generate()
    loopback.serve_json("/.well-known/did.json", _document(did, key))
    doc = _resolver(http_client).resolve(did)
    assert doc.id == did
    assert doc.metadata["url"] == f"http://127.0.0.1:{loopback.port}/.well-known/did.json"
    vm = doc.authorized_method("#key-1", "assertionMethod")
    assert vm.public_key == key.public_key


def test_resolves_path_document_and_checks_relationships(
    loopback: Any, http_client: httpx.Client
) -> None:
    did = f"did:web:{loopback.authority}:banks:taipei"
    key = PrivateKey.generate()
    loopback.serve_json("/banks/taipei/did.json", _document(did, key))
    resolver = CachingResolver(methods={"web": _resolver(http_client)})
    vm = resolve_method(resolver, did + "#key-1", "assertionMethod")
    assert vm.id == did + "#key-1" and vm.controller == did
    assert vm.public_key.verify(key.sign(b"statement"), b"statement")
    with pytest.raises(Exception) as err:
        resolve_method(resolver, did + "#key-1", "authentication")
    assert getattr(err.value, "code", None) == "key_not_authorized"
    assert loopback.hits == {"/banks/taipei/did.json": 1}  # second lookup came from the cache


def test_resolver_creates_and_closes_its_own_client(loopback: Any) -> None:
    did = f"did:web:{loopback.authority}"
    loopback.serve_json("/.well-known/did.json", _document(did, PrivateKey.generate()))
    resolver = WebDidResolver(insecure_http_hosts=["127.0.0.1"])
    try:
        assert resolver.resolve(did).id == did
    finally:
        resolver.close()
    assert resolver.resolve(did).id == did  # a fresh client after close
    resolver.close()


def test_404_is_did_not_found(loopback: Any, http_client: httpx.Client) -> None:
    with pytest.raises(CouldNotCheckError) as err:
        _resolver(http_client).resolve(f"did:web:{loopback.authority}:nobody")
    assert err.value.code == "did_not_found"
    assert err.value.details["status"] == 404


@pytest.mark.parametrize("status", [500, 503, 302, 401])
def test_other_statuses_are_resolution_failures(
    loopback: Any, http_client: httpx.Client, status: int
) -> None:
    loopback.route("/.well-known/did.json", status, b"{}", {"Location": "/elsewhere"})
    with pytest.raises(CouldNotCheckError) as err:
        _resolver(http_client).resolve(f"did:web:{loopback.authority}")
    assert err.value.code == "did_resolution_failed"
    assert err.value.details["status"] == status


def test_timeout_is_unreachable(loopback: Any, http_client: httpx.Client) -> None:
    loopback.route("/.well-known/did.json", 200, b"{}", delay=1.0)
    with pytest.raises(CouldNotCheckError) as err:
        _resolver(http_client, timeout=0.2).resolve(f"did:web:{loopback.authority}")
    assert err.value.code == "did_web_unreachable"
    assert "Timed out" in err.value.message


def test_connection_refused_is_unreachable(http_client: httpx.Client) -> None:
    with socket.socket() as sock:  # find a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(CouldNotCheckError) as err:
        _resolver(http_client).resolve(f"did:web:127.0.0.1%3A{port}")
    assert err.value.code == "did_web_unreachable"
    assert "Error" not in err.value.message  # no exception class names (a port scanner's aid)


def test_https_is_the_default(loopback: Any, http_client: httpx.Client) -> None:
    did = f"did:web:{loopback.authority}"
    loopback.serve_json("/.well-known/did.json", _document(did, PrivateKey.generate()))
    # Not opted in: the resolver speaks TLS to a plain-HTTP server and fails.
    with pytest.raises(CouldNotCheckError) as err:
        WebDidResolver(http_client, policy=DidWebPolicy(allow_loopback=True), timeout=2).resolve(
            did
        )
    assert err.value.code == "did_web_unreachable"
    assert err.value.details["url"].startswith("https://")


@pytest.mark.parametrize(
    "body",
    [b"not json", b"\xff\xfe{}", b"[]", b'"did:web:x"', b'{"id": "did:web:someone.else"}', b"{}"],
    ids=["not-json", "not-utf8", "array", "string", "id-mismatch", "no-id"],
)
def test_bad_documents_are_malformed(loopback: Any, http_client: httpx.Client, body: bytes) -> None:
    loopback.route("/.well-known/did.json", 200, body)
    with pytest.raises(MalformedError) as err:
        _resolver(http_client).resolve(f"did:web:{loopback.authority}")
    assert err.value.code == "did_document_malformed"


def test_oversized_document_is_malformed(loopback: Any, http_client: httpx.Client) -> None:
    did = f"did:web:{loopback.authority}"
    doc = {**_document(did, PrivateKey.generate()), "padding": "x" * 5000}
    loopback.serve_json("/.well-known/did.json", doc)
    with pytest.raises(MalformedError) as err:
        _resolver(http_client, max_document_bytes=4096).resolve(did)
    assert err.value.code == "did_document_malformed"
    assert _resolver(http_client).resolve(did).id == did  # the default limit is larger
