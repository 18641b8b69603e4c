"""Signed decision webhooks: the bank's back office learns each decision by an HTTP POST whose
body it can authenticate.

Headers: ``X-Passport-Timestamp`` (Unix seconds) and ``X-Passport-Signature``
(``v1=`` + hex HMAC-SHA256 over ``timestamp + "." + body`` under the shared secret). The
receiver recomputes it, compares in constant time and refuses old timestamps
(``verify_signature``).

Error codes: VerdictError ``webhook_signature_invalid``, ``webhook_timestamp_stale``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from passport.errors import VerdictError

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "sign", "signed_request", "verify_signature"]

SIGNATURE_HEADER: Final = "X-Passport-Signature"
TIMESTAMP_HEADER: Final = "X-Passport-Timestamp"


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def signed_request(
    secret: bytes, payload: Mapping[str, Any], now: datetime
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one webhook call."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    timestamp = int(now.timestamp())
    return body, {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def verify_signature(
    secret: bytes,
    body: bytes,
    headers: Mapping[str, str],
    now: datetime,
    *,
    tolerance: int = 300,
) -> None:
    """What a receiver does. Raises ``webhook_signature_invalid``, ``webhook_timestamp_stale``."""
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ts = lowered.get(TIMESTAMP_HEADER.lower(), "")
    signature = lowered.get(SIGNATURE_HEADER.lower(), "")
    if not raw_ts.isdigit():
        raise VerdictError("webhook_signature_invalid", "The webhook has no valid timestamp.")
    if not hmac.compare_digest(sign(secret, int(raw_ts), body), signature):
        raise VerdictError("webhook_signature_invalid", "The webhook signature does not match.")
    if abs(now.timestamp() - int(raw_ts)) > tolerance:
        raise VerdictError("webhook_timestamp_stale", "The webhook is too old; refuse it.")
