"""Credential status: W3C Bitstring Status List v1.0 (``passport.status.bitstring``)."""

from passport.status.bitstring import (
    MIN_ENTRIES,
    StatusList,
    StatusResult,
    build_status_list_credential,
    check_status,
    decode_bitstring,
    encode_bitstring,
)

__all__ = [
    "MIN_ENTRIES",
    "StatusList",
    "StatusResult",
    "build_status_list_credential",
    "check_status",
    "decode_bitstring",
    "encode_bitstring",
]
