"""``passport.__all__`` lists exactly the public names the package exports, lazily."""

from __future__ import annotations

import subprocess
import sys

import passport

# Old names kept as aliases of the one definition (passport.formats.Format).
ALIASES = {"IssueFormat": "Format"}


def test_every_exported_name_resolves_to_its_definition() -> None:
    for name in passport.__all__:
        value = getattr(passport, name)
        assert getattr(value, "__name__", name) == ALIASES.get(name, name)
        assert getattr(value, "__module__", "").startswith("passport")


def test_unknown_names_raise_attribute_error() -> None:
    try:
        passport.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_importing_a_light_module_does_not_load_the_heavy_ones() -> None:
    code = "import sys, passport.errors; print('httpx' in sys.modules, 'pyld' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_all_matches_the_lazy_table() -> None:
    assert sorted(passport.__all__) == sorted(passport._EXPORTS)
