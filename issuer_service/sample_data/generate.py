"""Regenerate the synthetic sample customers (``customers.json`` and ``customers.csv``).

    python -m issuer_service.sample_data.generate

Deterministic (fixed seed). Every person is invented. National ID numbers have the shape of
Taiwanese ones (a letter, 1 or 2, eight digits: ``A123456789``) but are made with a *wrong*
check digit on purpose, so that none can be a real person's number. Account numbers are
random digits. Balances are month-end balances (13 month-ends, enough for a 12-month
average) or, for every fifth customer, daily balances over 7 months; customer ``TW-0020``
has only two months of history (a statement with a 6-month average is refused for it:
``balance_history_too_short``). The as-of date of every history is 2026-10-31.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from issuer_service.importer import CSV_COLUMNS

HERE = Path(__file__).parent
AS_OF = date(2026, 10, 31)

FAMILY = [
    "Chen",
    "Lin",
    "Huang",
    "Chang",
    "Lee",
    "Wang",
    "Wu",
    "Liu",
    "Tsai",
    "Yang",
    "Hsu",
    "Cheng",
    "Hsieh",
    "Kuo",
    "Hung",
    "Tseng",
    "Chiu",
    "Liao",
    "Lai",
    "Chou",
]
GIVEN = [
    ("Mei-Ling", 2),
    ("Chih-Hao", 1),
    ("Yu-Ting", 2),
    ("Wei-Lun", 1),
    ("Hsiao-Wen", 2),
    ("Chia-Hui", 2),
    ("Po-Yu", 1),
    ("Shu-Fen", 2),
    ("Chun-Hung", 1),
    ("Yi-Chen", 2),
    ("Tzu-Yu", 2),
    ("Kuan-Ting", 1),
    ("Ya-Ting", 2),
    ("Cheng-Han", 1),
    ("Pei-Shan", 2),
    ("Jui-Lin", 1),
    ("Hsin-Yi", 2),
    ("Tsung-Han", 1),
    ("Li-Hua", 2),
    ("Ming-Chieh", 1),
]
_LETTER_CODES = dict(zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36), strict=True))


def _checksum(letter: str, digits: str) -> int:
    code = _LETTER_CODES[letter]
    weights = [8, 7, 6, 5, 4, 3, 2, 1, 1]
    return (
        code // 10 + (code % 10) * 9 + sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    ) % 10


def fake_national_id(rng: random.Random, gender: int) -> str:
    """A letter, the gender digit, eight digits, with a deliberately invalid check digit."""
    letter = rng.choice("ABCDEFGHJKLMNPQRSTUVXYWZ")
    body = str(gender) + "".join(rng.choice("0123456789") for _ in range(7))
    for check in "0123456789":
        if _checksum(letter, body + check) != 0:
            return letter + body + check
    raise AssertionError("unreachable")


def _month_ends(end: date, count: int) -> list[date]:
    out = []
    year, month = end.year, end.month
    for _ in range(count):
        out.append(date(year, month, calendar.monthrange(year, month)[1]))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return sorted(out)


def _history(
    rng: random.Random, days: list[date], start: Decimal, currency: str
) -> list[dict[str, str]]:
    daily = len(days) > 2 and (days[1] - days[0]).days == 1
    low, high = (-0.01, 0.012) if daily else (-0.08, 0.10)
    balance = start
    out = []
    for day in days:
        drift = Decimal(rng.uniform(low, high)).quantize(Decimal("0.0001"))
        balance = max(Decimal(0), balance * (1 + drift))
        amount = balance.quantize(Decimal("1") if currency == "TWD" else Decimal("0.01"))
        out.append({"date": day.isoformat(), "balance": format(amount, "f")})
    return out


def build() -> list[dict[str, Any]]:
    rng = random.Random(20261121)
    customers = []
    for i in range(20):
        given, gender = GIVEN[i]
        family = FAMILY[i]
        birth = date(1958, 1, 1) + timedelta(days=rng.randrange(0, 365 * 45))
        customer: dict[str, Any] = {
            "customer_id": f"TW-{i + 1:04d}",
            "legal_name": f"{family.upper()}, {given.upper()}",
            "given_name": given,
            "family_name": family,
            "birth_date": birth.isoformat(),
            "nationality": "TW",
            "id_document_type": "national_id",
            "id_document_number": fake_national_id(rng, gender),
            "id_document_country": "TW",
            "kyc_level": "enhanced" if i % 7 == 3 else ("simplified" if i == 11 else "standard"),
            "verified_on": (date(2019, 1, 1) + timedelta(days=rng.randrange(0, 2500))).isoformat(),
            "email": f"{given.lower().replace('-', '')}.{family.lower()}@example.com",
        }
        if i == 8:  # a citizen identified by passport (9 digits)
            customer["id_document_type"] = "passport"
            customer["id_document_number"] = "3" + "".join(
                rng.choice("0123456789") for _ in range(8)
            )
        if i == 19:
            days = _month_ends(AS_OF, 2)
        elif i % 5 == 0:
            first = date(2026, 4, 1)
            days = [first + timedelta(days=d) for d in range((AS_OF - first).days + 1)]
        else:
            days = _month_ends(AS_OF, 13)
        accounts = [
            {
                "account_number": "-".join(
                    ["".join(rng.choice("0123456789") for _ in range(n)) for n in (3, 6, 5)]
                ),
                "currency": "TWD",
                "product": "savings",
                "balances": _history(rng, days, Decimal(rng.randrange(20_000, 6_000_000)), "TWD"),
            }
        ]
        if i % 4 == 1:  # a foreign currency (USD) deposit account
            accounts.append(
                {
                    "account_number": "-".join(
                        ["".join(rng.choice("0123456789") for _ in range(n)) for n in (3, 6, 5)]
                    ),
                    "currency": "USD",
                    "product": "foreign_currency_deposit",
                    "balances": _history(rng, days, Decimal(rng.randrange(500, 150_000)), "USD"),
                }
            )
        customer["accounts"] = accounts
        customers.append(customer)
    return customers


def to_csv(customers: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for customer in customers:
        base = {k: v for k, v in customer.items() if k != "accounts"}
        for account in customer["accounts"]:
            head = {
                **base,
                "account_number": account["account_number"],
                "currency": account["currency"],
                "product": account["product"],
            }
            for balance in account["balances"]:
                writer.writerow({**head, **balance})
    return buffer.getvalue()


def main() -> None:
    customers = build()
    (HERE / "customers.json").write_text(
        json.dumps({"customers": customers}, indent=1, ensure_ascii=False) + "\n", "utf-8"
    )
    (HERE / "customers.csv").write_text(to_csv(customers), "utf-8")


if __name__ == "__main__":
    main()
