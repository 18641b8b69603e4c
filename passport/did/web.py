"""did:web (W3C CCG "did:web Method Specification"): a DID document served over HTTPS.

DID to URL (spec section "Read (Resolve)"):

- ``did:web:example.com`` -> ``https://example.com/.well-known/did.json``
- ``did:web:example.com%3A3000`` -> ``https://example.com:3000/.well-known/did.json``
- ``did:web:example.com:user:alice`` -> ``https://example.com/user/alice/did.json``

The document is fetched with an injected synchronous ``httpx.Client`` (one is created on
first use otherwise), under a ``DidWebPolicy`` (public hosts only unless configured, the
resolved addresses checked and pinned, bounded time and size), without following
redirects, and its ``id`` must equal the DID. Plain ``http`` is used only for hosts listed
in ``insecure_http_hosts`` (meant for loopback tests and local demos, e.g.
``{"127.0.0.1", "localhost"}``).

Error codes: ``did_invalid``, ``did_document_malformed`` (MalformedError);
``did_not_found``, ``did_resolution_failed`` (an HTTP status other than 200),
``did_web_forbidden_host``, ``did_web_unreachable`` (CouldNotCheckError).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from passport import jsonsafe
from passport.did.document import DidDocument, parse_did
from passport.did.policy import DEFAULT_POLICY, DidWebPolicy
from passport.errors import CouldNotCheckError, MalformedError

__all__ = ["WebDidResolver", "did_web_url"]

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_RE = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_SEGMENT_RE = re.compile(r"^(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+$")
_ACCEPT = "application/did+json, application/did+ld+json;q=0.9, application/json;q=0.8"


def _invalid(message: str, did: str) -> MalformedError:
    return MalformedError("did_invalid", message, details={"did": did})


def _check_status(did: str, url: str, status: int) -> None:
    if status in (404, 410):
        raise CouldNotCheckError(
            "did_not_found",
            f"{did} has no DID document at {url} (HTTP {status}); "
            "check the DID or ask its controller to publish did.json.",
            details={"did": did, "url": url, "status": status},
        )
    if status != 200:
        raise CouldNotCheckError(
            "did_resolution_failed",
            f"Fetching the DID document of {did} from {url} returned HTTP {status}"
            + (" (redirects are not followed)" if 300 <= status < 400 else "")
            + "; try again later or check the web server.",
            details={"did": did, "url": url, "status": status},
        )


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
    """Method resolver for did:web, under a ``DidWebPolicy`` (``passport.did.policy``).

    ``http_client`` is a synchronous ``httpx.Client`` owned by the caller (its connection pool
    is reused); without one, the resolver creates its own on first use and ``close()`` closes
    it. ``policy`` decides which hosts may be contacted (public https hosts by default), the
    time a resolution may take and the document size; ``timeout``, ``max_document_bytes`` and
    ``insecure_http_hosts`` (plain http, and loopback for such a host) adjust it.
    """

    def __init__(
        self,
        http_client: httpx.Client | None = None,
        *,
        policy: DidWebPolicy | None = None,
        timeout: float | None = None,
        insecure_http_hosts: Iterable[str] = frozenset(),
        max_document_bytes: int | None = None,
    ) -> None:
        chosen = (policy or DEFAULT_POLICY).with_http_hosts(insecure_http_hosts)
        changes: dict[str, Any] = {}
        if timeout is not None:
            changes["timeout"] = timeout
        if max_document_bytes is not None:
            changes["max_document_bytes"] = max_document_bytes
        self.policy = replace(chosen, **changes) if changes else chosen
        self._client = http_client
        self._owns_client = http_client is None

    @property
    def timeout(self) -> float:
        return self.policy.timeout

    @property
    def insecure_http_hosts(self) -> frozenset[str]:
        return self.policy.insecure_http_hosts

    @property
    def max_document_bytes(self) -> int:
        return self.policy.max_document_bytes

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
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = self.policy.addresses(did, host, port)[0]
        # Connect to the address just checked (a second lookup could answer otherwise); the
        # Host header and TLS server name stay the DID's host, so its certificate is checked.
        pinned = f"[{address}]" if ":" in address else address
        target = urlunsplit(
            (parts.scheme, pinned + (f":{parts.port}" if parts.port else ""), parts.path, "", "")
        )
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        headers = {"Accept": _ACCEPT, "Host": parts.netloc}
        deadline = time.monotonic() + self.timeout
        try:
            with self._http().stream(
                "GET", target, headers=headers, timeout=self.timeout, extensions=extensions
            ) as response:
                _check_status(did, url, response.status_code)
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
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("the whole document took too long")
                return bytes(body)
        except httpx.TimeoutException:
            raise CouldNotCheckError(
                "did_web_unreachable",
                f"Timed out after {self.timeout:g} s fetching the DID document of {did} from "
                f"{url}; try again later.",
                details={"did": did, "url": url},
            ) from None
        except httpx.HTTPError:
            raise CouldNotCheckError(
                "did_web_unreachable",
                f"Could not fetch the DID document of {did} from {url} (no connection, or the "
                "server broke off); check the DID's host and try again later.",
                details={"did": did, "url": url},
            ) from None

    def resolve(self, did: str) -> DidDocument:
        """Fetch and check the DID document of ``did`` (spec "Read (Resolve)").

        Raises ``did_invalid``, ``did_document_malformed`` (bad JSON, not an object, or an
        ``id`` other than ``did``), ``did_not_found`` (HTTP 404/410),
        ``did_resolution_failed`` (any other status), ``did_web_forbidden_host`` (outside the
        policy) and ``did_web_unreachable`` (no address, no connection, out of time).
        """
        url = did_web_url(did, insecure_http_hosts=self.policy.insecure_http_hosts)
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
