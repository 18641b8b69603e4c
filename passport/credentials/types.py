"""The one registry of the project's credential types.

Everything that differs by credential type is one row here; the rest is derived from it:
the JSON Schema files (``passport.credentials.schema``), the OpenID4VCI credential
configurations a bank offers (``passport.exchange.oid4vci.passport_credential_configurations``),
the issuer's configurations and lifetimes (``issuer_service.domain.CONFIGURATIONS``) and its
offer types (``issuer offer --type kyc|bank-statement|fido``), and the builder of each type
(``passport.credentials.model``). Adding a type is one row (plus its schema and builder).
The IETF SD-JWT VC forms (``SD_JWT_VC_TYPES``, ``dc+sd-jwt``) are derived from the rows
marked ``sd_jwt_vc``. The offline QR forms (``OFFLINE_TYPES``) are rows of their own: they
carry the claims of a registered type in another format and have no schema or builder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType
from typing import Final

from passport.formats import Format

__all__ = [
    "CREDENTIAL_TYPE_REGISTRY",
    "OFFLINE_TYPES",
    "SD_JWT_VC_TYPES",
    "GENERIC_VCT_BASE",
    "VCT_PATH",
    "CredentialType",
    "OfflineCredentialType",
    "SdJwtVcType",
    "issued_types",
    "offer_types",
    "offline_types",
    "credential_type_of_vct",
    "generic_vct",
    "sd_jwt_vc_types",
    "vct_url",
]


@dataclass(frozen=True)
class CredentialType:
    """One credential type: its name (the VC ``type`` and OpenID4VCI configuration id), short
    name (offer type), schema file, securing format, default validity, display texts and the
    name of its builder in ``passport.credentials.model`` (None: not issued to holders)."""

    name: str
    short: str
    schema_file: str
    format: Format
    validity: timedelta
    display_name: str
    description: str
    builder: str | None
    #: Also offered as IETF SD-JWT VC (``dc+sd-jwt``): configuration ``<name>-dc``, offer
    #: type ``<short>-dc``, ``vct`` ``<issuer>/vct/<name>`` (``docs/sd-jwt-vc.md``).
    sd_jwt_vc: bool = False


_ROWS: Final = (
    CredentialType(
        "KYCCredential",
        "kyc",
        "kyc-credential.json",
        Format.SD_JWT,
        timedelta(days=365),
        "KYC",
        "Identity verified by your bank (every claim selectively disclosable).",
        "build_kyc_credential",
        sd_jwt_vc=True,
    ),
    CredentialType(
        "BankStatementCredential",
        "bank-statement",
        "bank-statement-credential.json",
        Format.SD_JWT,
        timedelta(days=90),
        "Bank statement (proof of funds)",
        "Balance, average balance and balance tiers of one account.",
        "build_bank_statement_credential",
        sd_jwt_vc=True,
    ),
    CredentialType(
        "FidoKeyBindingCredential",
        "fido",
        "fido-key-binding-credential.json",
        Format.DI_RDFC,
        timedelta(days=730),
        "Security key binding",
        "Binds your wallet's DID to a FIDO authenticator you registered.",
        "build_fido_key_binding_credential",
    ),
    CredentialType(
        "BitstringStatusListCredential",
        "status-list",
        "bitstring-status-list-credential.json",
        Format.DI_RDFC,
        timedelta(days=7),
        "Status list",
        "The bank's revocation or suspension list.",
        None,
    ),
)

#: Every type, by name, in registry order.
CREDENTIAL_TYPE_REGISTRY: Final[Mapping[str, CredentialType]] = MappingProxyType(
    {row.name: row for row in _ROWS}
)


@dataclass(frozen=True)
class OfflineCredentialType:
    """An offline QR form of a credential type (``passport.offline``, issue 11): its
    OpenID4VCI configuration id, offer type, the credential type whose claims it carries,
    default validity and display texts. Its format is ``FORMAT_DFP_OFFLINE``."""

    name: str
    short: str
    source: str
    validity: timedelta
    display_name: str
    description: str


_OFFLINE_ROWS: Final = (
    OfflineCredentialType(
        "OfflineBankStatementCredential",
        "offline-bank-statement",
        "BankStatementCredential",
        timedelta(days=30),
        "Proof of funds (offline QR)",
        "Name, nationality and balance tiers, shown as one QR that is checked without a network.",
    ),
    OfflineCredentialType(
        "OfflineKYCCredential",
        "offline-kyc",
        "KYCCredential",
        timedelta(days=90),
        "KYC (offline QR)",
        "Your verified identity, shown as one QR that is checked without a network.",
    ),
)

#: The offline forms, by configuration id.
OFFLINE_TYPES: Final[Mapping[str, OfflineCredentialType]] = MappingProxyType(
    {row.name: row for row in _OFFLINE_ROWS}
)


@dataclass(frozen=True)
class SdJwtVcType:
    """The IETF SD-JWT VC (``dc+sd-jwt``) form of a registered type, derived from its row:
    configuration id ``<name>-dc``, offer type ``<short>-dc``, the ``source`` type whose
    builder makes its claims (flat: the W3C ``credentialSubject`` without ``id``), the
    source's validity and display texts. Its ``vct`` is ``vct_url(issuer, source)``."""

    name: str
    short: str
    source: str
    validity: timedelta
    display_name: str
    description: str


#: Where an issuer serves SD-JWT VC Type Metadata: ``<issuer>/vct/<type name>``.
VCT_PATH: Final = "/vct/"


def vct_url(credential_issuer: str, source: str) -> str:
    """The ``vct`` of the SD-JWT VC form of ``source`` at ``credential_issuer`` (the URL its
    Type Metadata is served at)."""
    return f"{credential_issuer.rstrip('/')}{VCT_PATH}{source}"


#: The bank-independent type identifiers that every bank's ``vct`` extends (its Type Metadata
#: ``extends``): ``<GENERIC_VCT_BASE><type name>``, the verifier policy's default ``vct``.
GENERIC_VCT_BASE: Final = "https://w3id.org/financial-passport/vct/"


def generic_vct(source: str) -> str:
    """The bank-independent ``vct`` that the SD-JWT VC form of ``source`` extends."""
    return GENERIC_VCT_BASE + source


def credential_type_of_vct(vct: str) -> str | None:
    """The registered type an SD-JWT VC ``vct`` stands for: the generic identifier
    (``generic_vct``) or any issuer's ``<issuer>/vct/<type>``; None for a foreign ``vct``."""
    if not isinstance(vct, str):
        return None
    for prefix in (GENERIC_VCT_BASE, VCT_PATH):
        if prefix in vct:
            name = vct.rsplit(prefix, 1)[1]
            if name in CREDENTIAL_TYPE_REGISTRY and CREDENTIAL_TYPE_REGISTRY[name].sd_jwt_vc:
                return name
    return None


#: The SD-JWT VC forms, by configuration id.
SD_JWT_VC_TYPES: Final[Mapping[str, SdJwtVcType]] = MappingProxyType(
    {
        f"{row.name}-dc": SdJwtVcType(
            f"{row.name}-dc",
            f"{row.short}-dc",
            row.name,
            row.validity,
            f"{row.display_name} (SD-JWT VC)",
            row.description,
        )
        for row in _ROWS
        if row.sd_jwt_vc
    }
)


def sd_jwt_vc_types() -> tuple[SdJwtVcType, ...]:
    """The ``dc+sd-jwt`` configurations a bank offers beside ``issued_types``."""
    return tuple(SD_JWT_VC_TYPES.values())


def offline_types() -> tuple[OfflineCredentialType, ...]:
    """The offline QR configurations a bank offers beside ``issued_types``."""
    return tuple(OFFLINE_TYPES.values())


def issued_types() -> tuple[CredentialType, ...]:
    """The types a bank issues to holders (offered over OpenID4VCI or FIDO enrollment)."""
    return tuple(t for t in CREDENTIAL_TYPE_REGISTRY.values() if t.builder is not None)


def offer_types() -> dict[str, str]:
    """Offer type (short name) -> configuration id: ``{"kyc": "KYCCredential", ...,
    "offline-bank-statement": "OfflineBankStatementCredential", ..., "kyc-dc":
    "KYCCredential-dc", "bank-statement-dc": "BankStatementCredential-dc"}``."""
    out = {t.short: t.name for t in issued_types()}
    out.update({t.short: t.name for t in offline_types()})
    out.update({t.short: t.name for t in sd_jwt_vc_types()})
    return out
