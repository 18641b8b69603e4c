"""An encrypted key store: a JSON document sealed under a passphrase.

The envelope (version 1) is itself JSON, so a file can be told apart and inspected
without the passphrase::

    {"v": 1,
     "kdf": {"alg": "argon2id13", "opslimit": 3, "memlimit": 268435456, "salt": "<b64url 16 B>"},
     "cipher": "xsalsa20-poly1305",
     "nonce": "<b64url 24 B>",
     "ciphertext": "<b64url>"}

The key is Argon2id (libsodium ``crypto_pwhash`` through ``nacl.pwhash.argon2id.kdf``) of
the passphrase; the plaintext (UTF-8 JSON of the stored document) is sealed with
XSalsa20-Poly1305 (``nacl.secret.SecretBox``). A wrong passphrase and a tampered file are
indistinguishable by design (the MAC fails either way): both are ``keystore_locked``.
The KDF parameters are not authenticated separately, but changing them derives another key,
so the MAC fails too; limits read from a file are bounded (``MAX_MEMLIMIT``) so that a
crafted file cannot make an open exhaust memory.

Files are written atomically (``write_atomic``: temporary file in the same directory, fsync,
``os.replace``, then fsync of the directory) with mode 0600.

Error codes:

- ``keystore_locked`` (ConfigurationError): wrong passphrase, or the ciphertext was altered.
- ``keystore_malformed`` (MalformedError): not a key store envelope, an unknown version or
  cipher, KDF limits out of bounds, or a plaintext that is not a JSON object.
- ``keystore_not_found`` (ConfigurationError): ``load`` of a file that does not exist.
- ``keystore_passphrase_empty`` (ConfigurationError): sealing under an empty passphrase.
- ``keystore_params_invalid`` (ConfigurationError): ``KdfParams`` outside libsodium's bounds
  (or a memory limit above ``MAX_MEMLIMIT``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils

from passport import jsonsafe
from passport.b64 import b64url_decode, b64url_encode
from passport.errors import ConfigurationError, MalformedError
from passport.files import write_atomic

__all__ = [
    "ENVELOPE_VERSION",
    "FAST_INSECURE_PARAMS",
    "INTERACTIVE_PARAMS",
    "MAX_MEMLIMIT",
    "MODERATE_PARAMS",
    "KdfParams",
    "load",
    "save",
    "seal",
    "unseal",
    "write_atomic",
]

ENVELOPE_VERSION: Final = 1
_KDF_ALG: Final = "argon2id13"
_CIPHER: Final = "xsalsa20-poly1305"
_argon = nacl.pwhash.argon2id


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost: ``opslimit`` passes over ``memlimit`` bytes of memory."""

    opslimit: int
    memlimit: int

    def __post_init__(self) -> None:
        if not (
            _argon.OPSLIMIT_MIN <= self.opslimit <= _argon.OPSLIMIT_MAX
            and _argon.MEMLIMIT_MIN <= self.memlimit <= MAX_MEMLIMIT
        ):
            raise ConfigurationError(
                "keystore_params_invalid",
                f"Argon2id limits out of bounds: opslimit {self.opslimit}, memlimit "
                f"{self.memlimit} (opslimit {_argon.OPSLIMIT_MIN}..{_argon.OPSLIMIT_MAX}, "
                f"memlimit {_argon.MEMLIMIT_MIN}..{MAX_MEMLIMIT}).",
            )


#: The largest memory limit accepted from a file (1 GiB).
MAX_MEMLIMIT: Final = 1 << 30
#: libsodium's "moderate" limits (3 passes, 256 MiB, ~0.5-1 s): the default for stores at rest.
MODERATE_PARAMS: Final = KdfParams(_argon.OPSLIMIT_MODERATE, _argon.MEMLIMIT_MODERATE)
#: libsodium's "interactive" limits (2 passes, 64 MiB, ~0.1 s).
INTERACTIVE_PARAMS: Final = KdfParams(_argon.OPSLIMIT_INTERACTIVE, _argon.MEMLIMIT_INTERACTIVE)
#: The minimum limits (1 pass, 8 KiB): for tests only, never for real keys.
FAST_INSECURE_PARAMS: Final = KdfParams(_argon.OPSLIMIT_MIN, _argon.MEMLIMIT_MIN)


def _passphrase_bytes(passphrase: str | bytes) -> bytes:
    return passphrase.encode("utf-8") if isinstance(passphrase, str) else bytes(passphrase)


def _derive(passphrase: bytes, salt: bytes, params: KdfParams) -> bytes:
    return bytes(
        _argon.kdf(
            nacl.secret.SecretBox.KEY_SIZE,
            passphrase,
            salt,
            opslimit=params.opslimit,
            memlimit=params.memlimit,
        )
    )


def seal(
    data: Mapping[str, Any], passphrase: str | bytes, *, params: KdfParams = MODERATE_PARAMS
) -> bytes:
    """The UTF-8 JSON envelope of ``data`` (a JSON-serialisable mapping) sealed under
    ``passphrase`` with a fresh salt and nonce.

    Raises ConfigurationError ``keystore_passphrase_empty``.
    """
    secret = _passphrase_bytes(passphrase)
    if not secret:
        raise ConfigurationError(
            "keystore_passphrase_empty", "Choose a non-empty passphrase for the key store."
        )
    salt = nacl.utils.random(_argon.SALTBYTES)
    nonce = nacl.utils.random(nacl.secret.SecretBox.NONCE_SIZE)
    plaintext = json.dumps(dict(data), separators=(",", ":"), sort_keys=True).encode("utf-8")
    box = nacl.secret.SecretBox(_derive(secret, salt, params))
    ciphertext = box.encrypt(plaintext, nonce).ciphertext
    envelope = {
        "v": ENVELOPE_VERSION,
        "kdf": {
            "alg": _KDF_ALG,
            "opslimit": params.opslimit,
            "memlimit": params.memlimit,
            "salt": b64url_encode(salt),
        },
        "cipher": _CIPHER,
        "nonce": b64url_encode(nonce),
        "ciphertext": b64url_encode(ciphertext),
    }
    return json.dumps(envelope, indent=1).encode("utf-8") + b"\n"


def _malformed(problem: str) -> MalformedError:
    return MalformedError(
        "keystore_malformed",
        f"This is not a readable key store ({problem}); restore it from a backup.",
    )


def _b64(value: Any, what: str, length: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise _malformed(f"{what} is missing")
    try:
        raw = b64url_decode(value)
    except ValueError as exc:
        raise _malformed(f"{what} is not base64url") from exc
    if length is not None and len(raw) != length:
        raise _malformed(f"{what} must be {length} bytes")
    return raw


def unseal(envelope: bytes | str, passphrase: str | bytes) -> dict[str, Any]:
    """The document sealed in ``envelope`` (from ``seal``).

    Raises MalformedError ``keystore_malformed`` (not an envelope, unknown version / KDF /
    cipher, limits out of bounds, plaintext not a JSON object); ConfigurationError
    ``keystore_locked`` (wrong passphrase or altered ciphertext).
    """
    try:
        doc = jsonsafe.loads(envelope, code="keystore_malformed")
    except MalformedError as exc:
        raise _malformed("not JSON") from exc
    if not isinstance(doc, dict):
        raise _malformed("not a JSON object")
    if doc.get("v") != ENVELOPE_VERSION:
        raise _malformed(f"unsupported version {doc.get('v')!r}")
    kdf = doc.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("alg") != _KDF_ALG:
        raise _malformed("unsupported key derivation")
    if doc.get("cipher") != _CIPHER:
        raise _malformed("unsupported cipher")
    ops, mem = kdf.get("opslimit"), kdf.get("memlimit")
    if isinstance(ops, bool) or isinstance(mem, bool):
        raise _malformed("KDF limits must be integers")
    if not isinstance(ops, int) or not isinstance(mem, int):
        raise _malformed("KDF limits must be integers")
    try:
        params = KdfParams(ops, mem)
    except ConfigurationError as exc:
        raise _malformed("KDF limits out of bounds") from exc
    salt = _b64(kdf.get("salt"), "salt", _argon.SALTBYTES)
    nonce = _b64(doc.get("nonce"), "nonce", nacl.secret.SecretBox.NONCE_SIZE)
    ciphertext = _b64(doc.get("ciphertext"), "ciphertext")
    box = nacl.secret.SecretBox(_derive(_passphrase_bytes(passphrase), salt, params))
    try:
        plaintext = box.decrypt(ciphertext, nonce)
    except nacl.exceptions.CryptoError:
        raise ConfigurationError(
            "keystore_locked",
            "The key store cannot be opened with this passphrase (or the file was altered); "
            "give the passphrase it was created with.",
        ) from None
    try:
        data = jsonsafe.loads(plaintext, code="keystore_malformed")
    except MalformedError as exc:
        raise _malformed("the sealed document is not JSON") from exc
    if not isinstance(data, dict):
        raise _malformed("the sealed document is not a JSON object")
    return data


def save(
    path: str | os.PathLike[str],
    data: Mapping[str, Any],
    passphrase: str | bytes,
    *,
    params: KdfParams = MODERATE_PARAMS,
) -> Path:
    """``seal`` then ``write_atomic`` (mode 0600). Raises like ``seal``, and
    ConfigurationError ``keystore_unwritable`` when the file cannot be written (a directory in
    its place, no permission, a full disk); the old file, if any, is left as it was."""
    sealed = seal(data, passphrase, params=params)
    try:
        return write_atomic(path, sealed)
    except OSError as exc:
        raise ConfigurationError(
            "keystore_unwritable",
            f"The key store {os.fspath(path)} cannot be written "
            f"({exc.strerror or 'I/O error'}); check the path and its permissions.",
            details={"path": os.fspath(path)},
        ) from None


def load(path: str | os.PathLike[str], passphrase: str | bytes) -> dict[str, Any]:
    """Read and ``unseal`` the key store at ``path``.

    Raises ConfigurationError ``keystore_not_found``, ``keystore_locked``; MalformedError
    ``keystore_malformed``, ``keystore_unreadable`` (a directory, no permission).
    """
    try:
        blob = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigurationError(
            "keystore_not_found",
            f"No key store at {os.fspath(path)}; create one first (e.g. `issuer init`).",
            details={"path": os.fspath(path)},
        ) from None
    except OSError as exc:  # a directory in its place, no permission, an I/O error
        raise MalformedError(
            "keystore_unreadable",
            f"The key store {os.fspath(path)} cannot be read ({exc.strerror or 'I/O error'}); "
            "it must be the sealed file written at creation: restore it from a backup.",
            details={"path": os.fspath(path)},
        ) from None
    return unseal(blob, passphrase)
