"""Test-run wide: every error code constructed while the tests run must have a row in
``passport.codes`` (the dynamic half of ``tests/unit/test_error_docs.py``, which reads the
source). A code without a row fails the run, listed in the summary."""

from __future__ import annotations

from typing import Any

import pytest

from passport.errors import PassportError

_seen: set[str] = set()
_original_init = PassportError.__init__


def _recording_init(self: PassportError, code: str | None, message: str, **kw: Any) -> None:
    _original_init(self, code, message, **kw)
    if code is not None:  # None: the class default, a placeholder of tests
        _seen.add(self.code)


PassportError.__init__ = _recording_init  # type: ignore[method-assign]


def _unknown() -> list[str]:
    from passport.codes import CODES

    return sorted(_seen - set(CODES))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _unknown() and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    unknown = _unknown()
    if unknown:
        terminalreporter.write_line(
            f"error codes raised without a row in passport/codes.py: {unknown}", red=True
        )
