"""Pydantic models of the back-office HTTP API (the edge only; the core uses dataclasses)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = ["CreateRequest", "CreatedRequest", "SessionSummary"]


class CreateRequest(BaseModel):
    """``POST /api/requests``: a new onboarding request."""

    lang: Literal["en", "zh-TW"] | None = None
    response_mode: Literal["direct_post", "direct_post.jwt"] | None = None


class CreatedRequest(BaseModel):
    session_id: str
    uri: str = Field(description="The openid4vp:// link (QR code and same-device button).")
    request_uri: str
    page_url: str
    qr_png_url: str
    status_url: str
    expires_at: str
    response_mode: str
    client_id: str


class SessionSummary(BaseModel):
    session_id: str
    status: str
    decided: bool
    codes: list[str]
    created_at: str
    expires_at: str
    decided_at: str | None
    policy: str
    channel: str
    response_mode: str
    wallet_error: str | None = None
    client_id: str | None = None
    uri: str | None = None
    claims: dict[str, Any] | None = None
    holder: str | None = None
    report: dict[str, Any] | None = None
    webhook: str | None = None
    raw_response_kept: bool | None = None
