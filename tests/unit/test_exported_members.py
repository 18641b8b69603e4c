"""``passport.__all__`` lists exactly the public names the package exports."""

from __future__ import annotations

import passport


def test_all_is_complete_and_exact() -> None:
    public = {
        name
        for name, value in vars(passport).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("passport")
    }
    assert public == set(passport.__all__)


def test_every_exported_name_resolves() -> None:
    for name in passport.__all__:
        assert getattr(passport, name) is not None
