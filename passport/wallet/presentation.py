"""From a DCQL query to what the citizen consents to, and from consent to the ``vp_token``.

``plan_presentation`` matches the held credentials against the query (``passport.exchange
.dcql.select``: formats, ``vct_values`` / ``type_values``, claim paths, ``values``,
``claim_sets``, ``credential_sets``) and lists, per credential query, the credential and
exactly the claims that would leave the wallet, with their values, for the consent screen.
``None`` means the query cannot be satisfied (the wallet then answers exactly as to a
refusal: ``access_denied``, so that a ``values`` mismatch tells the verifier nothing).

``build_vp_token`` makes one presentation per chosen credential (OpenID4VP 1.0 section 8.1,
the object keyed by credential query id):

- SD-JWT (``vc+sd-jwt``, ``dc+sd-jwt``): only the Disclosures of the requested claims (and
  those containing them), a Key Binding JWT with ``nonce`` = the request's nonce and ``aud``
  = the Client Identifier (section B.3.6);
- the FidoKeyBindingCredential (``ldp_vc``): a VC 2.0 VerifiablePresentation by the holder's
  did:key with a ``fidoAssertion`` (WebAuthn ``AuthenticationResponseJSON`` over
  ``presentation_challenge(nonce, client_id)`` for ``rpId`` of the credential) and a Data
  Integrity ``eddsa-jcs-2022`` proof for ``authentication`` (``challenge`` = nonce,
  ``domain`` = client_id); see docs/fido-presentation.md.

With a ``slot`` (batch issuance, docs/unlinkability.md) every batch credential is shown as its
copy bound to the slot's one-time key, which signs its KB-JWT; a FIDO presentation then
carries a second proof (a proof set) by the slot key's did:jwk, so the verifier sees the
did:key of the FIDO binding and the slot key bound together.

Error codes: ``authenticator_missing`` (ConfigurationError: the FIDO credential's
authenticator is not in this wallet), plus the SD-JWT holder's and the authenticator's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from passport.errors import ConfigurationError
from passport.exchange.dcql import Candidate, DcqlQuery, select, select_path
from passport.wallet.credentials import (
    FORMAT_DC_SD_JWT,
    FORMAT_LDP_VC,
    FORMAT_VC_SD_JWT,
    claims_view,
)
from passport.wallet.model import AuthenticatorRecord, HeldCredential, SlotKey, WalletState

__all__ = [
    "FIDO_BINDING_TYPE",
    "Authenticate",
    "ClaimPath",
    "ConsentItem",
    "ConsentPlan",
    "build_vp_token",
    "format_claim_path",
    "plan_presentation",
]

FIDO_BINDING_TYPE: Final = "FidoKeyBindingCredential"
ClaimPath = tuple[str | int | None, ...]

#: authenticate(record, request options, origin) -> (advanced record, assertion JSON)
Authenticate = Callable[
    [AuthenticatorRecord, Mapping[str, Any], str], tuple[AuthenticatorRecord, dict[str, Any]]
]


def format_claim_path(path: Sequence[str | int | None]) -> str:
    """A DCQL claims path for people and the history: ``credentialSubject.legalName``,
    ``items[*]``, ``nationalities[0]``."""
    out = ""
    for segment in path:
        if segment is None:
            out += "[*]"
        elif isinstance(segment, int):
            out += f"[{segment}]"
        else:
            out += ("." if out else "") + segment
    return out


@dataclass(frozen=True)
class ConsentItem:
    """One credential that would be presented: for which query, and which claims (each
    with the values that would be disclosed)."""

    query_id: str
    credential: HeldCredential
    claims: tuple[tuple[ClaimPath, tuple[Any, ...]], ...]

    @property
    def is_fido_binding(self) -> bool:
        return (
            self.credential.format == FORMAT_LDP_VC and FIDO_BINDING_TYPE in self.credential.types
        )


@dataclass(frozen=True)
class ConsentPlan:
    items: tuple[ConsentItem, ...]


def _candidate(held: HeldCredential) -> Candidate:
    return Candidate(
        format=held.format,
        claims=claims_view(held.format, held.credential),
        vct=held.vct,
        types=held.types,
        ref=held.id,
    )


def plan_presentation(query: DcqlQuery, state: WalletState) -> ConsentPlan | None:
    """What would be disclosed for ``query`` from the credentials of ``state`` (None when
    the query cannot be satisfied). Revoked / suspended / expired credentials are skipped;
    batch credentials are preferred to credentials issued once."""
    usable = [c for c in state.credentials if c.status in ("valid", "unknown")]
    # batch copies first: a presentation then mixes no did:key-bound credential into the
    # copies of a slot (which the verifier would see as two holders)
    usable.sort(key=lambda c: not c.is_batch)
    candidates = [_candidate(c) for c in usable]
    selection = select(query, candidates)
    if selection is None:
        return None
    by_id = {c.id: c for c in usable}
    items: list[ConsentItem] = []
    for query_id, matches in selection.matches.items():
        for match in matches:
            held = by_id[str(match.candidate.ref)]
            claims = tuple(
                (tuple(c.path), tuple(select_path(match.candidate.claims, c.path)))
                for c in match.claims
            )
            items.append(ConsentItem(query_id, held, claims))
    return ConsentPlan(tuple(items))


def _sd_path(path: ClaimPath) -> str:
    return "/".join("*" if s is None else str(s) for s in path)


def _sd_jwt_presentation(
    item: ConsentItem,
    state: WalletState,
    nonce: str,
    client_id: str,
    now: datetime,
    slot: SlotKey | None,
) -> str:
    from passport.sdjwt.holder import present

    credential, key = item.credential.credential, state.holder_key
    if item.credential.is_batch:
        copy = item.credential.copy_at(slot.index) if slot is not None else None
        if slot is None or copy is None:
            raise ConfigurationError(
                "presentation_unsupported",
                "No copy of this credential is bound to the key chosen for this presentation.",
            )
        credential, key = copy.credential, slot.key
    assert isinstance(credential, str)
    return present(
        credential,
        disclose=[_sd_path(path) for path, _ in item.claims],
        holder_key=key,
        nonce=nonce,
        aud=client_id,
        now=now,
    )


def _fido_presentation(
    item: ConsentItem,
    state: WalletState,
    nonce: str,
    client_id: str,
    now: datetime,
    authenticate: Authenticate,
    cryptosuite: str,
    slot: SlotKey | None = None,
) -> tuple[dict[str, Any], AuthenticatorRecord]:
    from passport.fido.presentation import (
        presentation_origin,
        request_options,
        sign_fido_presentation,
    )

    credential = item.credential.credential
    assert isinstance(credential, dict)
    subject = credential.get("credentialSubject") or {}
    cred_id = str(subject.get("authenticatorCredentialId", ""))
    rp_id = str(subject.get("rpId", ""))
    record = next((a for a in state.authenticators if a.credential_id == cred_id), None)
    if record is None:
        raise ConfigurationError(
            "authenticator_missing",
            "The authenticator of this FidoKeyBindingCredential is not in this wallet; "
            "enroll it again (`wallet fido enroll`).",
        )
    options = request_options(
        rp_id,
        cred_id,
        nonce,
        client_id,
        user_verification="required" if subject.get("userVerified") else "preferred",
    )
    advanced, assertion = authenticate(record, options, presentation_origin(rp_id))
    signed = sign_fido_presentation(
        credential,
        assertion,
        state.holder_key,
        state.kid,
        holder=state.did,
        nonce=nonce,
        client_id=client_id,
        cryptosuite=cryptosuite,
    )
    if slot is not None:
        from passport.fido.presentation import add_holder_key_proof

        signed = add_holder_key_proof(signed, slot.key, slot.kid, nonce=nonce, client_id=client_id)
    return signed, advanced


def fido_cryptosuite(client_metadata: Mapping[str, Any]) -> str:
    """The Data Integrity cryptosuite of the holder's proof on the FIDO presentation:
    ``eddsa-jcs-2022`` unless the verifier's ``vp_formats_supported.ldp_vc.cryptosuite_values``
    (OpenID4VP 1.0 section B.1.3.2.1) lists only ``eddsa-rdfc-2022``."""
    formats = client_metadata.get("vp_formats_supported")
    ldp = formats.get("ldp_vc") if isinstance(formats, Mapping) else None
    values = ldp.get("cryptosuite_values") if isinstance(ldp, Mapping) else None
    if isinstance(values, list) and "eddsa-jcs-2022" not in values and "eddsa-rdfc-2022" in values:
        return "eddsa-rdfc-2022"
    return "eddsa-jcs-2022"


def build_vp_token(
    plan: ConsentPlan,
    state: WalletState,
    *,
    nonce: str,
    client_id: str,
    now: datetime,
    authenticate: Authenticate,
    slot: SlotKey | None = None,
    fido_suite: str = "eddsa-jcs-2022",
) -> tuple[dict[str, list[str | dict[str, Any]]], WalletState]:
    """The ``vp_token`` object for ``plan`` and the state with any FIDO counter advanced;
    batch credentials are shown as their copies of ``slot``; ``fido_suite`` signs the FIDO
    presentation (see :func:`fido_cryptosuite`)."""
    token: dict[str, list[str | dict[str, Any]]] = {}
    for item in plan.items:
        fmt = item.credential.format
        if fmt in (FORMAT_VC_SD_JWT, FORMAT_DC_SD_JWT):
            token.setdefault(item.query_id, []).append(
                _sd_jwt_presentation(item, state, nonce, client_id, now, slot)
            )
        elif item.is_fido_binding:
            vp, record = _fido_presentation(
                item, state, nonce, client_id, now, authenticate, fido_suite, slot
            )
            state = state.with_authenticator(record)
            token.setdefault(item.query_id, []).append(vp)
        else:
            raise ConfigurationError(
                "presentation_unsupported",
                f"This wallet presents {fmt} credentials only as the FIDO key binding.",
            )
    return token, state
