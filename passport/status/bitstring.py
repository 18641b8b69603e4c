"""W3C Bitstring Status List v1.0 (https://www.w3.org/TR/vc-bitstring-status-list/).

A status list is a bitstring of at least 131,072 entries (16 KB uncompressed) published
inside a ``BitstringStatusListCredential`` as ``encodedList``: the GZIP-compressed bitstring,
base64url-encoded without padding and prefixed with the multibase code ``u``. Entry ``i``
occupies bits ``i * statusSize`` .. ``i * statusSize + statusSize - 1``, and bit 0 is the
left-most (most significant) bit of the first byte (section 2.2, ``encodedList``).

Issuers allocate indexes at random (section 2.1, ``statusListIndex``: herd privacy), set or
clear entries, and publish ``build_status_list_credential(...)`` (unsigned: securing is done
elsewhere). Verifiers call ``check_status(entry, status_list_credential)`` after the status
list credential's own proof has been verified (section 3.2, Validate Algorithm).

Error codes:

- ``status_list_malformed`` (MalformedError): the status list credential or its
  ``encodedList`` cannot be decoded (spec: MALFORMED_VALUE_ERROR).
- ``status_entry_malformed`` (MalformedError): the ``credentialStatus`` entry is not a
  conforming ``BitstringStatusListEntry`` (spec: MALFORMED_VALUE_ERROR).
- ``status_purpose_mismatch`` (VerdictError): the list does not serve the entry's purpose
  (spec: STATUS_VERIFICATION_ERROR).
- ``status_list_id_mismatch`` (VerdictError): the list credential's ``id`` is not the
  entry's ``statusListCredential`` (a list for another population was supplied).
- ``status_list_length_error`` (VerdictError): fewer than 131,072 entries (spec:
  STATUS_LIST_LENGTH_ERROR, herd privacy).
- ``status_index_out_of_range`` (VerdictError): the entry's index lies beyond the list
  (spec: RANGE_ERROR).
- ``status_list_expired`` / ``status_list_not_yet_valid`` (CouldNotCheckError): the list
  is outside its validity period, so it says nothing about the current status; fetch a
  fresh one.
- ``status_list_full`` (ConfigurationError): no unused index is left to allocate.
- ``status_list_too_small``, ``status_size_unsupported``, ``status_value_out_of_range``,
  ``status_purpose_unsupported`` (ConfigurationError): the issuer asked for a list under
  131,072 entries, an entry size outside 1..8 bits, a value that does not fit the entry
  size, or a list purpose other than revocation / suspension.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import secrets
import struct
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from passport.credentials.fields import check_validity
from passport.errors import (
    ConfigurationError,
    CouldNotCheckError,
    MalformedError,
    VerdictError,
)

__all__ = [
    "MAX_ENCODED_BYTES",
    "MIN_ENTRIES",
    "STATUS_LIST_CONTEXT",
    "Purpose",
    "StatusList",
    "StatusResult",
    "build_status_list_credential",
    "check_status",
    "decode_bitstring",
    "encode_bitstring",
]

#: Minimum number of entries (section 3.2 step 2; 16 KB of 1-bit entries).
MIN_ENTRIES: Final = 131_072
#: Largest uncompressed bitstring accepted when decoding (32M one-bit entries; guards against
#: GZIP bombs and bounds the decode cache to 16 lists x 4 MiB).
MAX_ENCODED_BYTES: Final = 4 * 1024 * 1024
STATUS_LIST_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"

Purpose = Literal["revocation", "suspension"]
#: Returns a uniformly random integer in ``[0, n)`` (like ``secrets.randbelow``).
IndexRng = Callable[[int], int]

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_INDEX = re.compile(r"0|[1-9][0-9]*")
_LEGACY_GZIP_PREFIX: Final = "H4sI"  # base64url of 1f 8b 08: GZIP magic + deflate
# GZIP member header (RFC 1952 section 2.3): ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=3 (Unix).
# Fixed so that the same bitstring always encodes to the same string (and to the spec's example).
_GZIP_HEADER: Final = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"


def encode_bitstring(bitstring: bytes) -> str:
    """GZIP (RFC 1952) then multibase base64url without padding: Bitstring Generation
    Algorithm (section 3.3) step 3, with the multibase ``u`` prefix of ``encodedList``."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = compressor.compress(bitstring) + compressor.flush()
    trailer = struct.pack("<II", zlib.crc32(bitstring), len(bitstring) & 0xFFFFFFFF)
    raw = _GZIP_HEADER + body + trailer
    return "u" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_bitstring(encoded: str) -> bytes:
    """Bitstring Expansion Algorithm (section 3.4): multibase base64url-decode, then GZIP
    decompress. Results are cached (the argument is an immutable string). A value without
    the multibase prefix is accepted when it starts with the GZIP magic (``H4sI``), as
    StatusList2021 lists and the W3C test suite's fixtures are written.

    Raises MalformedError ``status_list_malformed`` when the value is not multibase base64url,
    not one GZIP member, or expands beyond ``MAX_ENCODED_BYTES``.
    """
    if not isinstance(encoded, str):
        raise MalformedError(
            "status_list_malformed",
            "encodedList must be a string; ask the issuer for a conforming status list.",
        )
    return _expand(encoded)


@functools.lru_cache(maxsize=16)
def _expand(encoded: str) -> bytes:
    if encoded.startswith("u"):
        text = encoded[1:]
    elif encoded.startswith(_LEGACY_GZIP_PREFIX):
        # StatusList2021 and the W3C test suite's fixtures omit the multibase prefix; a
        # bare value is recognised by the base64url form of the GZIP magic bytes.
        text = encoded
    else:
        text = "!"
    if not _B64URL.fullmatch(text):
        raise MalformedError(
            "status_list_malformed",
            "encodedList must be multibase base64url without padding (a 'u' followed by "
            "[A-Za-z0-9_-]); ask the issuer for a conforming status list.",
        )
    if len(text) % 4 == 1:
        raise MalformedError(
            "status_list_malformed", "encodedList has an impossible base64url length."
        )
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedError(
            "status_list_malformed", f"encodedList is not valid base64url: {exc}"
        ) from exc
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)  # GZIP wrapper only
    try:
        out = decompressor.decompress(raw, MAX_ENCODED_BYTES + 1)
    except zlib.error as exc:
        raise MalformedError(
            "status_list_malformed",
            f"encodedList is not GZIP-compressed data: {exc}; ask the issuer for a "
            "conforming status list.",
        ) from exc
    if len(out) > MAX_ENCODED_BYTES:
        raise MalformedError(
            "status_list_malformed",
            f"encodedList expands to more than {MAX_ENCODED_BYTES} bytes; refusing it.",
        )
    if not decompressor.eof or decompressor.unused_data:
        raise MalformedError(
            "status_list_malformed",
            "encodedList must hold exactly one complete GZIP member.",
        )
    return out


def _check_status_size(status_size: int) -> None:
    if (
        isinstance(status_size, bool)
        or not isinstance(status_size, int)
        or not 1 <= status_size <= 8
    ):
        raise ConfigurationError(
            "status_size_unsupported",
            f"statusSize must be between 1 and 8 bits, not {status_size!r}.",
        )


class StatusList:
    """A mutable bitstring status list of ``size`` entries of ``status_size`` bits each.

    ``size`` defaults to and may not be less than 131,072 (section 2.2); ``status_size``
    defaults to 1. Indexes handed out by ``allocate`` are remembered so they are never
    handed out twice; pass ``allocated`` to restore that memory from storage.

    Raises ConfigurationError ``status_list_too_small`` or ``status_size_unsupported``.
    """

    __slots__ = ("_allocated", "_bits", "size", "status_size")

    def __init__(
        self,
        size: int = MIN_ENTRIES,
        *,
        status_size: int = 1,
        allocated: Iterable[int] = (),
    ) -> None:
        _check_status_size(status_size)
        if size < MIN_ENTRIES:
            raise ConfigurationError(
                "status_list_too_small",
                f"A status list needs at least {MIN_ENTRIES} entries for herd privacy "
                f"(Bitstring Status List section 2.2), not {size}.",
            )
        self.size: int = size
        self.status_size: int = status_size
        self._bits = bytearray((size * status_size + 7) // 8)
        self._allocated: set[int] = set()
        for index in allocated:
            self._check_index(index)
            self._allocated.add(index)

    # --- encoding -------------------------------------------------------------------------

    def encode(self) -> str:
        """The ``encodedList`` value: multibase base64url of the GZIP-compressed bitstring."""
        return encode_bitstring(bytes(self._bits))

    @classmethod
    def decode(
        cls, encoded: str, *, status_size: int = 1, min_entries: int = MIN_ENTRIES
    ) -> StatusList:
        """Parse an ``encodedList`` value (Bitstring Expansion Algorithm, section 3.4).

        Raises MalformedError ``status_list_malformed`` (not decodable); VerdictError
        ``status_list_length_error`` (fewer than ``min_entries`` entries, section 3.2 step 9).
        """
        return cls.from_bytes(
            decode_bitstring(encoded), status_size=status_size, min_entries=min_entries
        )

    @classmethod
    def from_bytes(
        cls, bits: bytes, *, status_size: int = 1, min_entries: int = MIN_ENTRIES
    ) -> StatusList:
        """A list over an uncompressed bitstring (e.g. one kept in storage).

        Raises VerdictError ``status_list_length_error`` (fewer than ``min_entries``).
        """
        _check_status_size(status_size)
        size = len(bits) * 8 // status_size
        if size < min_entries:
            raise VerdictError(
                "status_list_length_error",
                f"The status list holds {size} entries, fewer than the {min_entries} "
                "required for herd privacy; the issuer must publish a longer list.",
                details={"entries": size, "minimum": min_entries},
            )
        out = cls.__new__(cls)
        out.size = size
        out.status_size = status_size
        out._bits = bytearray(bits)
        out._allocated = set()
        return out

    def to_bytes(self) -> bytes:
        """The uncompressed bitstring."""
        return bytes(self._bits)

    # --- entries --------------------------------------------------------------------------

    def _check_index(self, index: int) -> None:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < self.size:
            raise VerdictError(
                "status_index_out_of_range",
                f"Status list index {index!r} is outside 0..{self.size - 1}.",
                details={"index": index, "size": self.size},
            )

    def get(self, index: int) -> int:
        """The status value of entry ``index`` (0 = unset).

        Raises VerdictError ``status_index_out_of_range`` (spec RANGE_ERROR).
        """
        self._check_index(index)
        start = index * self.status_size
        value = 0
        for pos in range(start, start + self.status_size):
            value = (value << 1) | ((self._bits[pos >> 3] >> (7 - (pos & 7))) & 1)
        return value

    def set(self, index: int, value: int = 1) -> None:
        """Set entry ``index`` to ``value`` (1 = revoked / suspended for 1-bit lists).

        Raises VerdictError ``status_index_out_of_range``; ConfigurationError
        ``status_value_out_of_range`` when ``value`` does not fit in ``status_size`` bits.
        """
        self._check_index(index)
        if isinstance(value, bool):
            value = int(value)
        if not 0 <= value < (1 << self.status_size):
            raise ConfigurationError(
                "status_value_out_of_range",
                f"Status value {value} does not fit in {self.status_size} bit(s).",
            )
        start = index * self.status_size
        for offset in range(self.status_size):
            pos = start + offset
            mask = 0x80 >> (pos & 7)
            if (value >> (self.status_size - 1 - offset)) & 1:
                self._bits[pos >> 3] |= mask
            else:
                self._bits[pos >> 3] &= ~mask & 0xFF

    def clear(self, index: int) -> None:
        """Reset entry ``index`` to 0 (e.g. lift a suspension). Raises like ``set``."""
        self.set(index, 0)

    # --- allocation -----------------------------------------------------------------------

    @property
    def allocated_count(self) -> int:
        return len(self._allocated)

    def is_allocated(self, index: int) -> bool:
        return index in self._allocated

    def allocate(self, rng: IndexRng | None = None) -> int:
        """A uniformly random index never handed out before (section 2.1: indexes SHOULD be
        assigned randomly so nothing can be inferred from a position).

        ``rng(n)`` returns an integer in ``[0, n)``; it defaults to ``secrets.randbelow``
        and is injectable only for reproducible tests. Raises ConfigurationError
        ``status_list_full`` when every index is taken: start a new list.
        """
        draw = rng or secrets.randbelow
        free = self.size - len(self._allocated)
        if free <= 0:
            raise ConfigurationError(
                "status_list_full",
                f"All {self.size} indexes of this status list are allocated; create a new list.",
            )
        if free * 4 >= self.size:
            # at least a quarter free: rejection sampling ends after ~4 draws at worst on average
            while True:
                index = draw(self.size)
                if index not in self._allocated:
                    break
        else:
            # nearly full: pick the k-th free index directly
            k = draw(free)
            index = -1
            for candidate in range(self.size):
                if candidate not in self._allocated:
                    if k == 0:
                        index = candidate
                        break
                    k -= 1
        self._check_index(index)
        self._allocated.add(index)
        return index


@dataclass(frozen=True)
class StatusResult:
    """The outcome of the Validate Algorithm (section 3.2 steps 11-15) for one entry."""

    purpose: str
    index: int
    value: int
    status_size: int = 1
    message: str | None = None

    @property
    def valid(self) -> bool:
        """True when the entry's status is 0 (step 13)."""
        return self.value == 0

    @property
    def revoked(self) -> bool:
        return self.purpose == "revocation" and self.value != 0

    @property
    def suspended(self) -> bool:
        return self.purpose == "suspension" and self.value != 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "purpose": self.purpose,
            "index": self.index,
            "status": self.value,
            "valid": self.valid,
        }
        if self.message is not None:
            out["message"] = self.message
        return out


def _xsd_datetime(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise MalformedError(
            "schema_invalid", "Datetimes in credentials must be timezone-aware (UTC)."
        )
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_status_list_credential(
    *,
    issuer: str,
    url: str,
    purpose: Purpose,
    status_list: StatusList,
    valid_from: datetime,
    valid_until: datetime,
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` (section 2.2) for ``status_list``,
    published at ``url`` (its ``id``, which entries name in ``statusListCredential``).

    Generate Algorithm (section 3.1) steps 2-4; step 5 (proof) is done by a securing module.
    Raises ConfigurationError ``status_purpose_unsupported`` for a purpose other than
    revocation or suspension; MalformedError ``schema_invalid`` for naive datetimes.
    """
    if purpose not in ("revocation", "suspension"):
        raise ConfigurationError(
            "status_purpose_unsupported",
            f"Status lists are built for 'revocation' or 'suspension', not {purpose!r}.",
        )
    if status_list.status_size != 1:
        raise ConfigurationError(
            "status_purpose_unsupported",
            "Revocation and suspension lists use 1-bit entries (statusSize 1).",
        )
    return {
        "@context": [STATUS_LIST_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": _xsd_datetime(valid_from),
        "validUntil": _xsd_datetime(valid_until),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": status_list.encode(),
        },
    }


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class _Entry:
    purpose: str
    index: int
    list_url: str
    status_size: int
    messages: dict[int, str] | None


def _parse_entry(entry: Mapping[str, Any]) -> _Entry:
    def bad(message: str) -> MalformedError:
        return MalformedError(
            "status_entry_malformed",
            f"credentialStatus is not a conforming BitstringStatusListEntry: {message}",
        )

    if not isinstance(entry, Mapping):
        raise bad("it must be a JSON object")
    if "BitstringStatusListEntry" not in _types(entry.get("type")):
        raise bad("type must be 'BitstringStatusListEntry'")
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise bad("statusPurpose must be a non-empty string")
    raw_index = entry.get("statusListIndex")
    if not isinstance(raw_index, str) or not _INDEX.fullmatch(raw_index):
        raise bad("statusListIndex must be a base-10 integer >= 0 expressed as a string")
    list_url = entry.get("statusListCredential")
    if not isinstance(list_url, str) or ":" not in list_url:
        raise bad("statusListCredential must be a URL")
    status_size = entry.get("statusSize", 1)
    if isinstance(status_size, bool) or not isinstance(status_size, int) or status_size < 1:
        raise bad("statusSize must be an integer greater than zero")
    if status_size > 8:
        raise bad("statusSize above 8 bits is not supported")
    messages: dict[int, str] | None = None
    raw_messages = entry.get("statusMessage")
    if status_size > 1 and raw_messages is None:
        raise bad("statusMessage must be present when statusSize is greater than 1")
    if raw_messages is not None:
        if not isinstance(raw_messages, list) or len(raw_messages) != 1 << status_size:
            raise bad(f"statusMessage must be an array of {1 << status_size} entries")
        messages = {}
        for item in raw_messages:
            if not isinstance(item, Mapping):
                raise bad("each statusMessage must be an object")
            status, message = item.get("status"), item.get("message")
            if not isinstance(status, str) or not re.fullmatch(r"0x[0-9a-fA-F]+", status):
                raise bad("statusMessage.status must be a hexadecimal string prefixed with 0x")
            if not isinstance(message, str):
                raise bad("statusMessage.message must be a string")
            messages[int(status, 16)] = message
    return _Entry(purpose, int(raw_index), list_url, status_size, messages)


def _check_list_validity(status_list: Mapping[str, Any], now: datetime, skew: int) -> None:
    """The list's own validity window; outside it, ``status_list_expired`` /
    ``status_list_not_yet_valid`` (CouldNotCheckError): never a verdict on the credential."""
    try:
        check_validity(
            status_list, now, skew=skew, date_code="status_list_malformed", what="status list"
        )
    except VerdictError as err:
        if err.code == "expired":
            raise CouldNotCheckError(
                "status_list_expired",
                f"{err.message.split(';')[0]}; fetch a fresh one.",
                details=err.details,
            ) from None
        raise CouldNotCheckError(
            "status_list_not_yet_valid",
            f"{err.message.split(';')[0]}; check the clocks or fetch the current list.",
            details=err.details,
        ) from None


def check_status(
    entry: Mapping[str, Any],
    status_list_credential: Mapping[str, Any],
    *,
    now: datetime | None = None,
    min_entries: int = MIN_ENTRIES,
    clock_skew: int = 0,
) -> StatusResult:
    """Bitstring Status List Validate Algorithm (section 3.2) for one ``credentialStatus``
    ``entry`` against an already fetched, already proof-verified status list credential
    (step 4 — dereferencing and proof checking — is the caller's job).

    With ``now``, the list's ``validFrom`` / ``validUntil`` are checked too (with
    ``clock_skew`` seconds, by ``passport.credentials.fields.check_validity``): a list outside
    its window says nothing about the credential, so that is a could-not-check.

    Raises MalformedError ``status_entry_malformed`` / ``status_list_malformed``;
    VerdictError ``status_list_id_mismatch``, ``status_purpose_mismatch`` (step 5),
    ``status_list_length_error`` (step 9), ``status_index_out_of_range`` (step 10);
    CouldNotCheckError ``status_list_expired`` / ``status_list_not_yet_valid``.
    """
    parsed = _parse_entry(entry)

    def bad_list(message: str) -> MalformedError:
        return MalformedError(
            "status_list_malformed",
            f"The status list credential is not a conforming BitstringStatusListCredential: "
            f"{message}",
        )

    if not isinstance(status_list_credential, Mapping):
        raise bad_list("it must be a JSON object")
    if "BitstringStatusListCredential" not in _types(status_list_credential.get("type")):
        raise bad_list("type must include 'BitstringStatusListCredential'")
    list_id = status_list_credential.get("id")
    if list_id is not None and list_id != parsed.list_url:
        raise VerdictError(
            "status_list_id_mismatch",
            f"The status list credential is {list_id!r}, but the credential's status entry "
            f"points at {parsed.list_url!r}.",
            details={"expected": parsed.list_url, "actual": list_id},
        )
    subject = status_list_credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise bad_list("credentialSubject must be a JSON object")
    if "BitstringStatusList" not in _types(subject.get("type")):
        raise bad_list("credentialSubject.type must be 'BitstringStatusList'")
    list_purposes = _types(subject.get("statusPurpose"))
    if not list_purposes or not all(isinstance(p, str) for p in list_purposes):
        raise bad_list("credentialSubject.statusPurpose must be one or more strings")

    if now is not None:
        _check_list_validity(status_list_credential, now, clock_skew)

    # step 5
    if parsed.purpose not in list_purposes:
        raise VerdictError(
            "status_purpose_mismatch",
            f"The credential's status entry is for {parsed.purpose!r} but the status list "
            f"serves {list_purposes!r}.",
            details={"entry": parsed.purpose, "list": list_purposes},
        )
    # steps 6-9
    bitstring = StatusList.decode(
        subject.get("encodedList"),  # type: ignore[arg-type]  # checked in decode_bitstring
        status_size=parsed.status_size,
        min_entries=min_entries,
    )
    # step 10
    value = bitstring.get(parsed.index)
    message = parsed.messages.get(value) if parsed.messages is not None else None
    return StatusResult(
        purpose=parsed.purpose,
        index=parsed.index,
        value=value,
        status_size=parsed.status_size,
        message=message,
    )
