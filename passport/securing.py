"""Issue and present a credential in any supported format, behind one pair of functions.

Formats: ``sd-jwt`` (``vc+sd-jwt``, RFC 9901 + VC-JOSE-COSE), ``di-rdfc`` / ``di-jcs`` (VC 2.0
Data Integrity ``eddsa-rdfc-2022`` / ``eddsa-jcs-2022``), ``ldp-v1`` (VC 1.1
``Ed25519Signature2020`` through didkit).

Error codes: ``credential_malformed``, ``issuer_key_mismatch``, ``holder_key_mismatch``,
and the errors of the formats.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from passport.credentials.fields import issuer_id
from passport.did.document import VerificationMethod, parse_did
from passport.errors import ConfigurationError, MalformedError, PassportError
from passport.formats import Format
from passport.keys import KeyType, PrivateKey, PublicKey, Rng
from passport.ports import Resolver

__all__ = ["IssueFormat", "find_own_method", "issue", "present"]

VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"


#: The formats ``issue`` secures: ``passport.formats.Format`` (``IssueFormat("sd-jwt")`` and
#: ``IssueFormat.SD_JWT`` work as before).
IssueFormat = Format


def find_own_method(
    resolver: Resolver, did: str, key: PublicKey, relationship: str
) -> VerificationMethod:
    """The verification method of ``did`` for ``relationship`` whose key is ``key``.

    Raises ``issuer_key_mismatch`` (ConfigurationError) when the DID lists no such method.
    """
    doc = resolver.resolve(did)
    for vm in doc.methods_for(relationship):
        if vm.public_key == key:
            return vm
    raise ConfigurationError(
        "issuer_key_mismatch",
        f"This key is not listed under {relationship} in {did}; "
        "sign with that DID's key or pass the DID of this key.",
    )


def _own_did(key: PublicKey) -> str:
    from passport.did.key import did_key_from_public_key

    return did_key_from_public_key(key)


def _issuer_of(credential: Mapping[str, Any]) -> str | None:
    """The credential's own issuer (``passport.credentials.fields.issuer_id``), if it names one."""
    try:
        return issuer_id({"issuer": credential.get("issuer")})
    except MalformedError:
        return None


def _set_issuer(credential: dict[str, Any], issuer: str) -> None:
    current = credential.get("issuer")
    if isinstance(current, dict):
        current["id"] = issuer
    else:
        credential["issuer"] = issuer


def issue(
    credential: Mapping[str, Any],
    key: PrivateKey,
    fmt: IssueFormat,
    *,
    resolver: Resolver | None = None,
    now: datetime,
    issuer: str | None = None,
    verification_method: str | None = None,
    rng: Rng | None = None,
    holder_jwk: Mapping[str, Any] | None | Literal["subject"] = "subject",
) -> str | dict[str, Any]:
    """Secure ``credential`` with ``key`` in format ``fmt``.

    The issuer is ``issuer``, else the credential's own ``issuer``, else the key's did:key;
    the signing method is found in the issuer's DID document by the key (or given).
    Credentials of the project's types are validated against their JSON Schema first. An
    SD-JWT is bound (``cnf``) to ``holder_jwk``: by default the first authentication key of
    ``credentialSubject.id``, found through ``resolver``; ``None`` binds it to no key.

    ``resolver`` may be left out when nothing needs resolving (the method and the holder key
    are given); otherwise ConfigurationError ``resolver_required``.
    """
    if not isinstance(credential, Mapping):
        raise MalformedError("credential_malformed", "A credential must be a JSON object.")
    doc: dict[str, Any] = copy.deepcopy(dict(credential))
    doc.pop("proof", None)
    issuer_did = issuer or _issuer_of(doc) or _own_did(key.public_key)
    parse_did(issuer_did)
    _set_issuer(doc, issuer_did)
    vm_id = (
        verification_method
        or find_own_method(_needed(resolver), issuer_did, key.public_key, "assertionMethod").id
    )

    if fmt is IssueFormat.LDP_V1:
        from passport import legacy

        return legacy.issue_credential(_to_vc1(doc), key, verification_method=vm_id, now=now)

    contexts = doc.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] != VC2_CONTEXT:
        raise MalformedError(
            "credential_malformed",
            f"A VC 2.0 credential's @context must be a list starting with {VC2_CONTEXT}.",
        )
    from passport.credentials.schema import validate_credential
    from passport.verify import is_project_type

    if is_project_type(doc):
        validate_credential(doc)

    if fmt is IssueFormat.SD_JWT:
        from passport.sdjwt import issuer as sd_issuer

        cnf = _holder_jwk(doc, _needed(resolver)) if holder_jwk == "subject" else holder_jwk
        return sd_issuer.issue(
            doc,
            key,
            kid=vm_id,
            disclosable=_every_subject_claim,
            holder_jwk=cnf,
            now=now,
            rng=rng,
        )
    from passport.di import eddsa

    suite = "eddsa-rdfc-2022" if fmt is IssueFormat.DI_RDFC else "eddsa-jcs-2022"
    if key.type is not KeyType.ED25519:
        raise ConfigurationError("unsupported_key_type", f"{suite} signs with Ed25519 keys only.")
    return eddsa.sign(doc, key, vm_id, cryptosuite=suite, created=now)


def _every_subject_claim(path: tuple[str | int, ...]) -> bool:
    """Every claim of the subject, at every depth, is disclosable on its own (a single
    ``balanceAtLeast`` tier, one array element); the SD-JWT issuer keeps ``id`` visible."""
    return len(path) >= 2 and path[0] == "credentialSubject"


def _needed(resolver: Resolver | None) -> Resolver:
    if resolver is None:
        raise ConfigurationError(
            "resolver_required",
            "Pass a resolver: the signing method or the holder key must be looked up.",
        )
    return resolver


def _holder_jwk(doc: Mapping[str, Any], resolver: Resolver) -> dict[str, Any] | None:
    """The holder's key for ``cnf``: the first authentication key of credentialSubject.id."""
    subject = doc.get("credentialSubject")
    holder = subject.get("id") if isinstance(subject, Mapping) else None
    if not isinstance(holder, str) or not holder.startswith("did:"):
        return None
    try:
        methods = resolver.resolve(holder).methods_for("authentication")
    except PassportError:
        return None
    return dict(methods[0].public_key.to_jwk()) if methods else None


def _to_vc1(doc: dict[str, Any]) -> dict[str, Any]:
    """Map a VC 2.0 document onto VC 1.1 terms (validFrom → issuanceDate, ...) for ldp-v1."""
    contexts = doc.get("@context")
    if isinstance(contexts, list) and contexts and contexts[0] == VC2_CONTEXT:
        doc["@context"] = [VC1_CONTEXT, *contexts[1:]]
        if "validFrom" in doc:
            doc["issuanceDate"] = doc.pop("validFrom")
        if "validUntil" in doc:
            doc["expirationDate"] = doc.pop("validUntil")
    return doc


def _claim_paths(names: Sequence[str]) -> list[str]:
    """Claim names are relative to the subject (``balanceAtLeast/USD_10000`` is
    ``credentialSubject/balanceAtLeast/USD_10000``); a leading '/' makes a path absolute."""
    out = []
    for name in names:
        if name.startswith("/"):
            out.append(name[1:])
        elif name.startswith("credentialSubject/"):
            out.append(name)
        else:
            out.append(f"credentialSubject/{name}")
    return out


def present(
    secured: str | Mapping[str, Any],
    holder_key: PrivateKey,
    *,
    nonce: str,
    audience: str,
    resolver: Resolver,
    now: datetime,
    disclose: Sequence[str] | None = None,
    holder: str | None = None,
) -> str | dict[str, Any]:
    """Present ``secured`` to ``audience`` bound to ``nonce``, signed by ``holder_key``.

    SD-JWT: reveals ``disclose`` (all when None) and appends a KB-JWT.
    Data Integrity / ldp-v1: a VerifiablePresentation signed by the holder with
    ``challenge`` = nonce and ``domain`` = audience.
    """
    from passport.verify import Format, detect_format

    detected = detect_format(secured if isinstance(secured, str) else dict(secured))
    if detected.presentation:
        raise MalformedError("credential_malformed", "This is already a presentation.")
    if detected.format is Format.SD_JWT:
        from passport.sdjwt import holder as sd_holder

        assert isinstance(detected.data, str)
        return sd_holder.present(
            detected.data,
            disclose=_claim_paths(disclose) if disclose is not None else (lambda _path: True),
            holder_key=holder_key,
            nonce=nonce,
            aud=audience,
            now=now,
        )
    assert isinstance(detected.data, dict)
    holder_did = holder or _own_did(holder_key.public_key)
    vm = find_own_method(resolver, holder_did, holder_key.public_key, "authentication")
    if detected.format is Format.LDP_V1:
        from passport import legacy

        return legacy.issue_presentation(
            [detected.data],
            holder_key,
            holder=holder_did,
            challenge=nonce,
            domain=audience,
            verification_method=vm.id,
            now=now,
        )
    from passport.di import eddsa

    return eddsa.present(
        [detected.data],
        holder_key,
        vm.id,
        holder=holder_did,
        challenge=nonce,
        domain=audience,
        cryptosuite=detected.format.value,
        created=now,
    )
