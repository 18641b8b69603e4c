"""did:web (W3C CCG "did:web Method Specification"): a DID document served over HTTPS.

DID to URL (spec section "Read (Resolve)"):

- ``did:web:example.com`` -> ``https://example.com/.well-known/did.json``
- ``did:web:example.com%3A3000`` -> ``https://example.com:3000/.well-known/did.json``
- ``did:web:example.com:user:alice`` -> ``https://example.com/user/alice/did.json``

The document is fetched with an injected synchronous ``httpx.Client`` (one is created on
first use otherwise), with a timeout, without following redirects, and its ``id`` must
equal the DID. Plain ``http`` is used only for hosts listed in ``insecure_http_hosts``
(meant for loopback tests and local demos, e.g. ``{"127.0.0.1", "localhost"}``).

Error codes: ``did_invalid``, ``did_document_malformed`` (MalformedError);
``did_not_found``, ``did_resolution_failed`` (CouldNotCheckError).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import httpx

from passport import jsonsafe
from passport.did.document import DidDocument, parse_did
from passport.errors import CouldNotCheckError, MalformedError

__all__ = ["WebDidResolver", "did_web_url"]

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_RE = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_SEGMENT_RE = re.compile(r"^(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+$")
_ACCEPT = "application/did+json, application/did+ld+json;q=0.9, application/json;q=0.8"


def _invalid(message: str, did: str) -> MalformedError:
    return MalformedError("did_invalid", message, details={"did": did})


def did_web_url(did: str, *, insecure_http_hosts: Iterable[str] = frozenset()) -> str:
    """The URL of the DID document of ``did`` (spec "Read (Resolve)" steps 1-5).

    Raises ``did_invalid`` for a DID that is not a well-formed did:web.
    """
    method, msid = parse_did(did)
    if method != "web":
        raise _invalid(f"{did!r} is not a did:web.", did)
    authority, *path = msid.split(":")
    host, sep, port = authority.replace("%3a", "%3A").partition("%3A")
    if not _HOST_RE.match(host):
        raise _invalid(
            f"{did!r}: {host!r} is not a domain name (did:web:<domain>[%3A<port>][:<path>]).", did
        )
    if sep and not (port.isdigit() and 0 < int(port) < 65536):
        raise _invalid(f"{did!r}: {port!r} is not a port number.", did)
    for segment in path:
        if not _SEGMENT_RE.match(segment) or segment in (".", ".."):
            raise _invalid(f"{did!r}: {segment!r} is not a valid path segment.", did)
        if "%2f" in segment.lower():
            raise _invalid(f"{did!r}: a path segment must not encode '/'.", did)
    scheme = "http" if host.lower() in {h.lower() for h in insecure_http_hosts} else "https"
    base = f"{scheme}://{host.lower()}" + (f":{port}" if sep else "")
    return base + ("/" + "/".join(path) if path else "/.well-known") + "/did.json"


class WebDidResolver:
    """Method resolver for did:web.

    ``http_client`` is a synchronous ``httpx.Client`` owned by the caller (its connection pool
    is reused); without one, the resolver creates its own on first use and ``close()`` closes
    it. ``timeout`` (seconds) applies to every request either way.
    """

    def __init__(
        self,
        http_client: httpx.Client | None = None,
        *,
        timeout: float = 5.0,
        insecure_http_hosts: Iterable[str] = frozenset(),
        max_document_bytes: int = 1_000_000,
    ) -> None:
        self._client = http_client
        self._owns_client = http_client is None
        self.timeout = timeout
        self.insecure_http_hosts = frozenset(h.lower() for h in insecure_http_hosts)
        self.max_document_bytes = max_document_bytes

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout, follow_redirects=False)
        return self._client

    def close(self) -> None:
        """Close the HTTP client if this resolver created it."""
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None

    def _fetch(self, did: str, url: str) -> bytes:
        failed = "did_resolution_failed"
        try:
            with self._http().stream(
                "GET", url, headers={"Accept": _ACCEPT}, timeout=self.timeout
            ) as response:
                status = response.status_code
                if status in (404, 410):
                    raise CouldNotCheckError(
                        "did_not_found",
                        f"{did} has no DID document at {url} (HTTP {status}); "
                        "check the DID or ask its controller to publish did.json.",
                        details={"did": did, "url": url, "status": status},
                    )
                if status != 200:
                    raise CouldNotCheckError(
                        failed,
                        f"Fetching the DID document of {did} from {url} returned HTTP {status}"
                        + (" (redirects are not followed)" if 300 <= status < 400 else "")
                        + "; try again later or check the web server.",
                        details={"did": did, "url": url, "status": status},
                    )
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self.max_document_bytes:
                        raise MalformedError(
                            "did_document_malformed",
                            f"The DID document at {url} is larger than "
                            f"{self.max_document_bytes} bytes.",
                            details={"did": did, "url": url},
                        )
                return bytes(body)
        except httpx.TimeoutException as exc:
            raise CouldNotCheckError(
                failed,
                f"Timed out after {self.timeout:g} s fetching the DID document of {did} from "
                f"{url}; try again later.",
                details={"did": did, "url": url},
            ) from exc
        except httpx.HTTPError as exc:
            raise CouldNotCheckError(
                failed,
                f"Could not fetch the DID document of {did} from {url}: "
                f"{type(exc).__name__}; check the network and try again.",
                details={"did": did, "url": url},
            ) from exc

    def resolve(self, did: str) -> DidDocument:
        """Fetch and check the DID document of ``did`` (spec "Read (Resolve)").

        Raises ``did_invalid``, ``did_document_malformed`` (bad JSON, not an object, or an
        ``id`` other than ``did``), ``did_not_found`` (HTTP 404/410) and
        ``did_resolution_failed`` (network error, timeout, any other status).
        """
        url = did_web_url(did, insecure_http_hosts=self.insecure_http_hosts)
        body = self._fetch(did, url)
        try:
            data: Any = jsonsafe.loads(body, code="did_document_malformed")
        except MalformedError as exc:
            raise MalformedError(
                "did_document_malformed",
                f"The DID document at {url} is not UTF-8 JSON within the limits: {exc.message}",
                details={"did": did, "url": url},
            ) from None
        if not isinstance(data, dict):
            raise MalformedError(
                "did_document_malformed",
                f"The DID document at {url} is not a JSON object.",
                details={"did": did, "url": url},
            )
        if data.get("id") != did:
            raise MalformedError(
                "did_document_malformed",
                f"The DID document at {url} is for {data.get('id')!r}, not {did}; "
                "a did:web document's id must equal the DID.",
                details={"did": did, "url": url, "document_id": str(data.get("id"))[:200]},
            )
        return DidDocument(data, metadata={"method": "web", "url": url})
