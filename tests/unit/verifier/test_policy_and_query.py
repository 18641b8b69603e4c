"""The policy file, its evaluation and its DCQL query (pure functions, no world needed)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from passport.credentials.model import DEFAULT_BALANCE_TIERS
from passport.errors import ConfigurationError, MalformedError, VerdictError
from passport.exchange.dcql import Candidate, check_response, parse_dcql
from passport.verifier.policy import (
    MinBalance,
    balance_tier_satisfies,
    check_min_balance,
    check_statement_age,
    load_policy,
    parse_policy,
    tier_keys,
)
from passport.verifier.query import build_dcql, requested_paths

POLICIES = Path(__file__).resolve().parents[3] / "verifier_service" / "policies"
FX = {"USD": Decimal(1), "TWD": Decimal("32.5"), "EUR": Decimal("0.92")}


@pytest.mark.parametrize("name", sorted(p.name for p in POLICIES.glob("*.toml")))
def test_every_example_policy_loads_and_gives_a_valid_dcql_query(name: str) -> None:
    policy = load_policy(POLICIES / name)
    query = parse_dcql(build_dcql(policy))  # the lead's parser accepts it (section 6)
    assert {q.id for q in query.credentials} >= {c.query_id for c in policy.credentials}


def test_the_retail_policy_asks_for_exactly_what_it_evaluates() -> None:
    dcql = build_dcql(load_policy(POLICIES / "retail.toml"))
    by_id = {q["id"]: q for q in dcql["credentials"]}
    assert set(by_id) == {"kyc", "kyc_dc", "bank_statement", "bank_statement_dc", "fido"}
    assert [c["path"] for c in by_id["kyc"]["claims"]] == [
        ["credentialSubject", "legalName"],
        ["credentialSubject", "birthDate"],
        ["credentialSubject", "nationality"],
        ["credentialSubject", "kycLevel"],
    ]
    assert by_id["kyc"]["claims"][3]["values"] == ["standard", "enhanced"]
    assert by_id["kyc_dc"]["meta"] == {
        "vct_values": ["https://w3id.org/financial-passport/vct/KYCCredential"]
    }
    assert [c["path"] for c in by_id["kyc_dc"]["claims"]][0] == ["legalName"]
    statement = by_id["bank_statement"]
    # one yes/no tier, never the balance: USD first, then the other FX currencies
    assert statement["claim_sets"] == [
        ["bankName", "asOfDate", "USD_10000"],
        ["bankName", "asOfDate", "EUR_10000"],
        ["bankName", "asOfDate", "JPY_5000000"],
        ["bankName", "asOfDate", "TWD_1000000"],
    ]
    assert not any("currentBalance" in str(c["path"]) for c in statement["claims"])
    assert dcql["credential_sets"] == [
        {"options": [["kyc"], ["kyc_dc"]], "required": True},
        {"options": [["bank_statement"], ["bank_statement_dc"]], "required": True},
        {"options": [["fido"]], "required": True},
    ]
    assert requested_paths(dcql, "fido") == [
        ("credentialSubject", "authenticatorCredentialId"),
        ("credentialSubject", "publicKeyJwk"),
        ("credentialSubject", "rpId"),
    ]


def test_a_single_format_policy_needs_no_credential_sets() -> None:
    policy = parse_policy({"name": "p", "formats": ["vc+sd-jwt"], "kyc": {"claims": ["legalName"]}})
    assert build_dcql(policy) == {
        "credentials": [
            {
                "id": "kyc",
                "format": "vc+sd-jwt",
                "meta": {"type_values": [["VerifiableCredential", "KYCCredential"]]},
                "claims": [{"id": "legalName", "path": ["credentialSubject", "legalName"]}],
            }
        ]
    }


def test_the_query_is_checked_with_its_values() -> None:
    query = parse_dcql(build_dcql(load_policy(POLICIES / "basic-kyc.toml")))
    good = Candidate(
        format="vc+sd-jwt",
        claims={"credentialSubject": {"legalName": "A", "nationality": "TW"}},
        types=("VerifiableCredential", "KYCCredential"),
    )
    check_response(query, {"kyc": [good]})
    missing = Candidate(
        format="vc+sd-jwt", claims={"credentialSubject": {"legalName": "A"}}, types=good.types
    )
    with pytest.raises(VerdictError) as err:
        check_response(query, {"kyc": [missing]})
    assert err.value.code == "dcql_unsatisfied"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({}, "name is missing"),
        ({"name": "p"}, "asks for no credential"),
        ({"name": "p", "kyc": {}, "colour": "blue"}, "unknown keys"),
        ({"name": "p", "kyc": {"claims": "legalName"}}, "list of strings"),
        ({"name": "p", "kyc": {}, "formats": ["jwt_vc"]}, "formats must be"),
        ({"name": "p", "kyc": {}, "fx": {"usd": 1}}, "ISO 4217"),
        ({"name": "p", "kyc": {}, "fx": {"USD": 2}}, "fx.USD must be 1"),
        ({"name": "p", "kyc": {}, "fx": {"TWD": -1}}, "positive"),
        (
            {"name": "p", "bank_statement": {"min_balance": {"amount": 1, "currency": "CHF"}}},
            "no rate",
        ),
        ({"name": "p", "bank_statement": {"min_balance": {"amount": 1}}}, "min_balance must be"),
        ({"name": "p", "bank_statement": {"max_age_days": -1}}, "whole number"),
        (
            {
                "name": "p",
                "kyc": {"required": False},
                "bank_statement": {"required": False, "max_age_days": 3},
            },
            "need [bank_statement]",
        ),
        ({"name": "p", "kyc": {}, "accepted_jurisdictions": ["Taiwan"]}, "alpha-2"),
        ({"name": "p", "kyc": {}, "fido": {"required": "yes"}}, "[fido]"),
        ({"name": "p", "kyc": {"values": {"kycLevel": []}}}, "non-empty list"),
    ],
)
def test_a_bad_policy_says_what_is_wrong(data: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        parse_policy(data)
    assert err.value.code == "policy_invalid"
    assert problem in err.value.message


def test_a_missing_or_broken_policy_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as err:
        load_policy(tmp_path / "none.toml")
    assert err.value.code == "policy_not_found"
    (tmp_path / "bad.toml").write_text("name = [")
    with pytest.raises(ConfigurationError) as err:
        load_policy(tmp_path / "bad.toml")
    assert err.value.code == "policy_invalid" and "not TOML" in err.value.message


def test_a_tier_in_the_account_currency_or_its_usd_equivalent_satisfies_the_minimum() -> None:
    usd = MinBalance(Decimal(10_000), "USD")
    assert balance_tier_satisfies("USD_10000", usd, FX)
    assert not balance_tier_satisfies("USD_5000", usd, FX)
    assert balance_tier_satisfies("TWD_1000000", usd, FX)  # 30,769 USD
    assert not balance_tier_satisfies("TWD_300000", usd, FX)  # 9,230 USD
    assert not balance_tier_satisfies("CHF_100000", usd, FX)  # no rate: not counted
    assert not balance_tier_satisfies("nonsense", usd, FX)
    twd = MinBalance(Decimal(3_000_000), "TWD")
    assert balance_tier_satisfies("TWD_3000000", twd, FX)
    assert balance_tier_satisfies("USD_100000", twd, FX)  # 3,250,000 TWD
    assert not balance_tier_satisfies("USD_50000", twd, FX)
    assert tier_keys(twd, FX, DEFAULT_BALANCE_TIERS) == ["USD_100000", "TWD_3000000", "EUR_100000"]


def test_min_balance_is_met_only_by_a_true_tier() -> None:
    usd = MinBalance(Decimal(10_000), "USD")
    assert check_min_balance({"USD_10000": True}, usd, FX) == "USD_10000"
    for tiers in ({"USD_10000": False}, {}, {"USD_5000": True}):
        with pytest.raises(VerdictError) as err:
            check_min_balance(tiers, usd, FX)
        assert err.value.code == "insufficient_funds"


def test_statement_age() -> None:
    now = datetime(2026, 12, 2, tzinfo=UTC)
    assert check_statement_age("2026-11-30", 7, now) == 2
    with pytest.raises(VerdictError) as err:
        check_statement_age("2026-10-31", 7, now)
    assert err.value.code == "statement_too_old" and err.value.details["age_days"] == 32
    with pytest.raises(MalformedError) as bad:
        check_statement_age("last week", 7, now)
    assert bad.value.code == "statement_date_invalid"


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "https://127.0.0.1/status/1",
        "http://bank.example/status/1",
        "https://10.0.0.7/status/1",
        "ftp://bank.example/status/1",
    ],
)
def test_status_lists_are_fetched_only_from_public_https_hosts(url: str) -> None:
    from passport.did.policy import DEFAULT_POLICY, DidWebPolicy
    from passport.errors import CouldNotCheckError
    from passport.verifier.trust import GuardedStatusFetcher

    class Never:
        def fetch(self, url: str) -> Any:
            raise AssertionError("must not connect")

    def public(host: str, port: int) -> list[str]:
        return ["93.184.216.34"]

    policy = DidWebPolicy(resolve_host=public) if "bank.example" in url else DEFAULT_POLICY
    with pytest.raises(CouldNotCheckError) as err:
        GuardedStatusFetcher(Never(), policy).fetch(url)
    assert err.value.code == "status_list_forbidden_host"

    class Served:
        def fetch(self, url: str) -> Any:
            return {"id": url}

    loopback = GuardedStatusFetcher(Served(), DidWebPolicy.loopback())
    assert loopback.fetch("http://127.0.0.1:8000/status/1") == {
        "id": "http://127.0.0.1:8000/status/1"
    }
    assert GuardedStatusFetcher(Served(), DidWebPolicy(resolve_host=public)).fetch(
        "https://bank.example/status/1"
    ) == {"id": "https://bank.example/status/1"}
