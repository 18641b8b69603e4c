"""Statement figures from a bank's own records, and the arguments of the credential builders.

Pure functions over plain values: the issuer service reads its database and passes the facts
here; nothing reads a clock or a file.

The N-month average balance (``statement_figures``) is the **average daily balance** over
the N calendar months that end on the as-of date (inclusive): the period starts the day
after the same date N months earlier (as-of 2025-12-31, N = 6: 2025-07-01 .. 2025-12-31,
184 days; a day that does not exist in the start month is clamped to its last day). Each
day's balance is the latest recorded balance on or before that day, so a daily history and a
month-end history (balances only on the last day of each month, or on any days) are both
read correctly: between two records the balance is the earlier one. The history must reach
back to the day the period starts (a record on or before it); otherwise the average would
describe a shorter period than it claims, and ``balance_history_too_short`` is raised. The
current balance is the latest record on or before the as-of date, and the as-of date
defaults to the date of the latest record. Amounts are rounded half-even to the currency's
minor unit (ISO 4217: 0 for JPY and KRW, 2 otherwise — TWD included).

Error codes:

- ``balance_history_empty`` (MalformedError): no balance on or before the as-of date.
- ``balance_history_too_short`` (VerdictError): the records do not cover the averaging
  period (import more history, or average over fewer months).
- ``balance_history_malformed`` (MalformedError): a record is not (date, finite decimal), or
  two records share a date with different balances.
- ``averaging_period_invalid`` (ConfigurationError): N outside 1..36.
- ``currency_invalid`` (MalformedError): not a three-letter ISO 4217 code.
- ``exchange_rate_invalid`` (ConfigurationError): a rates table entry that is not a positive
  finite decimal or not keyed by a currency code.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, Final

from passport.errors import ConfigurationError, MalformedError, VerdictError

__all__ = [
    "MAX_AVERAGING_MONTHS",
    "BalanceRecord",
    "CustomerFacts",
    "StatementFigures",
    "bank_statement_builder_args",
    "check_currency",
    "kyc_builder_args",
    "months_before",
    "parse_rates",
    "quantize",
    "statement_figures",
]

MAX_AVERAGING_MONTHS: Final = 36
_ZERO_DECIMAL_CURRENCIES: Final = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "XOF", "XAF"})
_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class BalanceRecord:
    """The end-of-day balance of an account on ``on``."""

    on: date
    balance: Decimal


@dataclass(frozen=True)
class StatementFigures:
    """What a bank statement credential states about one account."""

    currency: str
    current_balance: Decimal
    average_balance: Decimal
    averaging_period_months: int
    as_of_date: date
    period_start: date

    def as_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "current_balance": str(self.current_balance),
            "average_balance": str(self.average_balance),
            "averaging_period_months": self.averaging_period_months,
            "as_of_date": self.as_of_date.isoformat(),
            "period_start": self.period_start.isoformat(),
        }


@dataclass(frozen=True)
class CustomerFacts:
    """A customer record as the KYC credential needs it (the ID number only as its salted
    hash, ``passport.credentials.hash_id_document_number``)."""

    legal_name: str
    given_name: str
    family_name: str
    birth_date: date
    nationality: str
    id_document_type: str
    id_document_number_hash: str
    kyc_level: str
    verification_date: date
    id_document_country: str | None = None


def check_currency(code: str) -> str:
    """``code`` if it is three upper-case letters (ISO 4217 shape).

    Raises MalformedError ``currency_invalid``."""
    if not isinstance(code, str) or not _CURRENCY.fullmatch(code):
        raise MalformedError(
            "currency_invalid",
            f"{code!r} is not an ISO 4217 currency code (three upper-case letters, e.g. TWD).",
        )
    return code


def quantize(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half-even to the minor unit of ``currency``."""
    exponent = Decimal(1) if currency in _ZERO_DECIMAL_CURRENCIES else Decimal("0.01")
    return amount.quantize(exponent, rounding=ROUND_HALF_EVEN)


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier, clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _records(history: Iterable[BalanceRecord | tuple[date, Decimal]]) -> list[BalanceRecord]:
    by_day: dict[date, Decimal] = {}
    for item in history:
        on, balance = (item.on, item.balance) if isinstance(item, BalanceRecord) else item
        if not isinstance(on, date) or not isinstance(balance, Decimal) or not balance.is_finite():
            raise MalformedError(
                "balance_history_malformed",
                f"A balance record must be a date and a finite Decimal, not {item!r}.",
            )
        if on in by_day and by_day[on] != balance:
            raise MalformedError(
                "balance_history_malformed",
                f"Two different balances are recorded for {on.isoformat()}.",
                details={"date": on.isoformat()},
            )
        by_day[on] = balance
    return [BalanceRecord(on, by_day[on]) for on in sorted(by_day)]


def statement_figures(
    history: Iterable[BalanceRecord | tuple[date, Decimal]],
    *,
    currency: str,
    months: int = 6,
    as_of: date | None = None,
) -> StatementFigures:
    """Current balance, N-month average daily balance and as-of date of one account from
    its balance ``history`` (see the module docstring for the method).

    Raises MalformedError ``balance_history_empty``, ``balance_history_malformed``,
    ``currency_invalid``; VerdictError ``balance_history_too_short``; ConfigurationError
    ``averaging_period_invalid``.
    """
    check_currency(currency)
    if isinstance(months, bool) or not isinstance(months, int):
        raise ConfigurationError("averaging_period_invalid", "months must be an integer.")
    if not 1 <= months <= MAX_AVERAGING_MONTHS:
        raise ConfigurationError(
            "averaging_period_invalid",
            f"The averaging period must be 1..{MAX_AVERAGING_MONTHS} months, not {months}.",
        )
    records = _records(history)
    end = as_of if as_of is not None else (records[-1].on if records else None)
    usable = [r for r in records if end is not None and r.on <= end]
    if end is None or not usable:
        raise MalformedError(
            "balance_history_empty",
            "There is no balance on or before the as-of date; import the account's history.",
        )
    start = months_before(end, months) + timedelta(days=1)
    if usable[0].on > start:
        raise VerdictError(
            "balance_history_too_short",
            f"The balance history starts on {usable[0].on.isoformat()}, after the start of the "
            f"{months}-month averaging period ({start.isoformat()}); import older balances or "
            "average over fewer months.",
            details={
                "first_record": usable[0].on.isoformat(),
                "period_start": start.isoformat(),
                "months": months,
            },
        )
    # Sum balance x days over the segments between records inside [start, end].
    total = Decimal(0)
    days = (end - start).days + 1
    position = 0
    while position + 1 < len(usable) and usable[position + 1].on <= start:
        position += 1
    day = start
    while day <= end:
        nxt = usable[position + 1].on if position + 1 < len(usable) else end + timedelta(days=1)
        span = (min(nxt, end + timedelta(days=1)) - day).days
        total += usable[position].balance * span
        day += timedelta(days=span)
        position += 1
    average = total / Decimal(days)
    return StatementFigures(
        currency=currency,
        current_balance=quantize(usable[-1].balance, currency),
        average_balance=quantize(average, currency),
        averaging_period_months=months,
        as_of_date=end,
        period_start=start,
    )


def parse_rates(table: Mapping[str, Any]) -> dict[str, Decimal]:
    """The bank's rates table (``units_per_usd``: how many units of a currency buy one US
    dollar, e.g. ``{"TWD": "32.5"}``) as Decimals; USD is always 1.

    Raises ConfigurationError ``exchange_rate_invalid``."""
    out: dict[str, Decimal] = {"USD": Decimal(1)}
    for code, value in table.items():
        if not isinstance(code, str) or not _CURRENCY.fullmatch(code):
            raise ConfigurationError(
                "exchange_rate_invalid", f"Rates are keyed by ISO 4217 codes, not {code!r}."
            )
        try:
            rate = Decimal(str(value)) if not isinstance(value, bool) else Decimal("NaN")
        except InvalidOperation:
            rate = Decimal("NaN")
        if not rate.is_finite() or rate <= 0:
            raise ConfigurationError(
                "exchange_rate_invalid",
                f"The {code} rate must be a positive number of units per USD, not {value!r}.",
                details={"currency": code},
            )
        if code == "USD" and rate != 1:
            raise ConfigurationError(
                "exchange_rate_invalid", "The USD rate of a units-per-USD table is 1."
            )
        out[code] = rate
    return out


def kyc_builder_args(customer: CustomerFacts) -> dict[str, Any]:
    """Keyword arguments of ``passport.credentials.build_kyc_credential`` for ``customer``
    (all but issuer, holder, status, validity and credential id)."""
    args: dict[str, Any] = {
        "legal_name": customer.legal_name,
        "given_name": customer.given_name,
        "family_name": customer.family_name,
        "birth_date": customer.birth_date,
        "nationality": customer.nationality,
        "id_document_type": customer.id_document_type,
        "id_document_number_hash": customer.id_document_number_hash,
        "kyc_level": customer.kyc_level,
        "verification_date": customer.verification_date,
    }
    if customer.id_document_country is not None:
        args["id_document_country"] = customer.id_document_country
    return args


def bank_statement_builder_args(
    *,
    account_holder_name: str,
    bank_name: str,
    account_number: str,
    figures: StatementFigures,
    units_per_usd: Mapping[str, Decimal],
    bank_identifier: str | None = None,
) -> dict[str, Any]:
    """Keyword arguments of ``passport.credentials.build_bank_statement_credential`` (all but
    issuer, holder, status, validity and credential id). ``account_number`` may be the full
    number or its masked form (``****1234``): the builder masks it either way."""
    args: dict[str, Any] = {
        "account_holder_name": account_holder_name,
        "bank_name": bank_name,
        "account_number": account_number,
        "currency": figures.currency,
        "current_balance": figures.current_balance,
        "average_balance": figures.average_balance,
        "averaging_period_months": figures.averaging_period_months,
        "as_of_date": figures.as_of_date,
        "units_per_usd": dict(units_per_usd),
    }
    if bank_identifier is not None:
        args["bank_identifier"] = bank_identifier
    return args
