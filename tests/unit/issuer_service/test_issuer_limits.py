"""The issuer's edge limits (issuer_service/limits.py) in process: body size, media type,
JSON depth and numbers, Content-Length oddities, a client that leaves mid-body, and the
did:web policy of the key proof's kid. (tests/e2e/test_issuer_abuse.py does the same to a
real uvicorn process.)"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from issuer_harness import NOW, Issuer, make_settings, test_client

from issuer_service.app import create_app
from issuer_service.deps import build_runtime
from issuer_service.settings import IssuerKeys, load_settings
from passport.ports import FixedClock

ATTACK = b"[" * 80_000 + b"]" * 80_000  # the 160 KB body of issue 7 that killed `issuer serve`
DEEP = b"[" * 30_000 + b"]" * 30_000  # 60 KB: within the size limit, far beyond the depth


def _oauth(response: Any, status: int, error: str, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error and body["error_description"].startswith(code + ":"), body
    assert response.headers["cache-control"] == "no-store"


def _problem(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("path", ["/credential", "/nonce"])
def test_deep_json_is_refused_before_parsing(issuer: Issuer, path: str) -> None:
    error = "invalid_credential_request" if path == "/credential" else "invalid_request"
    _oauth(issuer.client.post(path, content=ATTACK, headers=JSON), 413, error, "request_too_large")
    _oauth(issuer.client.post(path, content=DEEP, headers=JSON), 400, error, "json_too_deep")
    response = issuer.client.post(path, content=b"[" * 40 + b"]" * 40, headers=JSON)
    _oauth(response, 400, error, "json_too_deep")


def test_deep_json_at_the_fido_endpoint_is_a_problem(issuer: Issuer) -> None:
    response = issuer.client.post("/fido/registration", content=b"[" * 40 + b"]" * 40, headers=JSON)
    _problem(response, 400, "json_too_deep")


@pytest.mark.parametrize(
    "body",
    [b'{"a": ' + b"1" * 5000 + b"}", b'{"a": NaN}', b'{"a": 1e999}', b"\xff\xfe{}"],
    ids=["digits", "nan", "inf", "utf16"],
)
def test_json_outside_the_numbers_and_encoding_is_refused(issuer: Issuer, body: bytes) -> None:
    _oauth(
        issuer.client.post("/credential", content=body, headers=JSON),
        400,
        "invalid_credential_request",
        "json_malformed",
    )


def test_oversized_body_is_413(issuer: Issuer) -> None:
    big = b'{"a": "' + b"x" * (64 * 1024) + b'"}'
    _oauth(
        issuer.client.post("/credential", content=big, headers=JSON),
        413,
        "invalid_credential_request",
        "request_too_large",
    )
    _oauth(issuer.client.post("/nonce", content=big, headers=JSON), 413, "invalid_request",
           "request_too_large")  # fmt: skip

    def chunks() -> Any:  # no Content-Length: counted while it arrives
        for _ in range(100):
            yield b"x" * 1024

    response = issuer.client.post("/fido/registration", content=chunks(), headers=JSON)
    _problem(response, 413, "request_too_large")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "", "application/jsonx"]
)
def test_a_json_endpoint_refuses_other_media_types(issuer: Issuer, content_type: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = issuer.client.post("/credential", content=b'{"a": 1}', headers=headers)
    _oauth(response, 415, "invalid_credential_request", "content_type_unsupported")


def test_json_with_a_suffix_media_type_passes_the_edge(issuer: Issuer) -> None:
    response = issuer.client.post(
        "/credential", content=b"{}", headers={"Content-Type": "application/vnd.x+json"}
    )
    assert response.status_code == 401  # reached the route: no access token


@pytest.mark.parametrize("value", [b"-1", b"abc", b"1, 2", b"0x10"])
def test_content_length_oddities(issuer: Issuer, value: bytes) -> None:
    status, body = _asgi(issuer.app, "/credential", [(b"content-length", value)], [b"{}"])
    assert status == 400 and b"content_length_invalid" in body


def test_a_body_shorter_than_its_content_length_leaves_no_traceback(
    issuer: Issuer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    headers = [(b"content-length", b"1000"), (b"content-type", b"application/json")]
    status, _ = _asgi(issuer.app, "/credential", headers, [b'{"credential_'], disconnect=True)
    assert status is None  # nobody left to answer
    assert "disconnected" in caplog.text and "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info]


def _asgi(
    app: Any,
    path: str,
    headers: list[tuple[bytes, bytes]],
    chunks: list[bytes],
    *,
    disconnect: bool = False,
) -> tuple[int | None, bytes]:
    """Drive the ASGI app with exact messages (an HTTP client would fix the headers)."""
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1 or disconnect}
        for i, c in enumerate(chunks)
    ]
    if disconnect:
        messages.append({"type": "http.disconnect"})
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"bank.example"), *headers],
        "client": ("127.0.0.1", 1234),
        "server": ("bank.example", 443),
        "root_path": "",
        "state": {},
    }
    asyncio.run(app(scope, receive, send))
    start = next((m for m in sent if m["type"] == "http.response.start"), None)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return (None if start is None else int(start["status"])), body


def test_limits_are_settings(tmp_path: Path, keys: IssuerKeys) -> None:
    clock = FixedClock(NOW)
    settings = make_settings(tmp_path, keys, max_body_bytes=1000, max_json_depth=3)
    settings.save()
    loaded = load_settings(tmp_path)
    assert (loaded.max_body_bytes, loaded.max_json_depth) == (1000, 3)
    app = create_app(settings, runtime_factory=lambda s: build_runtime(s, keys=keys, clock=clock))
    with test_client(app) as client:
        response = client.post("/nonce", content=b"[[[[]]]]", headers=JSON)
        _oauth(response, 400, "invalid_request", "json_too_deep")
        response = client.post("/nonce", content=b"[[[]]]", headers=JSON)
        assert response.status_code == 200
        response = client.post("/nonce", content=b'"' + b"x" * 1000 + b'"', headers=JSON)
        _oauth(response, 413, "invalid_request", "request_too_large")


# --- the key proof's kid goes through the DID resolution policy ---------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "169.254.169.254", "10.0.0.1", "192.168.1.1"])
def test_a_proof_kid_on_a_non_public_host_is_refused_without_connecting(
    issuer: Issuer, holder: Any, host: str
) -> None:
    import socket

    from passport.exchange.oid4vci import create_proof_jwt

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        token = issuer.token(issuer.offer())
        kid = f"did:web:{host}%3A{port}#k"
        proof = create_proof_jwt(
            holder, audience=issuer.settings.base_url, nonce=issuer.nonce(), iat=NOW, kid=kid
        )
        response = issuer.credential_response(token, issuer.request_body(proof))
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "invalid_proof"
    assert "did_web_forbidden_host" in body["error_description"]
    assert "Error" not in body["error_description"]  # no exception class names
