"""Verifiable presentations secured with Data Integrity (proof purpose authentication)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from di_helpers import KeyResolver, credential_for, did_key_document, did_of, vm_of

from passport.di import eddsa
from passport.errors import MalformedError, VerdictError
from passport.keys import PrivateKey

NOW = datetime(2025, 6, 1, tzinfo=UTC)
CHALLENGE = "d4c1f2e6-nonce"
DOMAIN = "https://verifier.example"


@pytest.fixture
def credential(issuer_key: PrivateKey, holder_key: PrivateKey) -> dict[str, Any]:
    return eddsa.sign(
        credential_for(did_of(issuer_key), subject=did_of(holder_key)),
        issuer_key,
        vm_of(issuer_key),
        created=NOW,
    )


@pytest.mark.parametrize("suite", [eddsa.EDDSA_RDFC_2022, eddsa.EDDSA_JCS_2022])
def test_present_and_verify(
    suite: str, credential: dict[str, Any], holder_key: PrivateKey, resolver: KeyResolver
) -> None:
    vp = eddsa.present(
        [credential, "eyJhbGciOiJFZERTQSJ9.e30.sig~WyJzYWx0IiwiYSIsMV0~"],
        holder_key,
        vm_of(holder_key),
        holder=did_of(holder_key),
        challenge=CHALLENGE,
        domain=DOMAIN,
        cryptosuite=suite,
        created=NOW,
    )
    assert vp["type"] == ["VerifiablePresentation"]
    assert vp["proof"]["proofPurpose"] == "authentication"
    enveloped = vp["verifiableCredential"][1]
    assert enveloped["type"] == "EnvelopedVerifiableCredential"
    assert enveloped["id"].startswith("data:application/vc+sd-jwt,eyJ")

    result = eddsa.verify_presentation(vp, resolver, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    assert result.holder == did_of(holder_key)
    assert result.proof.proof_purpose == "authentication"
    assert result.proof.challenge == CHALLENGE
    assert result.credentials == vp["verifiableCredential"]
    assert result.credential_proofs is None

    deep = eddsa.verify_presentation(
        vp, resolver, challenge=CHALLENGE, domain=DOMAIN, now=NOW, deep=True
    )
    assert deep.credential_proofs is not None
    first, second = deep.credential_proofs
    assert first is not None and first.controller == credential["issuer"]
    assert second is None  # enveloped: verified by its own securing mechanism


def _vp(credential: dict[str, Any], key: PrivateKey, **kwargs: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"holder": did_of(key), "challenge": CHALLENGE, "domain": DOMAIN}
    args.update(kwargs)
    return eddsa.present([credential], key, vm_of(key), **args)


def test_wrong_challenge_or_domain(
    credential: dict[str, Any], holder_key: PrivateKey, resolver: KeyResolver
) -> None:
    vp = _vp(credential, holder_key)
    with pytest.raises(VerdictError) as err:
        eddsa.verify_presentation(vp, resolver, challenge="another", domain=DOMAIN)
    assert err.value.code == "challenge_mismatch"
    with pytest.raises(VerdictError) as err:
        eddsa.verify_presentation(vp, resolver, challenge=CHALLENGE, domain="https://evil.example")
    assert err.value.code == "domain_mismatch"


def test_holder_binding_failed(
    credential: dict[str, Any],
    holder_key: PrivateKey,
    issuer_key: PrivateKey,
    resolver: KeyResolver,
) -> None:
    vp = _vp(credential, issuer_key, holder=did_of(holder_key))  # someone else signs
    with pytest.raises(VerdictError) as err:
        eddsa.verify_presentation(vp, resolver, challenge=CHALLENGE, domain=DOMAIN)
    assert err.value.code == "holder_binding_failed"


def test_presentation_signed_for_assertion_is_refused(
    credential: dict[str, Any], holder_key: PrivateKey, resolver: KeyResolver
) -> None:
    vp = _vp(credential, holder_key)
    del vp["proof"]
    vp = eddsa.sign(vp, holder_key, vm_of(holder_key), challenge=CHALLENGE, domain=DOMAIN)
    with pytest.raises(VerdictError) as err:
        eddsa.verify_presentation(vp, resolver, challenge=CHALLENGE, domain=DOMAIN)
    assert err.value.code == "proof_purpose_mismatch"


def test_holder_key_must_be_authorised_for_authentication(
    credential: dict[str, Any], holder_key: PrivateKey
) -> None:
    resolver = KeyResolver(
        {did_of(holder_key): did_key_document(holder_key.public_key, authentication=[])}
    )
    vp = _vp(credential, holder_key)
    with pytest.raises(VerdictError) as err:
        eddsa.verify_presentation(vp, resolver, challenge=CHALLENGE, domain=DOMAIN)
    assert err.value.code == "key_not_authorized"


def test_tampered_embedded_credential(
    credential: dict[str, Any], holder_key: PrivateKey, resolver: KeyResolver
) -> None:
    vp = _vp(credential, holder_key)
    vp["verifiableCredential"][0]["credentialSubject"]["alumniOf"] = "Forged"
    with pytest.raises(VerdictError) as err:  # the holder's proof covers the credentials
        eddsa.verify_presentation(vp, resolver, challenge=CHALLENGE, domain=DOMAIN)
    assert err.value.code == "signature_invalid"


def test_deep_verification_checks_each_credential(
    credential: dict[str, Any], holder_key: PrivateKey, resolver: KeyResolver
) -> None:
    credential["credentialSubject"]["alumniOf"] = "Forged before presenting"
    vp = _vp(credential, holder_key)
    shallow = eddsa.verify_presentation(vp, resolver, challenge=CHALLENGE, domain=DOMAIN)
    assert shallow.credentials[0]["credentialSubject"]["alumniOf"] == "Forged before presenting"
    with pytest.raises(VerdictError) as err:
        eddsa.verify_presentation(vp, resolver, challenge=CHALLENGE, domain=DOMAIN, deep=True)
    assert err.value.code == "signature_invalid"


@pytest.mark.parametrize(
    "change",
    [
        lambda vp: vp.__setitem__("type", ["VerifiableCredential"]),
        lambda vp: vp.pop("holder"),
    ],
)
def test_not_a_presentation(
    change: Any, credential: dict[str, Any], holder_key: PrivateKey, resolver: KeyResolver
) -> None:
    vp = _vp(credential, holder_key)
    change(vp)
    with pytest.raises(MalformedError) as err:
        eddsa.verify_presentation(vp, resolver, challenge=CHALLENGE, domain=DOMAIN)
    assert err.value.code == "document_malformed"


def test_a_challenge_is_required(
    credential: dict[str, Any], holder_key: PrivateKey, resolver: KeyResolver
) -> None:
    vp = _vp(credential, holder_key)
    with pytest.raises(ValueError):
        eddsa.verify_presentation(vp, resolver, challenge="", domain=DOMAIN)
