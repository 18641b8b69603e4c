"""The credential types of the passport: JSON-LD context, JSON Schemas and builders.

``KYCCredential``, ``BankStatementCredential`` and ``FidoKeyBindingCredential`` are
VC Data Model 2.0 documents using the VC 2.0 context and the project context
``https://w3id.org/financial-passport/v1`` (``contexts/passport-v1.jsonld``);
``BitstringStatusListCredential`` uses the VC 2.0 context alone (see ``passport.status``).
"""

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
