"""The software authenticator: client-side checks, stored credential, error codes."""

from __future__ import annotations

import os
from typing import Any

import pytest

from passport.errors import ConfigurationError, MalformedError, VerdictError
from passport.fido import (
    SOFTWARE_AUTHENTICATOR_AAGUID,
    SoftwareAuthenticator,
    SoftwareCredential,
    assertion_options,
    registration_options,
)
from passport.keys import KeyType, b64url_encode

RP = "bank.example"
ORIGIN = "https://bank.example"


def _options(**changes: Any) -> dict[str, Any]:
    options, _ = registration_options(
        rp_id=RP, rp_name="Bank", user_id=b"u-1", user_name="lin", challenge=os.urandom(32)
    )
    options.update(changes)
    return options


def _rng() -> Any:
    counter = iter(range(10**6))
    return lambda n: bytes((next(counter) * 7 + 3) % 256 for _ in range(n))


def test_deterministic_with_an_rng_and_serialisable() -> None:
    options = _options(challenge=b64url_encode(b"c" * 32))
    a, att_a = SoftwareAuthenticator().make_credential(options, origin=ORIGIN, rng=_rng())
    b, att_b = SoftwareAuthenticator().make_credential(options, origin=ORIGIN, rng=_rng())
    assert a == b and a.credential_id == att_a.credential_id == att_b.credential_id
    assert a.private_key.type is KeyType.P256 and a.aaguid == SOFTWARE_AUTHENTICATOR_AAGUID
    assert a.user_handle == b"u-1" and a.rp_id == RP and a.sign_count == 0
    assert SoftwareCredential.from_dict(a.to_dict()) == a
    assert "secret" not in repr(a) and a.private_key.to_jwk()["d"] not in repr(a)
    body = att_a.to_json()
    assert body["id"] == body["rawId"] == b64url_encode(a.credential_id)
    assert body["type"] == "public-key"


def test_rp_id_may_be_a_parent_domain_and_localhost_may_be_http() -> None:
    options = _options(rp={"name": "Bank", "id": RP})
    cred, _ = SoftwareAuthenticator().make_credential(options, origin="https://login.bank.example")
    assert cred.rp_id == RP
    local = _options(rp={"name": "Bank", "id": "localhost"})
    cred, _ = SoftwareAuthenticator().make_credential(local, origin="http://localhost:8000")
    assert cred.rp_id == "localhost"
    no_id = _options(rp={"name": "Bank"})
    cred, _ = SoftwareAuthenticator().make_credential(no_id, origin=ORIGIN)
    assert cred.rp_id == RP


def test_assertion_advances_the_counter_without_mutating() -> None:
    cred, _ = SoftwareAuthenticator().make_credential(_options(), origin=ORIGIN)
    options, _ = assertion_options(rp_id=RP, challenge=os.urandom(32))
    nxt, assertion = SoftwareAuthenticator().get_assertion(cred, options, origin=ORIGIN)
    assert cred.sign_count == 0 and nxt.sign_count == 1
    assert int.from_bytes(assertion.authenticator_data[33:37], "big") == 1
    assert assertion.to_json()["response"]["userHandle"] == b64url_encode(b"u-1")


@pytest.mark.parametrize(
    "options",
    [
        "not an object",
        _options(rp=None),
        _options(user="lin"),
        _options(challenge=None),
        _options(challenge="!!!"),
        _options(challenge=b64url_encode(b"short")),
        _options(user={"id": "!!", "name": "x"}),
    ],
)
def test_bad_creation_options(options: Any) -> None:
    with pytest.raises(MalformedError) as exc:
        SoftwareAuthenticator().make_credential(options, origin=ORIGIN)
    assert exc.value.code == "authenticator_options_invalid"


@pytest.mark.parametrize(
    ("origin", "rp"),
    [
        ("http://bank.example", {"name": "B", "id": RP}),
        (ORIGIN, {"name": "B", "id": "other.example"}),
        ("https://notbank.example", {"name": "B", "id": RP}),
    ],
)
def test_origin_must_fit_the_rp_id(origin: str, rp: dict[str, str]) -> None:
    with pytest.raises(VerdictError) as exc:
        SoftwareAuthenticator().make_credential(_options(rp=rp), origin=origin)
    assert exc.value.code == "authenticator_origin_invalid"


@pytest.mark.parametrize(
    ("authenticator", "options"),
    [
        (SoftwareAuthenticator(), _options(pubKeyCredParams=[{"type": "public-key", "alg": -8}])),
        (
            SoftwareAuthenticator(user_verified=False),
            _options(authenticatorSelection={"userVerification": "required"}),
        ),
    ],
)
def test_unsupported_requests(authenticator: SoftwareAuthenticator, options: Any) -> None:
    with pytest.raises(ConfigurationError) as exc:
        authenticator.make_credential(options, origin=ORIGIN)
    assert exc.value.code == "authenticator_unsupported"


def test_unsupported_attestation_kind() -> None:
    with pytest.raises(ConfigurationError) as exc:
        SoftwareAuthenticator(attestation="tpm")
    assert exc.value.code == "authenticator_unsupported"


def test_assertion_for_another_rp_or_credential() -> None:
    cred, _ = SoftwareAuthenticator().make_credential(_options(), origin=ORIGIN)
    other_rp, _ = assertion_options(rp_id="other.example", challenge=os.urandom(32))
    with pytest.raises(VerdictError) as exc:
        SoftwareAuthenticator().get_assertion(cred, other_rp, origin="https://other.example")
    assert exc.value.code == "authenticator_credential_mismatch"
    not_allowed, _ = assertion_options(rp_id=RP, challenge=os.urandom(32), credential_ids=[b"x"])
    with pytest.raises(VerdictError) as exc:
        SoftwareAuthenticator().get_assertion(cred, not_allowed, origin=ORIGIN)
    assert exc.value.code == "authenticator_credential_mismatch"
    with pytest.raises(MalformedError) as mexc:
        SoftwareAuthenticator().get_assertion(cred, [], origin=ORIGIN)  # type: ignore[arg-type]
    assert mexc.value.code == "authenticator_options_invalid"
    with pytest.raises(MalformedError) as mexc:
        SoftwareCredential.from_dict({"rp_id": RP})
    assert mexc.value.code == "authenticator_options_invalid"
