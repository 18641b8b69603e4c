"""The one table of error codes: each code's branch, report check and HTTP status.

Every stable ``code`` a :class:`~passport.errors.PassportError` carries, or a verification
report records, has exactly one row here; ``docs/errors.md`` explains each one and
``tests/unit/test_error_docs.py`` keeps the three in step (a code raised or recorded anywhere
without a row, a row without a doc entry or without a negative test fails the suite).

- ``branch``: what kind of outcome the code is (``malformed``, ``verdict``, ``could_not_check``,
  ``configuration``). A report records a ``could_not_check`` code as ``could_not_check``,
  never as ``failed``.
- ``check``: the verification report check the code belongs to (``None`` outside
  verification); where a check runs several steps, it is the check that reports the code.
- ``http``: the status a service answers it with. Unless a row says otherwise: 400 for
  malformed input and verdicts, 503 when something could not be checked, 500 for the
  service's own configuration.

Adding a code is one line: ``Code("my_code", VERDICT, "signature")``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = [
    "CODES",
    "Branch",
    "Code",
    "branch_of",
    "check_of",
    "http_status",
]


class Branch(enum.StrEnum):
    MALFORMED = "malformed"
    VERDICT = "verdict"
    COULD_NOT_CHECK = "could_not_check"
    CONFIGURATION = "configuration"


MALFORMED: Final = Branch.MALFORMED
VERDICT: Final = Branch.VERDICT
COULD_NOT_CHECK: Final = Branch.COULD_NOT_CHECK
CONFIGURATION: Final = Branch.CONFIGURATION

_DEFAULT_HTTP: Final = {MALFORMED: 400, VERDICT: 400, COULD_NOT_CHECK: 503, CONFIGURATION: 500}


@dataclass(frozen=True)
class Code:
    """One row: a stable error code, its branch, its report check, its HTTP status."""

    code: str
    branch: Branch
    check: str | None = None
    http: int | None = None

    @property
    def status(self) -> int:
        """The HTTP status: the row's own, else the branch's default."""
        return self.http if self.http is not None else _DEFAULT_HTTP[self.branch]


def _index(rows: Iterable[Code]) -> Mapping[str, Code]:
    out: dict[str, Code] = {}
    for row in rows:
        if row.code in out:
            raise ValueError(f"error code {row.code!r} has two rows")
        out[row.code] = row
    return MappingProxyType(out)


# fmt: off
CODES: Final[Mapping[str, Code]] = _index([
    # --- FIDO (WebAuthn)
    Code("authenticator_credential_mismatch", VERDICT),
    Code("authenticator_options_invalid", MALFORMED),
    Code("authenticator_origin_invalid", VERDICT),
    Code("authenticator_unsupported", CONFIGURATION),
    Code("did_binding_audience_mismatch", VERDICT),
    Code("did_binding_challenge_mismatch", VERDICT),
    Code("did_binding_credential_mismatch", VERDICT),
    Code("did_binding_iat_invalid", VERDICT),
    Code("did_binding_issuer_mismatch", VERDICT),
    Code("did_binding_kid_invalid", VERDICT),
    Code("did_binding_malformed", MALFORMED),
    Code("did_binding_signature_invalid", VERDICT),
    Code("did_binding_typ_invalid", VERDICT),
    Code("fido_assertion_invalid", VERDICT),
    Code("fido_attestation_format_unsupported", VERDICT),
    Code("fido_attestation_invalid", VERDICT),
    Code("fido_challenge_mismatch", VERDICT),
    Code("fido_client_data_type_invalid", VERDICT),
    Code("fido_credential_unknown", VERDICT),
    Code("fido_key_unsupported", VERDICT),
    Code("fido_options_invalid", CONFIGURATION),
    Code("fido_origin_mismatch", VERDICT),
    Code("fido_registration_invalid", VERDICT),
    Code("fido_response_malformed", MALFORMED),
    Code("fido_rp_id_mismatch", VERDICT),
    Code("fido_sign_count_regressed", VERDICT),
    Code("fido_signature_invalid", VERDICT),
    Code("fido_user_not_present", VERDICT),
    Code("fido_user_not_verified", VERDICT),
    # --- Verification
    Code("audience_mismatch", VERDICT, "audience"),
    Code("challenge_mismatch", VERDICT, "nonce"),
    Code("challenge_missing", CONFIGURATION, "holder_proof"),
    Code("cnf_missing", VERDICT, "holder_proof"),
    Code("credential_date_invalid", MALFORMED, "validity_period"),
    Code("credential_format_unsupported", VERDICT, "format"),
    Code("credential_type_unknown", MALFORMED, "schema"),
    Code("cryptosuite_unsupported", VERDICT, "format"),
    Code("date_malformed", MALFORMED, "validity_period"),
    Code("did_chain_mismatch", COULD_NOT_CHECK, "signature"),
    Code("did_document_malformed", MALFORMED, "signature"),
    Code("did_invalid", MALFORMED, "signature"),
    Code("did_method_unsupported", COULD_NOT_CHECK, "signature"),
    Code("did_not_found", COULD_NOT_CHECK, "signature"),
    Code("did_resolution_failed", COULD_NOT_CHECK, "signature"),
    Code("digest_duplicate", VERDICT, "disclosures"),
    Code("disclosure_claim_conflict", VERDICT, "disclosures"),
    Code("disclosure_duplicate", VERDICT, "disclosures"),
    Code("disclosure_malformed", MALFORMED, "disclosures"),
    Code("disclosure_unreferenced", VERDICT, "disclosures"),
    Code("document_malformed", MALFORMED, "signature"),
    Code("domain_mismatch", VERDICT, "audience"),
    Code("expired", VERDICT, "validity_period"),
    Code("holder_binding_failed", VERDICT, "holder_binding"),
    Code("issuer_mismatch", VERDICT, "issuer"),
    Code("issuer_missing", MALFORMED, "issuer"),
    Code("issuer_not_accredited", VERDICT, "accreditation"),
    Code("jcs_invalid", MALFORMED, "signature"),
    Code("jsonld_context_unknown", MALFORMED, "signature"),
    Code("jsonld_invalid", MALFORMED, "signature"),
    Code("jsonld_undefined_term", MALFORMED, "signature"),
    Code("jwt_malformed", MALFORMED, "signature"),
    Code("kb_expired", VERDICT, "holder_proof"),
    Code("kb_iat_in_future", VERDICT, "holder_proof"),
    Code("kb_missing", VERDICT, "holder_proof"),
    Code("kb_nonce_mismatch", VERDICT, "nonce"),
    Code("kb_params_missing", CONFIGURATION, "holder_proof"),
    Code("kb_sd_hash_mismatch", VERDICT, "holder_proof"),
    Code("kb_signature_invalid", VERDICT, "holder_proof"),
    Code("kb_typ_mismatch", VERDICT, "holder_proof"),
    Code("key_malformed", MALFORMED, "signature"),
    Code("key_not_authorized", VERDICT, "signature"),
    Code("key_type_mismatch", VERDICT, "signature"),
    Code("legacy_malformed", MALFORMED, "signature"),
    Code("malformed", MALFORMED, "format"),
    Code("nonce_required", CONFIGURATION, "nonce"),
    Code("not_yet_valid", VERDICT, "validity_period"),
    Code("presentation_empty", VERDICT, "credentials"),
    Code("presentation_required", VERDICT, "holder_proof"),
    Code("proof_expired", VERDICT, "signature"),
    Code("proof_malformed", MALFORMED, "signature"),
    Code("proof_missing", MALFORMED, "format"),
    Code("proof_purpose_mismatch", VERDICT, "signature"),
    Code("proof_type_unsupported", VERDICT, "format"),
    Code("revoked", VERDICT, "status"),
    Code("rpc_unavailable", COULD_NOT_CHECK, "signature"),
    Code("schema_invalid", MALFORMED, "schema"),
    Code("sd_alg_unsupported", VERDICT, "disclosures"),
    Code("sd_jwt_malformed", MALFORMED, "format"),
    Code("signature_invalid", VERDICT, "signature"),
    Code("status_entry_malformed", MALFORMED, "status"),
    Code("status_index_out_of_range", VERDICT, "status"),
    Code("status_list_expired", COULD_NOT_CHECK, "status"),
    Code("status_list_id_mismatch", VERDICT, "status"),
    Code("status_list_issuer_mismatch", VERDICT, "status"),
    Code("status_list_length_error", VERDICT, "status"),
    Code("status_list_malformed", MALFORMED, "status"),
    Code("status_list_mismatch", VERDICT, "status"),
    Code("status_list_not_anchored", COULD_NOT_CHECK, "status"),
    Code("status_list_not_yet_valid", COULD_NOT_CHECK, "status"),
    Code("status_list_stale", COULD_NOT_CHECK, "status"),
    Code("status_list_unavailable", COULD_NOT_CHECK, "status"),
    Code("status_purpose_mismatch", VERDICT, "status"),
    Code("status_unavailable", COULD_NOT_CHECK, "status"),
    Code("suspended", VERDICT, "status"),
    Code("typ_mismatch", VERDICT, "signature"),
    Code("verification_method_not_found", VERDICT, "signature"),
    # --- Configuration
    Code("exchange_rate_missing", CONFIGURATION),
    Code("holder_jwk_private", CONFIGURATION),
    Code("holder_key_mismatch", CONFIGURATION),
    Code("holder_key_missing", CONFIGURATION),
    Code("id_hash_salt_too_short", CONFIGURATION),
    Code("issuer_key_mismatch", CONFIGURATION),
    Code("resolver_required", CONFIGURATION),
    Code("key_mismatch", CONFIGURATION),
    Code("naive_datetime", CONFIGURATION),
    Code("sd_claim_not_disclosable", CONFIGURATION),
    Code("sd_claims_reserved", CONFIGURATION),
    Code("sd_path_not_found", CONFIGURATION),
    Code("status_list_full", CONFIGURATION),
    Code("status_list_too_small", CONFIGURATION),
    Code("status_purpose_unsupported", CONFIGURATION),
    Code("status_size_unsupported", CONFIGURATION),
    Code("status_value_out_of_range", CONFIGURATION),
    Code("unsupported_key_type", CONFIGURATION),
    # --- OpenID4VCI (issuance)
    Code("access_token_invalid", VERDICT, http=401),
    Code("access_token_missing", VERDICT, http=401),
    Code("batch_size_exceeded", VERDICT),
    Code("credential_offer_fetch_required", CONFIGURATION),
    Code("credential_offer_malformed", MALFORMED),
    Code("credential_request_malformed", MALFORMED),
    Code("encryption_unsupported", VERDICT),
    Code("grant_type_unsupported", VERDICT),
    Code("issuer_error", VERDICT),
    Code("issuer_insecure", VERDICT),
    Code("issuer_metadata_mismatch", VERDICT),
    Code("issuer_response_malformed", MALFORMED),
    Code("issuer_unreachable", COULD_NOT_CHECK),
    Code("pre_authorized_code_expired", VERDICT),
    Code("pre_authorized_code_locked", VERDICT),
    Code("pre_authorized_code_redeemed", VERDICT),
    Code("pre_authorized_code_unknown", VERDICT),
    Code("refresh_credential_revoked", VERDICT),
    Code("refresh_token_invalid", VERDICT),
    Code("proof_alg_unsupported", VERDICT),
    Code("proof_audience_mismatch", VERDICT),
    Code("proof_iat_in_future", VERDICT),
    Code("proof_iat_missing", MALFORMED),
    Code("proof_jwk_invalid", VERDICT),
    Code("proof_jwk_private", VERDICT),
    Code("proof_key_ambiguous", MALFORMED),
    Code("proof_key_missing", MALFORMED),
    Code("proof_kid_not_did", VERDICT),
    Code("proof_key_duplicate", VERDICT),
    Code("proof_kid_unresolvable", VERDICT),
    Code("proof_nonce_mismatch", VERDICT),
    Code("proof_nonce_missing", MALFORMED),
    Code("proof_nonce_mixed", VERDICT),
    Code("proof_signature_invalid", VERDICT),
    Code("proof_typ_invalid", VERDICT),
    Code("proof_x5c_unsupported", VERDICT),
    Code("token_request_malformed", MALFORMED),
    Code("tx_code_mismatch", VERDICT),
    Code("tx_code_missing", MALFORMED),
    Code("tx_code_unexpected", MALFORMED),
    Code("unknown_credential_configuration", VERDICT),
    Code("unknown_credential_identifier", VERDICT),
    # --- Issuer service
    Code("account_not_found", VERDICT, http=404),
    Code("audit_log_append_only", CONFIGURATION),
    Code("chain_not_configured", CONFIGURATION),
    Code("credential_already_revoked", VERDICT, http=409),
    Code("credential_already_suspended", VERDICT, http=409),
    Code("credential_configuration_not_offered", VERDICT),
    Code("credential_configuration_unknown", MALFORMED),
    Code("credential_not_found", VERDICT, http=404),
    Code("credential_not_suspended", VERDICT),
    Code("credential_revoked", VERDICT),
    Code("customer_not_found", VERDICT, http=404),
    Code("database_unavailable", COULD_NOT_CHECK),
    Code("database_url_invalid", CONFIGURATION),
    Code("fido_ceremony_invalid", VERDICT),
    Code("fido_registration_required", VERDICT),
    Code("import_duplicate_account", VERDICT),
    Code("import_duplicate_customer", VERDICT),
    Code("import_file_unreadable", CONFIGURATION),
    Code("import_format_unsupported", CONFIGURATION),
    Code("import_invalid", MALFORMED),
    Code("issuer_already_initialised", CONFIGURATION),
    Code("issuer_config_malformed", CONFIGURATION),
    Code("issuer_context_invalid", CONFIGURATION),
    Code("issuer_not_initialised", CONFIGURATION),
    Code("option_invalid", MALFORMED),
    Code("passphrase_missing", CONFIGURATION),
    Code("status_index_exhausted", COULD_NOT_CHECK),
    Code("status_list_not_found", VERDICT, http=404),
    Code("vct_unknown", VERDICT, http=404),
    # --- Chain
    Code("anvil_already_running", CONFIGURATION),
    Code("anvil_not_found", CONFIGURATION),
    Code("anvil_start_failed", CONFIGURATION),
    Code("artifact_not_found", CONFIGURATION),
    Code("attribute_name_invalid", MALFORMED),
    Code("chain_mismatch", CONFIGURATION),
    Code("contract_reverted", VERDICT),
    Code("credential_types_invalid", MALFORMED),
    Code("deployment_malformed", CONFIGURATION),
    Code("deployment_not_found", CONFIGURATION),
    Code("deployment_stale", CONFIGURATION),
    Code("dev_chain_required", CONFIGURATION),
    Code("digest_invalid", MALFORMED),
    Code("insufficient_funds", CONFIGURATION),
    Code("issuer_invalid", MALFORMED),
    Code("jurisdiction_invalid", MALFORMED),
    Code("merkle_leaf_malformed", MALFORMED),
    Code("merkle_leaf_not_found", MALFORMED),
    Code("merkle_proof_malformed", MALFORMED),
    Code("merkle_tree_empty", MALFORMED),
    Code("rpc_url_invalid", CONFIGURATION),
    Code("solc_compile_failed", CONFIGURATION),
    Code("solc_unavailable", CONFIGURATION),
    Code("transaction_rejected", CONFIGURATION),
    Code("validity_window_invalid", MALFORMED),
    # --- HTTP layer
    Code("http_error", MALFORMED),
    Code("internal_error", CONFIGURATION, http=500),
    Code("method_not_allowed", MALFORMED, http=405),
    Code("not_found", MALFORMED, http=404),
    Code("request_malformed", MALFORMED),
    # --- Key store and bank data
    Code("averaging_period_invalid", CONFIGURATION),
    Code("balance_history_empty", MALFORMED),
    Code("balance_history_malformed", MALFORMED),
    Code("balance_history_too_short", VERDICT),
    Code("currency_invalid", MALFORMED),
    Code("exchange_rate_invalid", CONFIGURATION),
    Code("keystore_locked", CONFIGURATION),
    Code("keystore_malformed", MALFORMED),
    Code("keystore_not_found", CONFIGURATION),
    Code("keystore_params_invalid", CONFIGURATION),
    Code("keystore_passphrase_empty", CONFIGURATION),
    # --- Malformed input
    Code("credential_malformed", MALFORMED),
    Code("file_exists", MALFORMED),
    Code("file_not_found", MALFORMED),
    Code("file_unreadable", MALFORMED),
    Code("file_unwritable", MALFORMED),
    Code("json_malformed", MALFORMED),
    # --- Verifier service and policy
    Code("accreditation_expired", VERDICT),
    Code("accreditation_not_yet_valid", VERDICT),
    Code("accreditation_revoked", VERDICT),
    Code("accreditation_suspended", VERDICT),
    Code("accreditation_type_mismatch", VERDICT),
    Code("api_key_invalid", VERDICT, None, 401),
    Code("balance_below_minimum", VERDICT),
    Code("body_too_large", MALFORMED, None, 413),
    Code("content_type_unsupported", MALFORMED, None, 415),
    Code("credential_type_not_accepted", VERDICT),
    Code("form_malformed", MALFORMED),
    Code("format_unsupported", VERDICT),
    Code("holder_mismatch", VERDICT),
    Code("issuer_key_unresolvable", VERDICT),
    Code("issuer_not_accredited_at_issuance", VERDICT),
    Code("jurisdiction_not_accepted", VERDICT),
    Code("jwe_alg_unsupported", VERDICT),
    Code("jwe_decryption_failed", VERDICT),
    Code("jwe_malformed", MALFORMED),
    Code("over_disclosure", VERDICT),
    Code("policy_invalid", CONFIGURATION),
    Code("policy_not_found", CONFIGURATION),
    Code("presentation_format_mismatch", VERDICT),
    Code("response_malformed", MALFORMED),
    Code("response_mode_mismatch", VERDICT),
    Code("response_not_encrypted", VERDICT),
    Code("response_replayed", VERDICT),
    Code("session_unknown", VERDICT, None, 404),
    Code("state_expired", VERDICT),
    Code("state_mismatch", VERDICT),
    Code("statement_date_invalid", MALFORMED),
    Code("statement_too_old", VERDICT),
    Code("status_list_forbidden_host", COULD_NOT_CHECK),
    Code("status_mechanism_unsupported", COULD_NOT_CHECK),
    Code("vct_missing", MALFORMED, "format"),
    Code("verifier_already_initialised", CONFIGURATION),
    Code("verifier_config_malformed", CONFIGURATION),
    Code("verifier_identity_invalid", CONFIGURATION),
    Code("verifier_not_initialised", CONFIGURATION),
    Code("webhook_signature_invalid", VERDICT),
    Code("webhook_timestamp_stale", VERDICT),
    # --- Hardening: bounded parsing, did:web policy, proofs, key files
    Code("json_too_deep", MALFORMED),
    Code("json_too_large", MALFORMED, None, 413),
    Code("did_web_forbidden_host", COULD_NOT_CHECK),
    Code("did_web_unreachable", COULD_NOT_CHECK),
    Code("proof_created_in_future", VERDICT, "signature"),
    Code("keystore_unreadable", MALFORMED),
    Code("keystore_unwritable", CONFIGURATION),
    Code("credential_already_issued", VERDICT),
    # --- OpenID4VP (presentation) and DCQL
    Code("authorization_request_malformed", MALFORMED),
    Code("client_id_unsupported", MALFORMED),
    Code("vp_token_malformed", MALFORMED),
    Code("dcql_malformed", MALFORMED),
    Code("dcql_unsatisfied", VERDICT),
    # --- Offline QR
    Code("offline_claims_invalid", CONFIGURATION),
    Code("offline_credential_missing", VERDICT),
    Code("offline_disclosure_invalid", VERDICT),
    Code("offline_issuer_unknown", VERDICT),
    Code("offline_key_unsupported", CONFIGURATION),
    Code("offline_prefix_unknown", MALFORMED),
    Code("offline_proof_expired", VERDICT),
    Code("offline_qr_malformed", MALFORMED),
    Code("offline_qr_unreadable", MALFORMED),
    Code("offline_snapshot_malformed", MALFORMED),
    Code("offline_snapshot_stale", COULD_NOT_CHECK),
    Code("offline_status_unknown", COULD_NOT_CHECK),
    Code("issuer_key_revoked", VERDICT),
    Code("replayed", VERDICT),
    # --- Wallet
    Code("authenticator_failed", COULD_NOT_CHECK),
    Code("authenticator_missing", CONFIGURATION),
    Code("authenticator_not_found", COULD_NOT_CHECK),
    Code("backup_invalid", MALFORMED),
    Code("credential_not_bound", VERDICT),
    Code("credential_rejected", VERDICT),
    Code("credential_unverifiable", COULD_NOT_CHECK),
    Code("copies_exhausted", VERDICT),
    Code("fido_enrollment_unsupported", VERDICT),
    Code("history_format_unsupported", CONFIGURATION),
    Code("passphrase_file_unreadable", CONFIGURATION),
    Code("presentation_refused", VERDICT),
    Code("presentation_unsatisfiable", VERDICT),
    Code("presentation_unsupported", CONFIGURATION),
    Code("proof_binding_unsupported", VERDICT),
    Code("qr_ambiguous", MALFORMED),
    Code("qr_unreadable", MALFORMED),
    Code("refresh_not_batch", VERDICT),
    Code("refresh_unavailable", CONFIGURATION),
    Code("request_client_mismatch", VERDICT),
    Code("request_expired", VERDICT),
    Code("request_invalid", MALFORMED),
    Code("request_signature_invalid", VERDICT),
    Code("request_unsupported", VERDICT),
    Code("response_encryption_unsupported", VERDICT),
    Code("response_uri_mismatch", VERDICT),
    Code("transaction_data_unsupported", VERDICT),
    Code("tx_code_required", CONFIGURATION),
    Code("offer_not_pre_authorized", CONFIGURATION),
    Code("verifier_error", VERDICT),
    Code("verifier_unreachable", COULD_NOT_CHECK),
    Code("wallet_busy", CONFIGURATION),
    Code("wallet_damaged", MALFORMED),
    Code("wallet_exists", CONFIGURATION),
    Code("wallet_nonce_mismatch", VERDICT),
    Code("wallet_not_found", CONFIGURATION),
    Code("wallet_passphrase_wrong", CONFIGURATION),

])
# fmt: on


def branch_of(code: str) -> Branch | None:
    """The branch of ``code``, or None for a code without a row."""
    row = CODES.get(code)
    return row.branch if row is not None else None


def check_of(code: str) -> str | None:
    """The report check ``code`` belongs to, or None (no row, or not a verification code)."""
    row = CODES.get(code)
    return row.check if row is not None else None


def http_status(code: str, default: int = 400) -> int:
    """The HTTP status a service answers ``code`` with (``default`` for a code without a row)."""
    row = CODES.get(code)
    return row.status if row is not None else default
