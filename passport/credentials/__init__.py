"""The credential types of the passport: JSON-LD context, JSON Schemas and builders.

``KYCCredential``, ``BankStatementCredential`` and ``FidoKeyBindingCredential`` are
VC Data Model 2.0 documents using the VC 2.0 context and the project context
``https://w3id.org/financial-passport/v1`` (``contexts/passport-v1.jsonld``);
``BitstringStatusListCredential`` uses the VC 2.0 context alone (see ``passport.status``).

Imports are lazy (PEP 562): ``passport.credentials.fields`` stays light for the verifiers that
only read a credential's fields; the schemas (and jsonschema) load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from passport.credentials.model import (
        CREDENTIAL_CONTEXT,
        DEFAULT_BALANCE_TIERS,
        PASSPORT_CONTEXT,
        VC_V2_CONTEXT,
        balance_tiers,
        build_bank_statement_credential,
        build_fido_key_binding_credential,
        build_kyc_credential,
        credential_status_entry,
        format_datetime,
        hash_id_document_number,
        mask_account_number,
    )
    from passport.credentials.schema import (
        BANK_STATEMENT_CREDENTIAL,
        CREDENTIAL_TYPES,
        FIDO_KEY_BINDING_CREDENTIAL,
        KYC_CREDENTIAL,
        STATUS_LIST_CREDENTIAL,
        detect_credential_type,
        load_schema,
        validate_credential,
    )

_EXPORTS = {
    "CREDENTIAL_CONTEXT": "passport.credentials.model",
    "DEFAULT_BALANCE_TIERS": "passport.credentials.model",
    "PASSPORT_CONTEXT": "passport.credentials.model",
    "VC_V2_CONTEXT": "passport.credentials.model",
    "balance_tiers": "passport.credentials.model",
    "build_bank_statement_credential": "passport.credentials.model",
    "build_fido_key_binding_credential": "passport.credentials.model",
    "build_kyc_credential": "passport.credentials.model",
    "credential_status_entry": "passport.credentials.model",
    "format_datetime": "passport.credentials.model",
    "hash_id_document_number": "passport.credentials.model",
    "mask_account_number": "passport.credentials.model",
    "BANK_STATEMENT_CREDENTIAL": "passport.credentials.schema",
    "CREDENTIAL_TYPES": "passport.credentials.schema",
    "FIDO_KEY_BINDING_CREDENTIAL": "passport.credentials.schema",
    "KYC_CREDENTIAL": "passport.credentials.schema",
    "STATUS_LIST_CREDENTIAL": "passport.credentials.schema",
    "detect_credential_type": "passport.credentials.schema",
    "load_schema": "passport.credentials.schema",
    "validate_credential": "passport.credentials.schema",
}

__all__ = [
    "BANK_STATEMENT_CREDENTIAL",
    "CREDENTIAL_CONTEXT",
    "CREDENTIAL_TYPES",
    "DEFAULT_BALANCE_TIERS",
    "FIDO_KEY_BINDING_CREDENTIAL",
    "KYC_CREDENTIAL",
    "PASSPORT_CONTEXT",
    "STATUS_LIST_CREDENTIAL",
    "VC_V2_CONTEXT",
    "balance_tiers",
    "build_bank_statement_credential",
    "build_fido_key_binding_credential",
    "build_kyc_credential",
    "credential_status_entry",
    "detect_credential_type",
    "format_datetime",
    "hash_id_document_number",
    "load_schema",
    "mask_account_number",
    "validate_credential",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'passport.credentials' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
