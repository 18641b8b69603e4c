"""The bad input matrix: every bad response is rejected with its own code (compared as the
whole list), none is approved, and the same verifier keeps serving; an unreachable chain or
status list makes the decision ``indeterminate``, never approved and never "revoked".

Each case builds a response the way a broken or hostile wallet would, from the spec wallet's
pieces (tests/support/spec_wallet.py), against one verifier (direct_post, and a
direct_post.jwt twin for the encryption cases).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from spec_wallet import (
    Request,
    b64u,
    encrypt_response,
    fido_presentation,
    kb_jwt,
    post_form,
    response_params,
    sd_jwt_presentation,
)
from verifier_world import Holder, World, new_request

from passport.keys import KeyType, PrivateKey

RETAIL = Path(__file__).resolve().parents[3] / "verifier_service" / "policies" / "retail.toml"


@dataclass
class Verifier:
    runtime: Any
    client: Any


@pytest.fixture(scope="module")
def verifiers(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Verifier]:
    """One verifier per response mode, shared by every case (so each case also shows that the
    service keeps serving after the previous one)."""
    out = {}
    for mode in ("direct_post", "direct_post.jwt"):
        directory = tmp_path_factory.mktemp(mode.replace(".", "-"))
        # no status-list cache: each case sees the bank's list as it is now
        runtime = world.verifier_runtime(directory, response_mode=mode, status_cache_seconds=0)
        out[mode] = Verifier(runtime, world.verifier_client(runtime))
    return out


@dataclass
class Case:
    """One bad response: ``world``, a holder, the request, its verifier's client."""

    world: World
    holder: Holder
    request: Request
    client: Any

    def wallet(self, holder: Holder | None = None, **kwargs: Any) -> Any:
        return self.world.wallet(self.client, holder or self.holder, **kwargs)

    def vp_token(self, holder: Holder | None = None) -> dict[str, list[Any]]:
        return dict(self.wallet(holder).vp_token(self.request))

    def post(self, vp_token: dict[str, Any]) -> Any:
        return post_form(
            self.client, self.request.response_uri, response_params(self.request, vp_token)
        )

    def post_params(self, params: dict[str, str]) -> Any:
        return post_form(self.client, self.request.response_uri, params)

    def kyc(self, holder: Holder | None = None, **kw: Any) -> str:
        h = holder or self.holder
        paths = kw.pop("paths", None) or [
            ["credentialSubject", n] for n in ("legalName", "birthDate", "nationality", "kycLevel")
        ]
        return sd_jwt_presentation(
            h.kyc,
            paths,
            kw.pop("key", h.key),
            nonce=kw.pop("nonce", self.request.nonce),
            aud=kw.pop("aud", self.request.client_id),
            iat=int(self.world.clock.now().timestamp()),
        )


def _fresh_holder(world: World, **bank: Any) -> Holder:
    return world.holder(world.new_bank(**bank) if bank else world.bank)


def _disclosures(presentation: str) -> list[str]:
    return presentation.split("~")[1:-1]


def _with_disclosures(presentation: str, disclosures: list[str], case: Case, h: Holder) -> str:
    issuer_jwt = presentation.split("~")[0]
    without_kb = "~".join([issuer_jwt, *disclosures]) + "~"
    return without_kb + kb_jwt(
        without_kb,
        h.key,
        nonce=case.request.nonce,
        aud=case.request.client_id,
        iat=int(case.world.clock.now().timestamp()),
    )


def _decode(disclosure: str) -> list[Any]:
    return list(json.loads(base64.urlsafe_b64decode(disclosure + "=" * (-len(disclosure) % 4))))


# --- the cases ---------------------------------------------------------------------------------
# Each returns the HTTP response of the bad post.


def tampered_disclosure(c: Case) -> Any:
    token = c.vp_token()
    kyc = token["kyc"][0]
    ds = _disclosures(kyc)
    for i, d in enumerate(ds):
        salt, name, value = _decode(d)
        if name == "nationality":
            ds[i] = b64u(json.dumps([salt, name, "JP"]).encode())
    token["kyc"] = [_with_disclosures(kyc, ds, c, c.holder)]
    return c.post(token)


def unreferenced_extra_disclosure(c: Case) -> Any:
    token = c.vp_token()
    foreign = _disclosures(token["bank_statement"][0])[0]
    token["kyc"] = [
        _with_disclosures(token["kyc"][0], [*_disclosures(token["kyc"][0]), foreign], c, c.holder)
    ]
    return c.post(token)


def duplicate_disclosure(c: Case) -> Any:
    token = c.vp_token()
    ds = _disclosures(token["kyc"][0])
    token["kyc"] = [_with_disclosures(token["kyc"][0], [*ds, ds[0]], c, c.holder)]
    return c.post(token)


def over_disclosure(c: Case) -> Any:
    wallet = c.wallet()
    wallet.extra_disclosures = {"kyc": [["credentialSubject", "idDocumentNumberHash"]]}
    return c.post(wallet.vp_token(c.request))


def wrong_nonce(c: Case) -> Any:
    token = c.vp_token()
    token["kyc"] = [c.kyc(nonce="another-request")]
    return c.post(token)


def wrong_audience(c: Case) -> Any:
    token = c.vp_token()
    token["kyc"] = [c.kyc(aud="decentralized_identifier:did:key:z6MkOtherBank")]
    return c.post(token)


def replayed_response(c: Case) -> Any:
    params = response_params(c.request, c.vp_token())
    first = c.post_params(params)
    assert first.json()["status"] == "approved", first.json()
    return c.post_params(params)


def unknown_session(c: Case) -> Any:
    params = response_params(c.request, c.vp_token())
    return post_form(
        c.client, c.request.response_uri.rsplit("/", 1)[0] + "/no-such-session", params
    )


def another_state(c: Case) -> Any:
    token = c.vp_token()
    return c.post_params({"vp_token": json.dumps(token), "state": "not-this-session"})


def expired_state(c: Case) -> Any:
    token = c.vp_token()
    c.world.clock.advance(301)
    try:
        return c.post(token)
    finally:
        c.world.clock.advance(-301)


def expired_credential(c: Case) -> Any:
    bank = c.world.new_bank(
        "Short-lived Bank",
        validity={
            k: timedelta(hours=1)
            for k in ("KYCCredential", "BankStatementCredential", "FidoKeyBindingCredential")
        },
    )
    h = c.world.holder(bank)
    c.world.clock.advance(7200)
    try:
        request = c.wallet(h).fetch(_new_link(c))
        case = replace(c, holder=h, request=request)
        return case.post(case.vp_token())
    finally:
        c.world.clock.advance(-7200)


def _new_link(c: Case) -> str:
    return str(new_request(c.client)["uri"])


def _status_change(c: Case, action: str, *, anchor: bool = True, bank: Any = None) -> Any:
    from issuer_service.domain import change_status

    bank = bank or c.world.bank
    h = c.world.holder(bank)
    record = bank.issue(h.key, "KYCCredential")
    h = replace(h, kyc=record.credential)
    change_status(bank.runtime.db, bank.runtime.ctx, record.credential_id, action)
    if anchor:
        bank.anchor()
    case = replace(c, holder=h)
    return case.post(case.vp_token())


def revoked(c: Case) -> Any:
    return _status_change(c, "revoke")


def suspended(c: Case) -> Any:
    return _status_change(c, "suspend")


def status_list_digest_differs(c: Case) -> Any:
    # the bank changed its list but the chain still holds the old digest
    return _status_change(c, "revoke", anchor=False, bank=c.world.new_bank("Lagging Bank"))


def never_accredited(c: Case) -> Any:
    h = _fresh_holder(c.world, accredit=False)
    return replace(c, holder=h).post(c.vp_token(h))


def accredited_for_another_type(c: Case) -> Any:
    h = _fresh_holder(c.world, types=["KYCCredential"])
    return c.post(c.vp_token(h))


def accredited_in_another_jurisdiction(c: Case) -> Any:
    h = _fresh_holder(c.world, jurisdiction="JP")
    return c.post(c.vp_token(h))


def accreditation_suspended(c: Case) -> Any:
    bank = c.world.new_bank("Suspended Bank")
    h = c.world.holder(bank)
    c.world.trust.suspend(bank.did, "under investigation")
    from verifier_world import catch_up

    catch_up(c.world.chain, c.world.clock)
    return c.post(c.vp_token(h))


def two_holders(c: Case) -> Any:
    other = c.world.holder()
    token = c.vp_token()
    token["bank_statement"] = c.vp_token(other)["bank_statement"]
    return c.post(token)


def fido_from_another_authenticator(c: Case) -> Any:
    other = c.world.holder()
    token = c.vp_token()
    vp = fido_presentation(
        c.holder.fido_vc,
        other.device,  # another authenticator answers
        c.holder.key,
        c.holder.did,
        nonce=c.request.nonce,
        client_id=c.request.client_id,
        allow_credentials=False,
    )
    token["fido"] = [vp]
    return c.post(token)


def fido_signature_forged(c: Case) -> Any:
    from spec_wallet import FidoDevice

    device = c.holder.device
    forged = FidoDevice(
        device.authenticator,
        replace(device.credential, private_key=PrivateKey.generate(KeyType.P256)),
    )
    token = c.vp_token()
    token["fido"] = [
        fido_presentation(
            c.holder.fido_vc,
            forged,
            c.holder.key,
            c.holder.did,
            nonce=c.request.nonce,
            client_id=c.request.client_id,
        )
    ]
    device.credential = replace(device.credential, sign_count=forged.credential.sign_count)
    return c.post(token)


def fido_counter_goes_back(c: Case) -> Any:
    from spec_wallet import FidoDevice

    device = c.holder.device
    cloned = FidoDevice(device.authenticator, replace(device.credential, sign_count=0))
    token = c.vp_token()
    token["fido"] = [
        fido_presentation(
            c.holder.fido_vc,
            cloned,
            c.holder.key,
            c.holder.did,
            nonce=c.request.nonce,
            client_id=c.request.client_id,
        )
    ]
    return c.post(token)


def fido_other_challenge(c: Case) -> Any:
    token = c.vp_token()
    token["fido"] = [
        fido_presentation(
            c.holder.fido_vc,
            c.holder.device,
            c.holder.key,
            c.holder.did,
            nonce=c.request.nonce,
            client_id=c.request.client_id,
            challenge=b"\x01" * 32,
        )
    ]
    return c.post(token)


def fido_vp_of_another_holder(c: Case) -> Any:
    other = c.world.holder()
    token = c.vp_token()
    token["fido"] = [
        fido_presentation(
            c.holder.fido_vc,
            c.holder.device,
            other.key,
            other.did,
            nonce=c.request.nonce,
            client_id=c.request.client_id,
        )
    ]
    return c.post(token)


def missing_credential(c: Case) -> Any:
    token = c.vp_token()
    del token["bank_statement"]
    return c.post(token)


def kyc_level_not_accepted(c: Case) -> Any:
    h = c.world.holder(customer="TW-0012")  # KYC level "simplified"
    token = c.vp_token()
    token["kyc"] = [c.kyc(h)]
    other = c.vp_token(h)
    token.update({k: v for k, v in other.items() if k != "kyc"})
    return c.post(token)


def malformed_vp_token_json(c: Case) -> Any:
    return c.post_params({"vp_token": "{not json", "state": c.request.state})


def vp_token_not_an_object(c: Case) -> Any:
    return c.post_params({"vp_token": json.dumps([c.kyc()]), "state": c.request.state})


def malformed_jwt(c: Case) -> Any:
    token = c.vp_token()
    token["kyc"] = ["!!!.???.***~"]
    return c.post(token)


def malformed_base64_disclosure(c: Case) -> Any:
    token = c.vp_token()
    token["kyc"] = [_with_disclosures(token["kyc"][0], ["***not-base64***"], c, c.holder)]
    return c.post(token)


def issuer_signature_tampered(c: Case) -> Any:
    token = c.vp_token()
    head, payload, sig = token["kyc"][0].split("~")[0].split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["credentialSubject"]["kycLevel"] = "enhanced"
    forged = ".".join([head, b64u(json.dumps(body).encode()), sig])
    rest = token["kyc"][0].split("~")[1:-1]
    without_kb = "~".join([forged, *rest]) + "~"
    token["kyc"] = [
        without_kb
        + kb_jwt(
            without_kb,
            c.holder.key,
            nonce=c.request.nonce,
            aud=c.request.client_id,
            iat=int(c.world.clock.now().timestamp()),
        )
    ]
    return c.post(token)


def kb_missing(c: Case) -> Any:
    token = c.vp_token()
    token["kyc"] = [token["kyc"][0].rsplit("~", 1)[0] + "~"]
    return c.post(token)


def kb_by_another_key(c: Case) -> Any:
    token = c.vp_token()
    token["kyc"] = [c.kyc(key=PrivateKey.generate(KeyType.ED25519))]
    return c.post(token)


def kb_over_other_disclosures(c: Case) -> Any:
    token = c.vp_token()
    presented = token["kyc"][0]
    kb = presented.rsplit("~", 1)[1]
    ds = _disclosures(presented)
    token["kyc"] = ["~".join([presented.split("~")[0], *ds[:-1]]) + "~" + kb]
    return c.post(token)


def fido_answered_with_a_string(c: Case) -> Any:
    token = c.vp_token()
    token["fido"] = [c.kyc()]
    return c.post(token)


def statement_too_old(c: Case) -> Any:
    return _with_policy(c, RETAIL.read_text().replace("max_age_days = 90", "max_age_days = 7"))


def balance_below_minimum(c: Case) -> Any:
    return _with_policy(c, RETAIL.read_text().replace('amount = "10000"', 'amount = "1000000"'))


def _with_policy(c: Case, text: str) -> Any:
    import tomllib

    from passport.verifier.policy import parse_policy
    from verifier_service.domain import create_session

    runtime = c.client.app.state.runtime
    created = create_session(runtime, channel="api", policy=parse_policy(tomllib.loads(text)))
    request = c.wallet().fetch(created.link)
    case = replace(c, request=request)
    return case.post(case.vp_token())


def repeated_parameter(c: Case) -> Any:
    body = f"state={c.request.state}&state={c.request.state}&vp_token=%7B%7D"
    return c.client.post(
        c.request.response_uri,
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def deeply_nested_json(c: Case) -> Any:
    return c.post_params({"vp_token": "[" * 20_000 + "]" * 20_000, "state": c.request.state})


def body_over_the_size_limit(c: Case) -> Any:
    return c.post_params({"vp_token": "x" * 300_000, "state": c.request.state})


def wrong_content_type(c: Case) -> Any:
    return c.client.post(
        c.request.response_uri, json={"vp_token": c.vp_token(), "state": c.request.state}
    )


CASES: list[tuple[Callable[[Case], Any], str, list[str]]] = [
    (tampered_disclosure, "direct_post", ["disclosure_unreferenced"]),
    (unreferenced_extra_disclosure, "direct_post", ["disclosure_unreferenced"]),
    (duplicate_disclosure, "direct_post", ["disclosure_duplicate"]),
    (over_disclosure, "direct_post", ["over_disclosure"]),
    (wrong_nonce, "direct_post", ["kb_nonce_mismatch"]),
    (wrong_audience, "direct_post", ["audience_mismatch"]),
    (replayed_response, "direct_post", ["response_replayed"]),
    (unknown_session, "direct_post", ["session_unknown"]),
    (another_state, "direct_post", ["state_mismatch"]),
    (expired_state, "direct_post", ["state_expired"]),
    (expired_credential, "direct_post", ["expired"]),
    (revoked, "direct_post", ["revoked"]),
    (suspended, "direct_post", ["suspended"]),
    (status_list_digest_differs, "direct_post", ["status_list_mismatch"]),
    (never_accredited, "direct_post", ["issuer_not_accredited"]),
    (accredited_for_another_type, "direct_post", ["accreditation_type_mismatch"]),
    (accredited_in_another_jurisdiction, "direct_post", ["jurisdiction_not_accepted"]),
    (accreditation_suspended, "direct_post", ["accreditation_suspended"]),
    (two_holders, "direct_post", ["holder_mismatch"]),
    (fido_from_another_authenticator, "direct_post", ["fido_credential_unknown"]),
    (fido_signature_forged, "direct_post", ["fido_signature_invalid"]),
    (fido_counter_goes_back, "direct_post", ["fido_sign_count_regressed"]),
    (fido_other_challenge, "direct_post", ["fido_challenge_mismatch"]),
    (fido_vp_of_another_holder, "direct_post", ["holder_binding_failed"]),
    (statement_too_old, "direct_post", ["statement_too_old"]),
    (balance_below_minimum, "direct_post", ["balance_below_minimum"]),
    (missing_credential, "direct_post", ["dcql_unsatisfied"]),
    (kyc_level_not_accepted, "direct_post", ["dcql_unsatisfied"]),
    (malformed_vp_token_json, "direct_post", ["vp_token_malformed"]),
    (vp_token_not_an_object, "direct_post", ["vp_token_malformed"]),
    (malformed_jwt, "direct_post", ["presentation_required", "jwt_malformed"]),
    (malformed_base64_disclosure, "direct_post", ["disclosure_malformed"]),
    (issuer_signature_tampered, "direct_post", ["signature_invalid"]),
    (kb_missing, "direct_post", ["presentation_required"]),
    (kb_by_another_key, "direct_post", ["kb_signature_invalid"]),
    (kb_over_other_disclosures, "direct_post", ["kb_sd_hash_mismatch"]),
    (fido_answered_with_a_string, "direct_post", ["presentation_format_mismatch"]),
    (repeated_parameter, "direct_post", ["form_malformed"]),
    (deeply_nested_json, "direct_post", ["json_too_deep"]),
    (body_over_the_size_limit, "direct_post", ["body_too_large"]),
    (wrong_content_type, "direct_post", ["content_type_unsupported"]),
]


def _jwe_case(fn: Callable[[Request], dict[str, str]]) -> Callable[[Case], Any]:
    def run(c: Case) -> Any:
        return c.post_params(fn(c.request))

    run.__name__ = fn.__name__
    return run


def _inner(c: Request) -> dict[str, Any]:
    return {"vp_token": {}, "state": c.state}


@_jwe_case
def jwe_garbage(r: Request) -> dict[str, str]:
    return {"response": "this-is-not-a-jwe"}


@_jwe_case
def jwe_bad_tag(r: Request) -> dict[str, str]:
    return {"response": encrypt_response(_inner(r), r.encryption_jwk(), corrupt_tag=True)}


@_jwe_case
def jwe_other_key(r: Request) -> dict[str, str]:
    from joserfc.jwk import ECKey

    other = dict(ECKey.generate_key("P-256").as_dict())
    return {"response": encrypt_response(_inner(r), other, kid=None)}


@_jwe_case
def jwe_unsupported_enc(r: Request) -> dict[str, str]:
    return {"response": encrypt_response(_inner(r), r.encryption_jwk(), enc="A192GCM")}


@_jwe_case
def jwe_of_a_json_array(r: Request) -> dict[str, str]:
    # decrypts fine, but the plaintext is not the JSON object of response parameters
    inner: Any = [_inner(r)]
    return {"response": encrypt_response(inner, r.encryption_jwk())}


@_jwe_case
def unencrypted_to_an_encrypted_request(r: Request) -> dict[str, str]:
    return {"vp_token": "{}", "state": r.state}


CASES += [
    (jwe_garbage, "direct_post.jwt", ["jwe_malformed"]),
    (jwe_bad_tag, "direct_post.jwt", ["jwe_decryption_failed"]),
    (jwe_other_key, "direct_post.jwt", ["jwe_decryption_failed"]),
    (jwe_unsupported_enc, "direct_post.jwt", ["jwe_alg_unsupported"]),
    (jwe_of_a_json_array, "direct_post.jwt", ["response_malformed"]),
    (unencrypted_to_an_encrypted_request, "direct_post.jwt", ["response_not_encrypted"]),
]


def encrypted_to_a_plain_request(c: Case) -> Any:
    from joserfc.jwk import ECKey

    key = dict(ECKey.generate_key("P-256").as_dict())
    return c.post_params({"response": encrypt_response(_inner(c.request), key)})


CASES.append((encrypted_to_a_plain_request, "direct_post", ["response_mode_mismatch"]))


def _codes(response: Any) -> tuple[str, list[str]]:
    body = response.json()
    if response.status_code == 200:
        return str(body["status"]), list(body["codes"])
    assert 400 <= response.status_code < 500, response.text
    assert body["error"] == "invalid_request" and body["code"] in body["error_description"]
    return "refused_by_endpoint", [body["code"]]


@pytest.mark.parametrize(("build", "mode", "expected"), CASES, ids=[c[0].__name__ for c in CASES])
def test_each_bad_response_is_rejected_with_its_own_code(
    world: World,
    holder: Holder,
    verifiers: dict[str, Verifier],
    build: Callable[[Case], Any],
    mode: str,
    expected: list[str],
) -> None:
    verifier = verifiers[mode]
    created = new_request(verifier.client)
    request = world.wallet(verifier.client, holder).fetch(created["uri"])
    response = build(Case(world, holder, request, verifier.client))
    outcome, codes = _codes(response)
    assert codes == expected, response.json()
    assert outcome in ("rejected", "refused_by_endpoint"), response.json()


def test_the_matrix_has_at_least_thirty_distinct_codes() -> None:
    assert len({code for _, _, expected in CASES for code in expected}) >= 30
    assert len(CASES) >= 40


@pytest.mark.parametrize("mode", ["direct_post", "direct_post.jwt"])
def test_the_verifier_keeps_serving_after_the_matrix(
    world: World, holder: Holder, verifiers: dict[str, Verifier], mode: str
) -> None:
    client = verifiers[mode].client
    created = new_request(client)
    response = world.wallet(client, holder).present(created["uri"])
    assert response.json()["status"] == "approved", response.json()
    assert client.get("/health").json()["status"] == "ok"


# --- could not check -----------------------------------------------------------------------


class _Unreachable:
    def fetch(self, url: str) -> Any:
        from passport.errors import CouldNotCheckError

        raise CouldNotCheckError("status_list_unavailable", f"{url} is unreachable.")


def test_an_unreachable_status_list_is_indeterminate_never_revoked(
    world: World, holder: Holder, make_verifier: Any
) -> None:
    _, client = make_verifier(status_fetcher=_Unreachable())
    created = new_request(client)
    response = world.wallet(client, holder).present(created["uri"])
    assert response.json()["status"] == "indeterminate"
    assert response.json()["codes"] == ["status_list_unavailable"]
    page = client.get(f"/onboarding/{created['session_id']}?lang=en").text
    assert "We could not finish the checks" in page and "revoked" not in page.lower()


def test_an_unreachable_chain_is_indeterminate(
    world: World, holder: Holder, make_verifier: Any, tmp_path: Path
) -> None:
    from passport.did import default_resolver

    deployment = replace(world.deployment, rpc_url="http://127.0.0.1:9")  # nothing listens
    path = tmp_path / "deployment.json"
    deployment.save(path)
    _, client = make_verifier(chain=False, deployment=path, resolver=None)
    # a resolver without the chain's did:ethr: the service wires its own (lazy, failing)
    runtime = client.app.state.runtime
    assert runtime.chain.configured
    created = new_request(client)
    response = world.wallet(client, holder).present(created["uri"])
    body = response.json()
    assert body["status"] == "indeterminate", body
    assert set(body["codes"]) == {"rpc_unavailable"}
    assert default_resolver  # (the world's resolver is not used by this verifier)
