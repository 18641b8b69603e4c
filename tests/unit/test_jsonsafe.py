"""The bounded JSON parser, and deep input that used to overflow the C stack (SIGSEGV).

The crash tests run in a subprocess that first imports eth-account (py_ecc raises the
recursion limit to 100,000 at import, as in ``issuer serve`` and ``passport vc verify
--require-accreditation``): a segfault is then an exit status, not a dead pytest.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from passport import jsonsafe
from passport.errors import MalformedError

DEEP = 100_000


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('["[[[[", "]]]]]]", "\\"[[["]', 1),  # brackets inside strings do not count
        ("[" * 500 + "]" * 500, 500),
        ('{"a":' * 70 + "1" + "}" * 70, 70),
    ],
)
def test_nesting_depth(text: str, depth: int) -> None:
    assert jsonsafe.nesting_depth(text) == depth


def test_loads_parses_what_json_parses() -> None:
    doc = {"a": [1, 2.5, None, True, {"b": "é[{"}], "c": -3}
    assert jsonsafe.loads(json.dumps(doc)) == doc
    assert jsonsafe.loads(json.dumps(doc).encode()) == doc


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("[" * 65 + "]" * 65, "json_too_deep"),
        ('{"a":' * 65 + "1" + "}" * 65, "json_too_deep"),
        ("[" * DEEP + "]" * DEEP, "json_too_deep"),
        ("[" * DEEP, "json_too_deep"),  # not even JSON: refused before parsing
        ("1" * 5000, "json_malformed"),  # beyond Python's int-str digit limit
        ("[NaN]", "json_malformed"),
        ('{"x": Infinity}', "json_malformed"),
        ("[1e999]", "json_malformed"),
        ("{", "json_malformed"),
        (b"\xff\xfe[]", "json_malformed"),
    ],
    ids=["65", "65-obj", "deep", "unclosed", "digits", "nan", "inf", "1e999", "eof", "utf8"],
)
def test_loads_refuses_with_a_code(text: str | bytes, code: str) -> None:
    with pytest.raises(MalformedError) as err:
        jsonsafe.loads(text)
    assert err.value.code == code


def test_size_limit() -> None:
    with pytest.raises(MalformedError) as err:
        jsonsafe.loads('"' + "x" * 100 + '"', max_bytes=50)
    assert err.value.code == "json_too_large"
    assert err.value.details == {"size": 102, "limit": 50}


def test_importing_the_chain_layer_leaves_a_sane_recursion_limit() -> None:
    code = (
        "import sys, passport.chain.registries, passport.chain.deployment;"
        "print(sys.getrecursionlimit())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) <= jsonsafe.SAFE_RECURSION_LIMIT


def _run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    prelude = "import eth_account, sys; assert sys.getrecursionlimit() >= 100000\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _deep_credential(tmp_path: Path) -> Path:
    path = tmp_path / "deep.json"
    path.write_text('{"@context": ' + "[" * DEEP + "]" * DEEP + "}", encoding="utf-8")
    return path


def test_passport_vc_verify_refuses_deep_json_without_crashing(tmp_path: Path) -> None:
    path = _deep_credential(tmp_path)
    out = _run(
        "sys.argv = ['passport', 'vc', 'verify', sys.argv[1]]\n"
        "from passport_cli.main import run\nrun()",
        str(path),
    )
    assert out.returncode == 2, out.stderr[-500:]
    assert "json_too_deep" in out.stderr
    assert "Traceback" not in out.stderr


def test_the_pipeline_reports_deep_json_without_crashing(tmp_path: Path) -> None:
    path = _deep_credential(tmp_path)
    out = _run(
        "from datetime import UTC, datetime\nNOW = datetime.now(UTC)\n"
        "from passport.did import default_resolver\n"
        "from passport.verify import VerifyOptions, verify\n"
        "options = VerifyOptions(resolver=default_resolver(), now=NOW)\n"
        "report = verify(open(sys.argv[1]).read(), options)\n"
        "print(report.status.value, report.codes)",
        str(path),
    )
    assert out.returncode == 0, out.stderr[-500:]
    assert out.stdout.split()[0] == "invalid" and "json_too_deep" in out.stdout


PARSERS = {
    "jws": "from passport.sdjwt.common import parse_jws\n"
    "from passport.keys import b64url_encode as e\n"
    "parse_jws(e(b'{\"alg\":\"EdDSA\"}') + '.' + e(DEEP) + '.AA')",
    "disclosure": "from passport.sdjwt.common import decode_disclosure\n"
    "from passport.keys import b64url_encode as e\ndecode_disclosure(e(DEEP))",
    "did-jwk": "from passport.did.jwk import jwk_from_did_jwk\n"
    "from passport.keys import b64url_encode as e\njwk_from_did_jwk('did:jwk:' + e(DEEP))",
    "offer": "from passport.exchange.oid4vci import parse_offer_uri\n"
    "from urllib.parse import quote\n"
    "parse_offer_uri('openid-credential-offer://?credential_offer=' + quote(DEEP))",
    "keystore": "from passport.keystore import unseal\nunseal(DEEP, 'x')",
    "webauthn": "from passport.fido.webauthn import RegistrationState, verify_registration\n"
    "state = RegistrationState('x', 'x', b'0' * 16, b'u')\n"
    "verify_registration(state, client_data_json=DEEP, attestation_object=b'', origins=[])",
}


def test_every_parser_refuses_deep_json() -> None:
    """One subprocess for all parsers (each import of eth-account costs a second)."""
    body = "".join(
        f"try:\n    {call.replace(chr(10), chr(10) + '    ')}\n"
        f"except PassportError as exc:\n    print({name!r}, exc.code)\n"
        for name, call in PARSERS.items()
    )
    out = _run(
        f"DEEP = b'[' * {DEEP} + b']' * {DEEP}\nfrom passport.errors import PassportError\n" + body
    )
    assert out.returncode == 0, out.stderr[-800:]
    assert [line.split()[0] for line in out.stdout.splitlines()] == list(PARSERS)
