"""One Format, both spellings (and the old names still import)."""

from __future__ import annotations

import pytest

from passport.formats import FORMAT_LDP_VC, FORMAT_VC_SD_JWT, SHORT_NAMES, Format


@pytest.mark.parametrize(
    ("short", "long", "wire"),
    [
        ("sd-jwt", "vc+sd-jwt", FORMAT_VC_SD_JWT),
        ("di-rdfc", "eddsa-rdfc-2022", FORMAT_LDP_VC),
        ("di-jcs", "eddsa-jcs-2022", FORMAT_LDP_VC),
        ("ldp-v1", "Ed25519Signature2020", FORMAT_LDP_VC),
    ],
)
def test_both_spellings_name_one_member(short: str, long: str, wire: str) -> None:
    assert Format(short) is Format(long)
    assert Format(short).short == short and Format(short).value == long
    assert Format(short).oid4vci == wire


def test_old_names_are_the_same_class() -> None:
    from passport import securing, verify
    from passport.exchange import oid4vci

    assert securing.IssueFormat is Format and verify.Format is Format
    assert securing.IssueFormat("sd-jwt") is Format.SD_JWT
    assert oid4vci.FORMAT_VC_SD_JWT == "vc+sd-jwt" and oid4vci.FORMAT_LDP_VC == "ldp_vc"
    assert SHORT_NAMES == ("sd-jwt", "di-rdfc", "di-jcs", "ldp-v1")


def test_an_unknown_format_is_rejected() -> None:
    with pytest.raises(ValueError):
        Format("jwt_vc_json")
