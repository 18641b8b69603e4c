"""JSON Schema validation: type detection, the VC 2.0 envelope, claims, partial disclosure."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import pytest
from credential_examples import bank_statement, fido, kyc

from passport.credentials import (
    CREDENTIAL_TYPES,
    detect_credential_type,
    load_schema,
    validate_credential,
)
from passport.errors import MalformedError

Mutation = Callable[[dict[str, Any]], object]


def invalid(doc: Any, *, partial: bool = False) -> MalformedError:
    with pytest.raises(MalformedError) as info:
        validate_credential(doc, partial=partial)
    assert info.value.code == "schema_invalid"
    return info.value


def test_type_detection(example: tuple[str, dict[str, Any]]) -> None:
    name, doc = example
    assert detect_credential_type(doc) == name


def test_full_credentials_pass_partial_validation(example: tuple[str, dict[str, Any]]) -> None:
    name, doc = example
    assert validate_credential(doc, partial=True) == name


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        ([], "$"),
        ({"type": "VerifiableCredential"}, "$.type"),
        ({"type": ["KYCCredential"]}, "$.type"),
        ({"type": ["VerifiableCredential", 7]}, "$.type"),
    ],
)
def test_not_a_credential(doc: Any, path: str) -> None:
    assert invalid(doc).details["path"] == path


@pytest.mark.parametrize(
    "types",
    [
        ["VerifiableCredential"],
        ["VerifiableCredential", "UniversityDegreeCredential"],
        ["VerifiableCredential", "KYCCredential", "BankStatementCredential"],
    ],
)
def test_unknown_or_ambiguous_type(types: list[str]) -> None:
    doc = kyc()
    doc["type"] = types
    with pytest.raises(MalformedError) as info:
        validate_credential(doc)
    assert info.value.code == "credential_type_unknown"


def _set(path: list[Any], value: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _delete(path: list[Any]) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


CS = "credentialSubject"
KYC_CASES: list[tuple[Mutation, str]] = [
    (_set(["@context", 0], "https://www.w3.org/2018/credentials/v1"), "$['@context'][0]"),
    (_set(["@context"], ["https://www.w3.org/ns/credentials/v2"]), "$['@context']"),
    (_delete(["validUntil"]), "$"),
    (_delete(["credentialStatus"]), "$"),
    (_delete(["issuer"]), "$"),
    (_set(["issuer"], "https://bank.example"), "$.issuer"),
    (_set(["issuer"], {"id": "https://bank.example", "name": "Bank"}), "$.issuer.id"),
    (_set(["validFrom"], "2025-06-01T09:30:15"), "$.validFrom"),
    (_set(["validFrom"], "2025-13-01T09:30:15Z"), "$.validFrom"),
    (_set(["validUntil"], "2024-01-01T00:00:00Z"), "$.validUntil"),
    (_set([CS, "id"], "https://example.com/alice"), "$.credentialSubject.id"),
    (_set([CS, "birthDate"], "1990-02-30"), "$.credentialSubject.birthDate"),
    (_set([CS, "birthDate"], "14/03/1990"), "$.credentialSubject.birthDate"),
    (_set([CS, "idDocumentType"], "library_card"), "$.credentialSubject.idDocumentType"),
    (_set([CS, "idDocumentNumberHash"], "A123456789"), "$.credentialSubject.idDocumentNumberHash"),
    (_set([CS, "givenName"], " "), "$.credentialSubject.givenName"),
    (_set([CS, "favouriteColour"], "blue"), "$.credentialSubject"),
    (_delete([CS, "legalName"]), "$.credentialSubject"),
    (_set(["credentialStatus", "statusListIndex"], "007"), "$.credentialStatus.statusListIndex"),
    (_set(["credentialStatus", "statusPurpose"], "message"), "$.credentialStatus.statusPurpose"),
    (_set(["credentialStatus"], []), "$.credentialStatus"),
    (_set(["type"], ["VerifiableCredential", "KYCCredential", "KYCCredential"]), "$.type"),
]


@pytest.mark.parametrize(("mutate", "path"), KYC_CASES)
def test_kyc_violations_point_at_the_json_path(mutate: Mutation, path: str) -> None:
    doc = kyc()
    mutate(doc)
    error = invalid(doc)
    assert error.details["path"] == path
    assert error.message.startswith(path + ": ")


BANK_CASES: list[tuple[Mutation, str]] = [
    (_set([CS, "currentBalance"], 1250000.0), "$.credentialSubject.currentBalance"),
    (_set([CS, "currentBalance"], "1,250,000"), "$.credentialSubject.currentBalance"),
    (_set([CS, "currency"], "twd"), "$.credentialSubject.currency"),
    (_set([CS, "averagingPeriodMonths"], 0), "$.credentialSubject.averagingPeriodMonths"),
    (_set([CS, "maskedAccountNumber"], "012345678901"), "$.credentialSubject.maskedAccountNumber"),
    (_set([CS, "bankIdentifier"], "bank of taiwan"), "$.credentialSubject.bankIdentifier"),
    (_set([CS, "balanceAtLeast", "usd_100"], True), "$.credentialSubject.balanceAtLeast"),
    (_set([CS, "balanceAtLeast", "USD_100"], "yes"), "$.credentialSubject.balanceAtLeast.USD_100"),
]


@pytest.mark.parametrize(("mutate", "path"), BANK_CASES)
def test_bank_statement_violations(mutate: Mutation, path: str) -> None:
    doc = bank_statement()
    mutate(doc)
    assert invalid(doc).details["path"] == path


FIDO_CASES: list[tuple[Mutation, str]] = [
    (_set([CS, "publicKeyJwk", "d"], "c2VjcmV0"), "$.credentialSubject.publicKeyJwk"),
    (_delete([CS, "publicKeyJwk", "y"]), "$.credentialSubject.publicKeyJwk"),
    (_set([CS, "userVerified"], "true"), "$.credentialSubject.userVerified"),
    (
        _set([CS, "authenticatorCredentialId"], "abc+/="),
        "$.credentialSubject.authenticatorCredentialId",
    ),
    (_set([CS, "aaguid"], "CB69481E-8FF7-4039-93EC-0A2729A154A8"), "$.credentialSubject.aaguid"),
]


@pytest.mark.parametrize(("mutate", "path"), FIDO_CASES)
def test_fido_violations(mutate: Mutation, path: str) -> None:
    doc = fido()
    mutate(doc)
    assert invalid(doc).details["path"] == path


def test_issuer_object_form_is_accepted() -> None:
    doc = kyc()
    doc["issuer"] = {"id": doc["issuer"], "name": "Bank of Taiwan"}
    assert validate_credential(doc) == "KYCCredential"


def test_two_status_entries_are_accepted() -> None:
    doc = kyc()
    second = dict(doc["credentialStatus"], statusPurpose="suspension")
    doc["credentialStatus"] = [doc["credentialStatus"], second]
    assert validate_credential(doc) == "KYCCredential"


def test_partial_disclosure_requires_only_the_holder() -> None:
    doc = kyc()
    doc["credentialSubject"] = {"id": doc["credentialSubject"]["id"], "birthDate": "1990-03-14"}
    invalid(doc)
    assert validate_credential(doc, partial=True) == "KYCCredential"
    # disclosed claims are still checked, and the envelope stays mandatory
    bad = copy.deepcopy(doc)
    bad["credentialSubject"]["birthDate"] = "1990-02-30"
    assert invalid(bad, partial=True).details["path"] == "$.credentialSubject.birthDate"
    del doc["credentialSubject"]["id"]
    invalid(doc, partial=True)


def test_status_list_credential_needs_no_holder_or_status() -> None:
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "did:ethr:0x1:0xb9c5714089478a327f09197987f16f9e5d936e8a",
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": "H4sIAAAAAAAAA",  # no multibase prefix: not conforming
        },
    }
    assert invalid(doc).details["path"] == "$.credentialSubject.encodedList"
    doc["credentialSubject"]["encodedList"] = "uH4sIAAAAAAAAA"
    assert validate_credential(doc) == "BitstringStatusListCredential"


def test_load_schema_returns_a_copy() -> None:
    for name in CREDENTIAL_TYPES:
        schema = load_schema(name)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = "changed"
        assert load_schema(name)["title"] == name
    with pytest.raises(MalformedError) as info:
        load_schema("PassportCredential")
    assert info.value.code == "credential_type_unknown"


def test_validation_is_fast_once_compiled() -> None:
    docs = [kyc(), bank_statement(), fido()]
    for doc in docs:
        validate_credential(doc)
    start = time.perf_counter()
    for _ in range(50):
        for doc in docs:
            validate_credential(doc)
    per_doc = (time.perf_counter() - start) / 150
    assert per_doc < 0.005  # generous: measured about 0.45 ms on the dev box


# --- the compiled fast path (jsonschema-rs) is never more lenient than jsonschema ---------


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))] or [path]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))] or [path]
    return [path]


BAD_VALUES: list[Any] = [
    None, 0, -1, 1.5, True, "", " ", "x", "TW\n", "2026-02-30", "2026-13-01T00:00:00Z",
    "2026-01-01T00:00:00", "1990-04-01\n", [], {}, ["x"], "did:key:", "A" * 300,
]  # fmt: skip


def _mutants(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for path in _leaves(doc):
        if not path:
            continue
        for bad in BAD_VALUES:
            mutant = copy.deepcopy(doc)
            target = mutant
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = bad
            out.append(mutant)
        removed = copy.deepcopy(doc)
        target = removed
        for step in path[:-1]:
            target = target[step]
        if isinstance(target, dict):
            del target[path[-1]]
            out.append(removed)
    return out


@pytest.mark.parametrize("partial", [False, True])
def test_fast_validator_agrees_with_jsonschema(
    example: tuple[str, dict[str, Any]], partial: bool
) -> None:
    from passport.credentials.schema import _fast_validator, _validator

    name, doc = example
    fast, slow = _fast_validator(name, partial), _validator(name, partial)
    mutants = _mutants(doc)
    assert len(mutants) > 100
    lenient = [m for m in mutants if fast.is_valid(m) and not slow.is_valid(m)]
    assert not lenient, f"jsonschema-rs accepted what jsonschema rejects: {lenient[:1]}"
    # and both reject most mutants (the test would be vacuous otherwise)
    assert sum(not slow.is_valid(m) for m in mutants) > len(mutants) // 2
