"""DCQL (OpenID4VP 1.0 sections 6 and 7): parsing, claims path pointers, selection, checks.

The queries and the credential below are the specification's own examples where it has them
(section 7.1's path example, 6.4's claim_sets and credential_sets examples)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from passport.errors import MalformedError, VerdictError
from passport.exchange.dcql import (
    Candidate,
    check_response,
    match,
    parse_dcql,
    select,
    select_path,
)

# OpenID4VP 1.0 section 7.1 (claims path pointer example), verbatim.
PATH_EXAMPLE: dict[str, Any] = {
    "name": "Arthur Dent",
    "address": {
        "street_address": "42 Market Street",
        "locality": "Milliways",
        "postal_code": "12345",
    },
    "degrees": [
        {"type": "Bachelor of Science", "university": "University of Betelgeuse"},
        {"type": "Master of Science", "university": "University of Betelgeuse"},
    ],
    "nationalities": ["British", "Betelgeusian"],
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (["name"], ["Arthur Dent"]),
        (["address"], [PATH_EXAMPLE["address"]]),
        (["address", "street_address"], ["42 Market Street"]),
        (["degrees", None, "type"], ["Bachelor of Science", "Master of Science"]),
        (["nationalities", 1], ["Betelgeusian"]),
        (["nationalities", 7], []),
        (["missing"], []),
        (["name", "first"], []),  # a string component on a non-object aborts
        (["address", None], []),  # null on a non-array aborts
        (["address", 0], []),
    ],
)
def test_claims_path_pointer_section_7(path: list[Any], expected: list[Any]) -> None:
    assert select_path(PATH_EXAMPLE, path) == expected


def _pid(**overrides: Any) -> dict[str, Any]:
    query: dict[str, Any] = {
        "credentials": [
            {
                "id": "my_credential",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": ["https://credentials.example.com/identity_credential"]},
                "claims": [
                    {"path": ["last_name"]},
                    {"path": ["first_name"]},
                    {"path": ["address", "street_address"]},
                ],
            }
        ]
    }
    query["credentials"][0].update(overrides)
    return query


SD_JWT_VC = Candidate(
    format="dc+sd-jwt",
    vct="https://credentials.example.com/identity_credential",
    claims={
        "vct": "https://credentials.example.com/identity_credential",
        "last_name": "Doe",
        "first_name": "John",
        "address": {"street_address": "123 Main St", "postal_code": "90210"},
        "nationality": "TW",
        "age_over_18": True,
    },
    ref="pid-1",
)


def test_a_query_round_trips_through_json() -> None:
    data = _pid(claim_sets=None)
    data["credentials"][0].pop("claim_sets")
    query = parse_dcql(data)
    assert query.to_json() == data
    assert parse_dcql(query.to_json()) == query


def test_all_claims_are_selected_without_claim_sets() -> None:
    query = parse_dcql(_pid())
    chosen = match(query.credentials[0], SD_JWT_VC)
    assert chosen is not None
    assert [c.path for c in chosen] == [
        ("last_name",),
        ("first_name",),
        ("address", "street_address"),
    ]


def test_a_missing_claim_means_no_match() -> None:
    query = parse_dcql(_pid(claims=[{"path": ["last_name"]}, {"path": ["birthdate"]}]))
    assert match(query.credentials[0], SD_JWT_VC) is None


def test_format_and_vct_must_match() -> None:
    query = parse_dcql(_pid())
    other_type = Candidate("dc+sd-jwt", SD_JWT_VC.claims, vct="https://other.example/vct")
    other_format = Candidate("vc+sd-jwt", SD_JWT_VC.claims, vct=SD_JWT_VC.vct)
    assert match(query.credentials[0], other_type) is None
    assert match(query.credentials[0], other_format) is None


def test_claim_sets_pick_the_first_satisfiable_option() -> None:
    # Section 6.4.1's example shape: prefer postal code, else locality.
    query = parse_dcql(
        _pid(
            claims=[
                {"id": "a", "path": ["last_name"]},
                {"id": "b", "path": ["address", "locality"]},
                {"id": "c", "path": ["address", "postal_code"]},
            ],
            claim_sets=[["a", "b"], ["a", "c"]],
        )
    )
    chosen = match(query.credentials[0], SD_JWT_VC)
    assert chosen is not None
    assert [c.id for c in chosen] == ["a", "c"]


def test_values_match_type_and_value_exactly() -> None:
    ok = parse_dcql(_pid(claims=[{"path": ["nationality"], "values": ["TW", "JP"]}]))
    wrong = parse_dcql(_pid(claims=[{"path": ["nationality"], "values": ["US"]}]))
    bool_vs_int = parse_dcql(_pid(claims=[{"path": ["age_over_18"], "values": [1]}]))
    assert match(ok.credentials[0], SD_JWT_VC) is not None
    assert match(wrong.credentials[0], SD_JWT_VC) is None
    assert match(bool_vs_int.credentials[0], SD_JWT_VC) is None


W3C_STATEMENT = Candidate(
    format="vc+sd-jwt",
    claims={
        "type": ["VerifiableCredential", "BankStatementCredential"],
        "credentialSubject": {
            "id": "did:key:z6Mk",
            "accountHolderName": "Chen Mei",
            "balanceAtLeast": {"USD_50000": True, "TWD_1000000": True},
        },
    },
)


def test_type_values_match_w3c_types() -> None:
    query = parse_dcql(
        {
            "credentials": [
                {
                    "id": "statement",
                    "format": "vc+sd-jwt",
                    "meta": {"type_values": [["KYCCredential"], ["BankStatementCredential"]]},
                    "claims": [{"path": ["credentialSubject", "balanceAtLeast", "USD_50000"]}],
                }
            ]
        }
    )
    assert match(query.credentials[0], W3C_STATEMENT) is not None
    kyc_only = copy.deepcopy(query.to_json())
    kyc_only["credentials"][0]["meta"]["type_values"] = [["KYCCredential"]]
    assert match(parse_dcql(kyc_only).credentials[0], W3C_STATEMENT) is None


def _two_credentials(**sets: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "credentials": [
            {"id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": [SD_JWT_VC.vct]}},
            {
                "id": "statement",
                "format": "vc+sd-jwt",
                "meta": {"type_values": [["BankStatementCredential"]]},
            },
            {"id": "nice_to_have", "format": "ldp_vc", "meta": {}},
        ]
    }
    data.update(sets)
    return data


def test_without_credential_sets_every_query_must_be_answered() -> None:
    query = parse_dcql(_two_credentials())
    assert select(query, [SD_JWT_VC, W3C_STATEMENT]) is None
    fido = Candidate("ldp_vc", {"type": ["VerifiableCredential"]})
    chosen = select(query, [SD_JWT_VC, W3C_STATEMENT, fido])
    assert chosen is not None
    assert {k: [m.candidate for m in v] for k, v in chosen.matches.items()} == {
        "pid": [SD_JWT_VC],
        "statement": [W3C_STATEMENT],
        "nice_to_have": [fido],
    }


def test_credential_sets_required_and_optional() -> None:
    query = parse_dcql(
        _two_credentials(
            credential_sets=[
                {"options": [["statement"], ["pid"]]},
                {"options": [["nice_to_have"]], "required": False},
            ]
        )
    )
    chosen = select(query, [SD_JWT_VC, W3C_STATEMENT])
    assert chosen is not None
    assert list(chosen.matches) == ["statement"]  # first satisfiable option; optional skipped
    assert select(query, []) is None


def test_multiple_returns_every_match_else_one() -> None:
    second = Candidate(SD_JWT_VC.format, SD_JWT_VC.claims, vct=SD_JWT_VC.vct, ref="pid-2")
    single = parse_dcql(_pid())
    many = parse_dcql(_pid(multiple=True))
    one = select(single, [SD_JWT_VC, second])
    both = select(many, [SD_JWT_VC, second])
    assert one is not None and both is not None
    assert [m.candidate.ref for m in one.matches["my_credential"]] == ["pid-1"]
    assert [m.candidate.ref for m in both.matches["my_credential"]] == ["pid-1", "pid-2"]


def test_check_response_accepts_an_answer() -> None:
    check_response(parse_dcql(_pid()), {"my_credential": [SD_JWT_VC]})


@pytest.mark.parametrize(
    ("query", "presented", "detail"),
    [
        (_pid(), {"other": [SD_JWT_VC]}, {"query": "other"}),
        (_pid(), {}, {"queries": ["my_credential"]}),
        (_pid(), {"my_credential": [SD_JWT_VC, SD_JWT_VC]}, {"query": "my_credential"}),
        (
            _pid(claims=[{"path": ["nationality"], "values": ["JP"]}]),
            {"my_credential": [SD_JWT_VC]},
            {"claims": [["nationality"]]},
        ),
        (
            _pid(),
            {"my_credential": [Candidate("dc+sd-jwt", {"last_name": "Doe"}, vct=SD_JWT_VC.vct)]},
            {"claims": [["first_name"], ["address", "street_address"]]},
        ),
        (
            _pid(),
            {"my_credential": [Candidate("vc+sd-jwt", SD_JWT_VC.claims, vct=SD_JWT_VC.vct)]},
            {"format": "vc+sd-jwt"},
        ),
        (
            _two_credentials(credential_sets=[{"options": [["statement", "pid"]]}]),
            {"pid": [SD_JWT_VC]},
            {"options": [["statement", "pid"]]},
        ),
    ],
)
def test_check_response_refuses(
    query: dict[str, Any], presented: dict[str, list[Candidate]], detail: dict[str, Any]
) -> None:
    with pytest.raises(VerdictError) as err:
        check_response(parse_dcql(query), presented)
    assert err.value.code == "dcql_unsatisfied"
    for key, value in detail.items():
        assert err.value.details[key] == value


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        {"credentials": []},
        {"credentials": [{"id": "a b", "format": "dc+sd-jwt", "meta": {}}]},
        {"credentials": [{"id": "a", "meta": {}}]},
        {"credentials": [{"id": "a", "format": "dc+sd-jwt"}]},
        {
            "credentials": [
                {"id": "a", "format": "x", "meta": {}},
                {"id": "a", "format": "x", "meta": {}},
            ]
        },
        {"credentials": [{"id": "a", "format": "x", "meta": {}, "claims": [{"path": []}]}]},
        {"credentials": [{"id": "a", "format": "x", "meta": {}, "claims": [{"path": [-1]}]}]},
        {"credentials": [{"id": "a", "format": "x", "meta": {}, "claims": [{"path": [1.5]}]}]},
        {
            "credentials": [
                {"id": "a", "format": "x", "meta": {}, "claims": [{"path": ["a"], "values": [1.5]}]}
            ]
        },
        {"credentials": [{"id": "a", "format": "x", "meta": {}, "claim_sets": [["x"]]}]},
        {
            "credentials": [
                {
                    "id": "a",
                    "format": "x",
                    "meta": {},
                    "claims": [{"id": "p", "path": ["a"]}],
                    "claim_sets": [["q"]],
                }
            ]
        },
        {"credentials": [{"id": "a", "format": "x", "meta": {"vct_values": "one"}}]},
        {"credentials": [{"id": "a", "format": "x", "meta": {"type_values": [[]]}}]},
        {"credentials": [{"id": "a", "format": "x", "meta": {}, "multiple": "yes"}]},
        {
            "credentials": [{"id": "a", "format": "x", "meta": {}}],
            "credential_sets": [{"options": [["b"]]}],
        },
        {
            "credentials": [{"id": "a", "format": "x", "meta": {}}],
            "credential_sets": [{"options": []}],
        },
    ],
)
def test_malformed_queries_are_refused(bad: Any) -> None:
    with pytest.raises(MalformedError) as err:
        parse_dcql(bad)
    assert err.value.code == "dcql_malformed"
