"""Verification reports: every check that ran and its outcome, never a bare bool.

A report's ``status`` is ``verified`` when every check passed, ``invalid`` when at least
one check reached a negative verdict, and ``indeterminate`` when nothing failed but some
check could not be carried out (a DID could not be resolved, a status list was
unreachable). Callers treat only ``verified`` as acceptance.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from passport.codes import Branch, branch_of
from passport.errors import (
    ConfigurationError,
    CouldNotCheckError,
    MalformedError,
    PassportError,
    VerdictError,
)

__all__ = ["Check", "Outcome", "ReportStatus", "VerificationReport"]

T = TypeVar("T")


class Outcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    COULD_NOT_CHECK = "could_not_check"


class ReportStatus(enum.StrEnum):
    VERIFIED = "verified"
    INVALID = "invalid"
    INDETERMINATE = "indeterminate"


@dataclass(frozen=True)
class Check:
    """One check: its name, outcome and, unless it passed, a stable code and a message."""

    name: str
    outcome: Outcome
    code: str | None = None
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check": self.name, "outcome": self.outcome.value}
        if self.code is not None:
            out["code"] = self.code
        if self.message:
            out["message"] = self.message
        return out


@dataclass
class VerificationReport:
    """The result of verifying one credential or presentation."""

    format: str
    checks: list[Check] = field(default_factory=list)
    # What the verifier learned: issuer, holder, the disclosed claims, per-credential reports.
    subject: dict[str, Any] = field(default_factory=dict)
    credentials: list[VerificationReport] = field(default_factory=list)

    @property
    def status(self) -> ReportStatus:
        outcomes = [c.outcome for c in self.checks]
        outcomes += [
            Outcome.FAILED
            if r.status is ReportStatus.INVALID
            else Outcome.COULD_NOT_CHECK
            if r.status is ReportStatus.INDETERMINATE
            else Outcome.PASSED
            for r in self.credentials
        ]
        if Outcome.FAILED in outcomes:
            return ReportStatus.INVALID
        if Outcome.COULD_NOT_CHECK in outcomes or not outcomes:
            return ReportStatus.INDETERMINATE
        return ReportStatus.VERIFIED

    @property
    def verified(self) -> bool:
        return self.status is ReportStatus.VERIFIED

    @property
    def failures(self) -> list[Check]:
        """Every check that did not pass, here and in the nested credential reports."""
        own = [c for c in self.checks if c.outcome is not Outcome.PASSED]
        for r in self.credentials:
            own.extend(r.failures)
        return own

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.failures if c.code]

    def passed(self, name: str) -> None:
        self.checks.append(Check(name, Outcome.PASSED))

    def failed(self, name: str, code: str, message: str) -> None:
        """Record check ``name`` as not passed with ``code``: ``could_not_check`` when the
        code's row in ``passport.codes`` says so, else ``failed``."""
        outcome = (
            Outcome.COULD_NOT_CHECK if branch_of(code) is Branch.COULD_NOT_CHECK else Outcome.FAILED
        )
        self.checks.append(Check(name, outcome, code, message))

    def record_error(self, name: str, err: PassportError) -> None:
        """Record ``err`` as the outcome of check ``name``: a verdict unless it could not be
        checked (a ``CouldNotCheckError``, or a code whose row is ``could_not_check``)."""
        could_not = isinstance(err, CouldNotCheckError) or (
            not isinstance(err, VerdictError | MalformedError | ConfigurationError)
            and branch_of(err.code) is Branch.COULD_NOT_CHECK
        )
        outcome = Outcome.COULD_NOT_CHECK if could_not else Outcome.FAILED
        self.checks.append(Check(name, outcome, err.code, err.message))

    def run(self, name: str, fn: Callable[[], T]) -> T | None:
        """Run ``fn`` as check ``name``; its PassportError becomes the check's outcome.

        Returns what ``fn`` returned, or None when it raised.
        """
        try:
            result = fn()
        except PassportError as err:
            self.record_error(name, err)
            return None
        self.passed(name)
        return result

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status.value,
            "verified": self.verified,
            "format": self.format,
            "checks": [c.to_dict() for c in self.checks],
        }
        if self.subject:
            out["subject"] = self.subject
        if self.credentials:
            out["credentials"] = [r.to_dict() for r in self.credentials]
        return out
