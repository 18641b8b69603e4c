"""The FIDO binding of a presentation (docs/fido-presentation.md), built and checked end to end:
a registration with the bank, its FidoKeyBindingCredential, the holder's presentation with a
WebAuthn assertion over the request's nonce and client_id, and the verifier's checks."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from passport import securing
from passport.credentials import credential_status_entry
from passport.credentials.model import build_fido_key_binding_credential
from passport.di import eddsa
from passport.did import default_resolver
from passport.did.key import did_key_from_public_key
from passport.errors import MalformedError, VerdictError
from passport.fido import (
    SoftwareAuthenticator,
    SoftwareCredential,
    assurance_level,
    registration_options,
    registration_response_parts,
    verify_registration,
)
from passport.fido.presentation import (
    build_fido_presentation,
    fido_assertion_of,
    presentation_challenge,
    presentation_origin,
    verify_presentation_assertion,
)
from passport.keys import KeyType, PrivateKey, b64url_decode, b64url_encode

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
RP = "bank.example"
NONCE = "n-0S6_WzA2Mj"
CLIENT_ID = "decentralized_identifier:did:key:z6MkverifierExample"


def _enrolled(
    authenticator: SoftwareAuthenticator,
) -> tuple[PrivateKey, str, SoftwareCredential, dict[str, Any]]:
    bank = PrivateKey.generate(KeyType.ED25519)
    holder_key = PrivateKey.generate(KeyType.ED25519)
    holder = did_key_from_public_key(holder_key.public_key)
    options, state = registration_options(
        rp_id=RP, rp_name="Bank", user_id=b"customer-17", user_name="chen", challenge=bytes(32)
    )
    software, attestation = authenticator.make_credential(options, origin="https://bank.example")
    cdj, ao = registration_response_parts(attestation.to_json())
    registered = verify_registration(
        state, client_data_json=cdj, attestation_object=ao, origins=["https://bank.example"]
    )
    unsigned = build_fido_key_binding_credential(
        issuer=did_key_from_public_key(bank.public_key),
        holder=holder,
        authenticator_credential_id=registered.credential_id,
        public_key_jwk=registered.public_key_jwk,
        aaguid=registered.aaguid,
        rp_id=RP,
        user_verified=registered.user_verified,
        assurance_level=assurance_level(registered),
        status=credential_status_entry("https://bank.example/status/1", 7),
        valid_from=NOW - timedelta(days=1),
        valid_until=NOW + timedelta(days=365),
    )
    signed = securing.issue(
        unsigned, bank, securing.IssueFormat.DI_RDFC, resolver=default_resolver(), now=NOW
    )
    assert isinstance(signed, dict)
    return holder_key, holder, software, signed


def _present(
    authenticator: SoftwareAuthenticator | None = None,
    *,
    nonce: str = NONCE,
    client_id: str = CLIENT_ID,
) -> tuple[SoftwareCredential, dict[str, Any], dict[str, Any]]:
    auth = authenticator or SoftwareAuthenticator()
    holder_key, holder, software, credential = _enrolled(auth)
    vm = f"{holder}#{holder.removeprefix('did:key:')}"
    updated, vp = build_fido_presentation(
        credential, auth, software, holder_key, vm, holder=holder, nonce=nonce, client_id=client_id
    )
    return updated, vp, credential["credentialSubject"]


def test_the_challenge_is_domain_separated_sha256() -> None:
    expected = hashlib.sha256(
        b"dfp-fido-binding-v1\x00" + NONCE.encode() + b"\x00" + CLIENT_ID.encode()
    )
    assert presentation_challenge(NONCE, CLIENT_ID) == expected.digest()
    assert presentation_challenge(NONCE, CLIENT_ID) != presentation_challenge(
        NONCE, CLIENT_ID + "x"
    )
    with pytest.raises(MalformedError):
        presentation_challenge("", CLIENT_ID)


def test_a_presentation_verifies_and_binds_the_request() -> None:
    updated, vp, subject = _present()
    assert updated.sign_count == 1
    # The holder's proof covers the assertion (fidoAssertion is a JSON literal in our context).
    verified = eddsa.verify_presentation(
        vp, default_resolver(), challenge=NONCE, domain=CLIENT_ID, now=NOW, deep=True
    )
    assert verified.holder == vp["holder"]
    assertion = fido_assertion_of(vp)
    client_data = json.loads(b64url_decode(assertion["response"]["clientDataJSON"]))
    assert client_data["type"] == "webauthn.get"
    assert client_data["origin"] == presentation_origin(RP) == "https://bank.example"
    assert b64url_decode(client_data["challenge"]) == presentation_challenge(NONCE, CLIENT_ID)
    result = verify_presentation_assertion(
        subject,
        assertion,
        nonce=NONCE,
        client_id=CLIENT_ID,
        last_sign_count=0,
        require_user_verification=True,
    )
    assert result.sign_count == 1 and result.user_verified


def test_editing_the_assertion_breaks_the_holder_proof() -> None:
    _, vp, _ = _present()
    vp["fidoAssertion"]["response"]["signature"] = b64url_encode(b"\x30" * 70)
    with pytest.raises(VerdictError) as err:
        eddsa.verify_presentation(
            vp, default_resolver(), challenge=NONCE, domain=CLIENT_ID, now=NOW
        )
    assert err.value.code == "signature_invalid"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"nonce": "another-nonce"}, "fido_challenge_mismatch"),
        ({"client_id": "redirect_uri:https://elsewhere.example"}, "fido_challenge_mismatch"),
        ({"last_sign_count": 1}, "fido_sign_count_regressed"),
        ({"last_sign_count": 5}, "fido_sign_count_regressed"),
    ],
)
def test_the_verifier_refuses(kwargs: dict[str, Any], code: str) -> None:
    _, vp, subject = _present()
    args: dict[str, Any] = {
        "nonce": NONCE,
        "client_id": CLIENT_ID,
        "last_sign_count": 0,
        "require_user_verification": False,
    }
    args.update(kwargs)
    with pytest.raises(VerdictError) as err:
        verify_presentation_assertion(subject, fido_assertion_of(vp), **args)
    assert err.value.code == code


def test_an_assertion_from_another_authenticator_is_refused() -> None:
    _, vp, _ = _present()
    _, _, other_subject = _present()
    with pytest.raises(VerdictError) as err:
        verify_presentation_assertion(
            other_subject,
            fido_assertion_of(vp),
            nonce=NONCE,
            client_id=CLIENT_ID,
            last_sign_count=0,
            require_user_verification=False,
        )
    assert err.value.code == "fido_credential_unknown"


def test_user_verification_is_enforced_when_asked() -> None:
    _, vp, subject = _present(SoftwareAuthenticator(user_verified=False))
    with pytest.raises(VerdictError) as err:
        verify_presentation_assertion(
            subject,
            fido_assertion_of(vp),
            nonce=NONCE,
            client_id=CLIENT_ID,
            last_sign_count=0,
            require_user_verification=True,
        )
    assert err.value.code == "fido_user_not_verified"


def test_a_presentation_without_an_assertion_is_malformed() -> None:
    with pytest.raises(MalformedError) as err:
        fido_assertion_of({"type": ["VerifiablePresentation"]})
    assert err.value.code == "fido_response_malformed"


@pytest.mark.parametrize("suite", ["eddsa-jcs-2022", "eddsa-rdfc-2022"])
def test_the_holder_proof_in_either_cryptosuite_verifies_and_covers_the_assertion(
    suite: str,
) -> None:
    from passport.fido.presentation import request_options, sign_fido_presentation

    auth = SoftwareAuthenticator()
    holder_key, holder, software, credential = _enrolled(auth)
    subject = credential["credentialSubject"]
    options = request_options(
        RP, subject["authenticatorCredentialId"], NONCE, CLIENT_ID, user_verification="required"
    )
    _, assertion = auth.get_assertion(software, options, origin=presentation_origin(RP))
    vm = f"{holder}#{holder.removeprefix('did:key:')}"
    vp = sign_fido_presentation(
        credential,
        assertion,
        holder_key,
        vm,
        holder=holder,
        nonce=NONCE,
        client_id=CLIENT_ID,
        cryptosuite=suite,
    )
    assert vp["proof"]["cryptosuite"] == suite
    verified = eddsa.verify_presentation(
        vp, default_resolver(), challenge=NONCE, domain=CLIENT_ID, now=NOW, deep=True
    )
    assert verified.holder == holder
    vp["fidoAssertion"]["response"]["signature"] = b64url_encode(b"\x30" * 70)
    with pytest.raises(VerdictError) as err:
        eddsa.verify_presentation(
            vp, default_resolver(), challenge=NONCE, domain=CLIENT_ID, now=NOW
        )
    assert err.value.code == "signature_invalid"


def test_the_wallet_signs_with_jcs_unless_the_verifier_takes_only_rdfc() -> None:
    _, vp, _ = _present()
    assert vp["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    from passport.wallet.presentation import fido_cryptosuite

    def meta(values: Any) -> dict[str, Any]:
        return {"vp_formats_supported": {"ldp_vc": {"cryptosuite_values": values}}}

    assert fido_cryptosuite({}) == "eddsa-jcs-2022"
    assert fido_cryptosuite(meta(["eddsa-rdfc-2022", "eddsa-jcs-2022"])) == "eddsa-jcs-2022"
    assert fido_cryptosuite(meta(["eddsa-rdfc-2022"])) == "eddsa-rdfc-2022"
    assert fido_cryptosuite(meta(["eddsa-jcs-2022"])) == "eddsa-jcs-2022"
