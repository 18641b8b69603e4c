"""passport.keys: JWK / Multikey round trips, signatures, RFC 8037 vectors, malformed input."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from passport.errors import ConfigurationError, MalformedError
from passport.keys import (
    KeyType,
    PrivateKey,
    PublicKey,
    b64url_decode,
    b64url_encode,
    multibase_b58_decode,
    multibase_b58_encode,
)

ALL_TYPES = list(KeyType)

# RFC 8037 Appendix A.1 (Ed25519 private key) and A.2 (its public key)
RFC8037_JWK = {
    "kty": "OKP",
    "crv": "Ed25519",
    "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
}
# RFC 8037 Appendix A.3 (JWK thumbprint canonicalization of A.2)
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
# RFC 8037 Appendix A.4 (Ed25519 signing)
RFC8037_PROTECTED = "eyJhbGciOiJFZERTQSJ9"
RFC8037_PAYLOAD = "RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
RFC8037_SIGNATURE = (
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)


def _code(exc: pytest.ExceptionInfo[Any]) -> str:
    return str(exc.value.code)


# --- RFC 8037 -------------------------------------------------------------------------


def test_rfc8037_a4_signature_is_reproduced() -> None:
    key = PrivateKey.from_jwk(RFC8037_JWK)
    assert b64url_decode(RFC8037_PAYLOAD) == b"Example of Ed25519 signing"
    assert b64url_decode(RFC8037_PROTECTED) == b'{"alg":"EdDSA"}'
    assert key.jws_alg == "EdDSA"
    signing_input = f"{RFC8037_PROTECTED}.{RFC8037_PAYLOAD}".encode()
    signature = key.sign(signing_input)
    assert b64url_encode(signature) == RFC8037_SIGNATURE  # Ed25519 is deterministic
    assert key.public_key.verify(signature, signing_input)


def test_rfc8037_a5_verification_and_public_key() -> None:
    public = PublicKey.from_jwk({k: v for k, v in RFC8037_JWK.items() if k != "d"})
    assert public == PrivateKey.from_jwk(RFC8037_JWK).public_key
    signing_input = f"{RFC8037_PROTECTED}.{RFC8037_PAYLOAD}".encode()
    assert public.verify(b64url_decode(RFC8037_SIGNATURE), signing_input)
    assert not public.verify(b64url_decode(RFC8037_SIGNATURE), signing_input + b".")


def test_rfc8037_a3_thumbprint() -> None:
    assert PublicKey.from_jwk(RFC8037_JWK).thumbprint() == RFC8037_THUMBPRINT


def test_private_jwk_round_trip_keeps_rfc8037_members() -> None:
    assert PrivateKey.from_jwk(RFC8037_JWK).to_jwk() == RFC8037_JWK


# --- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ALL_TYPES)
def test_jwk_round_trips(key_type: KeyType) -> None:
    private = PrivateKey.generate(key_type)
    public = private.public_key
    jwk = public.to_jwk()
    assert "d" not in jwk
    assert PublicKey.from_jwk(jwk) == public
    assert PublicKey.from_jwk(private.to_jwk()) == public  # private members ignored
    assert PrivateKey.from_jwk(private.to_jwk()) == private
    expected = {"ed25519": "OKP", "p256": "EC", "secp256k1": "EC"}[key_type.value]
    assert jwk["kty"] == expected


@pytest.mark.parametrize(
    ("key_type", "prefix"),
    [(KeyType.ED25519, "z6Mk"), (KeyType.P256, "zDn"), (KeyType.SECP256K1, "zQ3s")],
)
def test_multikey_round_trips(key_type: KeyType, prefix: str) -> None:
    private = PrivateKey.generate(key_type)
    multikey = private.public_key.to_multikey()
    assert multikey.startswith(prefix)
    assert PublicKey.from_multikey(multikey) == private.public_key
    assert PrivateKey.from_multikey(private.to_multikey()) == private


@pytest.mark.parametrize("key_type", ALL_TYPES)
def test_thumbprint_is_stable_and_distinct(key_type: KeyType) -> None:
    a, b = PrivateKey.generate(key_type).public_key, PrivateKey.generate(key_type).public_key
    assert a.thumbprint() == PublicKey.from_jwk(a.to_jwk()).thumbprint()
    assert a.thumbprint() != b.thumbprint()
    assert len(b64url_decode(a.thumbprint())) == 32


def test_deterministic_generation_with_rng() -> None:
    def rng(n: int) -> bytes:
        return b"\x07" * n

    for key_type in ALL_TYPES:
        assert PrivateKey.generate(key_type, rng) == PrivateKey.generate(key_type, rng)


def test_generation_rejection_samples_out_of_range_scalars() -> None:
    draws = iter([b"\xff" * 32, b"\x00" * 32, b"\x01" * 32])  # >= n, zero, then valid

    def rng(n: int) -> bytes:
        return next(draws)

    key = PrivateKey.generate(KeyType.P256, rng)
    assert key.secret == b"\x01" * 32


# --- signatures ---------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ALL_TYPES)
def test_sign_and_verify(key_type: KeyType) -> None:
    private = PrivateKey.generate(key_type)
    public = private.public_key
    message = b"balance >= 10000 TWD"
    signature = private.sign(message)
    assert len(signature) == 64
    assert public.verify(signature, message)
    assert not public.verify(signature, message + b"!")
    tampered = bytes([signature[0] ^ 1]) + signature[1:]
    assert not public.verify(tampered, message)
    assert not public.verify(signature[:63], message)
    assert not public.verify(b"\x00" * 64, message)
    other = PrivateKey.generate(key_type).public_key
    assert not other.verify(signature, message)
    assert (
        private.jws_alg
        == public.jws_alg
        == {
            KeyType.ED25519: "EdDSA",
            KeyType.P256: "ES256",
            KeyType.SECP256K1: "ES256K",
        }[key_type]
    )


def test_ecdsa_signatures_do_not_cross_curves() -> None:
    p256 = PrivateKey(KeyType.P256, b"\x01" * 32)
    k1 = PrivateKey(KeyType.SECP256K1, b"\x01" * 32)
    signature = p256.sign(b"m")
    assert p256.public_key.verify(signature, b"m")
    assert not k1.public_key.verify(signature, b"m")


# --- malformed input ----------------------------------------------------------------------

_GOOD_EC = PrivateKey.generate(KeyType.P256).public_key.to_jwk()


@pytest.mark.parametrize(
    "jwk",
    [
        "not a mapping",
        {},
        {"kty": "OKP"},
        {"kty": "OKP", "crv": "Ed25519"},
        {"kty": "OKP", "crv": "Ed25519", "x": 7},
        {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"},
        {"kty": "OKP", "crv": "Ed25519", "x": RFC8037_JWK["x"] + "!!!!"},
        {"kty": "OKP", "crv": "Ed25519", "x": RFC8037_JWK["x"] + "="},
        {"kty": "OKP", "crv": "X25519", "x": RFC8037_JWK["x"]},
        {"kty": "EC", "crv": "P-384", "x": _GOOD_EC["x"], "y": _GOOD_EC["y"]},
        {"kty": "EC", "crv": "P-256", "x": _GOOD_EC["x"]},
        {"kty": "EC", "crv": "P-256", "x": _GOOD_EC["x"], "y": _GOOD_EC["x"]},  # off the curve
        {"kty": "EC", "crv": "P-256", "x": _GOOD_EC["x"][:-2], "y": _GOOD_EC["y"]},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
    ],
)
def test_malformed_public_jwk(jwk: Any) -> None:
    with pytest.raises(MalformedError) as err:
        PublicKey.from_jwk(jwk)
    assert _code(err) == "key_malformed"


def test_private_jwk_errors() -> None:
    public_only = {k: v for k, v in RFC8037_JWK.items() if k != "d"}
    with pytest.raises(MalformedError) as err:
        PrivateKey.from_jwk(public_only)
    assert _code(err) == "key_malformed"
    with pytest.raises(MalformedError) as err:
        PrivateKey.from_jwk({**RFC8037_JWK, "d": "not base64url!"})
    assert _code(err) == "key_malformed"
    with pytest.raises(MalformedError) as err:
        PrivateKey.from_jwk({**RFC8037_JWK, "d": b64url_encode(b"\x01" * 16)})
    assert _code(err) == "key_malformed"


@pytest.mark.parametrize("key_type", ALL_TYPES)
def test_private_jwk_with_mismatched_public_part(key_type: KeyType) -> None:
    a, b = PrivateKey.generate(key_type), PrivateKey.generate(key_type)
    mixed = {**a.public_key.to_jwk(), "d": b.to_jwk()["d"]}
    with pytest.raises(MalformedError) as err:
        PrivateKey.from_jwk(mixed)
    assert _code(err) == "key_malformed"
    assert "does not match" in err.value.message


def test_out_of_range_ec_private_keys() -> None:
    for secret in (b"\x00" * 32, b"\xff" * 32):
        with pytest.raises(MalformedError) as err:
            PrivateKey(KeyType.SECP256K1, secret)
        assert _code(err) == "key_malformed"
    with pytest.raises(MalformedError):
        PrivateKey(KeyType.ED25519, b"\x01" * 31)


@pytest.mark.parametrize(
    ("key_type", "raw"),
    [
        (KeyType.ED25519, b"\x01" * 31),
        (KeyType.P256, b"\x02" + b"\x01" * 31),
        (KeyType.P256, b"\x02" + b"\xff" * 32),  # x >= p
        (KeyType.SECP256K1, b"\x04" + b"\x01" * 32),
    ],
)
def test_malformed_raw_public_keys(key_type: KeyType, raw: bytes) -> None:
    with pytest.raises(MalformedError) as err:
        PublicKey(key_type, raw)
    assert _code(err) == "key_malformed"


@pytest.mark.parametrize(
    "text",
    ["", "6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "z", "z0OIl", 7],
)
def test_malformed_multikey(text: Any) -> None:
    with pytest.raises(MalformedError) as err:
        PublicKey.from_multikey(text)
    assert _code(err) == "key_malformed"


def test_multikey_with_unknown_codec_or_private_codec() -> None:
    private = PrivateKey.generate()
    with pytest.raises(MalformedError) as err:
        PublicKey.from_multikey(private.to_multikey())  # a private key is not a public one
    assert _code(err) == "key_malformed"
    with pytest.raises(MalformedError) as err:
        PrivateKey.from_multikey(private.public_key.to_multikey())
    assert _code(err) == "key_malformed"
    with pytest.raises(MalformedError) as err:
        PrivateKey.from_multikey("not multibase")
    assert _code(err) == "key_malformed"


def test_eth_address_only_for_secp256k1() -> None:
    # A well-known test key (private key 0x...01) and its address.
    key = PrivateKey(KeyType.SECP256K1, (1).to_bytes(32, "big"))
    assert key.eth_address() == "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
    with pytest.raises(ConfigurationError) as err:
        PrivateKey.generate().eth_address()
    assert _code(err) == "unsupported_key_type"


# --- secrets do not leak ------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ALL_TYPES)
def test_repr_does_not_leak_the_secret(key_type: KeyType) -> None:
    private = PrivateKey.generate(key_type)
    text = repr(private) + str(private)
    forms = [
        private.secret.hex(),
        b64url_encode(private.secret),
        base64.b64encode(private.secret).decode(),
        repr(private.secret),
    ]
    for form in forms:
        assert form not in text
    assert key_type.value in text  # still says what it is


# --- encoding helpers ---------------------------------------------------------------------


def test_b64url_is_strict() -> None:
    assert b64url_decode(b64url_encode(b"\xfb\xff")) == b"\xfb\xff"
    assert b64url_encode(b"\xfb\xff") == "-_8"
    assert b64url_decode("") == b""
    for bad in ("-_8=", "+/8", "YR", "a", "YQ\n", "Y Q", 5):
        with pytest.raises(ValueError):
            b64url_decode(bad)  # type: ignore[arg-type]


def test_multibase_b58_round_trip_and_errors() -> None:
    assert multibase_b58_decode(multibase_b58_encode(b"\x00\x01")) == b"\x00\x01"
    for bad in ("", "z", "f00", "z0"):
        with pytest.raises(ValueError):
            multibase_b58_decode(bad)
