"""Fixtures of the credentials tests."""

from __future__ import annotations

from typing import Any

import pytest
from credential_examples import BUILDERS


@pytest.fixture(params=sorted(BUILDERS))
def example(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    """(type, credential) for each holder credential type."""
    name: str = request.param
    return name, BUILDERS[name]()
