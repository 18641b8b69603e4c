"""A real CTAP2 security key (USB HID) through Yubico's ``fido2`` client, behind the same two
calls as the software authenticator: register (``navigator.credentials.create``) and
authenticate (``navigator.credentials.get``), with WebAuthn JSON in and out.

The wallet keeps no secret for such a key: the private key never leaves the device, whose
own counter advances. The user touches the key (and gives its PIN when it asks for one).

Error codes: ``authenticator_not_found`` (CouldNotCheckError: no FIDO device is attached),
``authenticator_failed`` (CouldNotCheckError: the device refused or timed out).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from passport.errors import CouldNotCheckError

__all__ = ["CtapAuthenticator", "list_devices"]


def list_devices() -> list[Any]:
    """The attached CTAP HID devices (empty without any, or without HID access)."""
    try:
        from fido2.hid import CtapHidDevice

        return list(CtapHidDevice.list_devices())
    except (OSError, ImportError):
        return []


@dataclass(frozen=True)
class CtapAuthenticator:
    """The first attached security key (or ``device``); ``pin`` answers a PIN prompt."""

    device: Any = None
    pin: Callable[[], str] | None = None

    def _client(self, origin: str) -> Any:
        from fido2.client import DefaultClientDataCollector, Fido2Client, UserInteraction

        device = self.device
        if device is None:
            devices = list_devices()
            if not devices:
                raise CouldNotCheckError(
                    "authenticator_not_found",
                    "No FIDO security key is attached; plug one in (or use the software "
                    "authenticator: --authenticator software).",
                )
            device = devices[0]
        ask_pin = self.pin

        class _Interaction(UserInteraction):
            def request_pin(self, permissions: Any, rp_id: str | None) -> str | None:
                return ask_pin() if ask_pin is not None else None

        try:  # the client asks the device for its info (CTAP2 getInfo) right away
            return Fido2Client(
                device, DefaultClientDataCollector(origin), user_interaction=_Interaction()
            )
        except Exception as exc:  # fido2 raises CtapError, OSError for an unplugged key
            raise CouldNotCheckError(
                "authenticator_failed", f"The security key did not answer: {exc}"
            ) from None

    def register(self, options: Mapping[str, Any], *, origin: str) -> dict[str, Any]:
        """``RegistrationResponseJSON`` for ``PublicKeyCredentialCreationOptionsJSON``."""
        from fido2.webauthn import PublicKeyCredentialCreationOptions

        client = self._client(origin)
        try:
            response = client.make_credential(
                PublicKeyCredentialCreationOptions.from_dict(dict(options))
            )
        except Exception as exc:  # fido2 raises ClientError, CtapError, OSError
            raise CouldNotCheckError(
                "authenticator_failed", f"The security key did not register: {exc}"
            ) from None
        return dict(response)

    def authenticate(self, options: Mapping[str, Any], *, origin: str) -> dict[str, Any]:
        """``AuthenticationResponseJSON`` for ``PublicKeyCredentialRequestOptionsJSON``."""
        from fido2.webauthn import PublicKeyCredentialRequestOptions

        client = self._client(origin)
        try:
            selection = client.get_assertion(
                PublicKeyCredentialRequestOptions.from_dict(dict(options))
            )
            response = selection.get_response(0)
        except Exception as exc:  # fido2 raises ClientError, CtapError, OSError
            raise CouldNotCheckError(
                "authenticator_failed", f"The security key did not sign: {exc}"
            ) from None
        return dict(response)
