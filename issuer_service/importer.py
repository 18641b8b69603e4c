"""Import customers, accounts and balance histories from JSON or CSV: all or nothing.

JSON: ``{"customers": [{customer fields..., "accounts": [{"account_number", "currency",
"product"?, "balances": [{"date": "2025-06-30", "balance": "123456.00"}, ...]}]}]}``.

CSV (one row per balance; customer and account columns repeat and must agree)::

    customer_id,legal_name,given_name,family_name,birth_date,nationality,id_document_type,
    id_document_number,id_document_country,kyc_level,verified_on,email,
    account_number,currency,product,date,balance

A customer without accounts is one row with the account columns empty.

Customer fields: ``customer_id`` (letters, digits, ``-``, ``_``; at most 64), ``legal_name``,
``given_name``, ``family_name``, ``birth_date`` (ISO date), ``nationality`` (ISO 3166-1
alpha-2), ``id_document_type`` (passport, national_id, residence_permit, driving_licence),
``id_document_number`` (a Taiwanese national ID is a letter, 1 or 2 — 8 or 9 for resident
certificates — and 8 digits: ``A123456789``), ``id_document_country`` (optional),
``kyc_level`` (simplified, standard, enhanced), ``verified_on`` (ISO date), ``email``
(optional). Accounts: ``account_number`` (6-34 digits, spaces or hyphens), ``currency``
(ISO 4217), ``product`` (optional), balances ``date`` + ``balance`` (a decimal).

Everything is validated before anything is written; then one transaction writes it all. The
ID-document number is stored only as its salted hash (``hash_id_document_number``, 16-byte
random salt per customer), the account number as a masked form and an HMAC under the
bank's data key.

Error codes: ``import_invalid`` (MalformedError; ``details.errors`` lists every problem as
``{"location": "row 7" | "customers[2].accounts[0]", "field", "message"}``),
``import_duplicate_customer`` (VerdictError: a customer id twice in the file or already
imported; ``details``: ``customer_id``, ``locations``, ``in_database``),
``import_duplicate_account`` (VerdictError: an account number twice or already imported),
``import_file_unreadable`` (ConfigurationError), ``import_format_unsupported``
(ConfigurationError: neither .json nor .csv).
"""

from __future__ import annotations

import csv
import hmac
import io
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from hashlib import sha256
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select

from issuer_service.db import Account, BalanceEntry, Customer, Database
from issuer_service.domain import IssuerContext, audit
from passport.credentials.model import hash_id_document_number, mask_account_number
from passport.errors import ConfigurationError, MalformedError, VerdictError

__all__ = [
    "CSV_COLUMNS",
    "AccountRecord",
    "CustomerRecord",
    "ImportSummary",
    "account_number_hmac",
    "import_customers",
    "load_customer_file",
    "parse_customers_csv",
    "parse_customers_json",
]

CSV_COLUMNS: Final = (
    "customer_id",
    "legal_name",
    "given_name",
    "family_name",
    "birth_date",
    "nationality",
    "id_document_type",
    "id_document_number",
    "id_document_country",
    "kyc_level",
    "verified_on",
    "email",
    "account_number",
    "currency",
    "product",
    "date",
    "balance",
)
_CUSTOMER_COLUMNS: Final = CSV_COLUMNS[:12]
_ACCOUNT_COLUMNS: Final = ("account_number", "currency", "product")
_ID_TYPES: Final = ("passport", "national_id", "residence_permit", "driving_licence")
_KYC_LEVELS: Final = ("simplified", "standard", "enhanced")
_CUSTOMER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_TW_NATIONAL_ID = re.compile(r"[A-Z][1289][0-9]{8}")
_DOC_NUMBER = re.compile(r"[A-Z0-9]{5,20}")
_ACCOUNT = re.compile(r"[0-9][0-9 -]{4,40}[0-9]")


@dataclass(frozen=True)
class AccountRecord:
    account_number: str = field(repr=False)
    currency: str
    product: str | None
    balances: tuple[tuple[date, Decimal], ...]
    location: str = ""


@dataclass(frozen=True)
class CustomerRecord:
    """One customer as read from a file (the ID number in clear, in memory only)."""

    customer_id: str
    legal_name: str
    given_name: str
    family_name: str
    birth_date: date
    nationality: str
    id_document_type: str
    id_document_number: str = field(repr=False)
    id_document_country: str | None
    kyc_level: str
    verified_on: date
    email: str | None
    accounts: tuple[AccountRecord, ...]
    location: str = ""


@dataclass(frozen=True)
class ImportSummary:
    customers: int
    accounts: int
    balances: int

    def as_dict(self) -> dict[str, int]:
        return {"customers": self.customers, "accounts": self.accounts, "balances": self.balances}


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, location: str, name: str, message: str) -> None:
        self.items.append({"location": location, "field": name, "message": message})

    def raise_if_any(self) -> None:
        if self.items:
            first = self.items[0]
            more = f" (and {len(self.items) - 1} more)" if len(self.items) > 1 else ""
            raise MalformedError(
                "import_invalid",
                f"Nothing was imported: {first['location']}, {first['field']}: "
                f"{first['message']}{more}. Fix the file and import it again.",
                details={"errors": self.items[:200], "count": len(self.items)},
            )


def _text(
    raw: Mapping[str, Any],
    name: str,
    loc: str,
    errors: _Errors,
    *,
    required: bool = True,
    limit: int = 200,
) -> str | None:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(loc, name, "is required")
        return None
    if not isinstance(value, str):
        errors.add(loc, name, "must be a string")
        return None
    value = value.strip()
    if len(value) > limit:
        errors.add(loc, name, f"is longer than {limit} characters")
        return None
    return value


def _date(raw: Mapping[str, Any], name: str, loc: str, errors: _Errors) -> date | None:
    text = _text(raw, name, loc, errors, limit=10)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.add(loc, name, f"{text!r} is not an ISO date (YYYY-MM-DD)")
        return None


def _choice(
    raw: Mapping[str, Any],
    name: str,
    loc: str,
    errors: _Errors,
    pattern: re.Pattern[str] | None = None,
    choices: Sequence[str] = (),
    required: bool = True,
    hint: str = "",
) -> str | None:
    text = _text(raw, name, loc, errors, required=required, limit=64)
    if text is None:
        return None
    if (pattern is not None and not pattern.fullmatch(text)) or (choices and text not in choices):
        errors.add(loc, name, f"{text!r} is not valid" + (f" ({hint})" if hint else ""))
        return None
    return text


def _customer_fields(raw: Mapping[str, Any], loc: str, errors: _Errors) -> dict[str, Any] | None:
    before = len(errors.items)
    out: dict[str, Any] = {
        "customer_id": _choice(
            raw,
            "customer_id",
            loc,
            errors,
            _CUSTOMER_ID,
            hint="letters, digits, '-' or '_', at most 64",
        ),
        "legal_name": _text(raw, "legal_name", loc, errors),
        "given_name": _text(raw, "given_name", loc, errors, limit=100),
        "family_name": _text(raw, "family_name", loc, errors, limit=100),
        "birth_date": _date(raw, "birth_date", loc, errors),
        "nationality": _choice(
            raw, "nationality", loc, errors, _COUNTRY, hint="ISO 3166-1 alpha-2, e.g. TW"
        ),
        "id_document_type": _choice(
            raw, "id_document_type", loc, errors, choices=_ID_TYPES, hint=", ".join(_ID_TYPES)
        ),
        "id_document_number": _text(raw, "id_document_number", loc, errors, limit=40),
        "id_document_country": _choice(
            raw,
            "id_document_country",
            loc,
            errors,
            _COUNTRY,
            required=False,
            hint="ISO 3166-1 alpha-2",
        ),
        "kyc_level": _choice(
            raw, "kyc_level", loc, errors, choices=_KYC_LEVELS, hint=", ".join(_KYC_LEVELS)
        ),
        "verified_on": _date(raw, "verified_on", loc, errors),
        "email": _text(raw, "email", loc, errors, required=False),
    }
    number = out["id_document_number"]
    if number is not None:
        normalised = re.sub(r"[\s-]", "", number).upper()
        country = out["id_document_country"] or out["nationality"]
        if out["id_document_type"] == "national_id" and country == "TW":
            if not _TW_NATIONAL_ID.fullmatch(normalised):
                errors.add(
                    loc,
                    "id_document_number",
                    "a Taiwanese national ID is a letter, then 1, 2, 8 or 9, then 8 "
                    "digits (like A123456789)",
                )
        elif not _DOC_NUMBER.fullmatch(normalised):
            errors.add(loc, "id_document_number", "must be 5-20 letters or digits")
        out["id_document_number"] = normalised
    birth, verified = out["birth_date"], out["verified_on"]
    if birth is not None and verified is not None and birth >= verified:
        errors.add(loc, "birth_date", "must be before verified_on")
    return out if len(errors.items) == before else None


def _account_fields(raw: Mapping[str, Any], loc: str, errors: _Errors) -> dict[str, Any] | None:
    before = len(errors.items)
    number = _choice(
        raw, "account_number", loc, errors, _ACCOUNT, hint="6-34 digits, spaces or hyphens"
    )
    currency = _choice(raw, "currency", loc, errors, _CURRENCY, hint="ISO 4217, e.g. TWD")
    product = _text(raw, "product", loc, errors, required=False, limit=64)
    if len(errors.items) != before:
        return None
    return {"account_number": number, "currency": currency, "product": product}


def _balance(raw: Mapping[str, Any], loc: str, errors: _Errors) -> tuple[date, Decimal] | None:
    day = _date(raw, "date", loc, errors)
    value = raw.get("balance")
    amount: Decimal | None = None
    if value is None or value == "":
        errors.add(loc, "balance", "is required")
    elif isinstance(value, bool | float):
        errors.add(loc, "balance", "must be a decimal string or an integer (not a float)")
    else:
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            errors.add(loc, "balance", f"{value!r} is not a decimal number")
            amount = None
    if day is None or amount is None:
        return None
    return day, amount


def _check_balances(balances: list[tuple[date, Decimal]], loc: str, errors: _Errors) -> None:
    seen: dict[date, Decimal] = {}
    for day, amount in balances:
        if day in seen and seen[day] != amount:
            errors.add(loc, "balances", f"two different balances on {day.isoformat()}")
        seen[day] = amount


def parse_customers_json(data: bytes | str) -> list[CustomerRecord]:
    """Parse the JSON form. Raises MalformedError ``import_invalid`` listing every problem."""
    errors = _Errors()
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        errors.add("file", "-", f"not JSON: {exc}")
        errors.raise_if_any()
    customers = doc.get("customers") if isinstance(doc, dict) else None
    if not isinstance(customers, list):
        errors.add("file", "customers", 'the file must be {"customers": [...]}')
        errors.raise_if_any()
    assert isinstance(customers, list)
    out: list[CustomerRecord] = []
    for i, raw in enumerate(customers):
        loc = f"customers[{i}]"
        if not isinstance(raw, dict):
            errors.add(loc, "-", "must be an object")
            continue
        fields = _customer_fields(raw, loc, errors)
        accounts: list[AccountRecord] = []
        raw_accounts = raw.get("accounts", [])
        if not isinstance(raw_accounts, list):
            errors.add(loc, "accounts", "must be a list")
            raw_accounts = []
        for j, raw_account in enumerate(raw_accounts):
            aloc = f"{loc}.accounts[{j}]"
            if not isinstance(raw_account, dict):
                errors.add(aloc, "-", "must be an object")
                continue
            afields = _account_fields(raw_account, aloc, errors)
            balances: list[tuple[date, Decimal]] = []
            raw_balances = raw_account.get("balances", [])
            if not isinstance(raw_balances, list):
                errors.add(aloc, "balances", "must be a list")
                raw_balances = []
            for k, raw_balance in enumerate(raw_balances):
                bloc = f"{aloc}.balances[{k}]"
                if not isinstance(raw_balance, dict):
                    errors.add(bloc, "-", "must be an object")
                    continue
                parsed = _balance(raw_balance, bloc, errors)
                if parsed:
                    balances.append(parsed)
            _check_balances(balances, aloc, errors)
            if afields:
                accounts.append(AccountRecord(**afields, balances=tuple(balances), location=aloc))
        if fields:
            out.append(CustomerRecord(**fields, accounts=tuple(accounts), location=loc))
    errors.raise_if_any()
    return out


def parse_customers_csv(text: str) -> list[CustomerRecord]:
    """Parse the CSV form (header line required; "row N" is the file's line number).

    Raises MalformedError ``import_invalid`` listing every problem."""
    errors = _Errors()
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        errors.add("row 1", ", ".join(missing), "missing column(s) in the header")
        errors.raise_if_any()
    customers: dict[str, tuple[dict[str, Any], str]] = {}
    accounts: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
    balances: dict[tuple[str, str], list[tuple[date, Decimal]]] = {}
    order: list[str] = []
    for row in reader:
        loc = f"row {reader.line_num}"
        if None in row:
            errors.add(loc, "-", "has more cells than the header")
            continue
        fields = _customer_fields(row, loc, errors)
        if fields is None:
            continue
        cid = fields["customer_id"]
        if cid not in customers:
            customers[cid] = (fields, loc)
            order.append(cid)
        else:
            first, first_loc = customers[cid]
            for name in _CUSTOMER_COLUMNS:
                if first[name] != fields[name]:
                    errors.add(loc, name, f"differs from {first_loc} for customer {cid}")
        if not (row.get("account_number") or "").strip():
            continue
        afields = _account_fields(row, loc, errors)
        if afields is None:
            continue
        key = (cid, afields["account_number"])
        if key not in accounts:
            accounts[key] = (afields, loc)
            balances[key] = []
        else:
            first_account, first_loc = accounts[key]
            for name in _ACCOUNT_COLUMNS:
                if first_account[name] != afields[name]:
                    errors.add(loc, name, f"differs from {first_loc} for this account")
        if (row.get("date") or "").strip() or (row.get("balance") or "").strip():
            parsed = _balance(row, loc, errors)
            if parsed:
                balances[key].append(parsed)
    out: list[CustomerRecord] = []
    for cid in order:
        fields, loc = customers[cid]
        records = []
        for (owner, number), (afields, aloc) in accounts.items():
            if owner == cid:
                _check_balances(balances[(owner, number)], aloc, errors)
                records.append(
                    AccountRecord(
                        **afields, balances=tuple(balances[(owner, number)]), location=aloc
                    )
                )
        out.append(CustomerRecord(**fields, accounts=tuple(records), location=loc))
    errors.raise_if_any()
    return out


def load_customer_file(path: str | Path) -> list[CustomerRecord]:
    """Read and parse ``path`` by its suffix (``.json`` or ``.csv``).

    Raises ConfigurationError ``import_file_unreadable``, ``import_format_unsupported``;
    MalformedError ``import_invalid``."""
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise ConfigurationError(
            "import_format_unsupported",
            f"{source.name}: import a .json or a .csv file.",
        )
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(
            "import_file_unreadable", f"Cannot read {source}: {exc}", details={"path": str(source)}
        ) from exc
    return parse_customers_json(text) if suffix == ".json" else parse_customers_csv(text)


def account_number_hmac(data_key: bytes, account_number: str) -> str:
    """HMAC-SHA256 (hex) of the normalised account number under the bank's data key."""
    normalised = re.sub(r"[\s-]", "", account_number)
    return hmac.new(data_key, normalised.encode("ascii"), sha256).hexdigest()


def _duplicates(records: Sequence[CustomerRecord]) -> None:
    seen: dict[str, list[str]] = {}
    for record in records:
        seen.setdefault(record.customer_id, []).append(record.location)
    for cid, locations in seen.items():
        if len(locations) > 1:
            raise VerdictError(
                "import_duplicate_customer",
                f"Customer id {cid!r} appears more than once ({', '.join(locations)}); "
                "nothing was imported.",
                details={"customer_id": cid, "locations": locations, "in_database": False},
            )


def import_customers(
    db: Database,
    ctx: IssuerContext,
    records: Sequence[CustomerRecord],
    *,
    actor: str = "cli",
    source: str | None = None,
) -> ImportSummary:
    """Insert ``records`` (from ``load_customer_file`` or the parsers) in one transaction.

    Raises VerdictError ``import_duplicate_customer`` (twice in ``records``, or already in
    the database), ``import_duplicate_account``; nothing is written when anything fails.
    """
    _duplicates(records)
    now = ctx.now()
    hmacs: dict[str, str] = {}
    for record in records:
        for listed in record.accounts:
            digest = account_number_hmac(ctx.data_key, listed.account_number)
            if digest in hmacs:
                raise VerdictError(
                    "import_duplicate_account",
                    f"An account number appears twice ({hmacs[digest]}, {listed.location}); "
                    "nothing was imported.",
                    details={"locations": [hmacs[digest], listed.location]},
                )
            hmacs[digest] = listed.location
    n_accounts = n_balances = 0
    with db.transaction() as session:
        ids = [r.customer_id for r in records]
        existing = set()
        for start in range(0, len(ids), 500):
            existing |= set(
                session.scalars(
                    select(Customer.customer_id).where(
                        Customer.customer_id.in_(ids[start : start + 500])
                    )
                )
            )
        if existing:
            first = sorted(existing)[0]
            raise VerdictError(
                "import_duplicate_customer",
                f"Customer id {first!r} was already imported ({len(existing)} of the file's "
                "customers exist); nothing was imported.",
                details={
                    "customer_id": first,
                    "locations": [],
                    "in_database": True,
                    "existing": sorted(existing)[:50],
                },
            )
        digests = list(hmacs)
        for start in range(0, len(digests), 500):
            clash = session.scalar(
                select(Account.number_hmac)
                .where(Account.number_hmac.in_(digests[start : start + 500]))
                .limit(1)
            )
            if clash is not None:
                raise VerdictError(
                    "import_duplicate_account",
                    f"The account at {hmacs[clash]} was already imported; nothing was imported.",
                    details={"locations": [hmacs[clash]], "in_database": True},
                )
        for record in records:
            salt = secrets.token_bytes(16)
            customer = Customer(
                customer_id=record.customer_id,
                legal_name=record.legal_name,
                given_name=record.given_name,
                family_name=record.family_name,
                birth_date=record.birth_date,
                nationality=record.nationality,
                id_document_type=record.id_document_type,
                id_document_country=record.id_document_country,
                id_number_hash=hash_id_document_number(record.id_document_number, salt=salt),
                id_number_salt=salt,
                kyc_level=record.kyc_level,
                verified_on=record.verified_on,
                email=record.email,
                created_at=now,
            )
            session.add(customer)
            session.flush()
            for account_record in record.accounts:
                account = Account(
                    customer_pk=customer.id,
                    masked_number=mask_account_number(account_record.account_number),
                    number_hmac=account_number_hmac(ctx.data_key, account_record.account_number),
                    currency=account_record.currency,
                    product=account_record.product,
                    created_at=now,
                )
                session.add(account)
                session.flush()
                n_accounts += 1
                for day, amount in sorted(set(account_record.balances)):
                    session.add(BalanceEntry(account_pk=account.id, day=day, balance=amount))
                    n_balances += 1
        summary = ImportSummary(len(records), n_accounts, n_balances)
        audit(
            session,
            ctx,
            "customers_imported",
            f"import:{source or 'records'}",
            actor=actor,
            **summary.as_dict(),
        )
    return summary
