"""The offline JSON-LD document loader and the undefined-term check."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from passport import jsonld
from passport.errors import MalformedError

CONTEXTS_DIR = resources.files("passport.credentials").joinpath("contexts")


def _credential(**extra: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder"},
        **extra,
    }


@pytest.mark.parametrize("url", sorted(jsonld.CONTEXTS))
def test_every_shipped_context_loads(url: str) -> None:
    doc = jsonld.document_loader(url)
    assert doc["documentUrl"] == url
    assert "@context" in doc["document"]
    # the loader hands out copies: pyld may rewrite them
    doc["document"]["@context"] = None
    assert jsonld.load_context(url)["@context"] is not None


def test_every_context_file_is_listed_and_documented() -> None:
    files = {p.name for p in CONTEXTS_DIR.iterdir() if p.name.endswith(".jsonld")}
    assert set(jsonld.CONTEXTS.values()) <= files
    sources = CONTEXTS_DIR.joinpath("SOURCES.md").read_text()
    for url, name in jsonld.CONTEXTS.items():
        if name == "passport-v1.jsonld":
            continue  # the project's own context
        assert f"| {url} | {name} |" in sources


def test_unknown_context_is_never_fetched() -> None:
    with pytest.raises(MalformedError) as err:
        jsonld.document_loader("https://example.com/contexts/v1")
    assert err.value.code == "jsonld_context_unknown"
    doc = _credential()
    doc["@context"].append("https://example.com/contexts/v1")
    with pytest.raises(MalformedError) as err:
        jsonld.expand(doc)
    assert err.value.code == "jsonld_context_unknown"
    assert err.value.details["url"] == "https://example.com/contexts/v1"


def test_register_context() -> None:
    url = "https://passport.test/contexts/register-test/v1"
    doc = _credential(credentialSubject={"id": "did:example:holder", "kycLevel": "high"})
    doc["@context"].append(url)
    with pytest.raises(MalformedError):
        jsonld.check_terms(doc)
    jsonld.register_context(
        url, json.dumps({"@context": {"kycLevel": "https://passport.test/vocab#kycLevel"}})
    )
    jsonld.check_terms(doc)
    expanded = jsonld.expand(doc)
    subject = expanded[0]["https://www.w3.org/2018/credentials#credentialSubject"][0]
    assert subject["https://passport.test/vocab#kycLevel"] == [{"@value": "high"}]


@pytest.mark.parametrize("bad", ["not json", json.dumps({"no": "context"}), json.dumps([1])])
def test_register_context_rejects_non_contexts(bad: str) -> None:
    with pytest.raises(MalformedError) as err:
        jsonld.register_context("https://passport.test/bad", bad)
    assert err.value.code == "jsonld_invalid"


def test_defined_terms_pass() -> None:
    jsonld.check_terms(_credential(name="A credential", validUntil="2030-01-01T00:00:00Z"))


def test_undefined_property() -> None:
    doc = _credential(balance=5)
    doc["credentialSubject"]["nationality"] = "TW"
    with pytest.raises(MalformedError) as err:
        jsonld.check_terms(doc)
    assert err.value.code == "jsonld_undefined_term"
    assert err.value.details["terms"] == ["balance", "nationality"]


def test_undefined_type() -> None:
    doc = _credential(type=["VerifiableCredential", "BankStatementCredential"])
    with pytest.raises(MalformedError) as err:
        jsonld.check_terms(doc)
    assert err.value.details["terms"] == ["BankStatementCredential"]


def test_non_strict_expansion_drops_undefined_terms() -> None:
    expanded = jsonld.expand(_credential(balance=5), strict=False)
    assert not any("balance" in key for key in expanded[0])


def test_invalid_jsonld() -> None:
    with pytest.raises(MalformedError) as err:
        jsonld.expand({"@context": 5, "id": "x"})
    assert err.value.code == "jsonld_invalid"


def _plain_pyld_nquads(doc: dict[str, Any]) -> str:
    """Canonical N-Quads through pyld's own API, without this module's context memo."""
    from pyld import jsonld as pyld

    return str(
        pyld.normalize(
            doc,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": jsonld.document_loader,
            },
        )
    )


def test_scoped_context_memo_matches_plain_pyld() -> None:
    """Interleaved documents with type- and property-scoped contexts canonicalize exactly as
    pyld alone does, however often and in whatever order they are processed."""
    from passport.di import rdfc

    credential = _credential(id="urn:uuid:1", name="n", description="d")
    proof = {
        "@context": credential["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2025-01-01T00:00:00Z",
        "verificationMethod": "did:example:issuer#k",
        "proofPurpose": "assertionMethod",
    }
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": "did:example:holder",
        "verifiableCredential": [{**credential, "proof": {**proof, "proofValue": "z1"}}],
    }
    did_document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": "did:example:issuer",
        "verificationMethod": [
            {
                "id": "did:example:issuer#k",
                "type": "Multikey",
                "controller": "did:example:issuer",
                "publicKeyMultibase": "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
            }
        ],
        "assertionMethod": ["did:example:issuer#k"],
    }
    docs = [credential, proof, presentation, did_document]
    expected = [_plain_pyld_nquads(d) for d in docs]
    for order in ([0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 2, 1, 3, 1, 0]):
        for i in order:
            assert rdfc.canonicalize(docs[i]).decode() == expected[i]
