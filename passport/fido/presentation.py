"""The FIDO binding of an OpenID4VP presentation (docs/fido-presentation.md).

When a verifier's DCQL query asks for the holder's ``FidoKeyBindingCredential``, the wallet
answers that query with one VC 2.0 ``VerifiablePresentation``: the credential, a member
``fidoAssertion`` holding a WebAuthn ``AuthenticationResponseJSON`` by the authenticator the
credential names, and the holder's Data Integrity proof (``eddsa-jcs-2022``; a verifier accepts
``eddsa-rdfc-2022`` too; purpose ``authentication``, ``challenge`` = the request's nonce,
``domain`` = its client_id) over both.
The assertion's challenge is derived from the same nonce and client_id
(:func:`presentation_challenge`), so the authenticator, the holder key and the request are
bound together: an assertion made for another verifier or another request does not verify.

Both roles use this module: the wallet builds with :func:`build_fido_presentation`, a verifier
checks the assertion with :func:`verify_presentation_assertion` after the pipeline verified the
presentation's proof and the credential.

Batch copies (docs/unlinkability.md): when the SD-JWT credentials of the same response are
bound to a one-time key, the wallet adds a second proof to the presentation
(:func:`add_holder_key_proof`: a proof set, Data Integrity section 4.5, each proof over the
presentation without proofs) by that key's did:jwk, with the same purpose, challenge and
domain. A verifier takes the holder's own proofs to the pipeline and checks the others with
:func:`verify_holder_key_proofs`, which returns the DIDs they prove.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from passport import jsonld
from passport.credentials.model import PASSPORT_CONTEXT
from passport.di.eddsa import EDDSA_JCS_2022, EDDSA_RDFC_2022, sign
from passport.errors import MalformedError
from passport.fido.authenticator import Assertion, SoftwareAuthenticator, SoftwareCredential
from passport.fido.webauthn import (
    AssertionState,
    RegisteredAuthenticator,
    VerifiedAssertion,
    assertion_response_parts,
    verify_assertion,
)
from passport.keys import PrivateKey, PublicKey, b64url_decode, b64url_encode

__all__ = [
    "CHALLENGE_DOMAIN",
    "FIDO_ASSERTION_MEMBER",
    "build_fido_presentation",
    "fido_assertion_of",
    "presentation_challenge",
    "add_holder_key_proof",
    "holder_proofs_only",
    "presentation_origin",
    "request_options",
    "verify_holder_key_proofs",
    "verify_presentation_assertion",
]

#: Domain separation of the challenge: no other protocol hashes this prefix.
CHALLENGE_DOMAIN = b"dfp-fido-binding-v1"
#: The presentation member (a JSON literal in the project's context) holding the assertion.
FIDO_ASSERTION_MEMBER = "fidoAssertion"


def presentation_challenge(nonce: str, client_id: str) -> bytes:
    """``SHA-256("dfp-fido-binding-v1" || 0x00 || nonce || 0x00 || client_id)``, UTF-8."""
    if not nonce or not client_id:
        raise MalformedError(
            "fido_response_malformed", "A FIDO binding needs the request's nonce and client_id."
        )
    material = b"\x00".join((CHALLENGE_DOMAIN, nonce.encode(), client_id.encode()))
    return hashlib.sha256(material).digest()


def presentation_origin(rp_id: str) -> str:
    """The ``clientDataJSON.origin`` of a presentation assertion: ``https://`` + the rpId."""
    return f"https://{rp_id}"


def request_options(
    rp_id: str, credential_id: str, nonce: str, client_id: str, *, user_verification: str
) -> dict[str, Any]:
    """The ``PublicKeyCredentialRequestOptionsJSON`` the wallet hands its authenticator."""
    return {
        "challenge": b64url_encode(presentation_challenge(nonce, client_id)),
        "rpId": rp_id,
        "allowCredentials": [{"type": "public-key", "id": credential_id}],
        "userVerification": user_verification,
    }


def _subject(fido_credential: Mapping[str, Any]) -> Mapping[str, Any]:
    subject = fido_credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, Mapping):
        raise MalformedError(
            "fido_response_malformed", "The FidoKeyBindingCredential has no credentialSubject."
        )
    return subject


def build_fido_presentation(
    fido_credential: Mapping[str, Any],
    authenticator: SoftwareAuthenticator,
    software_credential: SoftwareCredential,
    holder_key: PrivateKey,
    verification_method: str,
    *,
    holder: str,
    nonce: str,
    client_id: str,
) -> tuple[SoftwareCredential, dict[str, Any]]:
    """The presentation answering a query for the FidoKeyBindingCredential, and the software
    credential with its counter advanced (store it back). Raises what the authenticator and
    ``passport.di.eddsa.sign`` raise."""
    subject = _subject(fido_credential)
    rp_id = str(subject.get("rpId", ""))
    options = request_options(
        rp_id,
        str(subject.get("authenticatorCredentialId", "")),
        nonce,
        client_id,
        user_verification="required" if subject.get("userVerified") else "preferred",
    )
    updated, assertion = authenticator.get_assertion(
        software_credential, options, origin=presentation_origin(rp_id)
    )
    return updated, sign_fido_presentation(
        fido_credential,
        assertion,
        holder_key,
        verification_method,
        holder=holder,
        nonce=nonce,
        client_id=client_id,
    )


def sign_fido_presentation(
    fido_credential: Mapping[str, Any],
    assertion: Assertion | Mapping[str, Any],
    holder_key: PrivateKey,
    verification_method: str,
    *,
    holder: str,
    nonce: str,
    client_id: str,
    cryptosuite: str = EDDSA_JCS_2022,
) -> dict[str, Any]:
    """The signed presentation around an assertion made by any authenticator (a software one,
    or a security key through CTAP2): ``assertion`` is an :class:`Assertion` or its JSON.

    The holder signs with ``eddsa-jcs-2022`` by default: the presentation is made for one
    request and read by one verifier, which then need not expand and RDF-canonicalize the
    whole credential a second time (the embedded credential keeps the issuer's proof).
    ``eddsa-rdfc-2022`` remains accepted by verifiers and can be asked for here."""
    assertion_json = assertion.to_json() if isinstance(assertion, Assertion) else dict(assertion)
    vp: dict[str, Any] = {
        "@context": [jsonld.CREDENTIALS_V2, PASSPORT_CONTEXT],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [dict(fido_credential)],
        FIDO_ASSERTION_MEMBER: assertion_json,
    }
    return sign(
        vp,
        holder_key,
        verification_method,
        cryptosuite=cryptosuite,
        proof_purpose="authentication",
        challenge=nonce,
        domain=client_id,
    )


def add_holder_key_proof(
    presentation: Mapping[str, Any],
    key: PrivateKey,
    verification_method: str,
    *,
    nonce: str,
    client_id: str,
) -> dict[str, Any]:
    """The presentation with one more ``authentication`` proof (a proof set) by ``key``, the
    one-time key the other credentials of the response are bound to (``verification_method``:
    its did:jwk DID URL). Raises ConfigurationError ``presentation_unsupported`` for a key
    that cannot make an ``eddsa-rdfc-2022`` proof (not Ed25519)."""
    from passport.errors import ConfigurationError
    from passport.keys import KeyType

    if key.type is not KeyType.ED25519:
        raise ConfigurationError(
            "presentation_unsupported",
            "A FIDO presentation can bind only an Ed25519 one-time key (eddsa-rdfc-2022); "
            "these copies are bound to a P-256 key.",
        )
    return sign(
        presentation,
        key,
        verification_method,
        cryptosuite=EDDSA_RDFC_2022,
        proof_purpose="authentication",
        challenge=nonce,
        domain=client_id,
    )


def _proofs(presentation: Mapping[str, Any]) -> list[Any]:
    raw = presentation.get("proof")
    return raw if isinstance(raw, list) else [] if raw is None else [raw]


def _signer(proof: Any) -> str | None:
    vm = proof.get("verificationMethod") if isinstance(proof, Mapping) else None
    return vm.split("#", 1)[0] if isinstance(vm, str) else None


def holder_proofs_only(presentation: Mapping[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """The presentation with only the proofs by its ``holder`` (what the pipeline verifies),
    and the other proofs (one-time holder keys, for :func:`verify_holder_key_proofs`). A
    presentation whose proofs are all by its holder comes back as it is."""
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, Mapping) else holder
    proofs = _proofs(presentation)
    own = [p for p in proofs if _signer(p) == holder]
    others = [p for p in proofs if _signer(p) != holder]
    if not others or not own:
        return dict(presentation), []
    out = dict(presentation)
    out["proof"] = own[0] if len(own) == 1 else own
    return out, others


def verify_holder_key_proofs(
    presentation: Mapping[str, Any],
    proofs: list[Any],
    resolver: Any,
    *,
    nonce: str,
    client_id: str,
    now: Any,
) -> tuple[str, ...]:
    """Verify each extra proof of a proof set over ``presentation`` (purpose
    ``authentication``, ``challenge`` = nonce, ``domain`` = client_id, signature by the key its
    verification method names, which need not be the ``holder``'s); returns their DIDs.
    Raises what ``passport.di.eddsa.verify`` raises (``signature_invalid``,
    ``challenge_mismatch``, ``domain_mismatch``, ``proof_purpose_mismatch``, ...)."""
    from passport.di.eddsa import verify as verify_proof

    unsecured = {k: v for k, v in presentation.items() if k != "proof"}
    out = []
    for proof in proofs:
        verified = verify_proof(
            {**unsecured, "proof": proof},
            resolver,
            proof_purpose="authentication",
            challenge=nonce,
            domain=client_id,
            now=now,
            check_controller=False,
        )
        out.append(verified.controller)
    return tuple(out)


def fido_assertion_of(presentation: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``fidoAssertion`` member of a presentation. Raises ``fido_response_malformed``."""
    value = presentation.get(FIDO_ASSERTION_MEMBER)
    if not isinstance(value, Mapping):
        raise MalformedError(
            "fido_response_malformed",
            "The presentation carries no WebAuthn assertion (fidoAssertion).",
        )
    return value


def verify_presentation_assertion(
    fido_credential_subject: Mapping[str, Any],
    assertion_json: Mapping[str, Any],
    *,
    nonce: str,
    client_id: str,
    last_sign_count: int,
    require_user_verification: bool,
) -> VerifiedAssertion:
    """Verify the assertion against the key of a (verified) FidoKeyBindingCredential's subject:
    the challenge of this request, origin and rpId as documented, user presence, user
    verification when asked, and a counter above ``last_sign_count`` (the highest this verifier
    has seen for the credential id; keep the returned ``sign_count``).

    Raises ``fido_response_malformed``, ``fido_credential_unknown``, ``fido_challenge_mismatch``,
    ``fido_origin_mismatch``, ``fido_rp_id_mismatch``, ``fido_user_not_present``,
    ``fido_user_not_verified``, ``fido_signature_invalid``, ``fido_sign_count_regressed``,
    ``fido_assertion_invalid``.
    """
    try:
        rp_id = str(fido_credential_subject["rpId"])
        credential_id = b64url_decode(str(fido_credential_subject["authenticatorCredentialId"]))
        public_key = PublicKey.from_jwk(fido_credential_subject["publicKeyJwk"])
    except (KeyError, ValueError, TypeError) as exc:
        raise MalformedError(
            "fido_response_malformed", "The FidoKeyBindingCredential's subject is incomplete."
        ) from exc
    cid, client_data, auth_data, signature, user_handle = assertion_response_parts(assertion_json)
    registered = RegisteredAuthenticator(
        rp_id=rp_id,
        credential_id=credential_id,
        public_key=public_key,
        aaguid=str(fido_credential_subject.get("aaguid", "00000000-0000-0000-0000-000000000000")),
        sign_count=max(0, int(last_sign_count)),
        user_present=True,
        user_verified=bool(fido_credential_subject.get("userVerified")),
        backup_eligible=False,
        attestation_format=str(fido_credential_subject.get("attestationFormat", "none")),
        attestation_type="unknown",
    )
    state = AssertionState(
        rp_id=rp_id,
        challenge=presentation_challenge(nonce, client_id),
        user_verification="required" if require_user_verification else "discouraged",
        allowed_credential_ids=(credential_id,),
    )
    return verify_assertion(
        state,
        registered,
        credential_id=cid,
        client_data_json=client_data,
        authenticator_data=auth_data,
        signature=signature,
        origins=(presentation_origin(rp_id),),
        user_handle=user_handle,
        require_user_verification=require_user_verification,
    )
