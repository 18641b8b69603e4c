"""A real CTAP2 security key through fido2's client (``--authenticator usb``): registration
and an assertion verified by the relying-party code. Skipped when no key is attached."""

from __future__ import annotations

import secrets

import pytest

from passport.errors import CouldNotCheckError
from passport.fido.ctap import CtapAuthenticator, list_devices
from passport.fido.webauthn import (
    assertion_options,
    assertion_response_parts,
    registration_options,
    registration_response_parts,
    verify_assertion,
    verify_registration,
)

ORIGIN = "https://bank.example"


@pytest.mark.skipif(bool(list_devices()), reason="a security key is attached")
def test_no_device_is_a_clear_error() -> None:
    with pytest.raises(CouldNotCheckError) as err:
        CtapAuthenticator().register({"challenge": "x"}, origin=ORIGIN)
    assert err.value.code == "authenticator_not_found"


@pytest.mark.skipif(not list_devices(), reason="no FIDO security key attached")
def test_register_and_assert_with_a_real_key() -> None:  # pragma: no cover - needs hardware
    key = CtapAuthenticator()
    options, state = registration_options(
        rp_id="bank.example",
        rp_name="Bank",
        user_id=secrets.token_bytes(16),
        user_name="holder",
        user_display_name="Holder",
        challenge=secrets.token_bytes(32),
    )
    registration = key.register(options, origin=ORIGIN)
    client_data, attestation = registration_response_parts(registration)
    registered = verify_registration(
        state, client_data_json=client_data, attestation_object=attestation, origins=[ORIGIN]
    )
    request, astate = assertion_options(
        rp_id="bank.example",
        challenge=secrets.token_bytes(32),
        credential_ids=[registered.credential_id],
    )
    assertion = key.authenticate(request, origin=ORIGIN)
    cid, client_data_json, auth_data, signature, handle = assertion_response_parts(assertion)
    verified = verify_assertion(
        astate,
        registered,
        credential_id=cid,
        client_data_json=client_data_json,
        authenticator_data=auth_data,
        signature=signature,
        user_handle=handle,
        origins=[ORIGIN],
    )
    assert verified.sign_count >= 0
