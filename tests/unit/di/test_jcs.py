"""JCS (RFC 8785): the fast path must agree with the reference implementation."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785

from passport.di import jcs
from passport.errors import MalformedError

SAMPLES: list[Any] = [
    {"b": 1, "a": [True, False, None], "c": {"z": "", "y": -(2**53) + 1}},
    {"ünïcödé": "€ 𝄞 \u2028", "esc": '"\\\b\f\n\r\t\x00\x1f\x7f', "n": 2**53 - 1},
    {"\ue000": 1, "\U0001f600": 2, "a": 3},  # UTF-16 order differs from code-point order
    {"f": 1.0, "g": 1e-7, "h": 1e21, "i": 0.1 + 0.2, "j": -0.0},
    ["x", [], {}, 0, -1],
    "plain",
    {"nested": [{"k": [1, {"m": "n"}]}]},
]


@pytest.mark.parametrize("value", SAMPLES)
def test_matches_rfc8785(value: Any) -> None:
    assert jcs.canonicalize(value) == rfc8785.dumps(value)


def test_rfc8785_sorting_of_supplementary_keys() -> None:
    # RFC 8785 3.2.3: keys sort by UTF-16 code units, so U+1F600 (D83D DE00) < U+E000
    assert (
        jcs.canonicalize({"\ue000": 1, "\U0001f600": 2}).decode() == '{"\U0001f600":2,"\ue000":1}'
    )


@pytest.mark.parametrize("value", [{"n": 2**53}, {"s": "\ud800"}, {"f": float("nan")}, {1: 2}])
def test_jcs_invalid(value: Any) -> None:
    with pytest.raises(MalformedError) as err:
        jcs.canonicalize(value)
    assert err.value.code == "jcs_invalid"


@pytest.mark.parametrize("size", [0, 1, 2, 31, 32, 33, 64, 65])
@pytest.mark.parametrize("zeros", [0, 1, 3])
def test_base58_decoder_matches_reference(size: int, zeros: int) -> None:
    import base58

    from passport.di import eddsa

    data = b"\x00" * zeros + bytes((i * 37 + 11) % 256 or 1 for i in range(size))
    text = base58.b58encode(data).decode()
    assert eddsa._b58decode(text) == data
