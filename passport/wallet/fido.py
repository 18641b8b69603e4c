"""The holder's FIDO authenticators behind one interface, and the bank's enrollment ceremony.

``HolderAuthenticator`` is what the wallet needs from an authenticator: register for a
relying party (WebAuthn ``create``) and sign a challenge (``get``). ``SoftwareHolder`` keeps
its P-256 key and sign counter in the wallet's encrypted store (``AuthenticatorRecord.secret``);
``UsbHolder`` is a CTAP2 security key through ``passport.fido.ctap``.

``enroll`` runs the issuer service's ceremony (see ``issuer_service/routers/fido.py``): redeem
the offer at the token endpoint, ``POST {fido_registration_endpoint}/options`` with the access
token, create the credential at the issuer's origin, sign the same challenge with the holder's
DID key (``did-binding+jwt``, ``aud`` = the credential issuer), ``POST
{fido_registration_endpoint}`` and receive the FidoKeyBindingCredential.

Error codes: those of ``passport.exchange.wallet`` and ``passport.fido.authenticator``;
``fido_enrollment_unsupported`` (VerdictError: the issuer has no registration endpoint).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from passport.errors import MalformedError, VerdictError
from passport.exchange.wallet import AccessGrant, obtain_access, send_json
from passport.fido.authenticator import SoftwareAuthenticator, SoftwareCredential
from passport.fido.did_binding import create_did_binding_jwt
from passport.keys import b64url_decode
from passport.ports import Clock, SystemClock
from passport.wallet.model import AuthenticatorRecord

__all__ = [
    "EnrollmentResult",
    "HolderAuthenticator",
    "SoftwareHolder",
    "UsbHolder",
    "enroll",
    "origin_of",
]


class HolderAuthenticator(Protocol):
    kind: str

    def register(
        self, options: Mapping[str, Any], *, origin: str
    ) -> tuple[AuthenticatorRecord, dict[str, Any]]:
        """A new credential: its record for the store and ``RegistrationResponseJSON``."""
        ...

    def authenticate(
        self, record: AuthenticatorRecord, options: Mapping[str, Any], *, origin: str
    ) -> tuple[AuthenticatorRecord, dict[str, Any]]:
        """``AuthenticationResponseJSON``; the record with its counter advanced."""
        ...


@dataclass(frozen=True)
class SoftwareHolder:
    """The software authenticator (packed self attestation, UV: the passphrase unlocked it)."""

    authenticator: SoftwareAuthenticator = SoftwareAuthenticator()
    kind: str = "software"

    def register(
        self, options: Mapping[str, Any], *, origin: str
    ) -> tuple[AuthenticatorRecord, dict[str, Any]]:
        credential, attestation = self.authenticator.make_credential(options, origin=origin)
        record = AuthenticatorRecord(
            kind=self.kind,
            credential_id=attestation.to_json()["id"],
            rp_id=credential.rp_id,
            binding_credential_id=None,
            secret=credential.to_dict(),
        )
        return record, attestation.to_json()

    def authenticate(
        self, record: AuthenticatorRecord, options: Mapping[str, Any], *, origin: str
    ) -> tuple[AuthenticatorRecord, dict[str, Any]]:
        if record.secret is None:
            raise MalformedError(
                "authenticator_options_invalid", "This authenticator record holds no key."
            )
        credential = SoftwareCredential.from_dict(record.secret)
        advanced, assertion = self.authenticator.get_assertion(credential, options, origin=origin)
        return (
            AuthenticatorRecord(
                record.kind,
                record.credential_id,
                record.rp_id,
                record.binding_credential_id,
                advanced.to_dict(),
            ),
            assertion.to_json(),
        )


@dataclass(frozen=True)
class UsbHolder:
    """A CTAP2 security key: nothing secret is stored; the device counts its signatures."""

    device: Any = None
    kind: str = "usb"

    def _ctap(self) -> Any:
        from passport.fido.ctap import CtapAuthenticator

        return CtapAuthenticator(self.device)

    def register(
        self, options: Mapping[str, Any], *, origin: str
    ) -> tuple[AuthenticatorRecord, dict[str, Any]]:
        response = self._ctap().register(options, origin=origin)
        rp = options.get("rp")
        rp_id = rp.get("id") if isinstance(rp, Mapping) else None
        record = AuthenticatorRecord(
            kind=self.kind,
            credential_id=str(response["id"]),
            rp_id=str(rp_id or urlsplit(origin).hostname),
            binding_credential_id=None,
        )
        return record, response

    def authenticate(
        self, record: AuthenticatorRecord, options: Mapping[str, Any], *, origin: str
    ) -> tuple[AuthenticatorRecord, dict[str, Any]]:
        return record, self._ctap().authenticate(options, origin=origin)


def origin_of(url: str) -> str:
    """scheme://host[:port] of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class EnrollmentResult:
    record: AuthenticatorRecord
    credential: dict[str, Any]
    grant: AccessGrant


def enroll(
    offer: str,
    *,
    tx_code: str | None,
    http: httpx.Client,
    holder_key: Any,
    authenticator: HolderAuthenticator,
    clock: Clock | None = None,
    allow_http: bool = False,
) -> EnrollmentResult:
    """Run the bank's WebAuthn registration for ``offer`` (a FidoKeyBindingCredential offer)
    and return the authenticator record and the (unverified) credential the bank issued."""
    clock = clock or SystemClock()
    grant = obtain_access(offer, tx_code=tx_code, http=http, allow_http=allow_http)
    endpoint = grant.issuer_metadata.get("fido_registration_endpoint")
    if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
        raise VerdictError(
            "fido_enrollment_unsupported",
            "This issuer does not advertise a fido_registration_endpoint in its metadata.",
        )
    if endpoint.startswith("http://") and not allow_http:
        raise VerdictError("issuer_insecure", f"{endpoint} is not https; refusing to use it.")
    auth = {"Authorization": f"Bearer {grant.access_token}"}
    begun = send_json(
        http, "POST", endpoint + "/options", "FIDO registration options", headers=auth
    )
    options = begun.get("publicKey")
    ceremony = begun.get("ceremony_id")
    if not isinstance(options, Mapping) or not isinstance(ceremony, str):
        raise MalformedError(
            "issuer_response_malformed", "The registration options lack publicKey or ceremony_id."
        )
    record, registration = authenticator.register(
        options, origin=origin_of(grant.credential_issuer)
    )
    binding = create_did_binding_jwt(
        holder_key,
        challenge=b64url_decode(str(options["challenge"])),
        audience=grant.credential_issuer,
        iat=clock.now(),
        credential_id=b64url_decode(record.credential_id),
    )
    answer = send_json(
        http,
        "POST",
        endpoint,
        "FIDO registration",
        json={"ceremony_id": ceremony, "credential": registration, "did_binding": binding},
        headers=auth,
    )
    items = answer.get("credentials")
    first = items[0] if isinstance(items, list) and items else None
    credential = first.get("credential") if isinstance(first, Mapping) else None
    if not isinstance(credential, dict):
        raise MalformedError(
            "issuer_response_malformed", "The registration answer carries no credential."
        )
    return EnrollmentResult(record, credential, grant)
