"""passport.credentials.fields: the one reading of issuer, subject, types and validity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from passport.credentials.fields import (
    check_validity,
    format_datetime,
    issuer_id,
    parse_datetime,
    subject_id,
    types_of,
)
from passport.errors import MalformedError, VerdictError

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_issuer_id_reads_every_spelling() -> None:
    assert issuer_id({"issuer": "did:example:a"}) == "did:example:a"
    assert issuer_id({"issuer": {"id": "did:example:b", "name": "Bank"}}) == "did:example:b"
    assert issuer_id({"iss": "did:example:c"}) == "did:example:c"


@pytest.mark.parametrize("doc", [{}, {"issuer": ""}, {"issuer": {"name": "x"}}, {"issuer": 7}])
def test_no_issuer_is_issuer_missing(doc: dict[str, object]) -> None:
    with pytest.raises(MalformedError) as err:
        issuer_id(doc)
    assert err.value.code == "issuer_missing"


def test_subject_and_types() -> None:
    assert subject_id({"credentialSubject": [{"id": "did:example:h"}]}) == "did:example:h"
    assert subject_id({"credentialSubject": {"name": "x"}}) is None
    assert types_of({"type": "VerifiableCredential"}) == ["VerifiableCredential"]
    assert types_of({"type": ["VerifiableCredential", 3]}) == ["VerifiableCredential"]


def test_dates_round_trip_and_reject_garbage() -> None:
    assert format_datetime(NOW) == "2026-11-21T12:00:00Z"
    assert parse_datetime("2026-11-21T12:00:00Z", "validFrom") == NOW
    assert parse_datetime("2026-11-21T12:00:00", "validFrom") == NOW  # no offset: UTC
    with pytest.raises(MalformedError) as err:
        parse_datetime("soon", "validFrom")
    assert err.value.code == "date_malformed"
    with pytest.raises(MalformedError) as err:
        parse_datetime(3, "validFrom", code="credential_date_invalid")
    assert err.value.code == "credential_date_invalid"


@pytest.mark.parametrize(
    ("end_offset", "skew", "expired"),
    [
        (timedelta(seconds=1), 0, False),
        (timedelta(0), 0, True),  # "on or after": the end instant itself is expired
        (timedelta(seconds=-59), 60, False),
        (timedelta(seconds=-60), 60, True),
    ],
)
@pytest.mark.parametrize("claim", ["validUntil", "expirationDate", "exp"])
def test_one_end_boundary_for_every_spelling(
    end_offset: timedelta, skew: int, expired: bool, claim: str
) -> None:
    end = NOW + end_offset
    doc = {claim: end.timestamp() if claim == "exp" else format_datetime(end)}
    if expired:
        with pytest.raises(VerdictError) as err:
            check_validity(doc, NOW, skew=skew)
        assert err.value.code == "expired"
    else:
        check_validity(doc, NOW, skew=skew)


@pytest.mark.parametrize("claim", ["validFrom", "issuanceDate", "nbf"])
def test_one_start_boundary_for_every_spelling(claim: str) -> None:
    def doc(start: datetime) -> dict[str, object]:
        return {claim: start.timestamp() if claim == "nbf" else format_datetime(start)}

    check_validity(doc(NOW + timedelta(seconds=60)), NOW, skew=60)
    with pytest.raises(VerdictError) as err:
        check_validity(doc(NOW + timedelta(seconds=61)), NOW, skew=60)
    assert err.value.code == "not_yet_valid"


def test_the_tightest_window_wins() -> None:
    doc = {
        "validUntil": format_datetime(NOW + timedelta(days=1)),
        "exp": (NOW - timedelta(days=1)).timestamp(),
    }
    with pytest.raises(VerdictError) as err:
        check_validity(doc, NOW)
    assert err.value.details["claim"] == "exp"


def test_non_numeric_exp_is_jwt_malformed() -> None:
    with pytest.raises(MalformedError) as err:
        check_validity({"exp": "tomorrow"}, NOW)
    assert err.value.code == "jwt_malformed"
