"""Discovery: Credential Issuer metadata (OpenID4VCI 1.0 section 12.2), OAuth 2.0
Authorization Server metadata (RFC 8414; OpenID4VCI section 12.3), and for the SD-JWT VC
forms (``docs/sd-jwt-vc.md``) the Type Metadata at each ``vct`` URL (``/vct/<type>``) and the
JWT VC Issuer Metadata (``/.well-known/jwt-vc-issuer``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from issuer_service.deps import RuntimeDep
from passport.credentials.sd_jwt_vc import (
    JWT_VC_ISSUER_PATH,
    jwt_vc_issuer_metadata,
    type_metadata,
)
from passport.credentials.types import VCT_PATH, sd_jwt_vc_types, vct_url
from passport.errors import VerdictError
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
    deployment-defined profile), their IETF SD-JWT VC forms KYCCredential-dc and
    BankStatementCredential-dc (``dc+sd-jwt``), FidoKeyBindingCredential (``ldp_vc``,
    eddsa-rdfc-2022) and the offline QR forms; ``batch_credential_issuance``."""
    settings = runtime.settings
    return issuer_metadata(
        credential_issuer=settings.base_url,
        credential_configurations=passport_credential_configurations(
            credential_issuer=settings.base_url
        ),
        display_name=settings.name,
        batch_size=runtime.ctx.batch_size,
        extra={
            "fido_registration_endpoint": f"{settings.base_url}/fido/registration",
            "issuer_did": settings.did,
        },
    )


@router.get(AS_METADATA_PATH, summary="OAuth 2.0 Authorization Server metadata")
def oauth_server_metadata(runtime: RuntimeDep) -> dict[str, Any]:
    """The token endpoint of the pre-authorized code grant (anonymous access)."""
    return authorization_server_metadata(issuer=runtime.settings.base_url)


@router.get(JWT_VC_ISSUER_PATH, summary="JWT VC Issuer Metadata (SD-JWT VC)")
def jwt_vc_issuer(runtime: RuntimeDep) -> dict[str, Any]:
    """SD-JWT VC section 5: ``issuer`` (this service's URL) and ``jwks``, the signing key with
    ``kid`` = the DID URL that the credentials' header names (their ``iss`` is the bank's DID,
    so DID resolution finds the same key)."""
    ctx = runtime.ctx
    return jwt_vc_issuer_metadata(
        runtime.settings.base_url, [(ctx.verification_method, ctx.signing_key.public_key)]
    )


@router.get(VCT_PATH + "{credential_type}", summary="SD-JWT VC Type Metadata")
def vct_type_metadata(credential_type: str, runtime: RuntimeDep) -> dict[str, Any]:
    """SD-JWT VC section 6: the Type Metadata of the ``dc+sd-jwt`` form of
    ``credential_type`` (KYCCredential, BankStatementCredential), served at its ``vct``.

    Errors: ``vct_unknown`` (404)."""
    for d in sd_jwt_vc_types():
        if d.source == credential_type:
            return type_metadata(
                vct=vct_url(runtime.settings.base_url, d.source),
                credential_type=d.source,
                name=d.display_name,
                description=d.description,
            )
    raise VerdictError(
        "vct_unknown",
        f"No SD-JWT VC type {credential_type[:100]!r} here; known: "
        f"{sorted(d.source for d in sd_jwt_vc_types())}.",
    )
