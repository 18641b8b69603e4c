"""Batch issuance and one-time holder keys in the wallet (docs/unlinkability.md), against the
spec-shaped OpenID4VCI issuer (``batch_credential_issuance``, ``proofs`` with one key per copy)
and OpenID4VP verifier of tests/counterparts, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from spec_issuer import VCT, SpecIssuer, b64u_decode
from spec_verifier import Session, SpecVerifier

from passport.did import default_resolver
from passport.errors import PassportError
from passport.keys import PublicKey
from passport.ports import SystemClock
from passport.sdjwt.verifier import verify as verify_sd_jwt
from passport.wallet.fido import SoftwareHolder
from passport.wallet.flows import (
    answer_presentation,
    low_on_copies,
    prepare_presentation,
    receive,
    refresh_batch,
)
from passport.wallet.model import WalletState, new_wallet

CLAIMS = {"given_name": "Mei-Ling", "family_name": "Chen", "nationality": "TW"}
QUERY = {
    "credentials": [
        {
            "id": "pid",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [{"path": ["given_name"]}],
        }
    ]
}


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def _resolver(http: httpx.Client) -> Any:
    return default_resolver(http_client=http, insecure_http_hosts={"127.0.0.1"})


def _world(http: httpx.Client) -> dict[str, Any]:
    return {
        "http": http,
        "resolver": _resolver(http),
        "status_fetcher": None,
        "token_status": lambda uri: http.get(uri).text,
        "clock": SystemClock(),
        "allow_http": True,
    }


def _receive(issuer: SpecIssuer, http: httpx.Client, state: WalletState, **kw: Any) -> Any:
    return receive(issuer.offer(), tx_code="493536", state=state, **_world(http), **kw)


def _cnf(sd_jwt: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(b64u_decode(sd_jwt.split("~")[0].split(".")[1]))
    return dict(payload["cnf"]["jwk"])


def _header(jwt: str) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(b64u_decode(jwt.split(".")[0]))
    return header


@pytest.fixture
def batch_issuer() -> Iterator[SpecIssuer]:
    with SpecIssuer(dict(CLAIMS), batch_size=4, refresh_tokens=True) as running:
        yield running


def test_a_batch_has_one_fresh_key_per_copy(batch_issuer: SpecIssuer, http: httpx.Client) -> None:
    state = new_wallet(datetime.now(UTC))
    state, held = _receive(batch_issuer, http, state, copies=10)
    # min(the issuer's batch_size 4, the wallet's 10) proofs, one request, one c_nonce
    (request,) = batch_issuer.requests
    proofs = request["proofs"]["jwt"]
    assert len(proofs) == 4
    headers = [_header(p) for p in proofs]
    assert all("jwk" in h and "kid" not in h for h in headers)
    assert len({h["jwk"]["x"] for h in headers}) == 4
    long_lived = state.holder_key.public_key.to_jwk()["x"]
    assert long_lived not in {h["jwk"]["x"] for h in headers}
    # stored as one credential with four copies, each bound to its slot's key
    (cred,) = held
    assert len(state.credentials) == 1 and len(cred.copies) == 4
    assert state.unused_copies(cred) == 4
    for copy in cred.copies:
        slot = state.slot(copy.slot)
        assert slot is not None
        assert isinstance(copy.credential, str)
        assert PublicKey.from_jwk(_cnf(copy.credential)) == slot.key.public_key
    # the slot keys are sealed with the wallet: they survive its JSON form
    again = WalletState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again.slots == state.slots and again.credentials == state.credentials


def test_the_plain_path_without_batch_metadata(http: httpx.Client) -> None:
    with SpecIssuer(dict(CLAIMS)) as plain:
        state, (cred,) = _receive(plain, http, new_wallet(datetime.now(UTC)))
        (request,) = plain.requests
    assert len(request["proofs"]["jwt"]) == 1
    assert not cred.is_batch and state.slots == ()
    assert PublicKey.from_jwk(_cnf(str(cred.credential))) == state.holder_key.public_key


def test_copies_below_two_asks_for_one_credential(
    batch_issuer: SpecIssuer, http: httpx.Client
) -> None:
    state, (cred,) = _receive(batch_issuer, http, new_wallet(datetime.now(UTC)), copies=1)
    assert not cred.is_batch and len(batch_issuer.requests[0]["proofs"]["jwt"]) == 1


def _checker(issuer: SpecIssuer) -> Any:
    issuer_key = PublicKey.from_jwk(issuer.key.public_jwk())

    def check(query_id: str, presentation: Any, session: Session) -> dict[str, Any]:
        verified = verify_sd_jwt(
            presentation,
            issuer_key=issuer_key,
            now=datetime.now(UTC),
            nonce=session.nonce,
            aud=session.client_id,
            require_kb=True,
            expected_typ="dc+sd-jwt",
        )
        return {"cnf": verified.payload["cnf"]["jwk"]["x"], "given_name": "given_name"}

    return check


def _present(
    link: str, state: WalletState, http: httpx.Client, *, allow_reuse: bool = False
) -> Any:
    now = datetime.now(UTC)
    pending = prepare_presentation(link, state=state, http=http, resolver=_resolver(http), now=now)
    return answer_presentation(
        pending,
        consent=True,
        state=state,
        http=http,
        now=now,
        authenticate=lambda r, o, origin: SoftwareHolder().authenticate(r, o, origin=origin),
        allow_reuse=allow_reuse,
    )


def test_each_verifier_gets_a_fresh_copy_and_reuse_needs_consent(
    batch_issuer: SpecIssuer, http: httpx.Client
) -> None:
    state, (cred,) = _receive(batch_issuer, http, new_wallet(datetime.now(UTC)), copies=2)
    with SpecVerifier(_checker(batch_issuer)) as a, SpecVerifier(_checker(batch_issuer)) as b:
        session_a, link_a = a.new_session(QUERY)
        out = _present(link_a, state, http)
        assert out.error is None, session_a.problems
        state = out.state
        session_b, link_b = b.new_session(QUERY)
        out = _present(link_b, state, http)
        assert out.error is None, session_b.problems
        state = out.state
        key_a = session_a.checked[0]["claims"]["cnf"]
        key_b = session_b.checked[0]["claims"]["cnf"]
        assert key_a != key_b  # two verifiers, two holder keys
        assert state.unused_copies(cred) == 0
        assert low_on_copies(state) == (cred,)
        # the same verifier (client_id) again: it may see the slot it already saw
        assert session_a.signer is not None and session_a.signer_kid is not None
        identity = (session_a.signer, session_a.client_id.split(":", 1)[1], session_a.signer_kid)
        session_a2, link_a2 = a.new_session(QUERY, identity=identity)
        out = _present(link_a2, state, http)
        assert out.error is None and session_a2.checked[0]["claims"]["cnf"] == key_a
        state = out.state
        # a third verifier: no unused copy; without --allow-reuse it gets access_denied
        with SpecVerifier(_checker(batch_issuer)) as c:
            session_c, link_c = c.new_session(QUERY)
            out = _present(link_c, state, http)
            assert isinstance(out.error, PassportError) and out.error.code == "copies_exhausted"
            assert session_c.received[-1]["error"] == "access_denied" and not session_c.checked
            state = out.state
            session_c2, link_c2 = c.new_session(QUERY)
            out = _present(link_c2, state, http, allow_reuse=True)
            assert out.error is None
            assert session_c2.checked[0]["claims"]["cnf"] in (key_a, key_b)


def test_refresh_asks_for_a_new_batch_with_the_refresh_token(
    batch_issuer: SpecIssuer, http: httpx.Client
) -> None:
    state, (cred,) = _receive(batch_issuer, http, new_wallet(datetime.now(UTC)), copies=2)
    with SpecVerifier(_checker(batch_issuer)) as a:
        _session, link = a.new_session(QUERY)
        state = _present(link, state, http).state
    assert state.unused_copies(cred) == 1
    used_slots = {s.index for s in state.slots if s.used}
    state, renewed = refresh_batch(cred.id, state=state, copies=4, **_world(http))
    assert renewed.id == cred.id and len(renewed.copies) == 4
    assert state.unused_copies(renewed) == 4
    assert not {c.slot for c in renewed.copies} & used_slots  # never a shown key again
    assert len(batch_issuer.requests) == 2


def test_refresh_without_a_refresh_token_needs_an_offer(http: httpx.Client) -> None:
    with SpecIssuer(dict(CLAIMS), batch_size=3) as issuer:
        state, (cred,) = _receive(issuer, http, new_wallet(datetime.now(UTC)))
        with pytest.raises(PassportError) as err:
            refresh_batch(cred.id, state=state, **_world(http))
        assert err.value.code == "refresh_unavailable"
        state, renewed = refresh_batch(
            cred.id, state=state, offer=issuer.offer(), tx_code="493536", **_world(http)
        )
        assert len(renewed.copies) == 3


def test_refresh_of_a_single_credential_is_refused(http: httpx.Client) -> None:
    with SpecIssuer(dict(CLAIMS)) as plain:
        state, (cred,) = _receive(plain, http, new_wallet(datetime.now(UTC)))
    with pytest.raises(PassportError) as err:
        refresh_batch(cred.id, state=state, **_world(http))
    assert err.value.code == "refresh_not_batch"


def test_a_copy_bound_to_a_key_the_wallet_did_not_offer_is_refused(http: httpx.Client) -> None:
    other = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    with SpecIssuer(dict(CLAIMS), batch_size=2, bind_to=other) as issuer:
        state = new_wallet(datetime.now(UTC))
        with pytest.raises(PassportError) as err:
            _receive(issuer, http, state)
    assert err.value.code == "credential_not_bound"


def test_slot_keys_follow_the_issuers_proof_algorithms() -> None:
    from passport.keys import KeyType
    from passport.wallet.flows import _slot_key_type, allocate_slots

    es256_only = {
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": ["ES256"]}}
    }
    assert _slot_key_type(es256_only) is KeyType.P256
    assert _slot_key_type({}) is KeyType.ED25519
    now = datetime.now(UTC)
    state, first = allocate_slots(new_wallet(now), 2, KeyType.ED25519, now)
    # P-256 asked: the Ed25519 slots do not fit, two new P-256 slots are made after them
    state, second = allocate_slots(state, 2, KeyType.P256, now)
    assert [s.index for s in first] == [0, 1] and [s.index for s in second] == [2, 3]
    assert all(s.key.type is KeyType.P256 for s in second)
    # unused slots of the right type are taken again, lowest first
    state, again = allocate_slots(state, 1, KeyType.ED25519, now)
    assert [s.index for s in again] == [0]


def test_a_p256_slot_key_cannot_join_a_fido_presentation() -> None:
    from passport.fido.presentation import add_holder_key_proof
    from passport.keys import KeyType, PrivateKey

    with pytest.raises(PassportError) as err:
        add_holder_key_proof(
            {"holder": "did:key:z6Mk"},
            PrivateKey.generate(KeyType.P256),
            "did:jwk:x#0",
            nonce="n",
            client_id="c",
        )
    assert err.value.code == "presentation_unsupported"


def test_the_spec_verifier_refuses_a_vct_it_did_not_ask_for() -> None:
    from spec_verifier import _check_meta

    header = base64.urlsafe_b64encode(b'{"typ":"dc+sd-jwt","alg":"EdDSA"}').rstrip(b"=").decode()
    payload = base64.urlsafe_b64encode(b'{"vct":"https://other.example/pid"}').rstrip(b"=")
    token = f"{header}.{payload.decode()}.sig~"
    with pytest.raises(ValueError, match="vct"):
        _check_meta(QUERY, "pid", token)
    _check_meta(QUERY, "pid", token.replace(payload.decode(), _b64(json.dumps({"vct": VCT}))))


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()
