"""A software FIDO2 authenticator (and the client around it) for the wallet CLI and tests.

It plays both the WebAuthn client (builds ``clientDataJSON`` for an origin, checks that the
relying party id fits the origin, WebAuthn section 5.1.3 step 8) and the authenticator
(authenticatorMakeCredential / authenticatorGetAssertion, WebAuthn section 6.3): a fresh P-256
key per credential, real authenticator data (section 6.1: rpIdHash, flags UP/UV/AT, a 32-bit
big-endian sign counter, attested credential data with the AAGUID and a COSE key), CBOR
attestation objects through ``fido2.cbor`` in format ``packed`` (self attestation: ``alg`` -7
and a DER ECDSA signature by the credential key over authData || SHA-256(clientDataJSON),
section 8.2) or ``none``.

Nothing is stored inside: ``make_credential`` returns a :class:`SoftwareCredential` that the
wallet keeps (encrypted; it holds the private key), ``get_assertion`` takes it and returns the
next one with the counter advanced. The user-verification flag says what the wallet did (its
passphrase unlocks the key store); a software key is not hardware-bound, so relying parties
should treat it as AAL1/AAL2 at most.

Error codes: ``authenticator_options_invalid`` (MalformedError), ``authenticator_origin_invalid``
and ``authenticator_credential_mismatch`` (VerdictError), ``authenticator_unsupported``
(ConfigurationError).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from fido2.cose import ES256
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

from passport.errors import ConfigurationError, MalformedError, VerdictError
from passport.fido.webauthn import cose_from_public_key
from passport.keys import KeyType, PrivateKey, b64url_decode, b64url_encode

__all__ = [
    "SOFTWARE_AUTHENTICATOR_AAGUID",
    "Assertion",
    "Attestation",
    "SoftwareAuthenticator",
    "SoftwareCredential",
]

Rng = Callable[[int], bytes]

#: AAGUID of this software authenticator (a fixed UUIDv5, so relying parties can tell it).
SOFTWARE_AUTHENTICATOR_AAGUID: Final = uuid.uuid5(
    uuid.NAMESPACE_URL, "https://w3id.org/financial-passport/software-authenticator"
)


def _bad_options(message: str) -> MalformedError:
    return MalformedError("authenticator_options_invalid", message)


def _der(jose_signature: bytes) -> bytes:
    r, s = int.from_bytes(jose_signature[:32], "big"), int.from_bytes(jose_signature[32:], "big")
    return encode_dss_signature(r, s)


def _rp_id_for(origin: str, rp_id: Any) -> str:
    """WebAuthn section 5.1.3 step 8 / 5.1.4.1 step 7, simplified: the RP id is the origin's
    host or a parent domain of it; an https origin is required except for localhost."""
    parts = urlsplit(origin)
    host = parts.hostname or ""
    if parts.scheme != "https" and host not in ("localhost", "127.0.0.1"):
        raise VerdictError(
            "authenticator_origin_invalid",
            f"The origin {origin!r} is not secure; WebAuthn needs https (or localhost).",
        )
    if rp_id is None:
        return host
    if not isinstance(rp_id, str) or not (host == rp_id or host.endswith("." + rp_id)):
        raise VerdictError(
            "authenticator_origin_invalid",
            f"The relying party id {rp_id!r} does not belong to the origin {origin!r}.",
        )
    return rp_id


def _challenge(options: Mapping[str, Any]) -> str:
    challenge = options.get("challenge")
    if not isinstance(challenge, str):
        raise _bad_options("The options have no base64url challenge.")
    try:
        if len(b64url_decode(challenge)) < 16:
            raise _bad_options("The challenge is shorter than 16 bytes.")
    except ValueError as exc:
        raise _bad_options("The challenge is not base64url.") from exc
    return challenge


@dataclass(frozen=True)
class SoftwareCredential:
    """One credential of the software authenticator. Holds the private key: keep it in the
    wallet's encrypted store. Its ``repr`` shows no secret."""

    rp_id: str
    credential_id: bytes
    private_key: PrivateKey = field(repr=False)
    user_handle: bytes
    sign_count: int = 0
    aaguid: uuid.UUID = SOFTWARE_AUTHENTICATOR_AAGUID

    def to_dict(self) -> dict[str, Any]:
        """A JSON form, private key included (for the encrypted wallet store only)."""
        return {
            "rp_id": self.rp_id,
            "credential_id": b64url_encode(self.credential_id),
            "private_key_jwk": self.private_key.to_jwk(),
            "user_handle": b64url_encode(self.user_handle),
            "sign_count": self.sign_count,
            "aaguid": str(self.aaguid),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SoftwareCredential:
        """Raises MalformedError ``authenticator_options_invalid`` for a damaged record."""
        try:
            return cls(
                rp_id=str(data["rp_id"]),
                credential_id=b64url_decode(data["credential_id"]),
                private_key=PrivateKey.from_jwk(data["private_key_jwk"]),
                user_handle=b64url_decode(data["user_handle"]),
                sign_count=int(data["sign_count"]),
                aaguid=uuid.UUID(str(data["aaguid"])),
            )
        except (KeyError, ValueError, TypeError, MalformedError) as exc:
            raise _bad_options(f"The stored software credential is damaged: {exc}") from exc


@dataclass(frozen=True)
class Attestation:
    """The result of a registration: what the browser would post to the relying party."""

    credential_id: bytes
    client_data_json: bytes
    attestation_object: bytes

    def to_json(self) -> dict[str, Any]:
        """``RegistrationResponseJSON`` (WebAuthn L3 section 5.1, ``toJSON()``)."""
        cid = b64url_encode(self.credential_id)
        return {
            "id": cid,
            "rawId": cid,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url_encode(self.client_data_json),
                "attestationObject": b64url_encode(self.attestation_object),
                "transports": ["internal"],
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        }


@dataclass(frozen=True)
class Assertion:
    """The result of an authentication ceremony."""

    credential_id: bytes
    client_data_json: bytes
    authenticator_data: bytes
    signature: bytes
    user_handle: bytes | None

    def to_json(self) -> dict[str, Any]:
        """``AuthenticationResponseJSON`` (WebAuthn L3 section 5.1, ``toJSON()``)."""
        cid = b64url_encode(self.credential_id)
        response: dict[str, Any] = {
            "clientDataJSON": b64url_encode(self.client_data_json),
            "authenticatorData": b64url_encode(self.authenticator_data),
            "signature": b64url_encode(self.signature),
        }
        if self.user_handle is not None:
            response["userHandle"] = b64url_encode(self.user_handle)
        return {
            "id": cid,
            "rawId": cid,
            "type": "public-key",
            "response": response,
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        }


@dataclass(frozen=True)
class SoftwareAuthenticator:
    """A software authenticator: ``attestation`` is ``packed`` (self) or ``none``;
    ``user_verified`` is the UV flag it reports (the wallet verified its user)."""

    attestation: str = "packed"
    user_verified: bool = True
    aaguid: uuid.UUID = SOFTWARE_AUTHENTICATOR_AAGUID

    def __post_init__(self) -> None:
        if self.attestation not in ("packed", "none"):
            raise ConfigurationError(
                "authenticator_unsupported",
                f"Attestation {self.attestation!r} is not produced here; use packed or none.",
            )

    def make_credential(
        self, options: Mapping[str, Any], *, origin: str, rng: Rng | None = None
    ) -> tuple[SoftwareCredential, Attestation]:
        """Run ``navigator.credentials.create`` on ``options`` (``PublicKeyCredentialCreation
        OptionsJSON``) for ``origin``. ``rng`` is for test vectors only.

        Raises ``authenticator_options_invalid``, ``authenticator_origin_invalid``,
        ``authenticator_unsupported`` (no ES256 in ``pubKeyCredParams``, or UV required while
        this authenticator reports none).
        """
        if not isinstance(options, Mapping):
            raise _bad_options("The creation options must be a JSON object.")
        rp = options.get("rp")
        user = options.get("user")
        if not isinstance(rp, Mapping) or not isinstance(user, Mapping):
            raise _bad_options("The creation options need rp and user objects.")
        rp_id = _rp_id_for(origin, rp.get("id"))
        challenge = _challenge(options)
        try:
            user_handle = b64url_decode(user["id"])
        except (KeyError, ValueError, TypeError) as exc:
            raise _bad_options("user.id must be base64url.") from exc
        params = options.get("pubKeyCredParams") or []
        if not any(isinstance(p, Mapping) and p.get("alg") == ES256.ALGORITHM for p in params):
            raise ConfigurationError(
                "authenticator_unsupported",
                "The relying party does not accept ES256 keys, the only kind made here.",
            )
        selection = options.get("authenticatorSelection") or {}
        if selection.get("userVerification") == "required" and not self.user_verified:
            raise ConfigurationError(
                "authenticator_unsupported",
                "The relying party requires user verification, which this authenticator lacks.",
            )
        source = rng or os.urandom
        key = PrivateKey.generate(KeyType.P256, rng)
        credential_id = source(32)
        client_data = CollectedClientData.create(
            type=CollectedClientData.TYPE.CREATE, challenge=challenge, origin=origin
        )
        flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.AT
        if self.user_verified:
            flags |= AuthenticatorData.FLAG.UV
        auth_data = AuthenticatorData.create(
            hashlib.sha256(rp_id.encode()).digest(),
            flags,
            0,
            AttestedCredentialData.create(
                self.aaguid.bytes, credential_id, cose_from_public_key(key.public_key)
            ),
        )
        statement: dict[str, Any] = {}
        if self.attestation == "packed":
            signed = bytes(auth_data) + client_data.hash
            statement = {"alg": ES256.ALGORITHM, "sig": _der(key.sign(signed))}
        attestation_object = AttestationObject.create(self.attestation, auth_data, statement)
        credential = SoftwareCredential(
            rp_id=rp_id,
            credential_id=credential_id,
            private_key=key,
            user_handle=user_handle,
            aaguid=self.aaguid,
        )
        return credential, Attestation(credential_id, bytes(client_data), bytes(attestation_object))

    def get_assertion(
        self, credential: SoftwareCredential, options: Mapping[str, Any], *, origin: str
    ) -> tuple[SoftwareCredential, Assertion]:
        """Run ``navigator.credentials.get`` on ``options`` (``PublicKeyCredentialRequest
        OptionsJSON``) with ``credential``; returns the credential with its counter advanced.

        Raises ``authenticator_options_invalid``, ``authenticator_origin_invalid``,
        ``authenticator_credential_mismatch`` (another RP, or not in ``allowCredentials``).
        """
        if not isinstance(options, Mapping):
            raise _bad_options("The request options must be a JSON object.")
        rp_id = _rp_id_for(origin, options.get("rpId"))
        if rp_id != credential.rp_id:
            raise VerdictError(
                "authenticator_credential_mismatch",
                f"This credential belongs to {credential.rp_id!r}, not {rp_id!r}.",
            )
        allowed = options.get("allowCredentials") or []
        if allowed and not any(
            isinstance(a, Mapping) and a.get("id") == b64url_encode(credential.credential_id)
            for a in allowed
        ):
            raise VerdictError(
                "authenticator_credential_mismatch",
                "The relying party asks for other credentials than this one.",
            )
        challenge = _challenge(options)
        client_data = CollectedClientData.create(
            type=CollectedClientData.TYPE.GET, challenge=challenge, origin=origin
        )
        count = credential.sign_count + 1
        flags = AuthenticatorData.FLAG.UP
        if self.user_verified:
            flags |= AuthenticatorData.FLAG.UV
        auth_data = AuthenticatorData.create(hashlib.sha256(rp_id.encode()).digest(), flags, count)
        signature = _der(credential.private_key.sign(bytes(auth_data) + client_data.hash))
        return replace(credential, sign_count=count), Assertion(
            credential.credential_id,
            bytes(client_data),
            bytes(auth_data),
            signature,
            credential.user_handle,
        )
