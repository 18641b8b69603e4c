"""OpenID for Verifiable Credential Issuance 1.0 (OpenID4VCI): the messages of both roles.

Everything here is pure: the issuer service stores state and calls these functions, the
wallet calls them around its HTTP requests (``passport.exchange.wallet.redeem_offer``).
Section numbers refer to OpenID4VCI 1.0 (https://openid.net/specs/openid-4-verifiable-
credential-issuance-1_0.html); the token endpoint follows RFC 6749, the bearer token RFC 6750,
the authorization server metadata RFC 8414.

Covered: the Credential Offer by value and by reference (section 4.1), the pre-authorized code
grant with a Transaction Code (sections 3.5, 6.1, 6.3), the Nonce Endpoint (section 7), the
Credential Request with ``proofs`` of type ``jwt`` (section 8.2, appendix F.1) and its response
(section 8.3), the issuer and authorization server metadata (sections 12.2, 12.3).

Errors are :class:`Oid4vciError`: a :class:`~passport.errors.PassportError` whose ``code`` is
ours (stable, snake_case, e.g. ``proof_nonce_mismatch``) and whose ``error`` is the code the
specification puts on the wire (e.g. ``invalid_nonce``), with the HTTP ``status`` to answer
with. A service renders ``{"error": e.error, "error_description": e.message}``.

Secrets (pre-authorized codes, transaction codes, access tokens, nonces) are generated here
and stored by the issuer only as :func:`hash_secret` digests, compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import string
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
from urllib.parse import parse_qs, quote, urlsplit

from passport import jsonsafe
from passport.did.document import split_did_url
from passport.did.jwk import did_jwk_from_jwk
from passport.did.key import did_key_from_public_key
from passport.did.resolver import resolve_method
from passport.errors import (
    CouldNotCheckError,
    MalformedError,
    ProtocolError,
    VerdictError,
)
from passport.formats import FORMAT_DFP_OFFLINE, FORMAT_LDP_VC, FORMAT_VC_SD_JWT
from passport.keys import PrivateKey, PublicKey, Rng, b64url_encode
from passport.ports import Resolver
from passport.sdjwt.common import parse_jws, sign_jws, to_epoch, verify_jws_signature

__all__ = [
    "AS_METADATA_PATH",
    "FORMAT_LDP_VC",
    "FORMAT_VC_SD_JWT",
    "ISSUER_METADATA_PATH",
    "OFFER_SCHEME",
    "PRE_AUTHORIZED_CODE_GRANT",
    "PROOF_JWT_TYP",
    "VC_JOSE_COSE_SD_JWT_PROFILE",
    "CredentialOffer",
    "CredentialRequest",
    "HolderKey",
    "Oid4vciError",
    "TokenRequest",
    "TxCode",
    "authorization_server_metadata",
    "check_pre_authorized_grant",
    "create_proof_jwt",
    "credential_configuration_dc_sd_jwt",
    "credential_configuration_ldp_vc",
    "credential_configuration_vc_sd_jwt",
    "credential_response",
    "hash_secret",
    "issuer_metadata",
    "metadata_url",
    "new_access_token",
    "new_c_nonce",
    "new_pre_authorized_code",
    "new_tx_code",
    "nonce_response",
    "offer_uri",
    "offer_uri_by_reference",
    "parse_bearer_token",
    "parse_credential_request",
    "parse_offer",
    "parse_offer_uri",
    "parse_token_request",
    "passport_credential_configurations",
    "secret_matches",
    "token_response",
    "unknown_access_token",
    "unknown_pre_authorized_code",
    "verify_proof_jwt",
    "verify_proof_jwts",
]

# Rng (a function n -> n random bytes) is passport.keys.Rng.

#: Grant type of the Pre-Authorized Code Flow (section 4.1.1).
PRE_AUTHORIZED_CODE_GRANT: Final = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
#: ``typ`` of a key proof JWT (appendix F.1).
PROOF_JWT_TYP: Final = "openid4vci-proof+jwt"
#: Custom scheme of a Credential Offer when the wallet's offer endpoint is unknown (section 12.1).
OFFER_SCHEME: Final = "openid-credential-offer://"
#: Well-known paths (section 12.2.2; RFC 8414 section 3), inserted between host and path.
ISSUER_METADATA_PATH: Final = "/.well-known/openid-credential-issuer"
AS_METADATA_PATH: Final = "/.well-known/oauth-authorization-server"
#: Format identifiers. OpenID4VCI 1.0 names IETF SD-JWT VC ``dc+sd-jwt``; this project issues
#: W3C VC 2.0 credentials secured with SD-JWT (W3C VC-JOSE-COSE), which we call ``vc+sd-jwt``
#: (the media type of VC-JOSE-COSE section 3.2) -- a deployment-defined format profile.
#: Published in ``vc+sd-jwt`` configurations as ``format_profile`` (wallets ignore unknown members).
VC_JOSE_COSE_SD_JWT_PROFILE: Final = "https://www.w3.org/TR/vc-jose-cose/#securing-with-sd-jwt"

_SUPPORTED_PROOF_ALGS: Final = ("EdDSA", "ES256")
_PRIVATE_JWK_MEMBERS: Final = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
_TX_CODE_DESCRIPTION_MAX: Final = 300
_ERROR_DESCRIPTION_RE = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")


# --- errors --------------------------------------------------------------------------------


class Oid4vciError(ProtocolError):
    """An OpenID4VCI / OAuth 2.0 protocol error.

    ``code`` is this library's stable code (documented in docs/errors.md), ``error`` the
    specification's error code for the wire, ``status`` the HTTP status to answer with
    (400 for token and credential request errors, 401 for ``invalid_token``/``invalid_client``).
    """

    default_code = "oid4vci_error"

    def __init__(
        self,
        code: str,
        message: str,
        *,
        error: str,
        status: int = 400,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(code, message, error=error, status=status, details=details)

    @property
    def error_description(self) -> str:
        """``message`` restricted to the characters RFC 6749 section 5.2 allows."""
        return _ERROR_DESCRIPTION_RE.sub("?", self.message)

    def to_response(self) -> dict[str, str]:
        """The JSON error body (RFC 6749 section 5.2; OpenID4VCI section 8.3.1.2)."""
        return {"error": self.error, "error_description": self.error_description}

    def www_authenticate(self) -> str | None:
        """The ``WWW-Authenticate`` header value for a 401 (RFC 6750 section 3), else None."""
        if self.status != 401:
            return None
        return f'Bearer error="{self.error}", error_description="{self.error_description}"'

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "error": self.error, "status": self.status}


def _request_error(code: str, message: str, **details: Any) -> Oid4vciError:
    return Oid4vciError(code, message, error="invalid_request", details=details)


def _grant_error(code: str, message: str, **details: Any) -> Oid4vciError:
    return Oid4vciError(code, message, error="invalid_grant", details=details)


def _cred_request_error(code: str, message: str, **details: Any) -> Oid4vciError:
    return Oid4vciError(code, message, error="invalid_credential_request", details=details)


def _proof_error(code: str, message: str, **details: Any) -> Oid4vciError:
    return Oid4vciError(code, message, error="invalid_proof", details=details)


def unknown_pre_authorized_code() -> Oid4vciError:
    """``pre_authorized_code_unknown`` (invalid_grant): the issuer has no such code (section 6.3).

    The message does not say whether the code never existed: a guesser learns nothing.
    """
    return _grant_error(
        "pre_authorized_code_unknown",
        "The pre-authorized code is not valid. Ask the issuer for a new credential offer.",
    )


def unknown_access_token() -> Oid4vciError:
    """``access_token_invalid`` (invalid_token, 401): unknown, expired or used-up access token
    (RFC 6750 section 3.1)."""
    return Oid4vciError(
        "access_token_invalid",
        "The access token is unknown, expired or already used. Redeem the offer again.",
        error="invalid_token",
        status=401,
    )


# --- secrets -------------------------------------------------------------------------------


def _random_token(nbytes: int, rng: Rng | None) -> str:
    return b64url_encode((rng or os.urandom)(nbytes))


def new_pre_authorized_code(rng: Rng | None = None) -> str:
    """A fresh pre-authorized code: 256 random bits, base64url (43 characters).

    ``rng`` is for test vectors only; the OS CSPRNG is used by default.
    """
    return _random_token(32, rng)


def new_access_token(rng: Rng | None = None) -> str:
    """A fresh opaque access token (256 random bits, base64url)."""
    return _random_token(32, rng)


def new_c_nonce(rng: Rng | None = None) -> str:
    """A fresh, unpredictable ``c_nonce`` (section 7.2): 128 random bits, base64url."""
    return _random_token(16, rng)


def new_tx_code(length: int = 6, rng: Rng | None = None) -> str:
    """A fresh numeric Transaction Code of ``length`` digits, uniformly distributed.

    Raises ValueError for a length outside 4..12.
    """
    if not 4 <= length <= 12:
        raise ValueError("A transaction code has 4 to 12 digits.")
    source = rng or os.urandom
    digits: list[str] = []
    while len(digits) < length:
        byte = source(1)[0]
        if byte < 250:  # rejection sampling: 250 = 25 * 10, so every digit is equally likely
            digits.append(string.digits[byte % 10])
    return "".join(digits)


def hash_secret(secret: str) -> str:
    """The SHA-256 digest (lowercase hex) under which a secret is stored and looked up.

    Codes, tokens and nonces carry at least 128 random bits, so an unsalted hash is safe for
    them. A 6-digit transaction code is not: store it only next to its single-use, attempt-
    limited pre-authorized code (an attacker with the database learns it, but it is worthless
    once the code is used or locked).
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    """True when ``hash_secret(secret)`` equals ``stored_hash``, compared in constant time."""
    return hmac.compare_digest(hash_secret(secret), stored_hash)


# --- credential offer (section 4.1) --------------------------------------------------------


@dataclass(frozen=True)
class TxCode:
    """The ``tx_code`` object of a pre-authorized code grant (section 4.1.1)."""

    length: int | None = 6
    input_mode: str | None = "numeric"  # None: absent, which means numeric
    description: str | None = None

    def __post_init__(self) -> None:
        if self.input_mode not in (None, "numeric", "text"):
            raise ValueError("input_mode is 'numeric' or 'text'")
        if self.description is not None and len(self.description) > _TX_CODE_DESCRIPTION_MAX:
            raise ValueError("a tx_code description has at most 300 characters")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.input_mode is not None:
            out["input_mode"] = self.input_mode
        if self.length is not None:
            out["length"] = self.length
        if self.description is not None:
            out["description"] = self.description
        return out


@dataclass(frozen=True)
class CredentialOffer:
    """A Credential Offer with the pre-authorized code grant (section 4.1.1).

    ``tx_code`` is None when no Transaction Code is required.
    """

    credential_issuer: str
    credential_configuration_ids: tuple[str, ...]
    pre_authorized_code: str | None = field(default=None, repr=False)
    tx_code: TxCode | None = None
    authorization_server: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The Credential Offer JSON object."""
        out: dict[str, Any] = {
            "credential_issuer": self.credential_issuer,
            "credential_configuration_ids": list(self.credential_configuration_ids),
        }
        if self.pre_authorized_code is not None:
            grant: dict[str, Any] = {"pre-authorized_code": self.pre_authorized_code}
            if self.tx_code is not None:
                grant["tx_code"] = self.tx_code.to_dict()
            if self.authorization_server is not None:
                grant["authorization_server"] = self.authorization_server
            out["grants"] = {PRE_AUTHORIZED_CODE_GRANT: grant}
        return out


def _offer_error(message: str, **details: Any) -> MalformedError:
    return MalformedError("credential_offer_malformed", message, details=details)


def parse_offer(data: Any) -> CredentialOffer:
    """Read a Credential Offer JSON object (section 4.1.1), ignoring unknown members.

    Raises MalformedError ``credential_offer_malformed``.
    """
    if not isinstance(data, Mapping):
        raise _offer_error("A credential offer must be a JSON object.")
    issuer = data.get("credential_issuer")
    if not isinstance(issuer, str) or not issuer.startswith(("https://", "http://")):
        raise _offer_error("credential_issuer must be an https URL.")
    ids = data.get("credential_configuration_ids")
    if (
        not isinstance(ids, list)
        or not ids
        or not all(isinstance(i, str) and i for i in ids)
        or len(set(ids)) != len(ids)
    ):
        raise _offer_error(
            "credential_configuration_ids must be a non-empty array of unique strings."
        )
    grants = data.get("grants", {})
    if not isinstance(grants, Mapping):
        raise _offer_error("grants must be a JSON object.")
    grant = grants.get(PRE_AUTHORIZED_CODE_GRANT)
    code: str | None = None
    tx: TxCode | None = None
    auth_server: str | None = None
    if grant is not None:
        if not isinstance(grant, Mapping):
            raise _offer_error("The pre-authorized_code grant must be a JSON object.")
        code = grant.get("pre-authorized_code")
        if not isinstance(code, str) or not code:
            raise _offer_error("The pre-authorized_code grant has no pre-authorized_code.")
        auth_server = grant.get("authorization_server")
        if auth_server is not None and not isinstance(auth_server, str):
            raise _offer_error("authorization_server must be a string.")
        raw_tx = grant.get("tx_code")
        if raw_tx is not None:
            if not isinstance(raw_tx, Mapping):
                raise _offer_error("tx_code must be a JSON object.")
            length = raw_tx.get("length")
            description = raw_tx.get("description")
            mode = raw_tx.get("input_mode")
            if length is not None and (
                not isinstance(length, int) or isinstance(length, bool) or length < 1
            ):
                raise _offer_error("tx_code.length must be a positive integer.")
            if description is not None and not isinstance(description, str):
                raise _offer_error("tx_code.description must be a string.")
            try:
                tx = TxCode(length=length, input_mode=mode, description=description)
            except (ValueError, TypeError) as exc:
                raise _offer_error(f"tx_code: {exc}") from exc
    return CredentialOffer(
        credential_issuer=issuer,
        credential_configuration_ids=tuple(ids),
        pre_authorized_code=code,
        tx_code=tx,
        authorization_server=auth_server,
    )


def _compact_json(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def offer_uri(offer: CredentialOffer, *, scheme: str = OFFER_SCHEME) -> str:
    """``openid-credential-offer://?credential_offer=<percent-encoded JSON>`` (section 4.1.2).

    ``scheme`` may be a wallet's Credential Offer Endpoint URL instead (section 12.1).
    """
    return f"{_offer_base(scheme)}credential_offer={quote(_compact_json(offer.to_dict()), safe='')}"


def offer_uri_by_reference(credential_offer_uri: str, *, scheme: str = OFFER_SCHEME) -> str:
    """``openid-credential-offer://?credential_offer_uri=<percent-encoded URL>`` (section 4.1.3)."""
    return f"{_offer_base(scheme)}credential_offer_uri={quote(credential_offer_uri, safe='')}"


def _offer_base(scheme: str) -> str:
    if scheme.endswith("://"):
        return scheme + "?"
    return scheme + ("&" if "?" in scheme else "?")


def parse_offer_uri(uri: str, *, fetch: Callable[[str], Any] | None = None) -> CredentialOffer:
    """Read a Credential Offer URI: by value, or by reference through ``fetch(url) -> JSON``.

    Section 4.1: exactly one of ``credential_offer`` and ``credential_offer_uri``. Raises
    MalformedError ``credential_offer_malformed``; ConfigurationError
    ``credential_offer_fetch_required`` for a by-reference offer without ``fetch``.
    """
    if not isinstance(uri, str):
        raise _offer_error("A credential offer URI must be a string.")
    parts = urlsplit(uri.strip())
    query = parse_qs(parts.query, keep_blank_values=True)
    by_value = query.get("credential_offer")
    by_ref = query.get("credential_offer_uri")
    if (by_value is None) == (by_ref is None):
        raise _offer_error(
            "A credential offer URI carries exactly one of credential_offer and "
            "credential_offer_uri."
        )
    values = by_value if by_value is not None else by_ref
    assert values is not None
    if len(values) != 1:
        raise _offer_error("The credential offer parameter is repeated.")
    if by_value is not None:
        try:
            data = jsonsafe.loads(values[0], what="credential_offer")
        except MalformedError as exc:
            raise _offer_error(f"credential_offer is not JSON: {exc.message}") from exc
        return parse_offer(data)
    ref = values[0]
    if not ref.startswith(("https://", "http://")):
        raise _offer_error("credential_offer_uri must be an https URL.")
    if fetch is None:
        from passport.errors import ConfigurationError

        raise ConfigurationError(
            "credential_offer_fetch_required",
            "This offer is passed by reference; pass fetch= to retrieve it.",
        )
    return parse_offer(fetch(ref))


# --- metadata (sections 12.2, 12.3) --------------------------------------------------------


def metadata_url(identifier: str, well_known: str = ISSUER_METADATA_PATH) -> str:
    """The metadata URL of ``identifier``: the well-known path goes between host and path
    (section 12.2.2; RFC 8414 section 3.1)."""
    parts = urlsplit(identifier)
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{well_known}{path}"


def credential_configuration_vc_sd_jwt(
    *,
    credential_type: str,
    contexts: Sequence[str],
    display_name: str,
    scope: str | None = None,
    description: str | None = None,
    locale: str = "en",
    signing_algs: Sequence[str] = ("EdDSA",),
    binding_methods: Sequence[str] = ("did:key", "did:jwk", "jwk"),
    proof_algs: Sequence[str] = _SUPPORTED_PROOF_ALGS,
) -> dict[str, Any]:
    """A ``credential_configurations_supported`` entry for a W3C VC 2.0 secured with SD-JWT.

    Format ``vc+sd-jwt`` with a ``credential_definition`` (``@context``, ``type``) as the
    W3C format profiles of appendix A.1 describe W3C credentials, plus ``format_profile``
    naming W3C VC-JOSE-COSE section 3.2 (this is not IETF SD-JWT VC, ``dc+sd-jwt``).
    """
    config = _configuration(
        FORMAT_VC_SD_JWT,
        credential_type=credential_type,
        contexts=contexts,
        display_name=display_name,
        scope=scope,
        description=description,
        locale=locale,
        signing_algs=signing_algs,
        binding_methods=binding_methods,
        proof_algs=proof_algs,
    )
    # Not IETF SD-JWT VC (``dc+sd-jwt``): say which profile this deployment-defined format is.
    config["format_profile"] = VC_JOSE_COSE_SD_JWT_PROFILE
    return config


def credential_configuration_ldp_vc(
    *,
    credential_type: str,
    contexts: Sequence[str],
    display_name: str,
    scope: str | None = None,
    description: str | None = None,
    locale: str = "en",
    cryptosuites: Sequence[str] = ("eddsa-rdfc-2022",),
    binding_methods: Sequence[str] = ("did:key", "did:jwk"),
    proof_algs: Sequence[str] = _SUPPORTED_PROOF_ALGS,
) -> dict[str, Any]:
    """A ``credential_configurations_supported`` entry for format ``ldp_vc`` (appendix A.1.2):
    ``credential_signing_alg_values_supported`` lists Data Integrity cryptosuites."""
    return _configuration(
        FORMAT_LDP_VC,
        credential_type=credential_type,
        contexts=contexts,
        display_name=display_name,
        scope=scope,
        description=description,
        locale=locale,
        signing_algs=cryptosuites,
        binding_methods=binding_methods,
        proof_algs=proof_algs,
    )


def credential_configuration_dc_sd_jwt(
    *,
    vct: str,
    display_name: str,
    scope: str | None = None,
    description: str | None = None,
    locale: str = "en",
    proof_algs: Sequence[str] = _SUPPORTED_PROOF_ALGS,
) -> dict[str, Any]:
    """A ``credential_configurations_supported`` entry for IETF SD-JWT VC (appendix A.3):
    format ``dc+sd-jwt`` with its ``vct``, EdDSA, bound to the ``jwk`` of the key proof."""
    display: dict[str, Any] = {"name": display_name, "locale": locale}
    if description:
        display["description"] = description
    return {
        "format": "dc+sd-jwt",
        "scope": scope or vct.rsplit("/", 1)[-1] + "-dc",
        "vct": vct,
        "credential_signing_alg_values_supported": ["EdDSA"],
        "cryptographic_binding_methods_supported": ["jwk"],
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": list(proof_algs)}},
        "credential_metadata": {"display": [display]},
    }


#: Where the ``dfp-offline-cwt`` format is defined (a deployment-defined format, section A).
OFFLINE_FORMAT_PROFILE: Final = "docs/offline-format.md"


def credential_configuration_offline(
    *,
    configuration_id: str,
    credential_type: str,
    display_name: str,
    description: str | None = None,
    locale: str = "en",
    binding_methods: Sequence[str] = ("did:key", "did:jwk", "jwk"),
    proof_algs: Sequence[str] = _SUPPORTED_PROOF_ALGS,
) -> dict[str, Any]:
    """A ``credential_configurations_supported`` entry for the offline QR credential
    (``dfp-offline-cwt``, ``docs/offline-format.md`` section 12): EdDSA COSE_Sign1, bound
    to the key of the ``jwt`` proof; ``offline_credential_type`` names the credential type
    whose claims it carries."""
    return {
        "format": FORMAT_DFP_OFFLINE,
        "scope": configuration_id,
        "credential_signing_alg_values_supported": ["EdDSA"],
        "cryptographic_binding_methods_supported": list(binding_methods),
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": list(proof_algs)}},
        "format_profile": OFFLINE_FORMAT_PROFILE,
        "offline_credential_type": credential_type,
        "credential_metadata": {
            "display": [
                {"name": display_name, "locale": locale}
                | ({"description": description} if description else {})
            ]
        },
    }


def _configuration(
    fmt: str,
    *,
    credential_type: str,
    contexts: Sequence[str],
    display_name: str,
    scope: str | None,
    description: str | None,
    locale: str,
    signing_algs: Sequence[str],
    binding_methods: Sequence[str],
    proof_algs: Sequence[str],
) -> dict[str, Any]:
    display: dict[str, Any] = {"name": display_name, "locale": locale}
    if description:
        display["description"] = description
    return {
        "format": fmt,
        "scope": scope or credential_type,
        "credential_signing_alg_values_supported": list(signing_algs),
        "cryptographic_binding_methods_supported": list(binding_methods),
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": list(proof_algs)}},
        "credential_definition": {
            "@context": list(contexts),
            "type": ["VerifiableCredential", credential_type],
        },
        "credential_metadata": {"display": [display]},
    }


def passport_credential_configurations(
    locale: str = "en", *, credential_issuer: str | None = None
) -> dict[str, dict[str, Any]]:
    """The configurations a passport bank offers, keyed by configuration id:
    ``KYCCredential`` and ``BankStatementCredential`` (``vc+sd-jwt``),
    ``FidoKeyBindingCredential`` (``ldp_vc``, eddsa-rdfc-2022), then the offline QR forms
    ``OfflineBankStatementCredential`` and ``OfflineKYCCredential`` (``dfp-offline-cwt``), then,
    when ``credential_issuer`` is given (their ``vct`` is a URL under it), the IETF SD-JWT VC
    forms ``KYCCredential-dc`` and ``BankStatementCredential-dc`` (``dc+sd-jwt``)."""
    from passport.credentials.model import CREDENTIAL_CONTEXT
    from passport.credentials.types import issued_types, offline_types, sd_jwt_vc_types, vct_url

    out: dict[str, dict[str, Any]] = {}
    for t in issued_types():  # the one registry of credential types
        build = (
            credential_configuration_vc_sd_jwt
            if t.format.oid4vci == FORMAT_VC_SD_JWT
            else credential_configuration_ldp_vc
        )
        out[t.name] = build(
            credential_type=t.name,
            contexts=CREDENTIAL_CONTEXT,
            display_name=t.display_name,
            description=t.description,
            locale=locale,
        )
    for o in offline_types():
        out[o.name] = credential_configuration_offline(
            configuration_id=o.name,
            credential_type=o.source,
            display_name=o.display_name,
            description=o.description,
            locale=locale,
        )
    for d in sd_jwt_vc_types() if credential_issuer is not None else ():
        assert credential_issuer is not None
        out[d.name] = credential_configuration_dc_sd_jwt(
            vct=vct_url(credential_issuer, d.source),
            display_name=d.display_name,
            scope=d.name,
            description=d.description,
            locale=locale,
        )
    return out


def issuer_metadata(
    *,
    credential_issuer: str,
    credential_configurations: Mapping[str, Mapping[str, Any]],
    credential_endpoint: str | None = None,
    nonce_endpoint: str | None = None,
    authorization_servers: Sequence[str] | None = None,
    display_name: str | None = None,
    locale: str = "en",
    batch_size: int | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Credential Issuer Metadata (section 12.2.4). Endpoints default to
    ``<credential_issuer>/credential`` and ``<credential_issuer>/nonce``. A ``batch_size`` of
    2 or more is advertised as ``batch_credential_issuance`` (1 means no batches)."""
    base = credential_issuer.rstrip("/")
    out: dict[str, Any] = {
        "credential_issuer": credential_issuer,
        "credential_endpoint": credential_endpoint or f"{base}/credential",
        "nonce_endpoint": nonce_endpoint or f"{base}/nonce",
    }
    if authorization_servers:
        out["authorization_servers"] = list(authorization_servers)
    if batch_size is not None and batch_size >= 2:
        out["batch_credential_issuance"] = {"batch_size": batch_size}
    if display_name:
        out["display"] = [{"name": display_name, "locale": locale}]
    out["credential_configurations_supported"] = {
        k: dict(v) for k, v in credential_configurations.items()
    }
    out.update(extra or {})
    return out


def authorization_server_metadata(
    *,
    issuer: str,
    token_endpoint: str | None = None,
    anonymous_access: bool = True,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """OAuth 2.0 Authorization Server Metadata (RFC 8414 section 2) for a server that only
    grants pre-authorized codes: ``response_types_supported`` is omitted as OpenID4VCI
    section 12.2.4 permits, ``pre-authorized_grant_anonymous_access_supported`` is set
    (section 12.3)."""
    out: dict[str, Any] = {
        "issuer": issuer,
        "token_endpoint": token_endpoint or f"{issuer.rstrip('/')}/token",
        "grant_types_supported": [PRE_AUTHORIZED_CODE_GRANT],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": anonymous_access,
    }
    out.update(extra or {})
    return out


# --- token endpoint (section 6; RFC 6749 sections 4.1.3, 5) --------------------------------


@dataclass(frozen=True)
class TokenRequest:
    """A validated Token Request of the pre-authorized code grant (section 6.1)."""

    pre_authorized_code: str = field(repr=False)
    tx_code: str | None = field(default=None, repr=False)
    client_id: str | None = None
    grant_type: str = PRE_AUTHORIZED_CODE_GRANT


def _single(form: Mapping[str, Any], name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise _request_error(
                "token_request_malformed",
                f"The parameter {name!r} must appear exactly once (RFC 6749 section 3.2).",
                parameter=name,
            )
        value = value[0]
    if not isinstance(value, str):
        raise _request_error(
            "token_request_malformed", f"The parameter {name!r} must be a string.", parameter=name
        )
    return value


def parse_token_request(form: Mapping[str, Any]) -> TokenRequest:
    """Validate an ``application/x-www-form-urlencoded`` Token Request (section 6.1).

    ``form`` maps names to a string or a list of strings (as ``parse_qs`` gives). Unknown
    parameters are ignored. Raises Oid4vciError ``token_request_malformed`` (invalid_request:
    missing or repeated parameters) or ``grant_type_unsupported`` (unsupported_grant_type).
    """
    if not isinstance(form, Mapping):
        raise _request_error("token_request_malformed", "The token request must be a form.")
    grant_type = _single(form, "grant_type")
    if not grant_type:
        raise _request_error("token_request_malformed", "The token request has no grant_type.")
    if grant_type != PRE_AUTHORIZED_CODE_GRANT:
        raise Oid4vciError(
            "grant_type_unsupported",
            f"Grant type {grant_type[:100]!r} is not supported; use {PRE_AUTHORIZED_CODE_GRANT}.",
            error="unsupported_grant_type",
        )
    code = _single(form, "pre-authorized_code")
    if not code:
        raise _request_error(
            "token_request_malformed",
            "The token request has no pre-authorized_code (section 6.1).",
        )
    tx_code = _single(form, "tx_code")
    return TokenRequest(
        pre_authorized_code=code, tx_code=tx_code, client_id=_single(form, "client_id")
    )


def check_pre_authorized_grant(
    request: TokenRequest,
    *,
    tx_code_hash: str | None,
    expires_at: datetime,
    redeemed: bool,
    failed_attempts: int,
    max_attempts: int,
    now: datetime,
) -> None:
    """Decide a Token Request against the stored offer it names (section 6.3, 6.1).

    The caller has looked the offer up by ``hash_secret(request.pre_authorized_code)`` (an
    unknown code is :func:`unknown_pre_authorized_code`). Checks, in order:

    - ``pre_authorized_code_locked`` (invalid_grant): ``max_attempts`` wrong tx_codes used up;
    - ``pre_authorized_code_redeemed`` (invalid_grant): the code is single-use;
    - ``pre_authorized_code_expired`` (invalid_grant);
    - ``tx_code_missing`` / ``tx_code_unexpected`` (invalid_request, section 6.3);
    - ``tx_code_mismatch`` (invalid_grant): the caller must count the failed attempt (and
      lock the offer at ``max_attempts``) in the same transaction.

    Returns None when the code may be redeemed; the caller marks it used atomically.
    """
    if failed_attempts >= max_attempts:
        raise _grant_error(
            "pre_authorized_code_locked",
            "Too many wrong transaction codes; this offer is locked. Ask for a new offer.",
        )
    if redeemed:
        raise _grant_error(
            "pre_authorized_code_redeemed",
            "This pre-authorized code was already used. Ask the issuer for a new offer.",
        )
    if now >= expires_at:
        raise _grant_error(
            "pre_authorized_code_expired",
            "This pre-authorized code has expired. Ask the issuer for a new offer.",
        )
    if tx_code_hash is None:
        if request.tx_code is not None:
            raise _request_error(
                "tx_code_unexpected", "This offer needs no transaction code; do not send one."
            )
        return
    if request.tx_code is None:
        raise _request_error(
            "tx_code_missing", "This offer needs the transaction code sent to you separately."
        )
    if not secret_matches(request.tx_code, tx_code_hash):
        remaining = max(max_attempts - failed_attempts - 1, 0)
        raise _grant_error(
            "tx_code_mismatch",
            f"Wrong transaction code; {remaining} attempt(s) left.",
            attempts_left=remaining,
        )


def token_response(
    access_token: str,
    *,
    expires_in: int,
    authorization_details: Sequence[Mapping[str, Any]] | None = None,
    refresh_token: str | None = None,
) -> dict[str, Any]:
    """A successful Token Response (RFC 6749 section 5.1; OpenID4VCI section 6.2), with a
    ``refresh_token`` when one is given. Serve it with ``Cache-Control: no-store``."""
    out: dict[str, Any] = {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": int(expires_in),
    }
    if refresh_token is not None:
        out["refresh_token"] = refresh_token
    if authorization_details:
        out["authorization_details"] = [dict(d) for d in authorization_details]
    return out


def parse_bearer_token(authorization: str | None) -> str:
    """The access token of an ``Authorization: Bearer <token>`` header (RFC 6750 section 2.1).

    Raises Oid4vciError ``access_token_missing`` (invalid_token, 401).
    """
    if authorization:
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token and " " not in token:
            return token
    raise Oid4vciError(
        "access_token_missing",
        "Send the access token from the token endpoint as 'Authorization: Bearer <token>'.",
        error="invalid_token",
        status=401,
    )


def nonce_response(c_nonce: str) -> dict[str, str]:
    """The Nonce Response (section 7.2). Serve it with ``Cache-Control: no-store``."""
    return {"c_nonce": c_nonce}


# --- key proofs (appendix F.1) -------------------------------------------------------------


@dataclass(frozen=True)
class HolderKey:
    """The key a proof JWT proved possession of, and the DID credentials are bound to.

    ``did`` is the DID of a ``kid`` proof, or the did:jwk of a ``jwk`` proof. ``kid`` is the
    DID URL of the key (``did:jwk:...#0`` for a jwk proof).
    """

    public_key: PublicKey
    did: str
    kid: str

    @property
    def jwk(self) -> dict[str, str]:
        return self.public_key.to_jwk()


def create_proof_jwt(
    holder_key: PrivateKey,
    *,
    audience: str,
    nonce: str | None,
    iat: datetime | int,
    kid: str | None = None,
    embed_jwk: bool = False,
    client_id: str | None = None,
) -> str:
    """A key proof JWT (appendix F.1) for the Credential Request, signed by ``holder_key``.

    The header carries ``kid`` (default: the did:key DID URL of the key) or, with
    ``embed_jwk``, the public ``jwk``. ``audience`` is the Credential Issuer Identifier,
    ``nonce`` the ``c_nonce`` from the Nonce Endpoint, ``client_id`` (``iss``) is omitted for
    anonymous pre-authorized access.
    """
    header: dict[str, Any] = {"typ": PROOF_JWT_TYP}
    if embed_jwk:
        if kid is not None:
            raise ValueError("a proof carries kid or jwk, not both")
        header["jwk"] = holder_key.public_key.to_jwk()
    else:
        if kid is None:
            did = did_key_from_public_key(holder_key.public_key)
            kid = f"{did}#{did.split(':')[2]}"
        header["kid"] = kid
    payload: dict[str, Any] = {"aud": audience, "iat": to_epoch(iat)}
    if nonce is not None:
        payload["nonce"] = nonce
    if client_id is not None:
        payload["iss"] = client_id
    return sign_jws(header, payload, holder_key)


NonceCheck = str | Callable[[str], bool] | None


def verify_proof_jwt(
    jwt: str,
    *,
    audience: str,
    nonce: NonceCheck,
    now: datetime,
    resolver: Resolver,
    max_age: int = 300,
    skew: int = 60,
    allowed_algs: Collection[str] = _SUPPORTED_PROOF_ALGS,
) -> HolderKey:
    """Verify a ``jwt`` key proof (appendix F.1, F.4) and return the holder key it proves.

    ``nonce`` is the expected ``c_nonce`` string, or a callback ``consume(nonce) -> bool`` that
    atomically marks a live nonce used (called last, so a forged proof cannot burn a nonce),
    or None when the issuer has no Nonce Endpoint. Checks, in order, each an Oid4vciError:

    - ``proof_malformed`` (invalid_proof): not a compact JWS with JSON header and payload;
    - ``proof_typ_invalid``: ``typ`` is not ``openid4vci-proof+jwt``;
    - ``proof_alg_unsupported``: ``alg`` is ``none``, symmetric or not in ``allowed_algs``;
    - ``proof_key_missing``: neither ``kid`` nor ``jwk``; ``proof_key_ambiguous``: more than
      one of ``kid``/``jwk``/``x5c``; ``proof_x5c_unsupported``: only ``x5c``;
    - ``proof_jwk_private``: the ``jwk`` holds private key material; ``proof_jwk_invalid``;
    - ``proof_kid_not_did``: ``kid`` is not a DID URL; ``proof_kid_unresolvable``: the DID
      or its key cannot be read, or its DID method is not supported (a resolver that cannot
      be reached raises its own CouldNotCheckError, e.g. ``did_not_found``: no verdict);
    - ``proof_signature_invalid``: not signed by that key (or alg does not fit the key);
    - ``proof_audience_mismatch``: ``aud`` is not the Credential Issuer Identifier;
    - ``proof_iat_missing``, ``proof_iat_in_future`` (beyond ``skew``), ``proof_expired``
      (older than ``max_age`` or past its ``exp``);
    - ``proof_nonce_missing`` (invalid_proof) and ``proof_nonce_mismatch`` (invalid_nonce:
      the wallet should fetch a new ``c_nonce``).
    """
    try:
        parsed = parse_jws(jwt, what="key proof JWT")
    except MalformedError as exc:
        raise _proof_error("proof_malformed", exc.message) from exc
    header, payload = parsed.header, parsed.payload
    if header.get("typ") != PROOF_JWT_TYP:
        raise _proof_error(
            "proof_typ_invalid",
            f"The key proof's typ is {str(header.get('typ'))[:60]!r}; "
            f"it must be {PROOF_JWT_TYP!r}.",
        )
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none" or alg not in allowed_algs:
        raise _proof_error(
            "proof_alg_unsupported",
            f"The key proof's alg {str(alg)[:30]!r} is not accepted; use one of "
            f"{sorted(allowed_algs)} (never 'none').",
        )
    holder = _proof_holder_key(header, resolver)
    try:
        verify_jws_signature(
            parsed, holder.public_key, code="proof_signature_invalid", what="key proof JWT"
        )
    except (VerdictError, MalformedError) as exc:
        raise _proof_error("proof_signature_invalid", exc.message) from exc
    aud = payload.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if audience not in auds:
        raise _proof_error(
            "proof_audience_mismatch",
            f"The key proof's aud must be the credential issuer {audience!r}.",
        )
    _check_times(payload, now=to_epoch(now), max_age=max_age, skew=skew)
    if nonce is not None:
        claim = payload.get("nonce")
        if not isinstance(claim, str) or not claim:
            raise _proof_error(
                "proof_nonce_missing",
                "The key proof has no nonce; get a c_nonce from the nonce endpoint.",
            )
        ok = (
            hmac.compare_digest(claim.encode(), nonce.encode())
            if isinstance(nonce, str)
            else nonce(claim)
        )
        if not ok:
            raise Oid4vciError(
                "proof_nonce_mismatch",
                "The key proof's nonce is unknown, expired or used; get a new c_nonce.",
                error="invalid_nonce",
            )
    return holder


def verify_proof_jwts(
    jwts: Sequence[str],
    *,
    audience: str,
    nonce: NonceCheck,
    now: datetime,
    resolver: Resolver,
    max_age: int = 300,
    skew: int = 60,
    allowed_algs: Collection[str] = _SUPPORTED_PROOF_ALGS,
) -> tuple[HolderKey, ...]:
    """Verify the ``proofs.jwt`` array of one Credential Request (section 8.2, batch issuance):
    every proof as ``verify_proof_jwt`` does, all over the same ``c_nonce`` (consumed once, by
    the first proof, after all others verified), each by a different key. Returns the keys in
    the order of the proofs.

    Raises the codes of ``verify_proof_jwt``; Oid4vciError ``proof_nonce_mixed`` (invalid_proof:
    the proofs carry different nonces), ``proof_key_duplicate`` (invalid_proof: two proofs by
    one key: each copy of a batch needs its own key).
    """
    if not jwts:
        raise _proof_error("proof_missing", "Send at least one key proof.")

    def one(jwt: str, check: NonceCheck) -> HolderKey:
        return verify_proof_jwt(
            jwt,
            audience=audience,
            nonce=check,
            now=now,
            resolver=resolver,
            max_age=max_age,
            skew=skew,
            allowed_algs=allowed_algs,
        )

    if len(jwts) == 1:
        return (one(jwts[0], nonce),)
    claims: list[Any] = []
    for jwt in jwts:
        try:
            claims.append(parse_jws(jwt, what="key proof JWT").payload.get("nonce"))
        except MalformedError as exc:
            raise _proof_error("proof_malformed", exc.message) from exc
    if nonce is not None and any(c != claims[0] for c in claims[1:]):
        raise _proof_error(
            "proof_nonce_mixed",
            "The key proofs of one request must all carry the same c_nonce.",
        )
    # Every proof is checked against the first one's nonce claim; a callback consumes that
    # nonce once, last, so a bad proof anywhere in the array burns nothing.
    claim = claims[0] if isinstance(claims[0], str) else None
    keys = tuple(
        one(jwt, None if nonce is None else (nonce if claim is None else claim)) for jwt in jwts
    )
    seen: list[PublicKey] = []
    for position, key in enumerate(keys):
        if key.public_key in seen:
            raise _proof_error(
                "proof_key_duplicate",
                f"Key proofs {seen.index(key.public_key) + 1} and {position + 1} are by the same "
                "key; every copy of a batch needs its own holder key.",
            )
        seen.append(key.public_key)
    if nonce is not None and claim is not None:
        ok = (
            hmac.compare_digest(claim.encode(), nonce.encode())
            if isinstance(nonce, str)
            else nonce(claim)
        )
        if not ok:
            raise Oid4vciError(
                "proof_nonce_mismatch",
                "The key proofs' nonce is unknown, expired or used; get a new c_nonce.",
                error="invalid_nonce",
            )
    return keys


#: Resolver answers that are the issuer's policy, not an outage: the proof is refused (400).
_REFUSED_BY_POLICY = frozenset({"did_method_unsupported", "did_web_forbidden_host"})


def _proof_holder_key(header: Mapping[str, Any], resolver: Resolver) -> HolderKey:
    present = [name for name in ("kid", "jwk", "x5c") if name in header]
    if not present:
        raise _proof_error(
            "proof_key_missing",
            "The key proof names no key: put kid (a DID URL) or jwk in its header.",
        )
    if len(present) > 1:
        raise _proof_error(
            "proof_key_ambiguous",
            f"The key proof header has {' and '.join(present)}; exactly one is allowed.",
        )
    if present == ["x5c"]:
        raise _proof_error(
            "proof_x5c_unsupported", "x5c key proofs are not supported; use kid or jwk."
        )
    if "jwk" in header:
        jwk = header["jwk"]
        if not isinstance(jwk, Mapping):
            raise _proof_error("proof_jwk_invalid", "The key proof's jwk must be a JSON object.")
        if any(member in jwk for member in _PRIVATE_JWK_MEMBERS):
            raise _proof_error(
                "proof_jwk_private",
                "The key proof's jwk contains private key material; send the public key only "
                "(and treat that key as compromised).",
            )
        try:
            public_key = PublicKey.from_jwk(jwk)
        except MalformedError as exc:
            raise _proof_error("proof_jwk_invalid", exc.message) from exc
        did = did_jwk_from_jwk(public_key.to_jwk())
        return HolderKey(public_key, did, did + "#0")
    kid = header["kid"]
    if not isinstance(kid, str) or not kid.startswith("did:"):
        raise _proof_error(
            "proof_kid_not_did",
            "The key proof's kid must be a DID URL (did:key:...#...), the DID credentials bind to.",
        )
    try:
        did, _ = split_did_url(kid)
        method = resolve_method(resolver, kid, "authentication")
    except (MalformedError, VerdictError) as exc:
        raise _proof_error(
            "proof_kid_unresolvable", f"The key proof's kid cannot be used: {exc.message}"
        ) from exc
    except CouldNotCheckError as exc:
        if exc.code not in _REFUSED_BY_POLICY:
            raise  # the resolver could not answer: no verdict on the proof
        raise _proof_error(
            "proof_kid_unresolvable",
            f"The key proof's DID is not accepted ({exc.code}): {exc.message}",
        ) from exc
    return HolderKey(method.public_key, did, method.id if method.id.startswith("did:") else kid)


def _check_times(payload: Mapping[str, Any], *, now: int, max_age: int, skew: int) -> None:
    iat = payload.get("iat")
    if not isinstance(iat, (int, float)) or isinstance(iat, bool):
        raise _proof_error("proof_iat_missing", "The key proof has no numeric iat.")
    if iat > now + skew:
        raise _proof_error(
            "proof_iat_in_future", "The key proof's iat is in the future; check the wallet's clock."
        )
    if iat < now - max_age - skew:
        raise _proof_error(
            "proof_expired", f"The key proof is older than {max_age} seconds; create a new one."
        )
    exp = payload.get("exp")
    if exp is not None and (not isinstance(exp, (int, float)) or exp <= now - skew):
        raise _proof_error("proof_expired", "The key proof's exp has passed; create a new one.")


# --- credential endpoint (section 8) -------------------------------------------------------


@dataclass(frozen=True)
class CredentialRequest:
    """A validated Credential Request (section 8.2) with ``jwt`` proofs."""

    credential_configuration_id: str | None
    credential_identifier: str | None
    proof_jwts: tuple[str, ...]


def parse_credential_request(
    body: Any,
    *,
    known_configuration_ids: Collection[str],
    credential_identifiers: Collection[str] = (),
    require_proof: bool = True,
    batch_size: int = 1,
) -> CredentialRequest:
    """Validate a Credential Request JSON body (section 8.2; errors section 8.3.1.2).

    ``proofs: {"jwt": [...]}`` as in 1.0; the ``proof: {"proof_type": "jwt", "jwt": ...}`` of
    earlier drafts is also read. Raises Oid4vciError:

    - ``credential_request_malformed`` (invalid_credential_request): not an object, neither
      or both of ``credential_configuration_id``/``credential_identifier``, wrong types,
      more than one proof type, both ``proof`` and ``proofs``;
    - ``batch_size_exceeded`` (invalid_credential_request): more proofs than ``batch_size``;
    - ``unknown_credential_configuration`` / ``unknown_credential_identifier``;
    - ``proof_missing`` (invalid_proof), ``proof_type_unsupported`` (invalid_proof: not jwt),
      ``proof_malformed`` (invalid_proof: not a non-empty array of strings);
    - ``encryption_unsupported`` (invalid_encryption_parameters): response encryption asked.
    """
    if not isinstance(body, Mapping):
        raise _cred_request_error(
            "credential_request_malformed", "The credential request must be a JSON object."
        )
    config_id = body.get("credential_configuration_id")
    identifier = body.get("credential_identifier")
    if (config_id is None) == (identifier is None):
        raise _cred_request_error(
            "credential_request_malformed",
            "Send exactly one of credential_configuration_id and credential_identifier.",
        )
    if config_id is not None:
        if not isinstance(config_id, str):
            raise _cred_request_error(
                "credential_request_malformed", "credential_configuration_id must be a string."
            )
        if config_id not in known_configuration_ids:
            raise Oid4vciError(
                "unknown_credential_configuration",
                f"Credential configuration {config_id[:100]!r} is not offered by this issuer.",
                error="unknown_credential_configuration",
            )
    if identifier is not None and (
        not isinstance(identifier, str) or identifier not in credential_identifiers
    ):
        raise Oid4vciError(
            "unknown_credential_identifier",
            "The credential_identifier is unknown; use credential_configuration_id.",
            error="unknown_credential_identifier",
        )
    if body.get("credential_response_encryption") is not None:
        raise Oid4vciError(
            "encryption_unsupported",
            "This issuer does not encrypt credential responses; "
            "omit credential_response_encryption.",
            error="invalid_encryption_parameters",
        )
    jwts = _read_proofs(body, batch_size=batch_size)
    if require_proof and not jwts:
        raise _proof_error(
            "proof_missing",
            'The credential request needs proofs: {"jwt": [<openid4vci-proof+jwt>]}.',
        )
    return CredentialRequest(config_id, identifier, jwts)


def _read_proofs(body: Mapping[str, Any], *, batch_size: int) -> tuple[str, ...]:
    proofs = body.get("proofs")
    legacy = body.get("proof")
    if proofs is not None and legacy is not None:
        raise _cred_request_error(
            "credential_request_malformed", "Send proofs or (legacy) proof, not both."
        )
    if legacy is not None:
        if not isinstance(legacy, Mapping):
            raise _proof_error("proof_malformed", "proof must be a JSON object.")
        if legacy.get("proof_type") != "jwt":
            raise _proof_error("proof_type_unsupported", "Only proof_type 'jwt' is supported.")
        jwt = legacy.get("jwt")
        if not isinstance(jwt, str) or not jwt:
            raise _proof_error("proof_malformed", "proof.jwt must be a compact JWT string.")
        return (jwt,)
    if proofs is None:
        return ()
    if not isinstance(proofs, Mapping) or not proofs:
        raise _proof_error("proof_malformed", 'proofs must be an object like {"jwt": [...]}.')
    if len(proofs) != 1:
        raise _cred_request_error(
            "credential_request_malformed", "proofs must contain exactly one proof type."
        )
    ((proof_type, values),) = proofs.items()
    if proof_type != "jwt":
        raise _proof_error(
            "proof_type_unsupported",
            f"Proof type {str(proof_type)[:40]!r} is not supported; use jwt.",
        )
    if (
        not isinstance(values, list)
        or not values
        or not all(isinstance(v, str) and v for v in values)
    ):
        raise _proof_error("proof_malformed", "proofs.jwt must be a non-empty array of JWTs.")
    if len(values) > batch_size:
        raise _cred_request_error(
            "batch_size_exceeded",
            f"At most {batch_size} proof(s) per request are accepted.",
            batch_size=batch_size,
        )
    return tuple(values)


def credential_response(
    credentials: Sequence[str | Mapping[str, Any]], *, notification_id: str | None = None
) -> dict[str, Any]:
    """An immediate Credential Response (section 8.3): ``{"credentials": [{"credential": c}]}``.
    Serve it with ``Cache-Control: no-store``."""
    if not credentials:
        raise ValueError("a credential response carries at least one credential")
    out: dict[str, Any] = {
        "credentials": [{"credential": c if isinstance(c, str) else dict(c)} for c in credentials]
    }
    if notification_id is not None:
        out["notification_id"] = notification_id
    return out
