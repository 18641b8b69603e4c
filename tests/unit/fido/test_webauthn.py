"""WebAuthn registration and assertion verification (Fido2Server), software authenticator."""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fido2 import cbor
from fido2.cose import ES256, ES384
from fido2.server import Fido2Server
from fido2.webauthn import (
    AttestationConveyancePreference,
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
    PublicKeyCredentialRpEntity,
)

from passport.errors import ConfigurationError, MalformedError, VerdictError
from passport.fido import (
    AssertionState,
    RegisteredAuthenticator,
    RegistrationState,
    SoftwareAuthenticator,
    SoftwareCredential,
    assertion_options,
    assertion_response_parts,
    assurance_level,
    cose_from_public_key,
    public_key_from_cose,
    registration_options,
    registration_response_parts,
    verify_assertion,
    verify_registration,
    webauthn,
)
from passport.keys import KeyType, PrivateKey, b64url_encode

RP = "bank.example"
ORIGIN = "https://bank.example"
ORIGINS = [ORIGIN]
CHALLENGE = bytes(range(32))


def _options(**kwargs: Any) -> tuple[dict[str, Any], RegistrationState]:
    args: dict[str, Any] = {
        "rp_id": RP,
        "rp_name": "Bank",
        "user_id": b"customer-17",
        "user_name": "chen.mei",
        "challenge": CHALLENGE,
    }
    args.update(kwargs)
    return registration_options(**args)


def _register(
    authenticator: SoftwareAuthenticator | None = None,
    *,
    state: RegistrationState | None = None,
    origin: str = ORIGIN,
    **verify_kwargs: Any,
) -> tuple[SoftwareCredential, RegisteredAuthenticator]:
    options, fresh = _options()
    credential, attestation = (authenticator or SoftwareAuthenticator()).make_credential(
        options, origin=origin
    )
    cdj, ao = registration_response_parts(attestation.to_json())
    registered = verify_registration(
        state or fresh,
        client_data_json=cdj,
        attestation_object=ao,
        origins=verify_kwargs.pop("origins", ORIGINS),
        **verify_kwargs,
    )
    return credential, registered


def _forge(
    *,
    flags: AuthenticatorData.FLAG = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.AT,
    fmt: str = "none",
    statement: dict[str, Any] | None = None,
    cose: Any = None,
    rp_id: str = RP,
    client_type: str = "webauthn.create",
    challenge: bytes = CHALLENGE,
    origin: str = ORIGIN,
    sign_with: PrivateKey | None = None,
) -> tuple[bytes, bytes]:
    """A hand-built registration response, for the cases an honest authenticator never makes."""
    key = PrivateKey.generate(KeyType.P256)
    client_data = CollectedClientData.create(type=client_type, challenge=challenge, origin=origin)
    auth_data = AuthenticatorData.create(
        hashlib.sha256(rp_id.encode()).digest(),
        flags,
        0,
        AttestedCredentialData.create(
            b"\x11" * 16,
            os.urandom(16),
            cose if cose is not None else cose_from_public_key(key.public_key),
        ),
    )
    if statement is None and fmt == "packed":
        from passport.fido.authenticator import _der

        signer = sign_with or key
        statement = {"alg": -7, "sig": _der(signer.sign(bytes(auth_data) + client_data.hash))}
    att = AttestationObject.create(fmt, auth_data, statement if statement is not None else {})
    return bytes(client_data), bytes(att)


def _verify_forged(**kwargs: Any) -> RegisteredAuthenticator:
    verify_kwargs = {
        k: kwargs.pop(k) for k in ("allowed_formats", "require_user_verification") if k in kwargs
    }
    _, state = _options()
    cdj, ao = _forge(**kwargs)
    return verify_registration(
        state, client_data_json=cdj, attestation_object=ao, origins=ORIGINS, **verify_kwargs
    )


# --- registration --------------------------------------------------------------------------


def test_registration_options_are_webauthn_json() -> None:
    options, state = _options(exclude_credential_ids=[b"old"], user_verification="required")
    assert options["rp"] == {"name": "Bank", "id": RP}
    assert options["user"] == {
        "name": "chen.mei",
        "id": b64url_encode(b"customer-17"),
        "displayName": "chen.mei",
    }
    assert options["challenge"] == b64url_encode(CHALLENGE)
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-7, -8]
    assert options["attestation"] == "direct"
    assert options["excludeCredentials"] == [{"type": "public-key", "id": b64url_encode(b"old")}]
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert RegistrationState.from_dict(state.to_dict()) == state


@pytest.mark.parametrize("kwargs", [{"challenge": b"short"}, {"user_verification": "always"}])
def test_bad_registration_options(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError) as exc:
        _options(**kwargs)
    assert exc.value.code == "fido_options_invalid"


@pytest.mark.parametrize(("fmt", "att_type"), [("packed", "self"), ("none", "none")])
def test_registration_with_software_authenticator(fmt: str, att_type: str) -> None:
    credential, reg = _register(SoftwareAuthenticator(attestation=fmt))
    assert reg.attestation_format == fmt and reg.attestation_type == att_type
    assert reg.credential_id == credential.credential_id
    assert reg.public_key == credential.private_key.public_key
    assert reg.public_key_jwk["crv"] == "P-256"
    assert reg.aaguid == str(credential.aaguid)
    assert reg.user_verified and reg.user_present and reg.sign_count == 0
    assert RegisteredAuthenticator.from_dict(reg.to_dict()) == reg


def test_registration_without_user_verification() -> None:
    _, reg = _register(SoftwareAuthenticator(user_verified=False))
    assert reg.user_verified is False
    assert assurance_level(reg) == "AAL1"
    assert assurance_level(_register()[1]) == "AAL2"


def test_packed_attestation_is_verified_by_fido2_itself() -> None:
    options, _ = _options()
    _, attestation = SoftwareAuthenticator().make_credential(options, origin=ORIGIN)
    att = AttestationObject(attestation.attestation_object)
    from fido2.attestation.base import AttestationType
    from fido2.attestation.packed import PackedAttestation

    client_hash = hashlib.sha256(attestation.client_data_json).digest()
    result = PackedAttestation().verify(att.att_stmt, att.auth_data, client_hash)
    assert result.attestation_type == AttestationType.SELF
    # and Fido2Server's own register_complete accepts it with its own origin/rpId rules
    server = Fido2Server(
        PublicKeyCredentialRpEntity(name="Bank", id=RP),
        attestation=AttestationConveyancePreference.DIRECT,
        verify_attestation=lambda a, h: None,
    )
    state = {"challenge": b64url_encode(CHALLENGE), "user_verification": None}
    auth_data = server.register_complete(state, attestation.to_json())
    assert auth_data.credential_data is not None


def test_authenticator_data_layout() -> None:
    options, _ = _options()
    credential, attestation = SoftwareAuthenticator().make_credential(options, origin=ORIGIN)
    decoded: dict[str, Any] = cbor.decode(attestation.attestation_object)  # type: ignore[assignment]
    assert list(decoded) == ["fmt", "attStmt", "authData"]  # CTAP2 canonical key order
    raw: bytes = decoded["authData"]
    assert raw[:32] == hashlib.sha256(RP.encode()).digest()
    assert raw[32] == 0x45  # UP | UV | AT
    assert raw[33:37] == b"\x00\x00\x00\x00"  # sign counter, big-endian
    assert raw[37:53] == credential.aaguid.bytes
    assert int.from_bytes(raw[53:55], "big") == len(credential.credential_id) == 32
    assert raw[55:87] == credential.credential_id
    assert cbor.decode(raw[87:]) == dict(cose_from_public_key(credential.private_key.public_key))


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"client_type": "webauthn.get"}, "fido_client_data_type_invalid"),
        ({"origin": "https://evil.example"}, "fido_origin_mismatch"),
        ({"challenge": b"\xff" * 32}, "fido_challenge_mismatch"),
        ({"rp_id": "evil.example"}, "fido_rp_id_mismatch"),
        ({"flags": AuthenticatorData.FLAG.AT}, "fido_user_not_present"),
        ({"require_user_verification": True}, "fido_user_not_verified"),
        ({"allowed_formats": {"packed"}}, "fido_attestation_format_unsupported"),
        ({"fmt": "tpm", "allowed_formats": {"tpm", "none"}}, "fido_attestation_format_unsupported"),
        (
            {"fmt": "fido-u2f", "statement": {"sig": b"", "x5c": []}},
            "fido_attestation_format_unsupported",
        ),
        ({"fmt": "none", "statement": {"sig": b"x"}}, "fido_attestation_invalid"),
        (
            {"fmt": "packed", "sign_with": PrivateKey.generate(KeyType.P256)},
            "fido_attestation_invalid",
        ),
        ({"fmt": "packed", "statement": {"alg": -8, "sig": b"x"}}, "fido_attestation_invalid"),
        ({"fmt": "packed", "statement": {"sig": b"x"}}, "fido_attestation_invalid"),
        (
            {"fmt": "packed", "statement": {"alg": -7, "sig": b"x", "ecdaaKeyId": b"k"}},
            "fido_attestation_invalid",
        ),
        (
            {
                "cose": ES384.from_cryptography_key(  # type: ignore[no-untyped-call]
                    ec.generate_private_key(ec.SECP384R1()).public_key()
                )
            },
            "fido_key_unsupported",
        ),
    ],
)
def test_registration_errors(kwargs: dict[str, Any], code: str) -> None:
    with pytest.raises(VerdictError) as exc:
        _verify_forged(**kwargs)
    assert exc.value.code == code


def test_user_verification_required_by_the_state() -> None:
    options, state = _options(user_verification="required")
    cdj, ao = _forge()
    with pytest.raises(VerdictError) as exc:
        verify_registration(state, client_data_json=cdj, attestation_object=ao, origins=ORIGINS)
    assert exc.value.code == "fido_user_not_verified"


def test_a_state_for_another_challenge_is_refused() -> None:
    other = replace(_options()[1], challenge=b"\x01" * 32)
    with pytest.raises(VerdictError) as exc:
        _register(state=other)
    assert exc.value.code == "fido_challenge_mismatch"


@pytest.mark.parametrize(
    ("cdj", "ao"),
    [
        (b"not json", None),
        (b'{"type": "webauthn.create"}', None),
        (None, b"\xff\x00"),
        (None, cbor.encode({"fmt": "none", "attStmt": {}})),
        (
            None,
            bytes(
                AttestationObject.create(
                    "none", AuthenticatorData.create(b"\0" * 32, AuthenticatorData.FLAG.UP, 0), {}
                )
            ),
        ),
    ],
)
def test_malformed_registration_responses(cdj: bytes | None, ao: bytes | None) -> None:
    good_cdj, good_ao = _forge()
    with pytest.raises(MalformedError) as exc:
        verify_registration(
            _options()[1],
            client_data_json=cdj or good_cdj,
            attestation_object=ao or good_ao,
            origins=ORIGINS,
        )
    assert exc.value.code == "fido_response_malformed"


@pytest.mark.parametrize(
    "call",
    [
        lambda: registration_response_parts({"id": "x"}),
        lambda: registration_response_parts({"id": "a", "rawId": "b", "response": {}}),
        lambda: assertion_response_parts({"rawId": "AA"}),
        lambda: assertion_response_parts(  # found by the fuzzer: an unhashable attachment
            {"rawId": "AA", "authenticatorAttachment": [], "response": {}}
        ),
        lambda: RegistrationState.from_dict({"rp_id": RP}),
        lambda: AssertionState.from_dict({"rp_id": RP, "challenge": "!!"}),
        lambda: RegisteredAuthenticator.from_dict({"rp_id": RP}),
    ],
)
def test_malformed_json_and_state(call: Any) -> None:
    with pytest.raises(MalformedError) as exc:
        call()
    assert exc.value.code == "fido_response_malformed"


def test_unexpected_server_failure_maps_to_registration_invalid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def boom(self: Any, state: Any, response: Any) -> Any:
        raise ValueError("something new in fido2")

    monkeypatch.setattr(Fido2Server, "register_complete", boom)
    with pytest.raises(VerdictError) as exc:
        _register()
    assert exc.value.code == "fido_registration_invalid"


def test_cose_keys() -> None:
    ed = PrivateKey.generate().public_key
    assert public_key_from_cose(cose_from_public_key(ed)) == ed
    p256 = PrivateKey.generate(KeyType.P256).public_key
    assert public_key_from_cose(cose_from_public_key(p256)) == p256
    assert isinstance(cose_from_public_key(p256), ES256)
    with pytest.raises(VerdictError) as exc:
        cose_from_public_key(PrivateKey.generate(KeyType.SECP256K1).public_key)
    assert exc.value.code == "fido_key_unsupported"
    bad_point = {1: 2, 3: -7, -1: 1, -2: b"\x01" * 32, -3: b"\x02" * 32}
    with pytest.raises(VerdictError) as exc:
        public_key_from_cose(bad_point)
    assert exc.value.code == "fido_key_unsupported"


# --- authentication ------------------------------------------------------------------------


def _assert(
    credential: SoftwareCredential,
    registered: RegisteredAuthenticator,
    *,
    authenticator: SoftwareAuthenticator | None = None,
    state: AssertionState | None = None,
    tamper: Any = None,
    **kwargs: Any,
) -> tuple[SoftwareCredential, Any]:
    options, fresh = assertion_options(
        rp_id=RP, challenge=os.urandom(32), credential_ids=[registered.credential_id]
    )
    next_credential, assertion = (authenticator or SoftwareAuthenticator()).get_assertion(
        credential, options, origin=kwargs.pop("origin", ORIGIN)
    )
    parts: list[Any] = list(assertion_response_parts(assertion.to_json()))
    if tamper:
        tamper(parts)
    result = verify_assertion(
        state or fresh,
        registered,
        credential_id=parts[0],
        client_data_json=parts[1],
        authenticator_data=parts[2],
        signature=parts[3],
        user_handle=parts[4],
        origins=kwargs.pop("origins", ORIGINS),
        **kwargs,
    )
    return next_credential, result


def test_assertion_round_trip_and_counter() -> None:
    credential, registered = _register()
    credential, first = _assert(credential, registered)
    assert first.sign_count == 1 and first.user_verified and first.user_handle == b"customer-17"
    registered = registered.with_sign_count(first.sign_count)
    credential, second = _assert(credential, registered)
    assert second.sign_count == 2


def test_assertion_options_json_and_state() -> None:
    options, state = assertion_options(
        rp_id=RP, challenge=CHALLENGE, credential_ids=[b"c1"], user_verification="required"
    )
    assert options["rpId"] == RP and options["challenge"] == b64url_encode(CHALLENGE)
    assert options["allowCredentials"] == [{"type": "public-key", "id": b64url_encode(b"c1")}]
    assert options["userVerification"] == "required"
    assert AssertionState.from_dict(state.to_dict()) == state
    with pytest.raises(ConfigurationError) as exc:
        assertion_options(rp_id=RP, challenge=b"x")
    assert exc.value.code == "fido_options_invalid"


def _other_origin_state(registered: RegisteredAuthenticator) -> AssertionState:
    return AssertionState(RP, os.urandom(32), "preferred", (registered.credential_id,))


def _set(index: int, value: Any) -> Any:
    def tamper(parts: list[Any]) -> None:
        parts[index] = value if not callable(value) else value(parts[index])

    return tamper


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ({"origins": ["https://other.example"]}, "fido_origin_mismatch"),
        (
            {"tamper": _set(3, lambda s: s[:-2] + bytes([s[-2] ^ 1, s[-1]]))},
            "fido_signature_invalid",
        ),
        ({"tamper": _set(0, b"another-credential")}, "fido_credential_unknown"),
        (
            {
                "tamper": _set(
                    1,
                    bytes(
                        CollectedClientData.create(
                            type="webauthn.create", challenge=b"\0" * 32, origin=ORIGIN
                        )
                    ),
                )
            },
            "fido_client_data_type_invalid",
        ),
        ({"fresh_challenge": True}, "fido_challenge_mismatch"),
        (
            {"tamper": _set(2, lambda a: hashlib.sha256(b"evil.example").digest() + a[32:])},
            "fido_rp_id_mismatch",
        ),
        (
            {"tamper": _set(2, lambda a: a[:32] + bytes([a[32] & ~1]) + a[33:])},
            "fido_user_not_present",
        ),
        (
            {
                "authenticator": SoftwareAuthenticator(user_verified=False),
                "require_user_verification": True,
            },
            "fido_user_not_verified",
        ),
    ],
)
def test_assertion_errors(case: dict[str, Any], code: str) -> None:
    credential, registered = _register()
    kwargs = dict(case)
    if kwargs.pop("fresh_challenge", False):
        kwargs["state"] = _other_origin_state(registered)
    with pytest.raises(VerdictError) as exc:
        _assert(credential, registered, **kwargs)
    assert exc.value.code == code


def test_assertion_for_a_credential_outside_the_allow_list() -> None:
    credential, registered = _register()
    state = AssertionState(RP, os.urandom(32), "preferred", (b"someone-else",))
    options, _ = assertion_options(rp_id=RP, challenge=state.challenge)
    _, assertion = SoftwareAuthenticator().get_assertion(credential, options, origin=ORIGIN)
    with pytest.raises(VerdictError) as exc:
        verify_assertion(
            state,
            registered,
            credential_id=assertion.credential_id,
            client_data_json=assertion.client_data_json,
            authenticator_data=assertion.authenticator_data,
            signature=assertion.signature,
            origins=ORIGINS,
        )
    assert exc.value.code == "fido_credential_unknown"


def test_replayed_or_cloned_counter_is_refused() -> None:
    credential, registered = _register()
    _, first = _assert(credential, registered)
    registered = registered.with_sign_count(first.sign_count)
    with pytest.raises(VerdictError) as exc:
        _assert(credential, registered)  # the old credential state: counter 1 again
    assert exc.value.code == "fido_sign_count_regressed"


def test_malformed_assertion_data() -> None:
    credential, registered = _register()
    with pytest.raises(MalformedError) as exc:
        _assert(credential, registered, tamper=_set(2, b"\x00" * 10))
    assert exc.value.code == "fido_response_malformed"


def test_unexpected_server_failure_maps_to_assertion_invalid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    credential, registered = _register()

    def boom(*args: Any) -> Any:
        raise ValueError("something new")

    # the section 7.2 checks raise ValueError with known messages; any other is the fallback
    monkeypatch.setattr(webauthn, "_check_assertion", boom)
    with pytest.raises(VerdictError) as exc:
        _assert(credential, registered)
    assert exc.value.code == "fido_assertion_invalid"
