"""docs/errors.md documents every error code the library raises."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLASSES = {
    "MalformedError",
    "VerdictError",
    "CouldNotCheckError",
    "ConfigurationError",
    "PassportError",
}
# Codes raised through a variable rather than a literal.
INDIRECT = {
    "revoked",
    "suspended",
    "accreditation_suspended",
    "accreditation_revoked",
    "accreditation_expired",
    "accreditation_not_yet_valid",
}


def raised_codes() -> set[str]:
    codes = set(INDIRECT)
    packages = ("passport", "passport_cli", "issuer_service", "verifier_service")
    for path in [p for pkg in packages for p in (ROOT / pkg).rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            first = node.args[0]
            if name in CLASSES and isinstance(first, ast.Constant) and isinstance(first.value, str):
                codes.add(first.value)
    return codes


def documented_codes() -> set[str]:
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    return set(re.findall(r"`([a-z][a-z0-9_]+)`", text))


def test_every_raised_code_is_documented() -> None:
    missing = raised_codes() - documented_codes()
    assert not missing, f"document these codes in docs/errors.md: {sorted(missing)}"


def test_the_scan_finds_codes() -> None:
    assert {"signature_invalid", "did_invalid", "kb_nonce_mismatch"} <= raised_codes()
