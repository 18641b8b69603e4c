"""WebAuthn relying-party ceremonies on Yubico's ``fido2`` (``fido2.server.Fido2Server``).

Registration (W3C WebAuthn Level 3, section 7.1 "Registering a New Credential") and
authentication (section 7.2 "Verifying an Authentication Assertion"). The checks of steps
7.1.7-7.1.16 (type, challenge, origin, rpIdHash, UP, UV) and 7.2 are Fido2Server's; this module
supplies the origin allow-list, the attestation verifier (formats ``none`` and ``packed``,
section 8.2 and 8.7: full attestation with ``x5c`` or self attestation signed by the
credential key), the sign-counter rule (section 6.1.1) and stable error codes. No attestation
trust anchors are configured: a ``packed`` statement's signature and certificate shape are
verified, its chain is not (``attestation_type`` says ``basic`` or ``self``).

States returned by ``registration_options`` / ``assertion_options`` are plain frozen values
with ``to_dict``/``from_dict``, so a service can keep them in its database between the two
HTTP requests of a ceremony.

Error codes: ``fido_response_malformed`` (MalformedError); ``fido_client_data_type_invalid``,
``fido_origin_mismatch``, ``fido_challenge_mismatch``, ``fido_rp_id_mismatch``,
``fido_user_not_present``, ``fido_user_not_verified``, ``fido_attestation_format_unsupported``,
``fido_attestation_invalid``, ``fido_key_unsupported``, ``fido_signature_invalid``,
``fido_credential_unknown``, ``fido_sign_count_regressed``, ``fido_registration_invalid``,
``fido_assertion_invalid`` (VerdictError); ``fido_options_invalid`` (ConfigurationError).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from fido2.attestation.base import InvalidAttestation, NoneAttestation
from fido2.attestation.packed import PackedAttestation
from fido2.cose import ES256, CoseKey, EdDSA
from fido2.server import Fido2Server
from fido2.utils import websafe_decode
from fido2.webauthn import (
    AttestationConveyancePreference,
    AttestationObject,
    AuthenticatorAttestationResponse,
    AuthenticatorData,
    CollectedClientData,
    PublicKeyCredentialDescriptor,
    PublicKeyCredentialParameters,
    PublicKeyCredentialRpEntity,
    PublicKeyCredentialType,
    PublicKeyCredentialUserEntity,
    RegistrationResponse,
    UserVerificationRequirement,
)

from passport import jsonsafe
from passport.errors import ConfigurationError, MalformedError, PassportError, VerdictError
from passport.keys import KeyType, PublicKey, b64url_decode, b64url_encode

_T = TypeVar("_T")

__all__ = [
    "ALLOWED_ATTESTATION_FORMATS",
    "AssertionState",
    "RegisteredAuthenticator",
    "RegistrationState",
    "VerifiedAssertion",
    "assertion_options",
    "assertion_response_parts",
    "assurance_level",
    "cose_from_public_key",
    "public_key_from_cose",
    "registration_options",
    "registration_response_parts",
    "verify_assertion",
    "verify_registration",
]

#: Attestation statement formats accepted by default (WebAuthn section 8.2 and 8.7).
ALLOWED_ATTESTATION_FORMATS: Final = frozenset({"none", "packed"})
#: COSE algorithms offered in ``pubKeyCredParams``: ES256 (P-256) first, then EdDSA.
_COSE_ALGS: Final = (ES256.ALGORITHM, EdDSA.ALGORITHM)
_USER_VERIFICATION: Final = ("required", "preferred", "discouraged")

# Fido2Server raises ValueError with these messages; they map to our codes.
_SERVER_ERRORS: Final = (
    ("Incorrect type", "fido_client_data_type_invalid"),
    ("Invalid origin", "fido_origin_mismatch"),
    ("Wrong challenge", "fido_challenge_mismatch"),
    ("Wrong RP ID hash", "fido_rp_id_mismatch"),
    ("User Present flag", "fido_user_not_present"),
    ("User verification required", "fido_user_not_verified"),
    ("Invalid signature", "fido_signature_invalid"),
    ("Unknown credential ID", "fido_credential_unknown"),
)
_HINTS: Final = {
    "fido_client_data_type_invalid": "The client data is not from the expected ceremony.",
    "fido_origin_mismatch": "The browser origin is not one this relying party accepts.",
    "fido_challenge_mismatch": "The response answers another challenge; start again.",
    "fido_rp_id_mismatch": "The authenticator signed for another relying party id.",
    "fido_user_not_present": "The authenticator did not test user presence.",
    "fido_user_not_verified": "User verification (PIN or biometric) is required.",
    "fido_signature_invalid": "The assertion signature does not verify with the registered key.",
    "fido_credential_unknown": "This authenticator credential is not registered.",
}


def _malformed(message: str) -> MalformedError:
    return MalformedError("fido_response_malformed", message)


def _server_error(exc: ValueError, fallback: str) -> VerdictError:
    text = str(exc)
    for prefix, code in _SERVER_ERRORS:
        if text.startswith(prefix):
            return VerdictError(code, f"{_HINTS[code]} ({text})")
    return VerdictError(fallback, f"The WebAuthn response is invalid: {text}")


def _to_json(value: Any) -> Any:
    """fido2's option objects as plain JSON (bytes as base64url, WebAuthn L3 ``toJSON``)."""
    return json.loads(json.dumps(value, default=dict))


def _server(
    rp_id: str,
    rp_name: str,
    origins: Collection[str] = (),
    verify_attestation: Callable[[AttestationObject, bytes], None] | None = None,
) -> Fido2Server:
    allowed = frozenset(origins)
    server = Fido2Server(
        PublicKeyCredentialRpEntity(name=rp_name, id=rp_id),
        attestation=AttestationConveyancePreference.DIRECT,
        verify_origin=lambda origin: origin in allowed,
        verify_attestation=verify_attestation,
    )
    server.allowed_algorithms = [
        PublicKeyCredentialParameters(type=PublicKeyCredentialType.PUBLIC_KEY, alg=alg)
        for alg in _COSE_ALGS
    ]
    return server


def _check_challenge(challenge: bytes) -> None:
    if not isinstance(challenge, bytes) or len(challenge) < 16:
        raise ConfigurationError(
            "fido_options_invalid", "A WebAuthn challenge must be at least 16 random bytes."
        )


def _check_uv(user_verification: str) -> None:
    if user_verification not in _USER_VERIFICATION:
        raise ConfigurationError(
            "fido_options_invalid",
            f"user_verification is one of {list(_USER_VERIFICATION)}, not {user_verification!r}.",
        )


def public_key_from_cose(cose_key: Mapping[int, Any]) -> PublicKey:
    """The :class:`PublicKey` of a COSE_Key (RFC 9053): EC2 P-256 (ES256) or OKP Ed25519.

    Raises VerdictError ``fido_key_unsupported``.
    """
    kty, alg, crv = cose_key.get(1), cose_key.get(3), cose_key.get(-1)
    x = cose_key.get(-2)
    if kty == 2 and alg == ES256.ALGORITHM and crv == 1 and isinstance(x, bytes):
        y = cose_key.get(-3)
        if isinstance(y, bytes) and len(x) == 32 and len(y) == 32:
            jwk = {"kty": "EC", "crv": "P-256", "x": b64url_encode(x), "y": b64url_encode(y)}
            try:
                return PublicKey.from_jwk(jwk)
            except MalformedError as exc:
                raise VerdictError("fido_key_unsupported", exc.message) from exc
    if kty == 1 and alg == EdDSA.ALGORITHM and crv == 6 and isinstance(x, bytes) and len(x) == 32:
        return PublicKey(KeyType.ED25519, x)
    raise VerdictError(
        "fido_key_unsupported",
        f"The credential key (COSE kty={kty}, alg={alg}, crv={crv}) is not supported; "
        "use ES256 on P-256 or EdDSA on Ed25519.",
    )


def cose_from_public_key(public_key: PublicKey) -> CoseKey:
    """The COSE_Key of a P-256 or Ed25519 :class:`PublicKey` (for authenticators)."""
    if public_key.type is KeyType.P256:
        jwk = public_key.to_jwk()
        return ES256(
            {
                1: 2,
                3: ES256.ALGORITHM,
                -1: 1,
                -2: b64url_decode(jwk["x"]),
                -3: b64url_decode(jwk["y"]),
            }
        )
    if public_key.type is KeyType.ED25519:
        return EdDSA({1: 1, 3: EdDSA.ALGORITHM, -1: 6, -2: public_key.raw})
    raise VerdictError("fido_key_unsupported", "Only P-256 and Ed25519 credential keys exist here.")


# --- registration (WebAuthn section 7.1) ---------------------------------------------------


@dataclass(frozen=True)
class RegistrationState:
    """What the relying party keeps between ``registration_options`` and
    ``verify_registration``."""

    rp_id: str
    rp_name: str
    challenge: bytes
    user_id: bytes
    user_verification: str = "preferred"

    def to_dict(self) -> dict[str, str]:
        return {
            "rp_id": self.rp_id,
            "rp_name": self.rp_name,
            "challenge": b64url_encode(self.challenge),
            "user_id": b64url_encode(self.user_id),
            "user_verification": self.user_verification,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RegistrationState:
        """Raises MalformedError ``fido_response_malformed`` for a damaged state."""
        try:
            return cls(
                rp_id=str(data["rp_id"]),
                rp_name=str(data["rp_name"]),
                challenge=b64url_decode(data["challenge"]),
                user_id=b64url_decode(data["user_id"]),
                user_verification=str(data["user_verification"]),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise _malformed(f"The stored registration state is damaged: {exc}") from exc


def registration_options(
    *,
    rp_id: str,
    rp_name: str,
    user_id: bytes,
    user_name: str,
    challenge: bytes,
    user_display_name: str | None = None,
    user_verification: str = "preferred",
    exclude_credential_ids: Sequence[bytes] = (),
    timeout_ms: int = 120_000,
) -> tuple[dict[str, Any], RegistrationState]:
    """``PublicKeyCredentialCreationOptions`` as JSON (WebAuthn L3 section 5.4, the
    ``toJSON`` form: binary values base64url) and the state to verify the answer with.

    ``challenge`` comes from the caller's CSPRNG (>= 16 bytes; the holder also signs it in its
    DID binding). Attestation ``direct`` is asked for; ES256 and EdDSA keys are offered.
    Raises ConfigurationError ``fido_options_invalid``.
    """
    _check_challenge(challenge)
    _check_uv(user_verification)
    server = _server(rp_id, rp_name)
    server.timeout = timeout_ms  # type: ignore[assignment]  # fido2 annotates it as None
    options, _ = server.register_begin(
        PublicKeyCredentialUserEntity(
            id=user_id, name=user_name, display_name=user_display_name or user_name
        ),
        credentials=[
            PublicKeyCredentialDescriptor(type=PublicKeyCredentialType.PUBLIC_KEY, id=cid)
            for cid in exclude_credential_ids
        ]
        or None,
        user_verification=UserVerificationRequirement(user_verification),
        challenge=challenge,
    )
    state = RegistrationState(rp_id, rp_name, challenge, user_id, user_verification)
    return _to_json(options.public_key), state


@dataclass(frozen=True)
class RegisteredAuthenticator:
    """A credential that passed ``verify_registration``: what the relying party stores and
    what a FidoKeyBindingCredential states."""

    rp_id: str
    credential_id: bytes
    public_key: PublicKey
    aaguid: str
    sign_count: int
    user_present: bool
    user_verified: bool
    backup_eligible: bool
    attestation_format: str
    attestation_type: str

    @property
    def credential_id_b64(self) -> str:
        return b64url_encode(self.credential_id)

    @property
    def public_key_jwk(self) -> dict[str, str]:
        return self.public_key.to_jwk()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rp_id": self.rp_id,
            "credential_id": self.credential_id_b64,
            "public_key_jwk": self.public_key_jwk,
            "aaguid": self.aaguid,
            "sign_count": self.sign_count,
            "user_present": self.user_present,
            "user_verified": self.user_verified,
            "backup_eligible": self.backup_eligible,
            "attestation_format": self.attestation_format,
            "attestation_type": self.attestation_type,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RegisteredAuthenticator:
        """Raises MalformedError ``fido_response_malformed`` for a damaged record."""
        try:
            return cls(
                rp_id=str(data["rp_id"]),
                credential_id=b64url_decode(data["credential_id"]),
                public_key=PublicKey.from_jwk(data["public_key_jwk"]),
                aaguid=str(uuid.UUID(str(data["aaguid"]))),
                sign_count=int(data["sign_count"]),
                user_present=bool(data["user_present"]),
                user_verified=bool(data["user_verified"]),
                backup_eligible=bool(data.get("backup_eligible", False)),
                attestation_format=str(data["attestation_format"]),
                attestation_type=str(data["attestation_type"]),
            )
        except (KeyError, ValueError, TypeError, MalformedError) as exc:
            raise _malformed(f"The stored authenticator record is damaged: {exc}") from exc

    def with_sign_count(self, sign_count: int) -> RegisteredAuthenticator:
        from dataclasses import replace

        return replace(self, sign_count=sign_count)


def assurance_level(authenticator: RegisteredAuthenticator) -> str:
    """The NIST SP 800-63B authenticator assurance level a registration supports on its own:
    ``AAL2`` when the authenticator verified its user (a multi-factor cryptographic
    authenticator), else ``AAL1``. AAL3 needs a hardware-bound key shown by a trusted
    attestation chain, which this relying party does not check (no trust anchors)."""
    return "AAL2" if authenticator.user_verified else "AAL1"


class _AttestationCheck:
    """Fido2Server's ``verify_attestation`` hook: allowed formats, real verification."""

    def __init__(self, allowed_formats: Collection[str]) -> None:
        self.allowed = frozenset(allowed_formats)
        self.attestation_type = "none"

    def __call__(self, attestation_object: AttestationObject, client_data_hash: bytes) -> None:
        fmt = attestation_object.fmt
        if fmt not in self.allowed:
            raise VerdictError(
                "fido_attestation_format_unsupported",
                f"Attestation format {str(fmt)[:40]!r} is not accepted "
                f"(accepted: {sorted(self.allowed)}).",
            )
        verifier = {"none": NoneAttestation, "packed": PackedAttestation}.get(fmt)
        if verifier is None:
            raise VerdictError(
                "fido_attestation_format_unsupported",
                f"Attestation format {fmt!r} cannot be verified by this relying party.",
            )
        try:
            result = verifier().verify(
                attestation_object.att_stmt, attestation_object.auth_data, client_data_hash
            )
        except (InvalidAttestation, NotImplementedError) as exc:
            raise VerdictError(
                "fido_attestation_invalid",
                f"The {fmt} attestation statement does not verify: {exc or type(exc).__name__}",
            ) from exc
        self.attestation_type = result.attestation_type.name.lower()


def _untrusted(what: str, parse: Callable[[], _T]) -> _T:
    """Run one of fido2's parsers on bytes from the client. Its CBOR and binary parsers raise
    whatever the bytes provoke (IndexError, struct.error, RecursionError, ...): all of it is
    malformed input. Raises ``fido_response_malformed``."""
    try:
        return parse()
    except PassportError:
        raise
    except Exception as exc:  # noqa: BLE001 - see the docstring
        raise _malformed(f"{what} cannot be parsed: {str(exc)[:200]}") from None


def _client_data(client_data_json: bytes) -> CollectedClientData:
    """clientDataJSON through the project's bounded JSON parser first (depth, size), then
    fido2's reading of it. Raises ``fido_response_malformed``."""
    raw = bytes(client_data_json)
    try:
        jsonsafe.loads(raw, code="fido_response_malformed", what="clientDataJSON")
    except MalformedError as exc:
        raise _malformed(exc.message) from None
    return _untrusted("clientDataJSON", lambda: CollectedClientData(raw))


def registration_response_parts(data: Mapping[str, Any]) -> tuple[bytes, bytes]:
    """``(clientDataJSON, attestationObject)`` of a ``RegistrationResponseJSON`` (WebAuthn L3
    section 5.1, ``PublicKeyCredential.toJSON()``). Raises ``fido_response_malformed``."""
    parsed = _untrusted(
        "The WebAuthn registration response", lambda: RegistrationResponse.from_dict(data)
    )
    return bytes(parsed.response.client_data), bytes(parsed.response.attestation_object)


def verify_registration(
    state: RegistrationState,
    *,
    client_data_json: bytes,
    attestation_object: bytes,
    origins: Collection[str],
    allowed_formats: Collection[str] = ALLOWED_ATTESTATION_FORMATS,
    require_user_verification: bool = False,
) -> RegisteredAuthenticator:
    """Verify a registration (WebAuthn section 7.1) and return the new credential.

    ``origins`` is the exact allow-list of ``clientDataJSON.origin`` values (step 9).
    ``require_user_verification`` overrides the state's preference (step 15). Raises
    ``fido_response_malformed``; ``fido_client_data_type_invalid``, ``fido_challenge_mismatch``,
    ``fido_origin_mismatch``, ``fido_rp_id_mismatch``, ``fido_user_not_present``,
    ``fido_user_not_verified`` (steps 7-15, checked by Fido2Server);
    ``fido_attestation_format_unsupported``, ``fido_attestation_invalid`` (steps 18-21);
    ``fido_key_unsupported`` (step 17); ``fido_registration_invalid`` for anything else.
    """
    client_data = _client_data(client_data_json)
    att_obj = _untrusted(
        "The attestation object (CBOR)", lambda: AttestationObject(bytes(attestation_object))
    )
    cred_data = att_obj.auth_data.credential_data
    if cred_data is None:
        raise _malformed("The authenticator data carries no attested credential data (AT flag).")
    check = _AttestationCheck(allowed_formats)
    server = _server(state.rp_id, state.rp_name, origins, check)
    uv = "required" if require_user_verification else state.user_verification
    fido_state = {"challenge": b64url_encode(state.challenge), "user_verification": uv}
    response = RegistrationResponse(
        raw_id=cred_data.credential_id,
        response=AuthenticatorAttestationResponse(
            client_data=client_data, attestation_object=att_obj
        ),
    )
    try:
        auth_data = server.register_complete(fido_state, response)
    except ValueError as exc:
        raise _server_error(exc, "fido_registration_invalid") from exc
    except (TypeError, KeyError, AttributeError, IndexError) as exc:  # odd field types
        raise _malformed(f"The registration response is not valid: {exc}") from None
    public_key = public_key_from_cose(cred_data.public_key)  # step 17: an algorithm we offered
    return RegisteredAuthenticator(
        rp_id=state.rp_id,
        credential_id=cred_data.credential_id,
        public_key=public_key,
        aaguid=str(uuid.UUID(bytes=bytes(cred_data.aaguid))),
        sign_count=auth_data.counter,
        user_present=auth_data.is_user_present(),
        user_verified=auth_data.is_user_verified(),
        backup_eligible=auth_data.is_backup_eligible(),
        attestation_format=att_obj.fmt,
        attestation_type=check.attestation_type,
    )


# --- authentication (WebAuthn section 7.2) -------------------------------------------------


@dataclass(frozen=True)
class AssertionState:
    """What the relying party keeps between ``assertion_options`` and ``verify_assertion``."""

    rp_id: str
    challenge: bytes
    user_verification: str = "preferred"
    allowed_credential_ids: tuple[bytes, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rp_id": self.rp_id,
            "challenge": b64url_encode(self.challenge),
            "user_verification": self.user_verification,
            "allowed_credential_ids": [b64url_encode(c) for c in self.allowed_credential_ids],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AssertionState:
        """Raises MalformedError ``fido_response_malformed`` for a damaged state."""
        try:
            return cls(
                rp_id=str(data["rp_id"]),
                challenge=b64url_decode(data["challenge"]),
                user_verification=str(data["user_verification"]),
                allowed_credential_ids=tuple(
                    b64url_decode(c) for c in data.get("allowed_credential_ids", ())
                ),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise _malformed(f"The stored assertion state is damaged: {exc}") from exc


def assertion_options(
    *,
    rp_id: str,
    challenge: bytes,
    credential_ids: Sequence[bytes] = (),
    user_verification: str = "preferred",
    timeout_ms: int = 120_000,
) -> tuple[dict[str, Any], AssertionState]:
    """``PublicKeyCredentialRequestOptions`` as JSON and the state (WebAuthn L3 section 5.5).

    For a presentation, ``challenge`` is derived from the verifier's nonce so the assertion
    and the key-binding JWT answer the same request. Raises ``fido_options_invalid``.
    """
    _check_challenge(challenge)
    _check_uv(user_verification)
    server = _server(rp_id, rp_id)
    server.timeout = timeout_ms  # type: ignore[assignment]  # fido2 annotates it as None
    options, _ = server.authenticate_begin(
        credentials=[
            PublicKeyCredentialDescriptor(type=PublicKeyCredentialType.PUBLIC_KEY, id=cid)
            for cid in credential_ids
        ]
        or None,
        user_verification=UserVerificationRequirement(user_verification),
        challenge=challenge,
    )
    state = AssertionState(rp_id, challenge, user_verification, tuple(credential_ids))
    return _to_json(options.public_key), state


@dataclass(frozen=True)
class VerifiedAssertion:
    """A verified assertion; store ``sign_count`` back on the authenticator record."""

    credential_id: bytes
    sign_count: int
    user_verified: bool
    user_handle: bytes | None


def _b64_member(data: Mapping[str, Any], name: str, *, optional: bool = False) -> bytes | None:
    value = data.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _malformed(f"The WebAuthn authentication response has no {name} string.")
    try:
        return websafe_decode(value)
    except (ValueError, UnicodeEncodeError) as exc:
        raise _malformed(f"{name} is not base64url: {exc}") from None


_ATTACHMENTS: Final = frozenset({"platform", "cross-platform"})


def assertion_response_parts(
    data: Mapping[str, Any],
) -> tuple[bytes, bytes, bytes, bytes, bytes | None]:
    """``(credential_id, clientDataJSON, authenticatorData, signature, userHandle)`` of an
    ``AuthenticationResponseJSON`` (WebAuthn L3 section 5.1). Raises ``fido_response_malformed``.

    Read here rather than through fido2's dataclasses, whose type-hint driven parsing cost
    more than the signature check on every presentation; the rules are the same: ``id``
    equals ``rawId``, ``type`` is ``public-key``, binary members are base64url.
    """
    if not isinstance(data, Mapping):
        raise _malformed("The WebAuthn authentication response must be a JSON object.")
    raw_id = _b64_member(data, "rawId")
    if "id" in data and data["id"] != data["rawId"]:
        raise _malformed("The WebAuthn authentication response's id does not match rawId.")
    if data.get("type", "public-key") != "public-key":
        raise _malformed("The WebAuthn authentication response's type must be 'public-key'.")
    attachment = data.get("authenticatorAttachment")
    attachment = attachment if isinstance(attachment, str | None) else ""  # never hashed
    if attachment is not None and attachment not in _ATTACHMENTS:
        raise _malformed("authenticatorAttachment is 'platform' or 'cross-platform'.")
    extensions = data.get("clientExtensionResults")
    if extensions is not None and not isinstance(extensions, Mapping):
        raise _malformed("clientExtensionResults must be a JSON object.")
    response = data.get("response")
    if not isinstance(response, Mapping):
        raise _malformed("The WebAuthn authentication response has no response object.")
    client_data = _b64_member(response, "clientDataJSON")
    auth_data = _b64_member(response, "authenticatorData")
    signature = _b64_member(response, "signature")
    user_handle = _b64_member(response, "userHandle", optional=True)
    assert raw_id is not None and client_data is not None
    assert auth_data is not None and signature is not None
    return raw_id, client_data, auth_data, signature, user_handle


def _signature_valid(public_key: PublicKey, signature: bytes, message: bytes) -> bool:
    """WebAuthn signatures (section 6.5.6): ASN.1 DER ECDSA for ES256, raw for EdDSA."""
    if public_key.type is KeyType.ED25519:
        return public_key.verify(signature, message)
    if public_key.type is not KeyType.P256:
        return False
    return public_key.verify_der(signature, message)


def _check_assertion(
    state: AssertionState,
    authenticator: RegisteredAuthenticator,
    client_data: CollectedClientData,
    auth_data: AuthenticatorData,
    signature: bytes,
    origins: Collection[str],
    user_verification: str,
) -> None:
    """WebAuthn section 7.2 steps 11-21, in the order (and with the messages) of fido2's
    ``Fido2Server.authenticate_complete``; raises ValueError."""
    if client_data.type != CollectedClientData.TYPE.GET:
        raise ValueError("Incorrect type in CollectedClientData.")
    if client_data.origin not in origins:
        raise ValueError("Invalid origin in CollectedClientData.")
    if not hmac.compare_digest(state.challenge, client_data.challenge):
        raise ValueError("Wrong challenge in response.")
    rp_id_hash = hashlib.sha256(state.rp_id.encode("utf-8")).digest()
    if not hmac.compare_digest(rp_id_hash, auth_data.rp_id_hash):
        raise ValueError("Wrong RP ID hash in response.")
    if not auth_data.is_user_present():
        raise ValueError("User Present flag not set.")
    if user_verification == "required" and not auth_data.is_user_verified():
        raise ValueError("User verification required, but user verified flag not set.")
    message = bytes(auth_data) + hashlib.sha256(bytes(client_data)).digest()
    if not _signature_valid(authenticator.public_key, bytes(signature), message):
        raise ValueError("Invalid signature.")


def verify_assertion(
    state: AssertionState,
    authenticator: RegisteredAuthenticator,
    *,
    credential_id: bytes,
    client_data_json: bytes,
    authenticator_data: bytes,
    signature: bytes,
    origins: Collection[str],
    user_handle: bytes | None = None,
    require_user_verification: bool = False,
) -> VerifiedAssertion:
    """Verify an assertion by the registered ``authenticator`` (WebAuthn section 7.2).

    Raises ``fido_response_malformed``; ``fido_credential_unknown`` (another credential, or not
    in the state's allow-list), ``fido_client_data_type_invalid``, ``fido_origin_mismatch``,
    ``fido_challenge_mismatch``, ``fido_rp_id_mismatch``, ``fido_user_not_present``,
    ``fido_user_not_verified``, ``fido_signature_invalid`` (steps 11-21, the checks of
    fido2's ``Fido2Server.authenticate_complete``, made here without building a server per
    call); ``fido_sign_count_regressed`` (step 22: the counter did not grow, a sign of a cloned
    authenticator); ``fido_assertion_invalid`` for anything else.
    """
    if credential_id != authenticator.credential_id or (
        state.allowed_credential_ids and credential_id not in state.allowed_credential_ids
    ):
        raise VerdictError("fido_credential_unknown", _HINTS["fido_credential_unknown"])
    client_data = _client_data(client_data_json)
    auth_data = _untrusted(
        "The authenticator data", lambda: AuthenticatorData(bytes(authenticator_data))
    )
    uv = "required" if require_user_verification else state.user_verification
    try:
        _check_assertion(
            state, authenticator, client_data, auth_data, signature, frozenset(origins), uv
        )
    except ValueError as exc:
        raise _server_error(exc, "fido_assertion_invalid") from exc
    except (TypeError, KeyError, AttributeError, IndexError) as exc:  # odd field types
        raise _malformed(f"The assertion response is not valid: {exc}") from None
    new_count = auth_data.counter
    if (new_count or authenticator.sign_count) and new_count <= authenticator.sign_count:
        raise VerdictError(
            "fido_sign_count_regressed",
            f"The authenticator's signature counter went from {authenticator.sign_count} to "
            f"{new_count}; it may be cloned. Re-register the authenticator.",
        )
    return VerifiedAssertion(
        credential_id=credential_id,
        sign_count=new_count,
        user_verified=auth_data.is_user_verified(),
        user_handle=user_handle,
    )
