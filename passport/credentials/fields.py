"""The fields every credential has, read and checked in one place.

Issuer and subject ids, types, XML Schema dates, and the one validity-period check used by
the pipeline, the SD-JWT verifier and the VC 1.1 verifier (VC Data Model 2.0 section 4.9,
VC 1.1 ``issuanceDate`` / ``expirationDate``, RFC 7519 ``nbf`` / ``exp``):

- a credential is ``not_yet_valid`` while ``now + skew < start``,
- and ``expired`` once ``now - skew >= end`` (JWT ``exp``: "on or after which" it must not be
  accepted; VC ``validUntil`` the same).

Error codes: MalformedError ``issuer_missing``, ``date_malformed`` (or the caller's code for a
bad date, e.g. the SD-JWT verifier's ``credential_date_invalid``), ``jwt_malformed`` (a
non-numeric ``exp`` / ``nbf``); VerdictError ``expired``, ``not_yet_valid``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from passport.errors import MalformedError, VerdictError

__all__ = [
    "DEFAULT_CLOCK_SKEW",
    "ValidityWindow",
    "check_validity",
    "format_datetime",
    "issuer_id",
    "parse_datetime",
    "subject_id",
    "types_of",
    "validity_window",
]

#: Seconds of clock difference tolerated between issuer, holder and verifier.
DEFAULT_CLOCK_SKEW: Final = 60

_START_CLAIMS: Final = (("validFrom", "date"), ("issuanceDate", "date"), ("nbf", "number"))
_END_CLAIMS: Final = (("validUntil", "date"), ("expirationDate", "date"), ("exp", "number"))


def issuer_id(doc: Mapping[str, Any]) -> str:
    """The credential's issuer: ``issuer`` (a string or an object's ``id``), else JWT ``iss``.

    Raises MalformedError ``issuer_missing``.
    """
    issuer = doc.get("issuer", doc.get("iss"))
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    if not isinstance(issuer, str) or not issuer:
        raise MalformedError("issuer_missing", "The credential names no issuer.")
    return issuer


def subject_id(doc: Mapping[str, Any]) -> str | None:
    """``credentialSubject.id`` (of the first subject), or None."""
    subject = doc.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    if isinstance(subject, Mapping) and isinstance(subject.get("id"), str):
        return str(subject["id"])
    return None


def types_of(doc: Mapping[str, Any]) -> list[str]:
    """The ``type`` values as a list (a single string becomes a list; others are dropped)."""
    types = doc.get("type")
    if isinstance(types, str):
        return [types]
    if isinstance(types, list):
        return [t for t in types if isinstance(t, str)]
    return []


def format_datetime(value: datetime) -> str:
    """An XML Schema ``dateTimeStamp`` in UTC, whole seconds: ``2026-11-21T12:00:00Z``."""
    if value.tzinfo is None:
        raise MalformedError("date_malformed", "A date-time must carry a timezone.")
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: Any, name: str, *, code: str = "date_malformed") -> datetime:
    """An XML Schema dateTime as a timezone-aware datetime (UTC when none is given).

    Raises MalformedError ``code`` (``date_malformed`` unless told otherwise).
    """
    if not isinstance(value, str):
        raise MalformedError(code, f"{name} must be a date-time string.", details={"claim": name})
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedError(
            code, f"{name} {value[:64]!r} is not a date-time.", details={"claim": name}
        ) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _numeric_date(value: Any, name: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedError(
            "jwt_malformed", f"The claim {name!r} must be a NumericDate.", details={"claim": name}
        )
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedError(
            "jwt_malformed", f"The claim {name!r} is out of range.", details={"claim": name}
        ) from None


@dataclass(frozen=True)
class ValidityWindow:
    """The latest start and the earliest end a credential names (None: unbounded)."""

    start: datetime | None
    start_claim: str | None
    end: datetime | None
    end_claim: str | None


def validity_window(doc: Mapping[str, Any], *, date_code: str = "date_malformed") -> ValidityWindow:
    """Every start (``validFrom``, ``issuanceDate``, ``nbf``) and end (``validUntil``,
    ``expirationDate``, ``exp``) claim of ``doc``, combined: the latest start, the earliest end.

    Raises MalformedError ``date_code`` / ``jwt_malformed`` for a claim that is not a date.
    """
    start: tuple[datetime, str] | None = None
    end: tuple[datetime, str] | None = None
    for claim, kind in _START_CLAIMS:
        if doc.get(claim) is not None:
            value = doc[claim]
            at = (
                parse_datetime(value, claim, code=date_code)
                if kind == "date"
                else (_numeric_date(value, claim))
            )
            if start is None or at > start[0]:
                start = (at, claim)
    for claim, kind in _END_CLAIMS:
        if doc.get(claim) is not None:
            value = doc[claim]
            at = (
                parse_datetime(value, claim, code=date_code)
                if kind == "date"
                else (_numeric_date(value, claim))
            )
            if end is None or at < end[0]:
                end = (at, claim)
    return ValidityWindow(
        start[0] if start else None,
        start[1] if start else None,
        end[0] if end else None,
        end[1] if end else None,
    )


def check_validity(
    doc: Mapping[str, Any],
    now: datetime,
    *,
    skew: int = DEFAULT_CLOCK_SKEW,
    date_code: str = "date_malformed",
    what: str = "credential",
) -> ValidityWindow:
    """The one validity-period check: ``not_yet_valid`` while ``now + skew < start``,
    ``expired`` once ``now - skew >= end`` (see the module docstring).

    Returns the window; raises VerdictError ``expired`` / ``not_yet_valid`` and the
    MalformedErrors of ``validity_window``.
    """
    window = validity_window(doc, date_code=date_code)
    margin = timedelta(seconds=skew)
    if window.start is not None and now + margin < window.start:
        raise VerdictError(
            "not_yet_valid",
            f"The {what} is valid only from {format_datetime(window.start)} "
            f"({window.start_claim}); wait, or check the clocks.",
            details={"claim": window.start_claim},
        )
    if window.end is not None and now - margin >= window.end:
        raise VerdictError(
            "expired",
            f"The {what} expired at {format_datetime(window.end)} ({window.end_claim}); "
            "ask the issuer for a new one.",
            details={"claim": window.end_claim},
        )
    return window
