"""The project's one JSON parser: bounded size, bounded nesting, no NaN or Infinity.

Python's ``json`` module parses nested arrays and objects recursively in C. Its guard is the
interpreter's recursion limit, which ``py_ecc`` (imported through web3) raises to 100,000: a
160 KB body of ``[`` x 80,000 then overflows the C stack and kills the process (SIGSEGV).
So the nesting depth is measured here first, without recursion, and a document deeper than
``max_depth`` is refused before ``json`` sees it. Every parser in ``passport/`` and the edge
of every service go through ``loads``.

Also refused: more than ``max_bytes``; ``NaN``, ``Infinity`` and numbers that overflow to an
infinite float (they are not JSON, RFC 8259 section 6, and break canonicalisation); integers
longer than Python's int-to-str limit (a ValueError in ``json``).

Error codes: ``json_too_deep``, ``json_too_large`` (MalformedError); any other parse failure
is raised with the caller's ``code`` (``json_malformed`` by default).
"""

from __future__ import annotations

import json
import math
import operator
import re
import sys
from itertools import accumulate, count
from typing import Any

from passport.errors import MalformedError

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "SAFE_RECURSION_LIMIT",
    "cap_recursion_limit",
    "check_depth",
    "check_size",
    "loads",
    "nesting_depth",
]

#: Deepest nesting of arrays and objects accepted. Credentials, DID documents, SD-JWT
#: payloads and OpenID4VCI messages are below 20; 64 leaves room and stays far from any stack.
MAX_DEPTH = 64
#: Largest JSON text accepted by default (a 131,072-entry status list is a few KB).
MAX_BYTES = 4 * 1024 * 1024

#: The recursion limit restored after importing web3: py-evm's own need (EVM call depth
#: 1024 x 12 frames). py_ecc's 100,000 lets C-level recursion (json, repr) overflow the stack.
SAFE_RECURSION_LIMIT = 12_288

# A JSON string (RFC 8259 section 7), unrolled so the regex engine does not backtrack.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
# Opening brackets become 2 and closing ones 0, so that depth = running sum - position.
_WEIGHTS = str.maketrans({"[": "\x02", "{": "\x02", "]": "\x00", "}": "\x00"})


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text``, found without recursion.

    Brackets inside strings do not count. For text that is not JSON the figure errs high
    (an unterminated string's brackets are counted), never low.
    """
    skeleton = _NOT_BRACKET.sub("", _STRING.sub("", text)).translate(_WEIGHTS)
    weights = skeleton.encode("latin-1")
    return max(map(operator.sub, accumulate(weights), count(1)), default=0)


def check_size(size: int, *, max_bytes: int = MAX_BYTES, what: str = "The JSON text") -> None:
    """Raise ``json_too_large`` when ``size`` (bytes) exceeds ``max_bytes``."""
    if size > max_bytes:
        raise MalformedError(
            "json_too_large",
            f"{what} is {size} bytes; at most {max_bytes} are accepted.",
            details={"size": size, "limit": max_bytes},
        )


def check_depth(text: str, *, max_depth: int = MAX_DEPTH, what: str = "The JSON text") -> None:
    """Raise ``json_too_deep`` when ``text`` nests arrays/objects deeper than ``max_depth``."""
    # Cheap first: a text with few brackets cannot be deep.
    if text.count("[") + text.count("{") <= max_depth:
        return
    depth = nesting_depth(text)
    if depth > max_depth:
        raise MalformedError(
            "json_too_deep",
            f"{what} nests arrays and objects {depth} deep; at most {max_depth} are accepted.",
            details={"depth": depth, "limit": max_depth},
        )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _parse_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text[:20]}... is too large")
    return value


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_parse_float)


def loads(
    text: str | bytes | bytearray,
    *,
    code: str = "json_malformed",
    what: str = "The JSON text",
    max_depth: int = MAX_DEPTH,
    max_bytes: int = MAX_BYTES,
) -> Any:
    """Parse ``text`` (str, or UTF-8 bytes) as JSON within the limits.

    Raises MalformedError ``json_too_large``, ``json_too_deep``, or ``code`` when the text is
    not UTF-8 JSON (also for NaN/Infinity and integers beyond Python's digit limit).
    """
    check_size(len(text), max_bytes=max_bytes, what=what)
    if not isinstance(text, str):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedError(code, f"{what} is not UTF-8.") from None
    check_depth(text, max_depth=max_depth, what=what)
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise MalformedError(
            code,
            f"{what} is not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg}).",
        ) from None
    except (ValueError, RecursionError) as exc:  # the digit limit, NaN, an infinite float
        raise MalformedError(code, f"{what} is not valid JSON ({str(exc)[:120]}).") from None


def cap_recursion_limit() -> None:
    """Lower the interpreter's recursion limit to ``SAFE_RECURSION_LIMIT`` if an import raised
    it (py_ecc sets 100,000 when eth-account or web3 is imported). Called right after those
    imports (``passport.chain.client``, ``PrivateKey.eth_address``)."""
    if sys.getrecursionlimit() > SAFE_RECURSION_LIMIT:
        sys.setrecursionlimit(SAFE_RECURSION_LIMIT)
