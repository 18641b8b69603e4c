"""One table, one doc, one negative test for every error code.

Every code raised or recorded anywhere in ``passport``, ``passport_cli`` and
``issuer_service`` (found by reading the source: the error classes, the factories that take a
``code``, and ``report.failed``) has a row in ``passport.codes.CODES``; every row has an entry
in ``docs/errors.md`` and a negative test (a test that names it); and where a code is raised
through a branch class, the class is its row's branch. ``tests/conftest.py`` adds the dynamic
half: a code constructed during the test run without a row fails the run.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

from passport.codes import CODES, Branch

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("passport", "passport_cli", "clikit", "issuer_service", "wallet_cli", "verifier_service")
BRANCH_OF_CLASS = {
    "MalformedError": Branch.MALFORMED,
    "VerdictError": Branch.VERDICT,
    "CouldNotCheckError": Branch.COULD_NOT_CHECK,
    "ConfigurationError": Branch.CONFIGURATION,
}
CLASSES = {*BRANCH_OF_CLASS, "PassportError", "Oid4vciError"}
# issuer_service.errors.ProtocolError(error, description, status, *, code="request_malformed")
# takes the wire error first; its code is a keyword.
WIRE_FIRST = {"ProtocolError": "request_malformed"}
# Codes raised through a variable rather than a literal.
INDIRECT = {
    "revoked",
    "suspended",
    "accreditation_suspended",
    "accreditation_revoked",
    "accreditation_expired",
    "accreditation_not_yet_valid",
}


def _name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _trees() -> list[ast.Module]:
    paths = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    return [ast.parse(p.read_text(encoding="utf-8")) for p in paths]


def _factories(trees: list[ast.Module]) -> dict[str, tuple[int, str]]:
    """Functions that build an error from their ``code`` parameter: name -> (index, class)."""
    out: dict[str, tuple[int, str]] = {}
    for tree in trees:
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef):
                continue
            params = [a.arg for a in fn.args.args]
            if "code" not in params:
                continue
            for node in ast.walk(fn):
                if (
                    isinstance(node, ast.Call)
                    and _name(node) in CLASSES
                    and node.args
                    and isinstance(node.args[0], ast.Name)
                    and node.args[0].id == "code"
                ):
                    out[fn.name] = (params.index("code"), str(_name(node)))
    return out


def raised_codes() -> dict[str, set[str]]:
    """code -> the classes (or ``report.failed``) it is raised or recorded with."""
    trees = _trees()
    factories = _factories(trees)
    found: dict[str, set[str]] = defaultdict(set)
    for code in INDIRECT:
        found[code].add("VerdictError")
    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node)
            if name in WIRE_FIRST:
                code = next(
                    (k.value for k in node.keywords if k.arg == "code"),
                    ast.Constant(WIRE_FIRST[name]),
                )
                if isinstance(code, ast.Constant) and isinstance(code.value, str):
                    found[code.value].add(name)
                continue
            if name in CLASSES:
                at, cls = 0, str(name)
            elif name in factories:
                at, cls = factories[name]
            elif name == "failed":
                at, cls = 1, "report.failed"
            else:
                continue
            if len(node.args) > at:
                arg = node.args[at]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found[arg.value].add(cls)
    return found


def documented_codes() -> set[str]:
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    return set(re.findall(r"`([a-z][a-z0-9_]+)`", text))


def codes_named_in_tests() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "tests").rglob("*.py"):
        if path.name == Path(__file__).name:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value)
    return names


def test_every_raised_or_recorded_code_has_a_row() -> None:
    missing = set(raised_codes()) - set(CODES)
    assert not missing, f"add these codes to passport/codes.py: {sorted(missing)}"


def test_every_row_is_documented() -> None:
    missing = set(CODES) - documented_codes()
    assert not missing, f"document these codes in docs/errors.md: {sorted(missing)}"


def test_every_row_has_a_negative_test() -> None:
    missing = set(CODES) - codes_named_in_tests()
    assert not missing, f"write a test that provokes each of: {sorted(missing)}"


def test_a_code_raised_through_a_branch_class_is_of_its_rows_branch() -> None:
    wrong = {
        code: sorted(classes)
        for code, classes in raised_codes().items()
        if code in CODES
        and any(BRANCH_OF_CLASS.get(c, CODES[code].branch) != CODES[code].branch for c in classes)
    }
    assert not wrong, f"one code, one branch: {wrong}"


def test_the_scan_finds_codes_of_every_kind() -> None:
    found = raised_codes()
    assert {"signature_invalid", "did_invalid", "kb_nonce_mismatch"} <= set(found)
    assert "report.failed" in found["presentation_empty"]  # recorded, not raised
    assert "report.failed" in found["credential_format_unsupported"]
    assert "Oid4vciError" in found["tx_code_mismatch"]  # through a factory


def test_http_statuses_follow_the_branch_unless_a_row_says_otherwise() -> None:
    assert CODES["did_not_found"].status == 503  # could-not-check, not a missing record
    assert CODES["customer_not_found"].status == 404
    assert CODES["access_token_invalid"].status == 401
    assert CODES["signature_invalid"].status == 400
    assert CODES["keystore_locked"].status == 500
