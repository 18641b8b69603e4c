"""passport.legacy: VC 1.1 + Ed25519Signature2020 through didkit."""

from __future__ import annotations

import asyncio
import copy
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import didkit
import pytest

from passport import legacy
from passport.errors import (
    ConfigurationError,
    CouldNotCheckError,
    MalformedError,
    PassportError,
    VerdictError,
)
from passport.keys import KeyType, PrivateKey

VECTORS = Path(__file__).parents[2] / "vectors" / "legacy"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
V1 = legacy.CREDENTIALS_V1_CONTEXT


def _key(seed: int) -> PrivateKey:
    return PrivateKey.generate(rng=lambda n: bytes([seed]) * n)


ISSUER_KEY = _key(1)
HOLDER_KEY = _key(2)
OTHER_KEY = _key(3)


def _did(key: PrivateKey) -> str:
    return str(didkit.key_to_did("key", json.dumps(key.to_jwk())))


ISSUER = _did(ISSUER_KEY)
HOLDER = _did(HOLDER_KEY)
OTHER = _did(OTHER_KEY)


def _unsigned(**extra: Any) -> dict[str, Any]:
    return {
        "@context": [V1],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "issuanceDate": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": HOLDER},
        **extra,
    }


@pytest.fixture(scope="module")
def vc() -> dict[str, Any]:
    return legacy.issue_credential(_unsigned(), ISSUER_KEY, now=NOW)


@pytest.fixture(scope="module")
def vp(vc: dict[str, Any]) -> dict[str, Any]:
    return legacy.issue_presentation(
        [vc], HOLDER_KEY, holder=HOLDER, challenge="nonce-1", domain="bank.example", now=NOW
    )


def _vector(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text())
    return data


def _raw_didkit(fn: str, doc: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    async def call() -> str:
        return str(await getattr(didkit, fn)(json.dumps(doc), json.dumps(options)))

    result: dict[str, Any] = json.loads(asyncio.run(call()))
    return result


def _code(exc_info: pytest.ExceptionInfo[PassportError]) -> str:
    return exc_info.value.code


# ----------------------------------------------------------------------------- issue / verify


def test_issue_produces_ed25519signature2020_and_round_trips(vc: dict[str, Any]) -> None:
    proof = vc["proof"]
    assert proof["type"] == "Ed25519Signature2020"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["proofValue"].startswith("z")
    assert proof["verificationMethod"] == f"{ISSUER}#{ISSUER.removeprefix('did:key:')}"
    assert proof["created"] == "2025-06-01T12:00:00Z"
    assert vc["@context"] == [V1, legacy.ED25519_2020_CONTEXT]
    result = legacy.verify_credential(vc, now=NOW)
    assert result.issuer == ISSUER
    assert result.verification_method == proof["verificationMethod"]
    assert result.subject == HOLDER


def test_issue_is_deterministic_and_leaves_input_alone() -> None:
    unsigned = {"@context": V1, "type": "VerifiableCredential", "credentialSubject": {"id": HOLDER}}
    before = copy.deepcopy(unsigned)
    first = legacy.issue_credential(unsigned, ISSUER_KEY, now=NOW)
    second = legacy.issue_credential(unsigned, ISSUER_KEY, now=NOW)
    assert unsigned == before
    assert first == second  # Ed25519 is deterministic and `created` comes from `now`
    assert first["issuer"] == ISSUER
    assert first["issuanceDate"] == "2025-06-01T12:00:00Z"
    assert legacy.verify_credential(first, now=NOW).issuer == ISSUER


def test_issue_with_did_jwk_verification_method() -> None:
    jwk_did = str(didkit.key_to_did("jwk", json.dumps(ISSUER_KEY.to_jwk())))
    signed = legacy.issue_credential(_unsigned(issuer=jwk_did), ISSUER_KEY, f"{jwk_did}#0", now=NOW)
    assert legacy.verify_credential(signed, now=NOW).issuer == jwk_did


def test_issuer_object_form_is_accepted() -> None:
    signed = legacy.issue_credential(_unsigned(issuer={"id": ISSUER}), ISSUER_KEY, now=NOW)
    assert legacy.verify_credential(signed, now=NOW).issuer == ISSUER


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("credentialSubject", "id"), "did:example:mallory"),
        (("issuanceDate",), "2024-01-01T00:00:00Z"),
        (("proof", "created"), "2020-01-01T00:00:00.000Z"),
    ],
)
def test_tampering_is_signature_invalid(
    vc: dict[str, Any], path: tuple[str, ...], value: str
) -> None:
    tampered = copy.deepcopy(vc)
    target = tampered
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_credential(tampered, now=NOW)
    assert _code(exc_info) == "signature_invalid"


def test_forged_proof_value_is_signature_invalid(vc: dict[str, Any]) -> None:
    forged = copy.deepcopy(vc)
    forged["proof"]["proofValue"] = "z" + "1" * 86
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_credential(forged, now=NOW)
    assert _code(exc_info) == "signature_invalid"


def test_expired_and_not_yet_valid() -> None:
    signed = legacy.issue_credential(
        _unsigned(expirationDate="2025-03-01T00:00:00Z"), ISSUER_KEY, now=NOW
    )
    # didkit 0.3.3 ignores expirationDate: it says the proof is fine ...
    assert _raw_didkit("verify_credential", signed, {})["errors"] == []
    # ... we do not.
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_credential(signed, now=NOW)
    assert _code(exc_info) == "expired"
    assert legacy.verify_credential(signed, now=datetime(2025, 2, 1, tzinfo=UTC)).issuer == ISSUER
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_credential(signed, now=datetime(2024, 12, 31, tzinfo=UTC))
    assert _code(exc_info) == "not_yet_valid"


def test_expiry_defaults_to_the_system_clock() -> None:
    signed = legacy.issue_credential(
        _unsigned(expirationDate="2021-01-01T00:00:00Z", issuanceDate="2020-01-01T00:00:00Z"),
        ISSUER_KEY,
        now=NOW,
    )
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_credential(signed)
    assert _code(exc_info) == "expired"


def _drop(key: str) -> Any:
    def change(doc: dict[str, Any]) -> Any:
        doc.pop(key)
        return doc

    return change


def _set(key: str, value: Any) -> Any:
    def change(doc: dict[str, Any]) -> Any:
        doc[key] = value
        return doc

    return change


@pytest.mark.parametrize(
    "change",
    [
        lambda doc: "not a credential",
        lambda doc: [doc],
        lambda doc: {"foo": 1},
        _drop("@context"),
        _set("@context", []),
        _set("@context", ["https://www.w3.org/ns/credentials/v2"]),
        _set("type", ["VerifiablePresentation"]),
        _drop("issuer"),
        _set("issuer", {"name": "no id"}),
        _drop("issuanceDate"),
        _set("issuanceDate", "yesterday"),
        _set("expirationDate", 1234),
        _drop("proof"),
        lambda doc: {**doc, "proof": [doc["proof"], doc["proof"]]},
        lambda doc: {**doc, "proof": {**doc["proof"], "verificationMethod": None}},
    ],
)
def test_malformed_input_is_legacy_malformed(vc: dict[str, Any], change: Any) -> None:
    with pytest.raises(MalformedError) as exc_info:
        legacy.verify_credential(change(copy.deepcopy(vc)), now=NOW)
    assert _code(exc_info) == "legacy_malformed"


def test_undefined_json_ld_term_is_legacy_malformed(vc: dict[str, Any]) -> None:
    with pytest.raises(MalformedError) as exc_info:
        legacy.issue_credential(
            _unsigned(credentialSubject={"id": HOLDER, "balance": 1}), ISSUER_KEY, now=NOW
        )
    assert _code(exc_info) == "legacy_malformed"
    extended = copy.deepcopy(vc)
    extended["credentialSubject"]["balance"] = 1
    with pytest.raises(MalformedError) as exc_info:
        legacy.verify_credential(extended, now=NOW)
    assert _code(exc_info) == "legacy_malformed"


def test_single_proof_in_a_list_is_accepted(vc: dict[str, Any]) -> None:
    assert legacy.verify_credential({**vc, "proof": [vc["proof"]]}, now=NOW).issuer == ISSUER


def test_other_proof_type_is_unsupported() -> None:
    async def issue_2018() -> str:  # didkit's default suite for Ed25519 keys
        jwk = json.dumps(ISSUER_KEY.to_jwk())
        return str(await didkit.issue_credential(json.dumps(_unsigned()), "{}", jwk))

    signed = json.loads(asyncio.run(issue_2018()))
    assert signed["proof"]["type"] == "Ed25519Signature2018"
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_credential(signed, now=NOW)
    assert _code(exc_info) == "proof_type_unsupported"


def test_wrong_proof_purpose(vc: dict[str, Any]) -> None:
    changed = copy.deepcopy(vc)
    changed["proof"]["proofPurpose"] = "authentication"
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_credential(changed, now=NOW)
    assert _code(exc_info) == "proof_purpose_mismatch"


def test_issuer_other_than_signer_is_issuer_mismatch(vc: dict[str, Any]) -> None:
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_credential({**vc, "issuer": OTHER}, now=NOW)
    assert _code(exc_info) == "issuer_mismatch"


def test_unknown_verification_method_fragment_is_key_not_authorized(vc: dict[str, Any]) -> None:
    changed = copy.deepcopy(vc)
    changed["proof"]["verificationMethod"] = f"{ISSUER}#not-a-key"
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_credential(changed, now=NOW)
    assert _code(exc_info) == "key_not_authorized"


def _signed_by_did(vc: dict[str, Any], did: str) -> dict[str, Any]:
    changed = copy.deepcopy(vc)
    changed["issuer"] = did
    changed["proof"]["verificationMethod"] = f"{did}#key-1"
    return changed


def test_networked_did_methods_are_refused_by_default(vc: dict[str, Any]) -> None:
    with pytest.raises(CouldNotCheckError) as exc_info:
        legacy.verify_credential(_signed_by_did(vc, "did:web:bank.example"), now=NOW)
    assert _code(exc_info) == "did_method_unsupported"


def test_resolution_failure_is_could_not_check(vc: dict[str, Any]) -> None:
    # didkit rejects this host before opening any connection: no network is touched.
    changed = _signed_by_did(vc, "did:web:localhost%3A1")
    with pytest.raises(CouldNotCheckError) as exc_info:
        legacy.verify_credential(changed, now=NOW, did_methods={"key", "web"})
    assert _code(exc_info) == "did_resolution_failed"


def test_undecodable_did_key_is_did_invalid(vc: dict[str, Any]) -> None:
    with pytest.raises(MalformedError) as exc_info:
        legacy.verify_credential(_signed_by_did(vc, "did:key:zBAD"), now=NOW)
    assert _code(exc_info) == "did_invalid"
    with pytest.raises(MalformedError) as exc_info:
        legacy.verify_credential(_signed_by_did(vc, "did:"), now=NOW)
    assert _code(exc_info) == "did_invalid"


def test_unknown_json_ld_context_is_malformed_like_in_our_loader(vc: dict[str, Any]) -> None:
    changed = copy.deepcopy(vc)
    changed["@context"].append("https://example.com/contexts/v1")
    with pytest.raises(MalformedError) as exc_info:
        legacy.verify_credential(changed, now=NOW)
    assert _code(exc_info) == "jsonld_context_unknown"
    with pytest.raises(MalformedError) as exc_info:
        legacy.issue_credential(
            _unsigned(**{"@context": [V1, "https://example.com/contexts/v1"]}), ISSUER_KEY
        )
    assert _code(exc_info) == "jsonld_context_unknown"


def test_didkit_not_answering_in_time_is_could_not_check(
    vc: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def hang(texts: Any) -> list[str]:  # a did:web host that never answers
        await asyncio.sleep(30)
        return []

    monkeypatch.setattr(legacy, "_gather_verify_credentials", hang)
    with pytest.raises(CouldNotCheckError) as exc_info:
        legacy.verify_credential(vc, now=NOW, timeout=0.05)
    assert _code(exc_info) == "did_resolution_failed"


def test_naive_now_is_a_configuration_error(vc: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError) as exc_info:
        legacy.verify_credential(vc, now=datetime(2025, 1, 1))
    assert _code(exc_info) == "naive_datetime"


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("signature error: Verification equation was not satisfied", "signature_invalid"),
        ("Credential is expired", "expired"),
        ("No applicable proof", "key_not_authorized"),
        ("Unable to filter proofs: Unable to resolve: notFound", "did_resolution_failed"),
        ("Remote context loading failed: Unknown context: https://x", "jsonld_context_unknown"),
        ("Expansion failed: Key expansion failed", "legacy_malformed"),
        ("something new", "signature_invalid"),
    ],
)
def test_didkit_messages_map_to_codes(message: str, code: str) -> None:
    assert legacy._didkit_error(message, offline=False).code == code


def test_batch_verification_reports_each_credential(vc: dict[str, Any]) -> None:
    tampered = copy.deepcopy(vc)
    tampered["credentialSubject"]["id"] = OTHER
    results = legacy.verify_credentials([vc, tampered, "junk", vc], now=NOW)
    assert isinstance(results[0], legacy.LegacyVerified)
    assert isinstance(results[1], VerdictError) and results[1].code == "signature_invalid"
    assert isinstance(results[2], MalformedError) and results[2].code == "legacy_malformed"
    assert isinstance(results[3], legacy.LegacyVerified)
    assert legacy.verify_credentials([], now=NOW) == []


# ----------------------------------------------------------------------------- issuing errors


def test_issue_refuses_non_ed25519_keys() -> None:
    with pytest.raises(ConfigurationError) as exc_info:
        legacy.issue_credential(_unsigned(), PrivateKey.generate(KeyType.P256))
    assert _code(exc_info) == "unsupported_key_type"


@pytest.mark.parametrize(
    ("credential", "vm"),
    [
        (_unsigned(issuer=OTHER), None),  # issuer is not the key's DID
        (_unsigned(), f"{OTHER}#{OTHER.removeprefix('did:key:')}"),  # another key's method
        (_unsigned(), f"{ISSUER}#wrong-fragment"),
    ],
)
def test_issue_refuses_a_signer_that_is_not_the_key(
    credential: dict[str, Any], vm: str | None
) -> None:
    with pytest.raises(ConfigurationError) as exc_info:
        legacy.issue_credential(credential, ISSUER_KEY, vm)
    assert _code(exc_info) == "key_mismatch"


def test_issue_refuses_non_credentials() -> None:
    with pytest.raises(MalformedError) as exc_info:
        legacy.issue_credential(["not", "a", "credential"], ISSUER_KEY)  # type: ignore[arg-type]
    assert _code(exc_info) == "legacy_malformed"
    with pytest.raises(MalformedError) as exc_info:
        legacy.issue_credential(_unsigned(type=["Other"]), ISSUER_KEY)
    assert _code(exc_info) == "legacy_malformed"


# ----------------------------------------------------------------------------- presentations


def test_presentation_round_trip(vp: dict[str, Any]) -> None:
    assert vp["proof"]["type"] == "Ed25519Signature2020"
    assert vp["proof"]["proofPurpose"] == "authentication"
    assert vp["proof"]["challenge"] == "nonce-1"
    assert vp["proof"]["domain"] == "bank.example"
    result = legacy.verify_presentation(vp, challenge="nonce-1", domain="bank.example", now=NOW)
    assert result.holder == HOLDER
    assert [c.issuer for c in result.credentials] == [ISSUER]
    # domain=None means the verifier does not pin one
    assert (
        legacy.verify_presentation(vp, challenge="nonce-1", domain=None, now=NOW).holder == HOLDER
    )


def test_wrong_challenge_and_domain(vp: dict[str, Any]) -> None:
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_presentation(vp, challenge="nonce-2", domain="bank.example", now=NOW)
    assert _code(exc_info) == "challenge_mismatch"
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_presentation(vp, challenge="nonce-1", domain="evil.example", now=NOW)
    assert _code(exc_info) == "domain_mismatch"


def test_presentation_changed_after_signing_is_signature_invalid(vp: dict[str, Any]) -> None:
    changed = copy.deepcopy(vp)
    changed["id"] = "urn:uuid:00000000-0000-0000-0000-000000000000"
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_presentation(changed, challenge="nonce-1", domain="bank.example", now=NOW)
    assert _code(exc_info) == "signature_invalid"
    assert "credential_index" not in exc_info.value.details


def test_tampered_credential_inside_a_freshly_signed_presentation() -> None:
    claim_context = {"balanceAtLeast": "https://example.com/vocab#balanceAtLeast"}
    signed = legacy.issue_credential(
        _unsigned(
            **{"@context": [V1, claim_context]},
            credentialSubject={"id": HOLDER, "balanceAtLeast": 1000},
        ),
        ISSUER_KEY,
        now=NOW,
    )
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["balanceAtLeast"] = 1_000_000  # the holder inflates a claim
    vp = legacy.issue_presentation(
        [tampered], HOLDER_KEY, holder=HOLDER, challenge="c", domain="bank.example", now=NOW
    )
    # didkit's verify_presentation checks only the holder's proof and accepts it ...
    raw = _raw_didkit(
        "verify_presentation",
        vp,
        {"proofPurpose": "authentication", "challenge": "c", "domain": "bank.example"},
    )
    assert raw["errors"] == [] and raw["checks"] == ["proof"]
    # ... ours checks every credential too.
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_presentation(vp, challenge="c", domain="bank.example", now=NOW)
    assert _code(exc_info) == "signature_invalid"
    assert exc_info.value.details["credential_index"] == 0
    # and the untampered credential in the same kind of presentation passes
    honest = legacy.issue_presentation(
        [signed], HOLDER_KEY, holder=HOLDER, challenge="c", domain="bank.example", now=NOW
    )
    result = legacy.verify_presentation(honest, challenge="c", domain="bank.example", now=NOW)
    assert result.credentials[0].credential["credentialSubject"]["balanceAtLeast"] == 1000


def test_expired_credential_inside_a_presentation(vc: dict[str, Any]) -> None:
    vp = legacy.issue_presentation(
        [vc], HOLDER_KEY, holder=HOLDER, challenge="c", domain=None, now=NOW
    )
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_presentation(
            vp, challenge="c", domain=None, now=datetime(2024, 1, 1, tzinfo=UTC)
        )
    assert _code(exc_info) == "not_yet_valid"
    assert exc_info.value.details["credential_index"] == 0


def test_credential_issued_to_someone_else_is_holder_binding_failed() -> None:
    others = legacy.issue_credential(
        _unsigned(credentialSubject={"id": OTHER}), ISSUER_KEY, now=NOW
    )
    vp = legacy.issue_presentation(
        [others], HOLDER_KEY, holder=HOLDER, challenge="c", domain=None, now=NOW
    )
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_presentation(vp, challenge="c", domain=None, now=NOW)
    assert _code(exc_info) == "holder_binding_failed"
    assert exc_info.value.details["credential_index"] == 0


@pytest.mark.parametrize("holder", [None, OTHER])
def test_presentation_holder_must_be_the_signer(vp: dict[str, Any], holder: str | None) -> None:
    changed = copy.deepcopy(vp)
    if holder is None:
        del changed["holder"]
    else:
        changed["holder"] = holder
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_presentation(changed, challenge="nonce-1", domain="bank.example", now=NOW)
    assert _code(exc_info) == "holder_binding_failed"


def test_presentation_shape_and_purpose(vp: dict[str, Any]) -> None:
    with pytest.raises(MalformedError) as exc_info:
        legacy.verify_presentation({**vp, "type": ["X"]}, challenge="nonce-1", domain=None)
    assert _code(exc_info) == "legacy_malformed"
    with pytest.raises(MalformedError) as exc_info:
        legacy.verify_presentation(
            {**vp, "verifiableCredential": ["eyJhbGciOi.jwt.vc"]}, challenge="nonce-1", domain=None
        )
    assert _code(exc_info) == "legacy_malformed"
    assert exc_info.value.details["credential_index"] == 0
    changed = copy.deepcopy(vp)
    changed["proof"]["proofPurpose"] = "assertionMethod"
    with pytest.raises(VerdictError) as verdict:
        legacy.verify_presentation(changed, challenge="nonce-1", domain=None)
    assert _code(verdict) == "proof_purpose_mismatch"


def test_issue_presentation_errors(vc: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError) as exc_info:
        legacy.issue_presentation([vc], HOLDER_KEY, holder=OTHER, challenge="c", domain=None)
    assert _code(exc_info) == "key_mismatch"
    with pytest.raises(ConfigurationError) as exc_info:
        legacy.issue_presentation([vc], HOLDER_KEY, holder=HOLDER, challenge="", domain=None)
    assert _code(exc_info) == "challenge_missing"


# ----------------------------------------------------------------------------- event loops


def test_works_from_inside_a_running_event_loop(vc: dict[str, Any]) -> None:
    async def handler() -> str:  # as a FastAPI route would call it
        signed = legacy.issue_credential(_unsigned(), ISSUER_KEY, now=NOW)
        return legacy.verify_credential(signed, now=NOW).issuer

    assert asyncio.run(handler()) == ISSUER


def test_works_from_many_threads(vc: dict[str, Any]) -> None:
    results: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(legacy.verify_credential(vc, now=NOW).issuer)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and results == [ISSUER] * 8


# ----------------------------------------------------------------------------- vectors


def test_vector_simple_credential_from_another_implementation() -> None:
    result = legacy.verify_credential(_vector("dcc-simple-credential.json"), now=NOW)
    assert result.issuer == "did:key:z6MkqanD5cmEVf154z5xExoxNKENAzVr3gdPo4wD2R2aCUzj"
    assert result.subject == "did:example:abcdef"


def test_vector_jff_plugfest_open_badge() -> None:
    result = legacy.verify_credential(_vector("dcc-jff-plugfest-credential.json"), now=NOW)
    assert result.issuer == "did:key:z6MkqanD5cmEVf154z5xExoxNKENAzVr3gdPo4wD2R2aCUzj"
    assert result.credential["credentialSubject"]["type"] == "AchievementSubject"


def test_vector_tampered_is_signature_invalid() -> None:
    vector = _vector("dcc-jff-plugfest-credential.json")
    vector["credentialSubject"]["achievement"]["name"] = "Something else"
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_credential(vector, now=NOW)
    assert _code(exc_info) == "signature_invalid"


def test_vector_did_auth_presentation() -> None:
    vector = _vector("dcc-did-auth-presentation.json")
    result = legacy.verify_presentation(vector, challenge="test123", domain=None, now=NOW)
    assert result.holder == "did:key:z6MkoSu3TY7zYt7RF9LAqXbW7VegC3SFAdLp32VWudSfv8Qy"
    assert result.credentials == ()
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_presentation(vector, challenge="test124", domain=None, now=NOW)
    assert _code(exc_info) == "challenge_mismatch"
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_presentation(vector, challenge="test123", domain="bank.example", now=NOW)
    assert _code(exc_info) == "domain_mismatch"


def test_vector_credential_inside_our_presentation_needs_holder_binding() -> None:
    # the vector's subject is did:example:abcdef, so our holder cannot present it
    vp = legacy.issue_presentation(
        [_vector("dcc-simple-credential.json")],
        HOLDER_KEY,
        holder=HOLDER,
        challenge="c",
        domain=None,
        now=NOW,
    )
    with pytest.raises(VerdictError) as exc_info:
        legacy.verify_presentation(vp, challenge="c", domain=None, now=NOW)
    assert _code(exc_info) == "holder_binding_failed"


def test_validity_ends_at_expiration_date() -> None:
    # `now` exactly at expirationDate counts as expired (validity is [issuance, expiration))
    signed = legacy.issue_credential(
        _unsigned(expirationDate="2025-06-01T12:00:00Z"), ISSUER_KEY, now=NOW
    )
    with pytest.raises(VerdictError):
        legacy.verify_credential(signed, now=NOW)
    assert legacy.verify_credential(signed, now=NOW - timedelta(seconds=1)).issuer == ISSUER
