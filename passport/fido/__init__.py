"""FIDO2 / WebAuthn: relying-party ceremonies on Yubico ``fido2``, a software authenticator,
and the DID binding that ties an enrolled authenticator to the holder's DID."""

from passport.fido.authenticator import (
    SOFTWARE_AUTHENTICATOR_AAGUID,
    Assertion,
    Attestation,
    SoftwareAuthenticator,
    SoftwareCredential,
)
from passport.fido.did_binding import (
    DID_BINDING_TYP,
    DidBinding,
    create_did_binding_jwt,
    verify_did_binding,
)
from passport.fido.webauthn import (
    ALLOWED_ATTESTATION_FORMATS,
    AssertionState,
    RegisteredAuthenticator,
    RegistrationState,
    VerifiedAssertion,
    assertion_options,
    assertion_response_parts,
    assurance_level,
    cose_from_public_key,
    public_key_from_cose,
    registration_options,
    registration_response_parts,
    verify_assertion,
    verify_registration,
)

__all__ = [
    "ALLOWED_ATTESTATION_FORMATS",
    "DID_BINDING_TYP",
    "SOFTWARE_AUTHENTICATOR_AAGUID",
    "Assertion",
    "AssertionState",
    "Attestation",
    "DidBinding",
    "RegisteredAuthenticator",
    "RegistrationState",
    "SoftwareAuthenticator",
    "SoftwareCredential",
    "VerifiedAssertion",
    "assertion_options",
    "assertion_response_parts",
    "assurance_level",
    "cose_from_public_key",
    "create_did_binding_jwt",
    "public_key_from_cose",
    "registration_options",
    "registration_response_parts",
    "verify_assertion",
    "verify_did_binding",
    "verify_registration",
]
