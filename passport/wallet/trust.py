"""The standing of a DID in the trust registry, in a few words for the citizen.

``describe_standing(history)`` reads the issuer's trust events (oldest first, as
``TrustRegistryClient.history`` returns them) into ``accredited (KYCCredential; TW) until
2027-12-31``, ``suspended``, ``revoked``, or None when the registry knows nothing of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["describe_standing"]


def describe_standing(events: Sequence[Any]) -> str | None:
    """A short text of the last state of ``events`` (objects with ``kind``, ``types``,
    ``jurisdiction``, ``valid_until``)."""
    accredited = [e for e in events if e.kind == "accredited"]
    if not events:
        return None
    last = events[-1]
    if last.kind in ("suspended", "revoked"):
        return str(last.kind)
    if not accredited:
        return None
    acc = accredited[-1]
    until = acc.valid_until.date().isoformat() if acc.valid_until is not None else "?"
    return f"accredited ({', '.join(acc.types)}; {acc.jurisdiction}) until {until}"
