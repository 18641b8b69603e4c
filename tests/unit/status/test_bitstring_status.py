"""W3C Bitstring Status List v1.0: the list, its encoding, allocation and the validate algorithm."""

from __future__ import annotations

import base64
import gzip
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from passport.errors import (
    ConfigurationError,
    CouldNotCheckError,
    MalformedError,
    PassportError,
    VerdictError,
)
from passport.status import (
    MIN_ENTRIES,
    StatusList,
    build_status_list_credential,
    check_status,
    decode_bitstring,
    encode_bitstring,
)

VECTORS = Path(__file__).parents[2] / "vectors" / "status-list"
EXPECTED = json.loads((VECTORS / "expected.json").read_text())
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
LIST_URL = "https://bank.example/status/1"
ISSUER = "did:ethr:0x1:0xb9c5714089478a327f09197987f16f9e5d936e8a"


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text())


def set_indexes(bits: bytes) -> list[int]:
    return [i for i in range(len(bits) * 8) if bits[i >> 3] >> (7 - (i & 7)) & 1]


def entry(index: int, purpose: str = "revocation", url: str = LIST_URL) -> dict[str, Any]:
    return {
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def list_credential(sl: StatusList, purpose: str = "revocation") -> dict[str, Any]:
    return build_status_list_credential(
        issuer=ISSUER,
        url=LIST_URL,
        purpose=purpose,  # type: ignore[arg-type]
        status_list=sl,
        valid_from=NOW - timedelta(hours=1),
        valid_until=NOW + timedelta(days=1),
    )


# --- vectors ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", EXPECTED["bitstrings"], ids=lambda c: c["list"])
def test_vector_bitstring_decodes_to_expected_bits(case: dict[str, Any]) -> None:
    encoded = load(case["list"])["credentialSubject"]["encodedList"]
    bits = decode_bitstring(encoded)
    assert len(bits) * 8 == case["entries"]
    assert set_indexes(bits) == case["set_indexes"]
    sl = StatusList.decode(encoded)
    assert sl.size == case["entries"]
    for index in case["set_indexes"]:
        assert sl.get(index) == 1
        assert sl.get(index - 1) == 0


@pytest.mark.parametrize(
    "case", EXPECTED["checks"], ids=lambda c: f"{c['credential']}->{c['list']}:{c.get('entry', 0)}"
)
def test_vector_validate_algorithm(case: dict[str, Any]) -> None:
    status = load(case["credential"])["credentialStatus"]
    if isinstance(status, list):
        status = status[case["entry"]]
    status_list = load(case["list"])
    if "error" in case:
        with pytest.raises(PassportError) as info:
            check_status(status, status_list)
        assert info.value.code == case["error"]
        assert isinstance(info.value, VerdictError)
    else:
        assert check_status(status, status_list).to_dict() == case["result"]


def test_empty_default_list_encodes_exactly_as_the_spec_example() -> None:
    spec = load("spec-example-status-list-credential.json")["credentialSubject"]["encodedList"]
    encoded = StatusList().encode()
    assert encoded == spec
    assert encoded.startswith("u")
    assert "=" not in encoded
    raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    assert gzip.decompress(raw) == bytes(MIN_ENTRIES // 8)  # 16 KB of zeros
    assert StatusList.decode(encoded).to_bytes() == bytes(16384)


def test_spec_example_list_validates_against_our_status_list_schema() -> None:
    from passport.credentials import validate_credential

    assert (
        validate_credential(load("spec-example-status-list-credential.json"))
        == "BitstringStatusListCredential"
    )


# --- the list -----------------------------------------------------------------------------


def test_bit_zero_is_the_leftmost_bit_of_the_first_byte() -> None:
    sl = StatusList()
    sl.set(0)
    sl.set(9)
    sl.set(MIN_ENTRIES - 1)
    raw = sl.to_bytes()
    assert raw[0] == 0b1000_0000
    assert raw[1] == 0b0100_0000
    assert raw[-1] == 0b0000_0001


def test_set_clear_get_and_round_trip() -> None:
    sl = StatusList()
    for index in (3, 70_000, 131_071):
        assert sl.get(index) == 0
        sl.set(index)
        assert sl.get(index) == 1
    sl.clear(70_000)
    assert sl.get(70_000) == 0
    decoded = StatusList.decode(sl.encode())
    assert set_indexes(decoded.to_bytes()) == [3, 131_071]
    assert len(sl.encode()) < 200  # a sparse list compresses to a few hundred bytes


def test_larger_list_and_multi_bit_entries() -> None:
    sl = StatusList(200_000, status_size=2)
    sl.set(5, 2)
    sl.set(6, 3)
    assert (sl.get(4), sl.get(5), sl.get(6)) == (0, 2, 3)
    assert sl.to_bytes()[1] == 0b0010_1100  # entries 4..7 share byte 1: 00 10 11 00
    decoded = StatusList.decode(sl.encode(), status_size=2)
    assert decoded.size == 200_000
    assert decoded.get(5) == 2 and decoded.get(6) == 3


def test_encoding_is_deterministic() -> None:
    bits = bytes(range(256)) * 64
    assert encode_bitstring(bits) == encode_bitstring(bits)
    assert decode_bitstring(encode_bitstring(bits)) == bits


def test_lists_below_the_minimum_are_refused() -> None:
    with pytest.raises(ConfigurationError) as info:
        StatusList(MIN_ENTRIES - 1)
    assert info.value.code == "status_list_too_small"


def test_unsupported_status_size() -> None:
    with pytest.raises(ConfigurationError) as info:
        StatusList(status_size=0)
    assert info.value.code == "status_size_unsupported"


@pytest.mark.parametrize("index", [-1, MIN_ENTRIES, True])
def test_index_out_of_range(index: int) -> None:
    sl = StatusList()
    with pytest.raises(VerdictError) as info:
        sl.get(index)
    assert info.value.code == "status_index_out_of_range"
    with pytest.raises(VerdictError):
        sl.set(index)


def test_value_must_fit_status_size() -> None:
    with pytest.raises(ConfigurationError) as info:
        StatusList().set(1, 2)
    assert info.value.code == "status_value_out_of_range"


# --- allocation ---------------------------------------------------------------------------


def test_allocation_never_repeats_and_spreads_over_the_list() -> None:
    sl = StatusList()
    picked = [sl.allocate() for _ in range(5000)]
    assert len(set(picked)) == 5000
    assert all(0 <= i < MIN_ENTRIES for i in picked)
    # random, not sequential: indexes fall in every eighth of the list
    assert {i * 8 // MIN_ENTRIES for i in picked} == set(range(8))
    assert sl.allocated_count == 5000 and sl.is_allocated(picked[0])


def test_allocation_is_reproducible_with_an_injected_rng_and_fills_the_list() -> None:
    first = StatusList(allocated=range(0, MIN_ENTRIES - 100))
    second = StatusList(allocated=range(0, MIN_ENTRIES - 100))
    a = [first.allocate(random.Random(7).randrange) for _ in range(100)]
    b = [second.allocate(random.Random(7).randrange) for _ in range(100)]
    assert a == b
    assert sorted(a) == list(range(MIN_ENTRIES - 100, MIN_ENTRIES))
    with pytest.raises(ConfigurationError) as info:
        first.allocate()
    assert info.value.code == "status_list_full"


def test_allocation_rejection_sampling_skips_taken_indexes() -> None:
    draws = iter([5, 5, 6])
    sl = StatusList(allocated=[5])
    assert sl.allocate(lambda n: next(draws)) == 6


# --- status list credential and check_status ----------------------------------------------


def test_build_status_list_credential_shape() -> None:
    sl = StatusList()
    cred = list_credential(sl, "suspension")
    assert cred["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert cred["id"] == LIST_URL
    assert cred["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert cred["validFrom"] == "2025-06-01T11:00:00Z"
    assert cred["credentialSubject"] == {
        "id": LIST_URL + "#list",
        "type": "BitstringStatusList",
        "statusPurpose": "suspension",
        "encodedList": sl.encode(),
    }


def test_build_status_list_credential_rejects_other_purposes() -> None:
    with pytest.raises(ConfigurationError) as info:
        list_credential(StatusList(), "message")
    assert info.value.code == "status_purpose_unsupported"


def test_build_status_list_credential_needs_aware_datetimes() -> None:
    with pytest.raises(MalformedError) as info:
        build_status_list_credential(
            issuer=ISSUER,
            url=LIST_URL,
            purpose="revocation",
            status_list=StatusList(),
            valid_from=datetime(2025, 1, 1),
            valid_until=NOW,
        )
    assert info.value.code == "schema_invalid"


def test_multi_bit_lists_are_not_published_for_revocation() -> None:
    with pytest.raises(ConfigurationError) as info:
        list_credential(StatusList(status_size=2))
    assert info.value.code == "status_purpose_unsupported"


def test_revoked_and_suspended_flags() -> None:
    sl = StatusList()
    sl.set(42)
    revoked = check_status(entry(42), list_credential(sl), now=NOW)
    assert revoked.revoked and not revoked.suspended and not revoked.valid
    fine = check_status(entry(43), list_credential(sl), now=NOW)
    assert fine.valid and not fine.revoked
    suspended = check_status(entry(42, "suspension"), list_credential(sl, "suspension"))
    assert suspended.suspended and not suspended.revoked


def test_purpose_mismatch() -> None:
    with pytest.raises(VerdictError) as info:
        check_status(entry(1, "suspension"), list_credential(StatusList()))
    assert info.value.code == "status_purpose_mismatch"


def test_entry_index_beyond_the_list() -> None:
    with pytest.raises(VerdictError) as info:
        check_status(entry(MIN_ENTRIES), list_credential(StatusList()))
    assert info.value.code == "status_index_out_of_range"


def test_list_id_mismatch() -> None:
    with pytest.raises(VerdictError) as info:
        check_status(entry(1, url="https://bank.example/status/2"), list_credential(StatusList()))
    assert info.value.code == "status_list_id_mismatch"


def test_expired_and_not_yet_valid_lists_cannot_decide() -> None:
    cred = list_credential(StatusList())
    with pytest.raises(CouldNotCheckError) as info:
        check_status(entry(1), cred, now=NOW + timedelta(days=2))
    assert info.value.code == "status_list_expired"
    with pytest.raises(CouldNotCheckError) as info:
        check_status(entry(1), cred, now=NOW - timedelta(days=2))
    assert info.value.code == "status_list_not_yet_valid"


def test_multi_bit_entry_with_status_messages() -> None:
    sl = StatusList(status_size=2)
    sl.set(9, 2)
    cred = list_credential(StatusList())
    cred["credentialSubject"]["statusPurpose"] = "message"
    cred["credentialSubject"]["encodedList"] = sl.encode()
    message_entry = {
        **entry(9, "message"),
        "statusSize": 2,
        "statusMessage": [
            {"status": "0x0", "message": "pending_review"},
            {"status": "0x1", "message": "accepted"},
            {"status": "0x2", "message": "rejected"},
            {"status": "0x3", "message": "undefined"},
        ],
    }
    result = check_status(message_entry, cred)
    assert (result.value, result.message, result.valid) == (2, "rejected", False)


BAD_ENTRIES: list[Any] = [
    "not an object",
    {**entry(1), "type": "StatusList2021Entry"},
    {**entry(1), "statusPurpose": ""},
    {**entry(1), "statusListIndex": 1},
    {**entry(1), "statusListIndex": "01"},
    {**entry(1), "statusListIndex": "-1"},
    {**entry(1), "statusListCredential": None},
    {**entry(1), "statusSize": 0},
    {**entry(1), "statusSize": 2},  # statusMessage required
    {**entry(1), "statusMessage": [{"status": "0x0", "message": "ok"}]},  # needs 2
    {**entry(1), "statusMessage": [{"status": "0", "message": "a"}, {"status": "0x1"}]},
]


@pytest.mark.parametrize("bad", BAD_ENTRIES)
def test_malformed_entries(bad: Any) -> None:
    with pytest.raises(MalformedError) as info:
        check_status(bad, list_credential(StatusList()))
    assert info.value.code == "status_entry_malformed"


def _with_subject(**changes: Any) -> dict[str, Any]:
    cred = list_credential(StatusList())
    cred["credentialSubject"].update(changes)
    return cred


def _gzip_b64(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode()


BAD_LISTS: list[Any] = [
    [],
    {"type": ["VerifiableCredential"], "id": LIST_URL},
    {"type": ["VerifiableCredential", "BitstringStatusListCredential"], "id": LIST_URL},
    _with_subject(type="StatusList2021"),
    _with_subject(statusPurpose=[]),
    _with_subject(encodedList=12),
    _with_subject(encodedList="zNotBase64url"),  # base58btc multibase, not base64url
    _with_subject(encodedList="u" + "A" * 5),  # impossible base64 length
    _with_subject(encodedList="uH4sI="),  # padding is not allowed
    _with_subject(encodedList=_gzip_b64(b"not gzip at all")),
    _with_subject(encodedList=_gzip_b64(gzip.compress(bytes(16384))[:-4])),  # truncated
    _with_subject(encodedList=_gzip_b64(gzip.compress(bytes(16384)) + b"junk")),
    _with_subject(encodedList=_gzip_b64(gzip.compress(bytes(5 * 1024 * 1024)))),  # bomb
]


@pytest.mark.parametrize("bad", BAD_LISTS)
def test_malformed_lists(bad: Any) -> None:
    with pytest.raises(MalformedError) as info:
        check_status(entry(1), bad)
    assert info.value.code == "status_list_malformed"


def test_malformed_list_dates() -> None:
    cred = list_credential(StatusList())
    cred["validUntil"] = "tomorrow"
    with pytest.raises(MalformedError) as info:
        check_status(entry(1), cred, now=NOW)
    assert info.value.code == "status_list_malformed"


def test_short_list_is_a_length_error() -> None:
    cred = _with_subject(encodedList=encode_bitstring(bytes(MIN_ENTRIES // 8 - 1)))
    with pytest.raises(VerdictError) as info:
        check_status(entry(1), cred)
    assert info.value.code == "status_list_length_error"
    # statusSize 2 halves the entries of the same 16 KB bitstring (step 9)
    two_bit = {
        **entry(1),
        "statusSize": 2,
        "statusMessage": [{"status": hex(i), "message": str(i)} for i in range(4)],
    }
    with pytest.raises(VerdictError) as info:
        check_status(two_bit, list_credential(StatusList()))
    assert info.value.code == "status_list_length_error"
