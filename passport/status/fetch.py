"""Status list sources: credentials given locally, then HTTP(S) with a timeout.

Error codes: ``status_list_unavailable`` (CouldNotCheckError): the list could not be fetched,
which is never reported as revoked or valid; ``status_list_malformed`` (MalformedError).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from passport import jsonsafe
from passport.errors import CouldNotCheckError, MalformedError

__all__ = ["LocalFirstFetcher"]


@dataclass
class LocalFirstFetcher:
    """Looks a status list credential up by its ``id`` among ``local``, else fetches its URL."""

    local: list[Mapping[str, Any]] = field(default_factory=list)
    client: httpx.Client | None = None
    timeout: float = 5.0

    def fetch(self, url: str) -> Mapping[str, Any]:
        for doc in self.local:
            if doc.get("id") == url:
                return doc
        if not url.startswith(("https://", "http://")):
            raise CouldNotCheckError(
                "status_list_unavailable",
                f"The status list {url} is neither given locally nor an HTTP(S) URL.",
            )
        client = self.client or httpx.Client(timeout=self.timeout)
        try:
            response = client.get(
                url, headers={"Accept": "application/vc+ld+json, application/json"}
            )
        except httpx.HTTPError as exc:
            raise CouldNotCheckError(
                "status_list_unavailable", f"Could not fetch the status list {url}: {exc}."
            ) from None
        finally:
            if self.client is None:
                client.close()
        if response.status_code != 200:
            raise CouldNotCheckError(
                "status_list_unavailable",
                f"Fetching the status list {url} answered HTTP {response.status_code}.",
            )
        try:
            data = jsonsafe.loads(response.content)
        except MalformedError:
            raise MalformedError("status_list_malformed", f"{url} did not return JSON.") from None
        if not isinstance(data, dict):
            raise MalformedError("status_list_malformed", f"{url} did not return a JSON object.")
        return data
