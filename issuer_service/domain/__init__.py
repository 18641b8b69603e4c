"""The bank's issuing operations, as plain functions over a ``Database`` and an
``IssuerContext``. The HTTP routes and the CLI call these and only render the results.

Every operation that writes runs in ONE transaction (``Database.transaction``): an error at
any step (a bad proof, a signing failure, a lost race) rolls everything back, so nothing is
ever half-written. The one deliberate exception is the counter of wrong transaction codes,
which ``redeem_token`` commits before it reports the error (OpenID4VCI section 6.3: the
attempt limit must hold even though the request fails).

Flows (OpenID4VCI 1.0, pre-authorized code):

- ``create_offer``: a single-use pre-authorized code and a numeric tx_code (both stored only
  as SHA-256 hashes) -> an ``openid-credential-offer://`` URI; the tx_code is returned once.
- ``redeem_token`` (token endpoint, section 6): single use, expiry, attempt limit (the offer
  locks after ``max_tx_code_attempts`` wrong tx_codes) -> an access token (hash stored).
- ``redeem_refresh_token`` (token endpoint, ``grant_type=refresh_token``, RFC 6749 section 6;
  ``issuer_service.domain.refresh``): the refresh token given with a batch offer's access
  token -> a new access token for a new batch of the same credential (``wallet refresh``).
- ``issue_nonce`` (nonce endpoint, section 7): a single-use ``c_nonce`` (hash stored).
- ``issue_credential`` (credential endpoint, section 8): access token, key proof JWT with a
  live nonce (consumed in the same transaction), a random unique status index, the
  credential built from the bank's records, signed, recorded with its salted Merkle leaf,
  audited. ``issue_to_holder`` is the same issuance without the protocol (library level).
- ``start_fido_enrollment`` / ``fido_enrollment_state`` / ``finish_fido_enrollment``: the
  WebAuthn ceremony state and the FidoKeyBindingCredential (Data Integrity).
- ``revoke`` / ``suspend`` / ``reinstate``: flip the bit, sign a new status list credential
  version (served by ``status_list_credential``), queue its digest for the chain, audit.

Status: each credential has a uniformly random index in a status group (131,072 entries);
it has an entry in the group's revocation list and in its suspension list at that index.
``UNIQUE(status_group, status_index)`` keeps indexes distinct under any concurrency; a
collision rolls back to a savepoint and draws again. A new group is opened when one fills.

Error codes (besides those of ``passport.exchange.oid4vci`` for the protocol):
``customer_not_found``, ``account_not_found``, ``credential_not_found``,
``status_list_not_found``, ``fido_ceremony_invalid`` (VerdictError: nothing by that id,
or not usable); ``credential_configuration_unknown`` (MalformedError);
``credential_already_revoked``, ``credential_already_suspended``, ``credential_revoked``,
``credential_not_suspended`` (VerdictError: a status change that does not apply);
``credential_configuration_not_offered`` and ``fido_registration_required``
(Oid4vciError invalid_credential_request); ``status_index_exhausted`` (CouldNotCheckError:
no free index found after many draws); ``issuer_context_invalid`` (ConfigurationError).

The package, one module per flow: ``context`` (IssuerContext, configurations, record lookups),
``offers`` (offers, tokens, nonces), ``issuance``, ``status`` (lists and status changes),
``fido`` (FIDO enrollment) and ``audit_log`` (the audit log, housekeeping, reports). Every name
of the former ``issuer_service/domain.py`` is importable from here.
"""

from __future__ import annotations

from issuer_service.domain.audit_log import (
    audit,
    audit_events,
    issuer_status,
    purge_expired,
)
from issuer_service.domain.context import (
    _MAX_INDEX_DRAWS as _MAX_INDEX_DRAWS,
)
from issuer_service.domain.context import (
    _PURPOSES as _PURPOSES,
)
from issuer_service.domain.context import (
    BANK_STATEMENT,
    CONFIGURATIONS,
    FIDO_KEY_BINDING,
    KYC,
    CredentialConfiguration,
    IssuerContext,
    statement_for_account,
)
from issuer_service.domain.context import (
    _account as _account,
)
from issuer_service.domain.context import (
    _configuration as _configuration,
)
from issuer_service.domain.context import (
    _customer as _customer,
)
from issuer_service.domain.context import (
    _customer_facts as _customer_facts,
)
from issuer_service.domain.fido import (
    FidoEnrollment,
    RegisteredAuthenticatorLike,
    fido_enrollment_state,
    finish_fido_enrollment,
    start_fido_enrollment,
)
from issuer_service.domain.fido import (
    _ceremony as _ceremony,
)
from issuer_service.domain.issuance import (
    IssuanceResult,
    issue_credential,
    issue_to_holder,
)
from issuer_service.domain.issuance import (
    _issue as _issue,
)
from issuer_service.domain.issuance import (
    _reserve_slot as _reserve_slot,
)
from issuer_service.domain.issuance import (
    _secure as _secure,
)
from issuer_service.domain.issuance import (
    _status_entries as _status_entries,
)
from issuer_service.domain.offers import (
    CreatedOffer,
    IssuedNonce,
    TokenGrant,
    create_offer,
    issue_nonce,
    redeem_token,
)
from issuer_service.domain.offers import (
    _nonce_consumer as _nonce_consumer,
)
from issuer_service.domain.offers import (
    _offer_for_token as _offer_for_token,
)
from issuer_service.domain.status import (
    _AUDIT_ACTIONS as _AUDIT_ACTIONS,
)
from issuer_service.domain.status import (
    StatusAction as StatusAction,
)
from issuer_service.domain.status import (
    StatusChange,
    change_status,
    ensure_status_lists,
    refresh_status_lists,
    reinstate,
    revoke,
    status_list_credential,
    suspend,
)
from issuer_service.domain.status import (
    StatusOperation as StatusOperation,
)
from issuer_service.domain.status import (
    _create_group as _create_group,
)
from issuer_service.domain.status import (
    _credential as _credential,
)
from issuer_service.domain.status import (
    _draw_index as _draw_index,
)
from issuer_service.domain.status import (
    _list_id as _list_id,
)
from issuer_service.domain.status import (
    _list_url as _list_url,
)
from issuer_service.domain.status import (
    _open_group as _open_group,
)
from issuer_service.domain.status import (
    _queue_publication as _queue_publication,
)
from issuer_service.domain.status import (
    _refresh as _refresh,
)
from issuer_service.domain.status import (
    _sign_list as _sign_list,
)
from issuer_service.domain.status import (
    _status_operation as _status_operation,
)

__all__ = [
    "BANK_STATEMENT",
    "CONFIGURATIONS",
    "FIDO_KEY_BINDING",
    "KYC",
    "CreatedOffer",
    "CredentialConfiguration",
    "FidoEnrollment",
    "IssuanceResult",
    "IssuedNonce",
    "IssuerContext",
    "RegisteredAuthenticatorLike",
    "StatusChange",
    "TokenGrant",
    "audit",
    "audit_events",
    "change_status",
    "create_offer",
    "ensure_status_lists",
    "finish_fido_enrollment",
    "fido_enrollment_state",
    "issue_credential",
    "issue_nonce",
    "issue_to_holder",
    "issuer_status",
    "purge_expired",
    "redeem_token",
    "refresh_status_lists",
    "reinstate",
    "revoke",
    "start_fido_enrollment",
    "statement_for_account",
    "status_list_credential",
    "suspend",
]
