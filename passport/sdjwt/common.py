"""Shared pieces of SD-JWT (RFC 9901): the compact format, Disclosures, digests and the JWS layer.

The JWS layer is joserfc with a registry of its own (``_SdJwtRegistry``) that holds exactly the
algorithms this project accepts: ``EdDSA`` (Ed25519, backed by pynacl, which verifies in about
half the time of ``cryptography``), ``ES256`` and ``ES256K`` (joserfc's own models). ``none`` is
not in the registry, so it can never be accepted (RFC 9901 section 7.1 step 2.1, section 7.3 step
5.2). Registering into a subclass keeps joserfc's process-wide default registry untouched.
Verification (on every presentation) keeps joserfc's header rules but checks the signature
itself with ``PublicKey.verify`` (pynacl, or ``cryptography`` for the EC algorithms), after
checking that ``alg`` is accepted and is the key's algorithm.

Error codes raised here: ``sd_jwt_malformed``, ``jwt_malformed``, ``disclosure_malformed``
(MalformedError); ``signature_invalid``, ``sd_alg_unsupported`` (VerdictError);
``naive_datetime`` (ConfigurationError).
"""

from __future__ import annotations

import binascii
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, ClassVar, NamedTuple

import nacl.bindings
import nacl.exceptions
import nacl.signing
from joserfc import jws
from joserfc.errors import (
    DecodeError,
    ExceededSizeError,
    InvalidKeyTypeError,
    JoseError,
)
from joserfc.jwa import JWSAlgModel
from joserfc.jwk import ECKey, Key, OKPKey
from joserfc.jws import JWSRegistry
from joserfc.util import urlsafe_b64decode

from passport import jsonsafe
from passport.errors import ConfigurationError, MalformedError, VerdictError
from passport.keys import KeyType, PrivateKey, PublicKey, b64url_encode

__all__ = [
    "ALWAYS_DISCLOSED",
    "DEFAULT_SD_ALG",
    "KB_TYP",
    "SUPPORTED_JWS_ALGS",
    "SUPPORTED_SD_ALGS",
    "VC_SD_JWT_TYP",
    "Disclosure",
    "ParsedJws",
    "SdJwtParts",
    "Path",
    "decode_disclosure",
    "digest",
    "encode_disclosure",
    "format_path",
    "hash_function",
    "parse_jws",
    "parse_path",
    "public_key_from_jwk",
    "sign_jws",
    "split_sd_jwt",
    "to_epoch",
    "verify_jws_signature",
]

#: ``typ`` of a W3C VC 2.0 credential secured with SD-JWT (W3C VC-JOSE-COSE, section 3.2).
VC_SD_JWT_TYP = "vc+sd-jwt"
#: ``typ`` of a Key Binding JWT (RFC 9901 section 4.3).
KB_TYP = "kb+jwt"
#: The hash algorithm every implementation supports (RFC 9901 section 4.1.1).
DEFAULT_SD_ALG = "sha-256"
#: ``_sd_alg`` values accepted: names from the IANA "Named Information Hash Algorithm" registry.
SUPPORTED_SD_ALGS: Mapping[str, Callable[[bytes], Any]] = {
    "sha-256": hashlib.sha256,
    "sha-384": hashlib.sha384,
    "sha-512": hashlib.sha512,
}
SUPPORTED_JWS_ALGS = ("EdDSA", "ES256", "ES256K")

#: Top-level claims that are never selectively disclosable: JWT validity/binding claims (RFC
#: 9901 section 9.7) and the VC properties needed to validate a credential (VC-JOSE-COSE 3.2).
ALWAYS_DISCLOSED = frozenset(
    {
        "iss", "iat", "nbf", "exp", "cnf", "sub", "jti", "_sd_alg", "status",
        "@context", "type", "issuer", "validFrom", "validUntil",
        "credentialStatus", "credentialSchema",
    }
)  # fmt: skip

Path = tuple[str | int, ...]


# --- paths ---------------------------------------------------------------------------------


def format_path(path: Path) -> str:
    """``("credentialSubject", "nationalities", 0)`` -> ``"credentialSubject/nationalities/0"``."""
    return "/".join(str(p) for p in path)


def parse_path(text: str) -> tuple[str, ...]:
    """Split a slash-separated claim path; ``""`` is the payload itself."""
    return tuple(text.split("/")) if text else ()


def path_matches(pattern: tuple[str, ...], path: Path) -> bool:
    """True when ``path`` matches ``pattern`` segment by segment (``*`` matches one segment)."""
    if len(pattern) != len(path):
        return False
    return all(p == "*" or p == str(q) for p, q in zip(pattern, path, strict=True))


# --- time ----------------------------------------------------------------------------------


def to_epoch(now: datetime | int | float) -> int:
    """Seconds since the epoch. Raises ConfigurationError ``naive_datetime`` for a ``datetime``
    without a time zone (its meaning would depend on the machine's local time)."""
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise ConfigurationError(
                "naive_datetime", "Pass a timezone-aware datetime, e.g. datetime.now(UTC)."
            )
        return int(now.timestamp())
    return int(now)


# --- the compact format --------------------------------------------------------------------


@dataclass(frozen=True)
class SdJwtParts:
    """An SD-JWT or SD-JWT+KB split at its '~' separators (RFC 9901 section 4)."""

    issuer_jwt: str
    disclosures: tuple[str, ...]
    kb_jwt: str | None

    @property
    def sd_jwt(self) -> str:
        """``<Issuer-signed JWT>~<Disclosure 1>~...~<Disclosure N>~``: the sd_hash input."""
        return "".join([self.issuer_jwt, "~", *(d + "~" for d in self.disclosures)])


def split_sd_jwt(text: str) -> SdJwtParts:
    """Separate an SD-JWT into its parts (RFC 9901 section 7.1 step 1, section 7.3 step 3).

    Raises ``sd_jwt_malformed`` when the text is not ``JWT~(DISCLOSURE~)*[KB-JWT]``.
    """
    if not isinstance(text, str) or "~" not in text:
        raise MalformedError(
            "sd_jwt_malformed",
            "Not an SD-JWT: expected '<issuer-signed JWT>~<disclosures>~[<KB-JWT>]'.",
        )
    if not text.isascii():  # base64url, '.' and '~' only: anything else is not an SD-JWT
        raise MalformedError(
            "sd_jwt_malformed",
            "The SD-JWT contains non-ASCII characters; its parts are base64url text.",
        )
    parts = text.strip().split("~")
    issuer_jwt, disclosures, last = parts[0], parts[1:-1], parts[-1]
    if not issuer_jwt or any(not d for d in disclosures):
        raise MalformedError(
            "sd_jwt_malformed", "The SD-JWT has an empty component between two '~' separators."
        )
    return SdJwtParts(issuer_jwt, tuple(disclosures), last or None)


# --- Disclosures ---------------------------------------------------------------------------


def hash_function(sd_alg: str) -> Callable[[bytes], Any]:
    """The hash for an ``_sd_alg`` value (RFC 9901 section 7.1 step 2.4).

    Raises ``sd_alg_unsupported``.
    """
    fn = SUPPORTED_SD_ALGS.get(sd_alg) if isinstance(sd_alg, str) else None
    if fn is None:
        raise VerdictError(
            "sd_alg_unsupported",
            f"The SD-JWT uses _sd_alg {sd_alg!r}; only {sorted(SUPPORTED_SD_ALGS)} are accepted.",
            details={"sd_alg": str(sd_alg)},
        )
    return fn


_URLSAFE_ENCODE = bytes.maketrans(b"+/", b"-_")


def digest(text: str, sd_alg: str = DEFAULT_SD_ALG) -> str:
    """base64url(hash(ASCII bytes of ``text``)): a Disclosure digest (section 4.2.3) or sd_hash.

    Raises ``sd_jwt_malformed`` when ``text`` is not ASCII (it cannot be base64url).
    """
    if not text.isascii():
        raise MalformedError(
            "sd_jwt_malformed", "An SD-JWT part contains non-ASCII characters; it is base64url."
        )
    raw = hash_function(sd_alg)(text.encode("ascii")).digest()
    return binascii.b2a_base64(raw, newline=False).translate(_URLSAFE_ENCODE).rstrip(b"=").decode()


def encode_disclosure(salt: str, name: str | None, value: Any) -> str:
    """base64url of the UTF-8 JSON array ``[salt, name, value]`` or ``[salt, value]``
    (RFC 9901 sections 4.2.1 and 4.2.2)."""
    items = [salt, value] if name is None else [salt, name, value]
    return b64url_encode(json.dumps(items, ensure_ascii=False, separators=(",", ":")).encode())


class Disclosure(NamedTuple):
    """A decoded Disclosure. ``name`` is None for an array element. (A NamedTuple: it is
    built once per Disclosure on every verification.)"""

    encoded: str
    salt: str
    name: str | None
    value: Any


_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _json_decode(text: str) -> Any:
    """JSON through the project's bounded parser; raises ValueError on any failure (the
    callers below turn it into their own code)."""
    try:
        return jsonsafe.loads(text)
    except MalformedError as exc:
        raise ValueError(exc.message) from None


def b64url_decode_fast(text: str) -> bytes:
    """Unpadded base64url to bytes, about four times faster than ``keys.b64url_decode``.

    Raises ValueError (binascii.Error, or for non-ASCII text) on bad input.
    """
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("base64url text is ASCII")
    data = text.encode("ascii").translate(_URLSAFE)
    return binascii.a2b_base64(data + b"=="[: -len(data) % 4], strict_mode=True)


def decode_disclosure(encoded: str) -> Disclosure:
    """Decode one Disclosure and check its shape (RFC 9901 sections 4.2.1, 4.2.2).

    Raises ``disclosure_malformed`` when it is not base64url of a JSON array of two or three
    elements with a string salt (and a string claim name).
    """
    try:
        items = _json_decode(b64url_decode_fast(encoded).decode("utf-8"))
    except (ValueError, TypeError) as exc:  # UnicodeError and binascii.Error are ValueErrors
        raise MalformedError(
            "disclosure_malformed",
            "A Disclosure is not base64url-encoded JSON.",
            details={"disclosure": encoded[:64]},
        ) from exc
    if not isinstance(items, list) or len(items) not in (2, 3) or not isinstance(items[0], str):
        raise MalformedError(
            "disclosure_malformed",
            "A Disclosure must be a JSON array [salt, name, value] or [salt, value].",
            details={"disclosure": encoded[:64]},
        )
    if len(items) == 2:
        return Disclosure(encoded, items[0], None, items[1])
    if not isinstance(items[1], str):
        raise MalformedError(
            "disclosure_malformed",
            "The claim name in a Disclosure must be a string.",
            details={"disclosure": encoded[:64]},
        )
    return Disclosure(encoded, items[0], items[1], items[2])


# --- JWS -----------------------------------------------------------------------------------


class _NaclEdDSA(JWSAlgModel):
    """EdDSA over Ed25519 through pynacl (libsodium), about twice as fast as ``cryptography``.

    RFC 9864 deprecates the polymorphic ``EdDSA`` name in favour of ``Ed25519``; the SD-JWT and
    VC ecosystems still use ``EdDSA``, so we keep it, without joserfc's security warning.
    """

    name = "EdDSA"
    description = "EdDSA (Ed25519) through pynacl"
    key_type = "OKP"
    recommended = True

    def sign(self, msg: bytes, key: OKPKey) -> bytes:
        seed = key.private_key.private_bytes_raw()  # type: ignore[union-attr]
        return bytes(nacl.signing.SigningKey(seed).sign(msg).signature)

    def verify(self, msg: bytes, sig: bytes, key: OKPKey) -> bool:
        if len(sig) != 64:
            return False
        try:
            nacl.bindings.crypto_sign_open(sig + msg, _okp_raw(key))
        except nacl.exceptions.BadSignatureError:
            return False
        return True


def _okp_raw(key: OKPKey) -> bytes:
    raw: bytes | None = getattr(key, "_passport_raw", None)  # set by _jose_public_key
    if raw is None:
        if key.curve_name != "Ed25519":
            raise InvalidKeyTypeError("EdDSA here requires an Ed25519 key")
        raw = key.public_key.public_bytes_raw()
    return raw


class _SdJwtRegistry(JWSRegistry):
    algorithms: ClassVar[dict[str, JWSAlgModel]] = {}  # type: ignore[misc]
    recommended: ClassVar[list[str]] = []  # type: ignore[misc]


_SdJwtRegistry.register(_NaclEdDSA())
for _name in ("ES256", "ES256K"):
    _SdJwtRegistry.register(JWSRegistry.algorithms[_name])
_REGISTRY = _SdJwtRegistry(algorithms=SUPPORTED_JWS_ALGS, strict_check_header=False)
_REGISTRY.max_header_length = 4096  # x5c chains and extra headers


@lru_cache(maxsize=1024)
def _public_key_of(members: tuple[tuple[str, Any], ...]) -> PublicKey:
    return PublicKey.from_jwk(dict(members))


def public_key_from_jwk(jwk: Mapping[str, Any]) -> PublicKey:
    """``PublicKey.from_jwk`` with a cache: holder keys recur across presentations.

    Raises ``key_malformed``.
    """
    try:
        members = tuple(sorted((k, v) for k, v in jwk.items() if k in ("kty", "crv", "x", "y")))
        hash(members)
    except TypeError:  # an unhashable member value: let from_jwk explain what is wrong
        return PublicKey.from_jwk(jwk)
    return _public_key_of(members)


def _jwk(key: PublicKey | PrivateKey) -> dict[str, str | list[str]]:
    return dict(key.to_jwk())


@lru_cache(maxsize=256)
def _jose_public_key(key: PublicKey) -> Key:
    if key.type is KeyType.ED25519:
        okp = OKPKey.import_key(_jwk(key))
        okp._passport_raw = key.raw  # type: ignore[attr-defined]  # spares a re-encoding per verify
        return okp
    return ECKey.import_key(_jwk(key))


def sign_jws(header: Mapping[str, Any], payload: Mapping[str, Any], key: PrivateKey) -> str:
    """A compact JWS over the compact JSON of ``payload``; ``alg`` follows the key type.

    RFC 7515 section 7.1 directly: the signing input is ``b64url(header).b64url(payload)`` and
    ``PrivateKey.sign`` gives the JOSE signature form (Ed25519, or ECDSA's ``r || s``); going
    through joserfc re-imported the key as a JWK on every signature (a batch signs ten)."""
    protected = {**header, "alg": key.jws_alg}  # the key decides the algorithm
    signing_input = (
        b64url_encode(json.dumps(protected, separators=(",", ":")).encode())
        + "."
        + b64url_encode(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    )
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode('ascii')))}"


@dataclass(frozen=True)
class ParsedJws:
    """A compact JWS parsed but not yet verified."""

    header: dict[str, Any]
    payload: dict[str, Any]
    compact: jws.CompactSignature


def parse_jws(token: str, *, what: str = "issuer-signed JWT") -> ParsedJws:
    """Parse a compact JWS whose header and payload are JSON objects. Raises ``jwt_malformed``.

    Parsing is ours (it is on the hot path of every verification); the signature is checked by
    joserfc in ``verify_jws_signature``.
    """
    segments = token.split(".") if isinstance(token, str) else []
    try:
        if not isinstance(token, str) or not token.isascii():
            raise ValueError("a compact JWS is ASCII text")
        if len(segments) != 3:
            raise ValueError("a compact JWS has three '.'-separated parts")
        header = _json_decode(b64url_decode_fast(segments[0]).decode("utf-8"))
        body = b64url_decode_fast(segments[1])
        payload = _json_decode(body.decode("utf-8"))
    except (ValueError, TypeError) as exc:
        raise MalformedError(
            "jwt_malformed", f"The {what} is not a valid compact JWS: {exc}", details={"part": what}
        ) from exc
    if not isinstance(header, dict) or not isinstance(payload, dict) or "alg" not in header:
        raise MalformedError(
            "jwt_malformed",
            f"The {what} must have a JSON object header with 'alg' and a JSON object payload.",
            details={"part": what},
        )
    crit = header.get("crit")
    if crit is not None:  # RFC 7515 section 4.1.11: we implement no extension header
        named = crit if isinstance(crit, list) and all(isinstance(c, str) for c in crit) else None
        raise MalformedError(
            "jwt_malformed",
            f"The {what} marks header parameters as critical ({named!r}); this verifier "
            "implements none, so it must reject it (RFC 7515 section 4.1.11)."
            if named
            else f"The {what} has a 'crit' header that is not a non-empty list of names.",
            details={"part": what},
        )
    compact = jws.CompactSignature(header, body)
    compact.segments.update(
        {
            "header": segments[0].encode("ascii"),
            "payload": segments[1].encode("ascii"),
            "signature": segments[2].encode("ascii"),
        }
    )
    return ParsedJws(header, payload, compact)


def verify_jws_signature(
    parsed: ParsedJws,
    key: PublicKey,
    *,
    code: str = "signature_invalid",
    what: str = "issuer-signed JWT",
) -> None:
    """Check algorithm and signature (RFC 9901 section 7.1 steps 2.1-2.2, 7.3 steps 5.2-5.3).

    The header ``alg`` must be one we accept (never ``none``) and must be the algorithm of
    ``key``'s type. Raises ``code`` (``signature_invalid`` or ``kb_signature_invalid``), or
    ``jwt_malformed`` when joserfc rejects the header.
    """
    alg = parsed.header.get("alg")
    if alg not in SUPPORTED_JWS_ALGS or alg != key.jws_alg:
        raise VerdictError(
            code,
            f"The {what} uses alg {alg!r}, but the key is {key.type.value} ({key.jws_alg}); "
            f"accepted algorithms are {list(SUPPORTED_JWS_ALGS)} and never 'none'.",
            details={"alg": str(alg), "part": what},
        )
    # joserfc's header rules (registered parameters' types, crit), then the signature checked
    # directly: validate_compact would re-derive the algorithm model and key per call.
    try:
        _REGISTRY.check_header(parsed.header)
    except (DecodeError, ExceededSizeError, JoseError, TypeError, ValueError, KeyError) as exc:
        raise MalformedError(
            "jwt_malformed", f"The {what} header is invalid: {str(exc)[:200]}"
        ) from exc
    segments = parsed.compact.segments
    try:
        signature = urlsafe_b64decode(segments["signature"])
    except (TypeError, ValueError):
        ok = False
    else:
        ok = key.verify(signature, segments["header"] + b"." + segments["payload"])
    if not ok:
        raise VerdictError(
            code,
            f"The signature of the {what} does not verify with the expected key.",
            details={"part": what},
        )
