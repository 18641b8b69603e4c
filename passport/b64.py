"""Unpadded base64url (RFC 7515 section 2), strict, with no dependency beyond the standard
library: modules on the wallet's start-up path (the key store) use it without importing the
key types and ``cryptography``. ``passport.keys`` re-exports both functions."""

from __future__ import annotations

import base64
import re

__all__ = ["b64url_decode", "b64url_encode"]


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_B64URL_RE = re.compile(r"[A-Za-z0-9_-]*")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url (RFC 7515 section 2); raise ValueError on bad input.

    Strict: characters outside the base64url alphabet, padding and non-canonical trailing
    bits are rejected, so that one byte string has exactly one accepted encoding.
    """
    if not isinstance(text, str):
        raise ValueError("not a string")
    if not _B64URL_RE.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:
        raise ValueError("non-canonical base64url")
    return data
