"""Statement figures (average daily balance over N months) and the builders' arguments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from passport.bank import (
    BalanceRecord,
    CustomerFacts,
    bank_statement_builder_args,
    kyc_builder_args,
    months_before,
    parse_rates,
    quantize,
    statement_figures,
)
from passport.credentials.model import (
    build_bank_statement_credential,
    build_kyc_credential,
    credential_status_entry,
    hash_id_document_number,
)
from passport.errors import ConfigurationError, MalformedError, VerdictError

D = Decimal


def test_month_end_history_hand_computed() -> None:
    history = [(date(2025, 6, 30), D(1000)), (date(2025, 7, 31), D(2000))]
    figures = statement_figures(history, currency="TWD", months=1)
    # 2025-07-01..07-31: 30 days at 1000 (carried from 06-30), 1 day at 2000 -> 32000 / 31
    assert figures.period_start == date(2025, 7, 1)
    assert figures.as_of_date == date(2025, 7, 31)
    assert figures.current_balance == D("2000.00")
    assert figures.average_balance == D("1032.26")
    assert figures.averaging_period_months == 1


def test_daily_history_and_step_change() -> None:
    start = date(2025, 1, 1)
    history = [BalanceRecord(start + timedelta(days=i), D(100)) for i in range(400)]
    end = history[-1].on
    flat = statement_figures(history, currency="USD", months=6)
    assert flat.average_balance == D("100.00") and flat.current_balance == D("100.00")
    # The last 10 days at 1100: average = 100 + 1000 * 10 / days
    changed = history[:-10] + [BalanceRecord(r.on, D(1100)) for r in history[-10:]]
    figures = statement_figures(changed, currency="USD", months=6)
    days = (end - figures.period_start).days + 1
    assert figures.average_balance == quantize(D(100) + D(10000) / D(days), "USD")
    assert figures.current_balance == D("1100.00")


def test_six_months_period_and_explicit_as_of() -> None:
    history = [(date(2025, 6, 30), D(600)), (date(2025, 12, 31), D(900))]
    figures = statement_figures(history, currency="TWD", months=6)
    assert figures.period_start == date(2025, 7, 1)
    assert figures.average_balance == quantize((D(600) * 183 + D(900)) / 184, "TWD")
    earlier = statement_figures(history, currency="TWD", months=1, as_of=date(2025, 7, 31))
    assert earlier.current_balance == D("600.00") and earlier.average_balance == D("600.00")


def test_records_out_of_order_and_repeated_are_fine() -> None:
    history = [
        (date(2025, 7, 31), D(2000)),
        (date(2025, 6, 30), D(1000)),
        (date(2025, 6, 30), D(1000)),
    ]
    assert statement_figures(history, currency="TWD", months=1).average_balance == D("1032.26")


def test_zero_decimal_currency() -> None:
    history = [(date(2025, 6, 30), D(1000)), (date(2025, 7, 31), D(2000))]
    assert statement_figures(history, currency="JPY", months=1).average_balance == D(1032)


def test_months_before_clamps_to_month_end() -> None:
    assert months_before(date(2025, 3, 31), 1) == date(2025, 2, 28)
    assert months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert months_before(date(2025, 1, 15), 13) == date(2023, 12, 15)


def test_history_too_short() -> None:
    history = [(date(2025, 7, 1), D(1000)), (date(2025, 7, 31), D(2000))]
    with pytest.raises(VerdictError) as err:
        statement_figures(history, currency="TWD", months=6)
    assert err.value.code == "balance_history_too_short"
    assert err.value.details["period_start"] == "2025-02-01"
    # exactly covering the first day is enough
    assert statement_figures(history, currency="TWD", months=1).period_start == date(2025, 7, 1)


def test_empty_history() -> None:
    with pytest.raises(MalformedError) as err:
        statement_figures([], currency="TWD")
    assert err.value.code == "balance_history_empty"
    with pytest.raises(MalformedError) as err:
        statement_figures([(date(2025, 7, 1), D(1))], currency="TWD", as_of=date(2025, 6, 1))
    assert err.value.code == "balance_history_empty"


@pytest.mark.parametrize(
    "history",
    [
        [(date(2025, 7, 1), D(1)), (date(2025, 7, 1), D(2))],
        [(date(2025, 7, 1), 1.5)],
        [(date(2025, 7, 1), D("NaN"))],
        [("2025-07-01", D(1))],
    ],
)
def test_malformed_history(history: list[tuple[object, object]]) -> None:
    with pytest.raises(MalformedError) as err:
        statement_figures(history, currency="TWD", months=1)  # type: ignore[arg-type]
    assert err.value.code == "balance_history_malformed"


@pytest.mark.parametrize("months", [0, 37, True])
def test_averaging_period_invalid(months: int) -> None:
    with pytest.raises(ConfigurationError) as err:
        statement_figures([(date(2025, 7, 1), D(1))], currency="TWD", months=months)
    assert err.value.code == "averaging_period_invalid"


def test_currency_invalid() -> None:
    with pytest.raises(MalformedError) as err:
        statement_figures([(date(2025, 7, 1), D(1))], currency="twd")
    assert err.value.code == "currency_invalid"


def test_parse_rates() -> None:
    assert parse_rates({"TWD": "32.5", "JPY": 150}) == {
        "USD": D(1),
        "TWD": D("32.5"),
        "JPY": D(150),
    }
    for bad in (
        {"TWD": "0"},
        {"TWD": "-1"},
        {"TWD": "abc"},
        {"TWD": True},
        {"twd": "1"},
        {"USD": "2"},
        {"TWD": "Infinity"},
    ):
        with pytest.raises(ConfigurationError) as err:
            parse_rates(bad)
        assert err.value.code == "exchange_rate_invalid"


def test_builder_args_make_valid_credentials() -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    status = credential_status_entry("https://bank.example/status/1-revocation", 7)
    facts = CustomerFacts(
        legal_name="CHEN, MEI-LING",
        given_name="Mei-Ling",
        family_name="Chen",
        birth_date=date(1980, 5, 17),
        nationality="TW",
        id_document_type="national_id",
        id_document_number_hash=hash_id_document_number("A123456780", salt=b"s" * 16),
        kyc_level="standard",
        verification_date=date(2024, 3, 1),
        id_document_country="TW",
    )
    kyc = build_kyc_credential(
        issuer="did:key:z6Mkexample",
        holder="did:key:z6Mkholder",
        status=status,
        valid_from=now,
        valid_until=now + timedelta(days=365),
        **kyc_builder_args(facts),
    )
    assert kyc["credentialSubject"]["idDocumentCountry"] == "TW"
    assert "A123456780" not in str(kyc)
    figures = statement_figures(
        [(date(2026, 4, 30), D(3_300_000)), (date(2026, 10, 31), D(3_400_000))],
        currency="TWD",
        months=6,
    )
    statement = build_bank_statement_credential(
        issuer="did:key:z6Mkexample",
        holder="did:key:z6Mkholder",
        status=status,
        valid_from=now,
        valid_until=now + timedelta(days=90),
        **bank_statement_builder_args(
            account_holder_name="CHEN, MEI-LING",
            bank_name="Bank of Formosa",
            account_number="****1361",
            figures=figures,
            units_per_usd=parse_rates({"TWD": "32.5"}),
        ),
    )
    subject = statement["credentialSubject"]
    assert subject["maskedAccountNumber"] == "****1361"
    assert subject["currentBalance"] == "3400000.00"
    assert subject["averagingPeriodMonths"] == 6 and subject["asOfDate"] == "2026-10-31"
    assert subject["balanceAtLeast"]["TWD_3000000"] is True
    assert subject["balanceAtLeast"]["USD_100000"] is True  # 3.3M / 32.5 > 100k
    assert subject["balanceAtLeast"]["USD_250000"] is False
    assert figures.as_dict()["average_balance"] == str(figures.average_balance)
