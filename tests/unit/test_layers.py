"""Dependencies point down (STYLE.md section 1), checked on the source's imports.

- No module of ``passport/chain/`` imports ``passport.did`` except its identifier module
  (``passport.did.ethr.identifier``): the did:ethr package sits above the chain clients.
- No service or other CLI imports the ``passport`` toolbox CLI (``passport_cli``); what they
  share is ``clikit``.
- The core library imports no CLI, service or web framework.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Old import paths kept for callers that predate a move: re-exports and nothing else.
ALIASES = {ROOT / "passport" / "chain" / "ethr_controller.py"}


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports (absolute names; relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            out.add(module)
            out.update(f"{module}.{alias.name}" for alias in node.names)
    return out


def modules(*parts: str) -> list[Path]:
    return sorted((ROOT.joinpath(*parts)).rglob("*.py"))


def test_chain_clients_import_only_the_did_identifier() -> None:
    bad = {}
    for path in modules("passport", "chain"):
        if path in ALIASES:
            continue
        did = {
            m
            for m in imports_of(path)
            if (m == "passport.did" or m.startswith("passport.did."))
            and not m.startswith("passport.did.ethr.identifier")
        }
        if did:
            bad[str(path.relative_to(ROOT))] = sorted(did)
    assert not bad, f"passport/chain must not import passport.did (but its identifier): {bad}"


def test_aliases_only_re_export() -> None:
    for path in ALIASES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        kinds = {type(node).__name__ for node in tree.body}
        assert kinds <= {"Expr", "ImportFrom", "Import", "Assign"}, (path, kinds)


@pytest.mark.parametrize("package", ["issuer_service", "verifier_service", "wallet_cli", "clikit"])
def test_no_service_imports_the_toolbox_cli(package: str) -> None:
    bad = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imports_of(path) if m.startswith("passport_cli")
        )
        for path in modules(package)
    }
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"import clikit (or passport), never passport_cli: {bad}"


def test_the_core_imports_no_front_end() -> None:
    front = ("passport_cli", "clikit", "issuer_service", "verifier_service", "wallet_cli",
             "fastapi", "typer", "rich", "starlette", "uvicorn")  # fmt: skip
    bad = {}
    for path in modules("passport"):
        found = sorted(m for m in imports_of(path) if m.split(".")[0] in front)
        if found:
            bad[str(path.relative_to(ROOT))] = found
    assert not bad, bad


def test_the_checks_see_imports() -> None:
    # the scan is not vacuous: it sees the chain's import of the identifier, and the
    # toolbox's own imports of passport_cli
    registries = imports_of(ROOT / "passport" / "chain" / "registries.py")
    assert "passport.did.ethr.identifier" in registries
    assert any(m.startswith("passport_cli") for m in imports_of(ROOT / "passport_cli" / "main.py"))
