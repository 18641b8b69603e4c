"""The project JSON-LD context defines every term our credentials use (VC 2.0 has no @vocab)."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest
from credential_examples import ISSUER, NOW, bank_statement, fido, kyc

from passport import jsonld
from passport.credentials import CREDENTIAL_TYPES, PASSPORT_CONTEXT, load_schema
from passport.errors import MalformedError
from passport.status import StatusList, build_status_list_credential

FP = "https://w3id.org/financial-passport/vocab#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def context_document() -> dict[str, Any]:
    text = (
        resources.files("passport.credentials")
        .joinpath("contexts", "passport-v1.jsonld")
        .read_text("utf-8")
    )
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def keys(node: Any, skip: frozenset[str] = frozenset({"@context", "publicKeyJwk"})) -> set[str]:
    """Every property name used in a compact document (JSON literals excluded)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in skip:
                found.add(key)
                continue
            found.add(key)
            found |= keys(value, skip)
    elif isinstance(node, list):
        for item in node:
            found |= keys(item, skip)
    return found


def expanded_iris(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if "@value" in node:
            return found
        for key, value in node.items():
            if not key.startswith("@"):
                found.add(key)
            found |= expanded_iris(value)
    elif isinstance(node, list):
        for item in node:
            found |= expanded_iris(item)
    return found


def test_context_is_served_offline_and_protected() -> None:
    assert jsonld.CONTEXTS[PASSPORT_CONTEXT] == "passport-v1.jsonld"
    ctx = jsonld.load_context(PASSPORT_CONTEXT)["@context"]
    assert ctx["@protected"] is True
    assert ctx["@version"] == 1.1


def test_every_full_example_expands_without_dropping_anything(
    example: tuple[str, dict[str, Any]],
) -> None:
    name, doc = example
    expanded = jsonld.expand(doc, strict=True)  # raises jsonld_undefined_term on any drop
    node = expanded[0]
    assert node["@type"] == ["https://www.w3.org/2018/credentials#VerifiableCredential", FP + name]
    subject = node["https://www.w3.org/2018/credentials#credentialSubject"][0]
    # every claim of the compact subject came through as a property of the expanded subject
    compact_claims = set(doc["credentialSubject"]) - {"id"}
    assert len(compact_claims) == len([k for k in subject if not k.startswith("@")])
    iris = expanded_iris(expanded)
    assert not any("issuer-dependent" in iri for iri in iris)


def test_term_mappings() -> None:
    subject = jsonld.expand(kyc())[0]["https://www.w3.org/2018/credentials#credentialSubject"][0]
    assert subject["https://schema.org/birthDate"] == [
        {"@type": XSD + "date", "@value": "1990-03-14"}
    ]
    assert subject[FP + "kycLevel"] == [{"@value": "standard"}]

    subject = jsonld.expand(bank_statement())[0][
        "https://www.w3.org/2018/credentials#credentialSubject"
    ][0]
    assert subject[FP + "currentBalance"] == [{"@type": XSD + "decimal", "@value": "1250000.00"}]
    tiers = subject[FP + "balanceAtLeast"][0]
    assert tiers["https://w3id.org/financial-passport/vocab/balanceAtLeast#USD_25000"] == [
        {"@value": True}
    ]

    jwk_doc = fido()
    subject = jsonld.expand(jwk_doc)[0]["https://www.w3.org/2018/credentials#credentialSubject"][0]
    assert subject["https://w3id.org/security#publicKeyJwk"] == [
        {"@type": "@json", "@value": jwk_doc["credentialSubject"]["publicKeyJwk"]}
    ]
    assert subject[FP + "userVerified"] == [{"@value": True}]


def test_an_undefined_claim_is_caught() -> None:
    doc = kyc()
    doc["credentialSubject"]["favouriteColour"] = "blue"
    with pytest.raises(MalformedError) as info:
        jsonld.expand(doc, strict=True)
    assert info.value.code == "jsonld_undefined_term"


def test_protected_terms_cannot_be_redefined() -> None:
    doc = kyc()
    doc["@context"] = [*doc["@context"], {"kycLevel": "https://evil.example/kycLevel"}]
    with pytest.raises(MalformedError) as info:
        jsonld.expand(doc, strict=True)
    assert info.value.code == "jsonld_invalid"


def test_status_list_credential_expands_with_the_vc2_context_alone() -> None:
    doc = build_status_list_credential(
        issuer=ISSUER,
        url="https://bank.example/status/1",
        purpose="revocation",
        status_list=StatusList(),
        valid_from=NOW,
        valid_until=NOW.replace(year=2026),
    )
    subject = jsonld.expand(doc, strict=True)[0][
        "https://www.w3.org/2018/credentials#credentialSubject"
    ][0]
    encoded = subject["https://www.w3.org/ns/credentials/status#encodedList"][0]["@value"]
    assert encoded == doc["credentialSubject"]["encodedList"]


def test_every_schema_claim_is_defined_by_the_context() -> None:
    """Static check: a claim added to a schema must be added to the context too."""
    terms = set(context_document()["@context"])
    vc2_terms = {"id", "type"}
    for name in CREDENTIAL_TYPES:
        schema = load_schema(name)
        if name == "BitstringStatusListCredential":
            continue
        assert name in terms
        claims = set(schema["$defs"]["credentialSubject"]["properties"])
        assert claims - terms - vc2_terms == set(), name


def test_context_defines_nothing_unused() -> None:
    """Every term of the context is used by an example (no stale or misspelled terms);
    ``fidoAssertion`` is a presentation member (docs/fido-presentation.md)."""
    used: set[str] = {"fidoAssertion"}
    for doc in (kyc(), bank_statement(), fido()):
        used |= keys(doc) | set(doc["type"])
    defined = {t for t in context_document()["@context"] if not t.startswith("@")}
    prefixes = {"fp", "schema", "xsd"}
    assert defined - prefixes - used == set()


def test_partial_credential_still_expands() -> None:
    doc = copy.deepcopy(bank_statement())
    doc["credentialSubject"] = {
        "id": doc["credentialSubject"]["id"],
        "balanceAtLeast": {"USD_10000": True},
    }
    jsonld.expand(doc, strict=True)
