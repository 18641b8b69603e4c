"""The issuer's context (keys, URLs, limits), its credential configurations and the
lookups of its records (customers, accounts) shared by the flows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer_service.db import (
    Account,
    Customer,
)
from passport.bank import (
    BalanceRecord,
    CustomerFacts,
    StatementFigures,
    statement_figures,
)
from passport.credentials.types import issued_types, offline_types, sd_jwt_vc_types
from passport.errors import (
    ConfigurationError,
    MalformedError,
    VerdictError,
)
from passport.formats import FORMAT_DC_SD_JWT, FORMAT_DFP_OFFLINE
from passport.keys import KeyType, PrivateKey
from passport.ports import Clock, SystemClock
from passport.status.bitstring import MIN_ENTRIES, Purpose

KYC: Final = "KYCCredential"
BANK_STATEMENT: Final = "BankStatementCredential"
FIDO_KEY_BINDING: Final = "FidoKeyBindingCredential"
_PURPOSES: Final[tuple[Purpose, Purpose]] = ("revocation", "suspension")
_MAX_INDEX_DRAWS: Final = 64


@dataclass(frozen=True)
class CredentialConfiguration:
    """One credential configuration this issuer offers (OpenID4VCI section 12.2.4): its id
    (the credential type's name), type, wire format and default validity."""

    id: str
    credential_type: str
    format: str
    validity: timedelta


#: The configurations, keyed by id (the ids of
#: ``passport.exchange.oid4vci.passport_credential_configurations``): the three W3C ones,
#: then the offline QR forms and the SD-JWT VC forms (``<type>-dc``), whose
#: ``credential_type`` is the type whose claims they carry.
CONFIGURATIONS: Final[Mapping[str, CredentialConfiguration]] = {
    **{
        t.name: CredentialConfiguration(t.name, t.name, t.format.oid4vci, t.validity)
        for t in issued_types()  # the one registry: passport.credentials.types
    },
    **{
        o.name: CredentialConfiguration(o.name, o.source, FORMAT_DFP_OFFLINE, o.validity)
        for o in offline_types()
    },
    **{
        d.name: CredentialConfiguration(d.name, d.source, FORMAT_DC_SD_JWT, d.validity)
        for d in sd_jwt_vc_types()
    },
}
#: OpenID4VCI 1.0 section 12.2.4 ``batch_credential_issuance.batch_size``: the default most
#: copies (key proofs) one Credential Request may ask for.
DEFAULT_BATCH_SIZE: Final = 10


@dataclass(frozen=True)
class IssuerContext:
    """Everything the bank's operations need besides the database: its identity and key,
    its public URL, its configuration (rates table, lifetimes, limits) and a clock.

    ``credential_issuer`` is the Credential Issuer Identifier (the service's base URL);
    status lists are served at ``<credential_issuer>/status/<list_id>``. ``data_key`` keys
    the HMAC of account numbers (at least 16 random bytes, kept with the signing key).
    ``index_rng`` (``rng(n)`` -> an int in [0, n)) and ``status_list_capacity`` (fill a group
    only up to this many entries) exist for tests; leave them at their defaults.

    Raises ConfigurationError ``issuer_context_invalid`` (a non-Ed25519 signing key, a short
    data key, a capacity above the list size, a list under 131,072 entries).
    """

    issuer_did: str
    verification_method: str
    signing_key: PrivateKey = field(repr=False)
    credential_issuer: str
    bank_name: str
    units_per_usd: Mapping[str, Decimal]
    data_key: bytes = field(repr=False)
    clock: Clock = field(default_factory=SystemClock)
    bank_identifier: str | None = None
    averaging_months: int = 6
    offer_ttl: timedelta = timedelta(minutes=30)
    token_ttl: timedelta = timedelta(minutes=10)
    # refresh tokens for new batches (``wallet refresh``); zero: none are issued
    refresh_token_ttl: timedelta = timedelta(days=90)
    nonce_ttl: timedelta = timedelta(minutes=5)
    fido_ceremony_ttl: timedelta = timedelta(minutes=5)
    max_tx_code_attempts: int = 5
    tx_code_length: int = 6
    proof_max_age: int = 300
    batch_size: int = DEFAULT_BATCH_SIZE
    validity: Mapping[str, timedelta] = field(
        default_factory=lambda: {k: v.validity for k, v in CONFIGURATIONS.items()}
    )
    status_list_size: int = MIN_ENTRIES
    status_list_capacity: int | None = None
    status_list_valid_for: timedelta = timedelta(days=7)
    status_list_refresh_before: timedelta = timedelta(days=1)
    rp_id: str | None = None
    index_rng: Callable[[int], int] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        problem = None
        if self.signing_key.type is not KeyType.ED25519:
            problem = "the signing key must be Ed25519"
        elif len(self.data_key) < 16:
            problem = "the data key must be at least 16 bytes"
        elif self.status_list_size < MIN_ENTRIES:
            problem = f"status lists need at least {MIN_ENTRIES} entries"
        elif self.status_list_capacity is not None and not (
            0 < self.status_list_capacity <= self.status_list_size
        ):
            problem = "status_list_capacity must be between 1 and status_list_size"
        elif not 1 <= self.batch_size <= 100:
            problem = "batch_size must be between 1 and 100"
        elif not self.credential_issuer.startswith(("https://", "http://")):
            problem = "credential_issuer must be an http(s) URL"
        if problem:
            raise ConfigurationError("issuer_context_invalid", f"Issuer context: {problem}.")

    @property
    def status_base_url(self) -> str:
        return f"{self.credential_issuer.rstrip('/')}/status"

    @property
    def capacity(self) -> int:
        return self.status_list_capacity or self.status_list_size

    @property
    def relying_party_id(self) -> str:
        return self.rp_id or (urlsplit(self.credential_issuer).hostname or "localhost")

    def now(self) -> datetime:
        return self.clock.now()


def _customer(session: Session, customer_id: str) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.customer_id == customer_id))
    if customer is None:
        raise VerdictError(
            "customer_not_found",
            f"No customer {customer_id!r}; import the customer first (`issuer import`).",
            details={"customer_id": customer_id},
        )
    return customer


def _configuration(configuration_id: str) -> CredentialConfiguration:
    try:
        return CONFIGURATIONS[configuration_id]
    except KeyError:
        raise MalformedError(
            "credential_configuration_unknown",
            f"Unknown credential configuration {configuration_id!r}; use one of "
            f"{sorted(CONFIGURATIONS)}.",
        ) from None


def _account(session: Session, customer: Customer, account_id: int | None) -> Account:
    accounts = list(customer.accounts)
    if account_id is not None:
        accounts = [a for a in accounts if a.id == account_id]
    if not accounts:
        raise VerdictError(
            "account_not_found",
            f"Customer {customer.customer_id!r} has no account"
            + (f" {account_id}" if account_id is not None else "")
            + "; import its accounts first.",
            details={"customer_id": customer.customer_id, "account_id": account_id},
        )
    return accounts[0]


def _customer_facts(customer: Customer) -> CustomerFacts:
    return CustomerFacts(
        legal_name=customer.legal_name,
        given_name=customer.given_name,
        family_name=customer.family_name,
        birth_date=customer.birth_date,
        nationality=customer.nationality,
        id_document_type=customer.id_document_type,
        id_document_number_hash=customer.id_number_hash,
        kyc_level=customer.kyc_level,
        verification_date=customer.verified_on,
        id_document_country=customer.id_document_country,
    )


def statement_for_account(ctx: IssuerContext, account: Account) -> StatementFigures:
    """The statement figures of ``account`` (``passport.bank.statement_figures`` over its
    stored history, ``ctx.averaging_months`` months). Raises like that function."""
    history = [BalanceRecord(entry.day, entry.balance) for entry in account.balances]
    return statement_figures(history, currency=account.currency, months=ctx.averaging_months)
