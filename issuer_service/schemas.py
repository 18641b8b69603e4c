"""Request and response shapes at the HTTP edge (pydantic): for validation and OpenAPI only.

The protocol rules themselves (which fields, which combinations, which error code) live in
``passport.exchange.oid4vci``; these models are deliberately loose where that module decides,
so that the specification's error codes come from one place.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CredentialRequestBody",
    "CredentialResponseBody",
    "FidoFinishBody",
    "FidoOptionsResponse",
    "NonceResponseBody",
    "OAuthErrorBody",
    "ProblemBody",
    "TokenRequestForm",
    "TokenResponseBody",
]


class TokenRequestForm(BaseModel):
    """The Token Request (OpenID4VCI 1.0 section 6.1), sent form-urlencoded."""

    grant_type: str = Field(
        examples=["urn:ietf:params:oauth:grant-type:pre-authorized_code"],
        description="Only the pre-authorized code grant is supported.",
    )
    pre_authorized_code: str = Field(alias="pre-authorized_code")
    tx_code: str | None = Field(default=None, description="The PIN sent out of band.")


class TokenResponseBody(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_token: str | None = Field(
        default=None, description="For a batch credential: trade it for a new batch later."
    )


class NonceResponseBody(BaseModel):
    c_nonce: str


class CredentialRequestBody(BaseModel):
    """The Credential Request (section 8.2). ``proofs`` is ``{"jwt": ["<proof JWT>"]}``."""

    model_config = ConfigDict(extra="allow")

    credential_configuration_id: Any = Field(
        default=None,
        examples=["KYCCredential"],
        description="KYCCredential, BankStatementCredential (vc+sd-jwt).",
    )
    credential_identifier: Any = None
    proofs: Any = Field(default=None, examples=[{"jwt": ["eyJ..."]}])
    proof: Any = Field(default=None, description="Pre-1.0 single proof; prefer proofs.")

    def as_json(self) -> dict[str, Any]:
        """The body as the wallet sent it (only the members it sent)."""
        return self.model_dump(exclude_unset=True)


class CredentialResponseBody(BaseModel):
    credentials: list[dict[str, Any]]
    notification_id: str | None = None


class FidoOptionsResponse(BaseModel):
    """WebAuthn ``PublicKeyCredentialCreationOptions`` (JSON form) and the ceremony id."""

    ceremony_id: str
    publicKey: dict[str, Any]  # noqa: N815 - the WebAuthn member name


class FidoFinishBody(BaseModel):
    """The authenticator's registration response and the holder's DID-binding proof."""

    ceremony_id: str
    credential: dict[str, Any] = Field(
        description="The PublicKeyCredential JSON of navigator.credentials.create()."
    )
    did_binding: str = Field(description="A JWT by the holder's DID key over the challenge.")


class OAuthErrorBody(BaseModel):
    error: str
    error_description: str | None = None


class ProblemBody(BaseModel):
    """RFC 9457 problem details, plus the passport's stable ``code``."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    details: dict[str, Any] | None = None
