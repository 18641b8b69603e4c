"""A real HTTP server on 127.0.0.1 (ephemeral port) serving DID documents for did:web tests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    trickle: float = 0.0  # seconds between bytes of the body


class LoopbackServer:
    """Routes are set per test; ``hits`` counts requests per path."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.hosts: list[str] = []  # the Host header of every request
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # else delayed ACKs add ~40 ms a request

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                with server.lock:
                    server.hits[self.path] = server.hits.get(self.path, 0) + 1
                    server.hosts.append(str(self.headers.get("Host")))
                    route = server.routes.get(self.path, Route(404, b"not found"))
                if route.delay:
                    time.sleep(route.delay)
                try:
                    self.send_response(route.status)
                    for name, value in route.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    if not route.trickle:
                        self.wfile.write(route.body)
                    for i in range(len(route.body) if route.trickle else 0):
                        self.wfile.write(route.body[i : i + 1])
                        self.wfile.flush()
                        time.sleep(route.trickle)
                except OSError:
                    pass  # the client gave up (timeout tests)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def authority(self) -> str:
        """The did:web authority of this server: ``127.0.0.1%3A<port>``."""
        return f"127.0.0.1%3A{self.port}"

    def route(
        self,
        path: str,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        trickle: float = 0.0,
    ) -> None:
        self.routes[path] = Route(status, body, headers or {}, delay, trickle)

    def serve_json(self, path: str, doc: Any, status: int = 200) -> None:
        body = json.dumps(doc).encode()
        self.route(path, status, body, {"Content-Type": "application/did+json"})


@pytest.fixture
def loopback() -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join(timeout=5)


@pytest.fixture
def http_client() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client
