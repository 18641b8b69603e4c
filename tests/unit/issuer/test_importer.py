"""The customer importer: JSON and CSV, row-numbered errors, all or nothing, no clear IDs."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from issuer_service import domain
from issuer_service.db import Account, BalanceEntry, Customer, Database
from issuer_service.importer import (
    CSV_COLUMNS,
    import_customers,
    load_customer_file,
    parse_customers_csv,
    parse_customers_json,
)
from passport.credentials.model import hash_id_document_number
from passport.errors import ConfigurationError, MalformedError, VerdictError

SAMPLE = Path(__file__).resolve().parents[3] / "issuer_service" / "sample_data"
HEADER = ",".join(CSV_COLUMNS)
ROW = (
    'C1,"LIN, YU-TING",Yu-Ting,Lin,1990-01-02,TW,national_id,A223456780,TW,standard,'
    "2024-01-01,yt@example.com,012-345678-90123,TWD,savings,{day},{balance}"
)


def _csv(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def _counts(db: Database) -> tuple[int, int, int]:
    with db.transaction() as session:
        return (
            int(session.scalar(select(func.count()).select_from(Customer)) or 0),
            int(session.scalar(select(func.count()).select_from(Account)) or 0),
            int(session.scalar(select(func.count()).select_from(BalanceEntry)) or 0),
        )


def test_sample_data_in_both_forms_is_the_same() -> None:
    from_json = load_customer_file(SAMPLE / "customers.json")
    from_csv = load_customer_file(SAMPLE / "customers.csv")
    assert len(from_json) == 20
    assert [c.customer_id for c in from_json] == [c.customer_id for c in from_csv]
    for a, b in zip(from_json, from_csv, strict=True):
        assert (a.legal_name, a.id_document_number, a.birth_date) == (
            b.legal_name,
            b.id_document_number,
            b.birth_date,
        )
        assert [(x.account_number, x.currency, x.balances) for x in a.accounts] == [
            (x.account_number, x.currency, x.balances) for x in b.accounts
        ]
    currencies = {acc.currency for c in from_json for acc in c.accounts}
    assert currencies == {"TWD", "USD"}
    months = [len(acc.balances) for c in from_json for acc in c.accounts]
    assert min(months) == 2 and max(months) > 200  # a short history and daily ones


def test_import_sample_json(db: Database, ctx: domain.IssuerContext) -> None:
    summary = import_customers(db, ctx, load_customer_file(SAMPLE / "customers.json"))
    assert summary.customers == 20 and summary.accounts == 25
    assert _counts(db) == (20, 25, summary.balances)


def test_import_sample_csv(db: Database, ctx: domain.IssuerContext) -> None:
    summary = import_customers(db, ctx, load_customer_file(SAMPLE / "customers.csv"))
    assert (summary.customers, summary.accounts) == (20, 25)


def test_id_and_account_numbers_are_not_stored_in_clear(
    db: Database, ctx: domain.IssuerContext, db_path: Path
) -> None:
    records = parse_customers_csv(_csv(ROW.format(day="2026-10-31", balance="100")))
    import_customers(db, ctx, records)
    with db.transaction() as session:
        customer = session.scalars(select(Customer)).one()
        assert customer.id_number_hash == hash_id_document_number(
            "A223456780", salt=customer.id_number_salt
        )
        assert session.scalars(select(Account)).one().masked_number == "****0123"
    db.dispose()  # checkpoint the WAL into the file
    raw = db_path.read_bytes()
    assert b"A223456780" not in raw
    assert b"34567890123" not in raw and b"012-345678" not in raw


def test_csv_errors_name_their_rows_and_nothing_is_written(
    db: Database, ctx: domain.IssuerContext
) -> None:
    text = _csv(
        ROW.format(day="2026-09-30", balance="100"),
        ROW.format(day="2026-13-01", balance="100"),
        ROW.format(day="2026-10-31", balance="lots"),
    )
    with pytest.raises(MalformedError) as err:
        parse_customers_csv(text)
    assert err.value.code == "import_invalid"
    errors = err.value.details["errors"]
    assert {
        "location": "row 3",
        "field": "date",
        "message": "'2026-13-01' is not an ISO date (YYYY-MM-DD)",
    } in errors
    assert any(e["location"] == "row 4" and e["field"] == "balance" for e in errors)
    assert err.value.details["count"] == 2
    assert _counts(db) == (0, 0, 0)


def test_csv_rows_of_one_customer_must_agree() -> None:
    other = ROW.replace("1990-01-02", "1990-01-03")
    with pytest.raises(MalformedError) as err:
        parse_customers_csv(
            _csv(
                ROW.format(day="2026-09-30", balance="1"),
                other.format(day="2026-10-31", balance="2"),
            )
        )
    assert err.value.details["errors"][0] == {
        "location": "row 3",
        "field": "birth_date",
        "message": "differs from row 2 for customer C1",
    }


def test_csv_missing_columns_and_extra_cells() -> None:
    with pytest.raises(MalformedError) as err:
        parse_customers_csv("customer_id,legal_name\nC1,X\n")
    assert err.value.details["errors"][0]["location"] == "row 1"
    with pytest.raises(MalformedError) as err:
        parse_customers_csv(_csv(ROW.format(day="2026-10-31", balance="1") + ",extra"))
    assert err.value.details["errors"][0]["message"] == "has more cells than the header"


def test_csv_customer_without_accounts() -> None:
    row = ROW.format(day="", balance="").replace("012-345678-90123,TWD,savings", ",,")
    (record,) = parse_customers_csv(_csv(row))
    assert record.accounts == ()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("customer_id", "bad id!", "is not valid"),
        ("nationality", "Taiwan", "is not valid"),
        ("id_document_type", "ssn", "is not valid"),
        ("id_document_number", "A323456789", "a Taiwanese national ID"),
        ("kyc_level", "super", "is not valid"),
        ("birth_date", "2030-01-01", "must be before verified_on"),
        ("legal_name", "", "is required"),
        ("legal_name", 7, "must be a string"),
    ],
)
def test_json_field_validation(field: str, value: object, message: str) -> None:
    customer = json.loads((SAMPLE / "customers.json").read_text())["customers"][0]
    customer[field] = value
    with pytest.raises(MalformedError) as err:
        parse_customers_json(json.dumps({"customers": [customer]}))
    first = err.value.details["errors"][0]
    assert first["location"] == "customers[0]" and first["field"] == field
    assert message in first["message"]


def test_json_nested_locations() -> None:
    customer = json.loads((SAMPLE / "customers.json").read_text())["customers"][1]
    customer["accounts"][1]["currency"] = "usd"
    customer["accounts"][0]["balances"][3]["balance"] = 1.5
    with pytest.raises(MalformedError) as err:
        parse_customers_json(json.dumps({"customers": [customer]}))
    locations = {(e["location"], e["field"]) for e in err.value.details["errors"]}
    assert ("customers[0].accounts[1]", "currency") in locations
    assert ("customers[0].accounts[0].balances[3]", "balance") in locations


@pytest.mark.parametrize("text", ["{", "[]", '{"customers": 3}'])
def test_json_not_a_customer_file(text: str) -> None:
    with pytest.raises(MalformedError) as err:
        parse_customers_json(text)
    assert err.value.code == "import_invalid"


def test_duplicate_customer_in_file(db: Database, ctx: domain.IssuerContext) -> None:
    row = ROW.format(day="2026-10-31", balance="1")
    records = parse_customers_csv(_csv(row)) * 2
    with pytest.raises(VerdictError) as err:
        import_customers(db, ctx, records)
    assert err.value.code == "import_duplicate_customer"
    assert err.value.details["customer_id"] == "C1" and not err.value.details["in_database"]
    assert _counts(db) == (0, 0, 0)


def test_duplicate_customer_in_database(db: Database, ctx: domain.IssuerContext) -> None:
    records = load_customer_file(SAMPLE / "customers.json")
    import_customers(db, ctx, records[:3])
    before = _counts(db)
    with pytest.raises(VerdictError) as err:
        import_customers(db, ctx, records[2:])
    assert err.value.code == "import_duplicate_customer"
    assert err.value.details["in_database"] and err.value.details["customer_id"] == "TW-0003"
    assert _counts(db) == before  # none of the 17 new customers was written


def test_duplicate_account(db: Database, ctx: domain.IssuerContext) -> None:
    one = parse_customers_csv(_csv(ROW.format(day="2026-10-31", balance="1")))
    two = parse_customers_csv(
        _csv(ROW.replace("C1,", "C2,", 1).format(day="2026-10-31", balance="1"))
    )
    with pytest.raises(VerdictError) as err:
        import_customers(db, ctx, one + two)
    assert err.value.code == "import_duplicate_account"
    import_customers(db, ctx, one)
    with pytest.raises(VerdictError) as err:
        import_customers(db, ctx, two)
    assert err.value.code == "import_duplicate_account" and err.value.details["in_database"]
    assert _counts(db)[0] == 1


def test_conflicting_balances_for_one_day() -> None:
    with pytest.raises(MalformedError) as err:
        parse_customers_csv(
            _csv(
                ROW.format(day="2026-10-31", balance="1"), ROW.format(day="2026-10-31", balance="2")
            )
        )
    assert "two different balances" in err.value.details["errors"][0]["message"]


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as err:
        load_customer_file(tmp_path / "customers.xlsx")
    assert err.value.code == "import_format_unsupported"
    with pytest.raises(ConfigurationError) as err:
        load_customer_file(tmp_path / "absent.csv")
    assert err.value.code == "import_file_unreadable"


def test_parsed_values() -> None:
    (record,) = parse_customers_csv(_csv(ROW.format(day="2026-10-31", balance="12.50")))
    assert record.birth_date == date(1990, 1, 2)
    assert record.accounts[0].balances == ((date(2026, 10, 31), Decimal("12.50")),)
    assert "A223456780" not in repr(record)
