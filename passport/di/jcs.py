"""JSON Canonicalization Scheme (RFC 8785), with a fast path.

For the documents credentials are made of (strings, booleans, null, integers in the
IEEE-754 safe range, keys without characters beyond the Basic Multilingual Plane) the
output of ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` is
byte-for-byte the RFC 8785 form: the same escapes (RFC 8785 section 3.2.2.2), integers
print alike, and code-point order equals UTF-16 order when no key has a supplementary
character. Anything else (floats, big integers, such keys, lone surrogates) goes through
the ``rfc8785`` package, which implements the whole RFC.

Error code: ``jcs_invalid`` (MalformedError): the value cannot be canonicalized.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from passport.errors import MalformedError

__all__ = ["canonicalize"]

_SAFE_INT = 2**53 - 1
_dumps = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode


def _simple(value: Any) -> bool:
    """True when ``json.dumps`` output is already canonical for ``value``.

    An explicit stack instead of recursion: this runs on every verification.
    """
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is str or item is None or kind is bool:
            continue
        if kind is dict:
            for key in item:
                if type(key) is not str or (not key.isascii() and max(key) > "\uffff"):
                    return False
            extend(item.values())
        elif kind is list:
            extend(item)
        elif kind is int:
            if not -_SAFE_INT <= item <= _SAFE_INT:
                return False
        else:
            return False
    return True


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``value``. Raises ``jcs_invalid``."""
    if _simple(value):
        try:
            return _dumps(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let rfc8785 report it
    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise MalformedError(
            "jcs_invalid",
            f"The document cannot be canonicalized with JCS (RFC 8785): {exc}",
        ) from exc
