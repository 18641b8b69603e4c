"""Abuse of a real issuer process (issue 7): ``issuer serve`` (uvicorn) on 127.0.0.1, an
offline did:key issuer, attacked over HTTP with deep JSON, oversized and short bodies,
wrong media types and header oddities.

Every answer is a 4xx that carries a spec error code (OAuth's ``error`` at the OAuth
endpoints, problem+json ``code`` elsewhere); the process is alive afterwards and serves a
normal request; its log has no traceback.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from issuer_process import issuer_serve

pytestmark = [pytest.mark.e2e]

BIN = Path(sys.executable).parent
SAMPLE = Path(__file__).resolve().parents[2] / "issuer_service" / "sample_data" / "customers.json"


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen[Any]]]:
    tmp = tmp_path_factory.mktemp("abuse")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {**os.environ, "ISSUER_PASSPHRASE": "abuse test", "ISSUER_CONFIG": str(tmp / "issuer")}
    base = f"http://127.0.0.1:{port}"
    for args in (
        ["init", "--name", "Bank", "--offline", "--kdf", "insecure-fast", "--base-url", base],
        ["import", str(SAMPLE)],
    ):
        done = subprocess.run([str(BIN / "issuer"), *args], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    with issuer_serve(env, port, tmp / "serve.log", "--anchor-interval", "0") as server:
        deadline = time.monotonic() + 60
        while not _alive(base):
            assert server.poll() is None, "issuer serve exited"
            assert time.monotonic() < deadline, "issuer serve did not come up"
            time.sleep(0.3)
        yield base, server


def _alive(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _spec_error(response: httpx.Response) -> str:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    body = response.json()
    code = body.get("error") or body.get("code")
    assert isinstance(code, str) and code, body
    assert "Traceback" not in response.text
    return str(code)


JSON = {"Content-Type": "application/json"}
ATTACK = b"[" * 80_000 + b"]" * 80_000


@pytest.mark.parametrize(
    ("path", "body", "headers", "status"),
    [
        ("/credential", ATTACK, JSON, 413),  # the 160 KB body that killed the process
        ("/fido/registration", ATTACK, JSON, 413),
        ("/credential", b"[" * 30_000 + b"]" * 30_000, JSON, 400),  # deep, under the size
        ("/nonce", b'{"a":' * 40 + b"1" + b"}" * 40, JSON, 400),
        ("/credential", b"x" * 200_000, JSON, 413),
        ("/credential", b'{"a": ' + b"9" * 5000 + b"}", JSON, 400),
        ("/credential", b'{"a": 1}', {"Content-Type": "text/plain"}, 415),
        ("/fido/registration", b"<xml/>", {"Content-Type": "application/xml"}, 415),
        ("/credential", b'{"a": 1}', {"Content-Type": "application/json; charset=utf-16"}, 401),
        ("/token", b"grant_type=x", JSON, 400),
        ("/token", b"a=" + b"b" * 70_000, {"Content-Type": "application/x-www-form-urlencoded"},
         413),
        ("/credential", b"{}", {**JSON, "Authorization": "Bearer " + "x" * 6000}, 400),
        ("/credential", b"{}", {**JSON, "Authorization": "Basic \xe9\xff"}, 401),
        ("/credential", b"{}", {**JSON, "Authorization": "Bearer a b"}, 401),
        ("/credential", b"{}", {**JSON, "Authorization": "Bearer \xe9\xff"}, 400),
    ],  # fmt: skip
)
def test_every_abuse_is_a_4xx_with_a_spec_code(
    issuer: tuple[str, Any], path: str, body: bytes, headers: dict[str, str], status: int
) -> None:
    base, server = issuer
    encoded = {k: v.encode("latin-1") for k, v in headers.items()}
    response = httpx.post(f"{base}{path}", content=body, headers=encoded, timeout=30)
    assert response.status_code == status, response.text[:300]
    _spec_error(response)
    assert server.poll() is None and _alive(base)


def _raw(base: str, request: bytes, *, read: bool = True) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        if not read:
            return b""
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_body_shorter_than_its_content_length(issuer: tuple[str, Any]) -> None:
    base, server = issuer
    answer = _raw(
        base,
        b"POST /credential HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 5000\r\n\r\n" + b'{"credential_configuration_id": "KYC',
    )
    assert answer == b"" or answer.startswith(b"HTTP/1.1 4")  # nobody to answer, or a 4xx
    assert server.poll() is None and _alive(base)


@pytest.mark.parametrize(
    "head",
    [
        b"Content-Length: -1\r\n",
        b"Content-Length: 10\r\nContent-Length: 20\r\n",
        b"Content-Length: abc\r\n",
        b"Transfer-Encoding: chunked\r\nContent-Length: 4\r\n",
        b"X-Long: " + b"a" * 70_000 + b"\r\n",
        b"Bad Header\r\n",
    ],
)
def test_header_oddities_are_refused_with_a_4xx(issuer: tuple[str, Any], head: bytes) -> None:
    base, server = issuer
    answer = _raw(
        base,
        b"POST /credential HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + head
        + b"\r\n{}",
    )
    status_line = answer.split(b"\r\n", 1)[0]
    assert answer == b"" or status_line.split()[1].startswith(b"4"), status_line
    if b"application/json" in answer.split(b"\r\n\r\n", 1)[0].lower():
        body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
        assert body.get("error") or body.get("code")
    assert server.poll() is None and _alive(base)


def test_the_issuer_still_issues_after_the_abuse(issuer: tuple[str, Any]) -> None:
    base, server = issuer
    response = httpx.post(f"{base}/nonce", timeout=10)
    assert response.status_code == 200 and response.json()["c_nonce"]
    assert server.poll() is None
