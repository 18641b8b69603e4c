"""IETF Token Status List (draft-ietf-oauth-status-list, section 8): the status of a referenced
token, as SD-JWT VCs from other issuers carry it (``status.status_list {idx, uri}``).

The list is a ``statuslist+jwt`` signed by the credential's issuer, whose ``sub`` is the
reference's ``uri``; ``status_list.lst`` is DEFLATE (zlib) + base64url, ``bits`` 1, 2, 4 or 8 a
token, least significant bits first. Values: 0 valid, 1 invalid (revoked), 2 suspended.

Error codes: ``status_entry_malformed``, ``status_list_malformed`` (MalformedError);
``status_list_issuer_mismatch``, ``status_index_out_of_range`` (VerdictError); the fetcher's
own could-not-check errors (e.g. ``status_list_unavailable``) pass through.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from typing import Any, Final

from passport.errors import MalformedError, VerdictError
from passport.keys import PublicKey, b64url_decode

__all__ = ["check_token_status"]

_VALUES: Final = {0: "valid", 1: "revoked", 2: "suspended"}


def check_token_status(
    reference: Any,
    *,
    iss: str,
    fetch: Callable[[str], str],
    issuer_key: Callable[[Mapping[str, Any], Mapping[str, Any]], PublicKey],
) -> str:
    """The state (``valid``, ``revoked``, ``suspended``, ``unknown``) of the token whose
    ``status.status_list`` is ``reference``; the list is fetched with ``fetch(uri)`` and its
    signature verified with ``issuer_key(header, payload)``."""
    from passport.sdjwt.common import parse_jws, verify_jws_signature

    if not isinstance(reference, Mapping) or not isinstance(reference.get("uri"), str):
        raise MalformedError("status_entry_malformed", "status.status_list needs idx and uri.")
    idx = reference.get("idx")
    if not isinstance(idx, int) or isinstance(idx, bool) or idx < 0:
        raise MalformedError(
            "status_entry_malformed", "status.status_list.idx must be an integer >= 0."
        )
    uri = str(reference["uri"])
    jwt = parse_jws(fetch(uri), what="status list token")
    if jwt.header.get("typ") != "statuslist+jwt" or jwt.payload.get("sub") != uri:
        raise MalformedError(
            "status_list_malformed", "The status list token's typ or sub is wrong."
        )
    if jwt.payload.get("iss", iss) != iss:
        raise VerdictError(
            "status_list_issuer_mismatch", "The status list token has another issuer."
        )
    verify_jws_signature(jwt, issuer_key(jwt.header, {**jwt.payload, "iss": iss}))
    lst = jwt.payload.get("status_list")
    if not isinstance(lst, Mapping) or lst.get("bits") not in (1, 2, 4, 8):
        raise MalformedError(
            "status_list_malformed", "status_list needs bits 1, 2, 4 or 8 and lst."
        )
    bits = int(lst["bits"])
    try:
        raw = zlib.decompress(b64url_decode(str(lst.get("lst"))))
    except (ValueError, zlib.error) as exc:
        raise MalformedError(
            "status_list_malformed", f"lst is not base64url DEFLATE: {exc}"
        ) from exc
    position = idx * bits
    if position // 8 >= len(raw):
        raise VerdictError("status_index_out_of_range", "The index lies beyond the list.")
    value = (raw[position // 8] >> (position % 8)) & ((1 << bits) - 1)
    return _VALUES.get(value, "unknown")
