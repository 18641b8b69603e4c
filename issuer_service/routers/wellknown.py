"""Discovery: Credential Issuer metadata (OpenID4VCI 1.0 section 12.2) and OAuth 2.0
Authorization Server metadata (RFC 8414; OpenID4VCI section 12.3)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from issuer_service.deps import RuntimeDep
from passport.exchange.oid4vci import (
    AS_METADATA_PATH,
    ISSUER_METADATA_PATH,
    authorization_server_metadata,
    issuer_metadata,
    passport_credential_configurations,
)

router = APIRouter(tags=["discovery"])


@router.get(ISSUER_METADATA_PATH, summary="Credential Issuer metadata")
def credential_issuer_metadata(runtime: RuntimeDep) -> dict[str, Any]:
    """What this bank issues and where: configurations KYCCredential and
    BankStatementCredential (format ``vc+sd-jwt``: W3C VC 2.0 secured with SD-JWT, our
    deployment-defined profile; OpenID4VCI's ``dc+sd-jwt`` is the IETF SD-JWT VC format, which
    these are not) and FidoKeyBindingCredential (``ldp_vc``, eddsa-rdfc-2022)."""
    settings = runtime.settings
    return issuer_metadata(
        credential_issuer=settings.base_url,
        credential_configurations=passport_credential_configurations(),
        display_name=settings.name,
        extra={
            "fido_registration_endpoint": f"{settings.base_url}/fido/registration",
            "issuer_did": settings.did,
        },
    )


@router.get(AS_METADATA_PATH, summary="OAuth 2.0 Authorization Server metadata")
def oauth_server_metadata(runtime: RuntimeDep) -> dict[str, Any]:
    """The token endpoint of the pre-authorized code grant (anonymous access)."""
    return authorization_server_metadata(issuer=runtime.settings.base_url)
