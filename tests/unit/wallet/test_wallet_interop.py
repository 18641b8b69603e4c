"""The wallet against spec-shaped counterparts written in the tests: an OpenID4VCI issuer of
``dc+sd-jwt`` (did:jwk / did:web) and an OpenID4VP 1.0 verifier (signed by did:jwk / did:key,
or unsigned redirect_uri; direct_post and direct_post.jwt; request_uri get and post), over
real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from spec_issuer import VCT, SpecIssuer
from spec_verifier import Session, SpecVerifier

from passport.did import default_resolver
from passport.errors import PassportError
from passport.keys import PublicKey
from passport.ports import SystemClock
from passport.sdjwt.verifier import verify as verify_sd_jwt
from passport.wallet.fido import SoftwareHolder
from passport.wallet.flows import answer_presentation, prepare_presentation, receive
from passport.wallet.model import WalletState, new_wallet

CLAIMS = {
    "given_name": "Mei-Ling",
    "family_name": "Chen",
    "birthdate": "1990-05-17",
    "nationality": "TW",
}
META = {"iss", "iat", "exp", "nbf", "vct", "cnf", "status", "sub"}


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def _resolver(http: httpx.Client) -> Any:
    return default_resolver(http_client=http, insecure_http_hosts={"127.0.0.1"})


def _token_status(http: httpx.Client) -> Any:
    return lambda uri: http.get(uri).text


def _receive(issuer: SpecIssuer, http: httpx.Client, state: WalletState, **kw: Any) -> Any:
    return receive(
        issuer.offer(**{k: v for k, v in kw.items() if k in ("tx_code", "by_reference", "ttl")}),
        tx_code=kw.get("pin", "493536"),
        state=state,
        http=http,
        resolver=_resolver(http),
        status_fetcher=None,
        token_status=_token_status(http),
        clock=SystemClock(),
        allow_http=True,
    )


@pytest.fixture
def issuer() -> Iterator[SpecIssuer]:
    with SpecIssuer(dict(CLAIMS)) as running:
        yield running


@pytest.fixture
def holding(issuer: SpecIssuer, http: httpx.Client) -> WalletState:
    state, held = _receive(issuer, http, new_wallet(datetime.now(UTC)))
    assert [h.format for h in held] == ["dc+sd-jwt"] and held[0].vct == VCT
    return state


def _checker(issuer: SpecIssuer) -> Any:
    issuer_key = PublicKey.from_jwk(issuer.key.public_jwk())

    def check(query_id: str, presentation: Any, session: Session) -> dict[str, Any]:
        assert isinstance(presentation, str)
        verified = verify_sd_jwt(
            presentation,
            issuer_key=issuer_key,
            now=datetime.now(UTC),
            nonce=session.nonce,
            aud=session.client_id,
            require_kb=True,
            expected_typ="dc+sd-jwt",
        )
        return {k: v for k, v in verified.payload.items() if k not in META}

    return check


QUERY = {
    "credentials": [
        {
            "id": "pid",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [{"path": ["given_name"]}, {"path": ["nationality"], "values": ["TW"]}],
        }
    ]
}


def _present(link: str, state: WalletState, http: httpx.Client, consent: bool = True) -> Any:
    now = datetime.now(UTC)
    pending = prepare_presentation(link, state=state, http=http, resolver=_resolver(http), now=now)
    return pending, answer_presentation(
        pending,
        consent=consent,
        state=state,
        http=http,
        now=now,
        authenticate=lambda r, o, origin: SoftwareHolder().authenticate(r, o, origin=origin),
    )


@pytest.mark.parametrize(
    ("prefix", "did_method", "mode", "method"),
    [
        ("decentralized_identifier", "jwk", "direct_post", "get"),
        ("decentralized_identifier", "key", "direct_post.jwt", "post"),
        ("decentralized_identifier", "jwk", "direct_post.jwt", "get"),
        ("redirect_uri", "jwk", "direct_post", None),
        ("redirect_uri", "jwk", "direct_post.jwt", "get"),
    ],
)
def test_presents_only_the_requested_claims(
    issuer: SpecIssuer,
    holding: WalletState,
    http: httpx.Client,
    prefix: str,
    did_method: str,
    mode: str,
    method: str | None,
) -> None:
    with SpecVerifier(_checker(issuer)) as verifier:
        session, link = verifier.new_session(
            QUERY,
            prefix=prefix,
            did_method=did_method,
            response_mode=mode,
            request_uri_method=method,
        )
        pending, outcome = _present(link, holding, http)
        assert outcome.error is None, outcome.error
        assert pending.request.signed is (prefix == "decentralized_identifier")
        assert session.problems == []
        assert session.checked == [
            {"query_id": "pid", "claims": {"given_name": "Mei-Ling", "nationality": "TW"}}
        ]
        if method == "post":
            assert session.wallet_nonce  # sent, and echoed in the signed request
        assert outcome.answer.redirect_uri == session.redirect_uri
        entry = outcome.state.history[-1]
        assert entry.outcome == "sent" and entry.disclosed[0].claims == (
            "given_name",
            "nationality",
        )
        assert entry.verifier == session.client_id


def test_refusal_and_values_mismatch_look_the_same_to_the_verifier(
    issuer: SpecIssuer, holding: WalletState, http: httpx.Client
) -> None:
    mismatch = {
        "credentials": [
            {
                "id": "pid",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [VCT]},
                "claims": [{"path": ["nationality"], "values": ["JP"]}],
            }
        ]
    }
    with SpecVerifier(_checker(issuer)) as verifier:
        refused, link = verifier.new_session(QUERY)
        _, outcome = _present(link, holding, http, consent=False)
        assert outcome.error is not None and outcome.error.code == "presentation_refused"
        unmatched, link2 = verifier.new_session(mismatch)
        _, outcome2 = _present(link2, holding, http, consent=True)
        assert outcome2.error is not None and outcome2.error.code == "presentation_unsatisfiable"
    assert refused.received == [{"error": "access_denied", "state": refused.state}]
    assert unmatched.received == [{"error": "access_denied", "state": unmatched.state}]
    assert outcome.state.history[-1].outcome == "refused"
    assert outcome.state.history[-1].disclosed == ()


def test_transaction_data_gets_invalid_transaction_data(
    issuer: SpecIssuer, holding: WalletState, http: httpx.Client
) -> None:
    with SpecVerifier(_checker(issuer)) as verifier:
        session, link = verifier.new_session(QUERY, transaction_data=["eyJ0eXBlIjoicGF5bWVudCJ9"])
        with pytest.raises(PassportError) as err:
            _present(link, holding, http)
    assert err.value.code == "transaction_data_unsupported"
    assert session.received == [
        {
            "error": "invalid_transaction_data",
            "error_description": "this wallet does not support transaction_data",
            "state": session.state,
        }
    ]


@pytest.mark.parametrize(
    ("tamper", "prefix", "method", "code"),
    [
        ("sign_other_key", "decentralized_identifier", "get", "request_signature_invalid"),
        ("wrong_nonce_echo", "decentralized_identifier", "post", "wallet_nonce_mismatch"),
        ("response_uri", "redirect_uri", "get", "response_uri_mismatch"),
    ],
)
def test_a_request_that_is_not_what_it_claims_is_refused_and_nothing_sent(
    issuer: SpecIssuer,
    holding: WalletState,
    http: httpx.Client,
    tamper: str,
    prefix: str,
    method: str,
    code: str,
) -> None:
    with SpecVerifier(_checker(issuer)) as verifier:
        session, link = verifier.new_session(
            QUERY, prefix=prefix, request_uri_method=method, tamper=tamper
        )
        with pytest.raises(PassportError) as err:
            _present(link, holding, http)
    assert err.value.code == code
    assert session.received == []


def test_signed_request_claiming_another_client_id_is_refused(
    issuer: SpecIssuer, holding: WalletState, http: httpx.Client
) -> None:
    with SpecVerifier(_checker(issuer)) as verifier:
        session, link = verifier.new_session(QUERY)
        other, _ = verifier.new_session(QUERY)
        forged = link.replace(
            "client_id=" + httpx.QueryParams({"c": session.client_id})["c"].replace(":", "%3A"),
            "client_id=" + other.client_id.replace(":", "%3A"),
        )
        assert forged != link
        with pytest.raises(PassportError) as err:
            _present(forged, holding, http)
    assert err.value.code == "request_client_mismatch"
    assert session.received == [] and other.received == []


def test_verifier_error_is_reported_and_recorded(
    issuer: SpecIssuer, holding: WalletState, http: httpx.Client
) -> None:
    with SpecVerifier(_checker(issuer)) as verifier:
        session, link = verifier.new_session(QUERY, answer_error="access_denied")
        _, outcome = _present(link, holding, http)
    assert outcome.error is not None and outcome.error.code == "verifier_error"
    assert outcome.error.details["error"] == "access_denied"
    assert outcome.state.history[-1].outcome == "failed"
    assert len(session.checked) == 1  # it did receive a valid presentation


def test_receive_with_did_key_binding_by_reference(http: httpx.Client) -> None:
    with SpecIssuer(dict(CLAIMS), binding_methods=["did:key"]) as issuer:
        state, held = _receive(issuer, http, new_wallet(datetime.now(UTC)), by_reference=True)
    assert held[0].issuer == issuer.did and held[0].status == "valid"
    assert state.credentials == held


def test_receive_from_a_did_web_issuer(http: httpx.Client) -> None:
    with SpecIssuer(dict(CLAIMS), did_method="web") as issuer:
        _, held = _receive(issuer, http, new_wallet(datetime.now(UTC)))
    assert held[0].issuer.startswith("did:web:127.0.0.1%3A")


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("wrong_pin", "issuer_error"),
        ("used", "issuer_error"),
        ("expired", "issuer_error"),
        ("revoked", "credential_rejected"),
        ("unreachable", "issuer_unreachable"),
    ],
)
def test_receive_bad_input_leaves_the_wallet_unchanged(
    http: httpx.Client, case: str, code: str
) -> None:
    state = new_wallet(datetime.now(UTC))

    def run(offer: str, pin: str) -> Any:
        return receive(
            offer,
            tx_code=pin,
            state=state,
            http=http,
            resolver=_resolver(http),
            status_fetcher=None,
            token_status=_token_status(http),
            clock=SystemClock(),
            allow_http=True,
        )

    with SpecIssuer(dict(CLAIMS)) as issuer:
        offer = issuer.offer(ttl=-1 if case == "expired" else 300)
        pin = "000000" if case == "wrong_pin" else "493536"
        if case == "used":
            run(offer, pin)
        if case == "revoked":
            issuer.revoked.add(issuer.next_index)
        if case != "unreachable":
            with pytest.raises(PassportError) as err:
                run(offer, pin)
    if case == "unreachable":  # the issuer's server has stopped
        with pytest.raises(PassportError) as err:
            run(offer, pin)
    assert err.value.code == code
    assert state.credentials == ()


def test_refresh_sees_a_revocation_and_a_revoked_credential_is_not_offered(
    issuer: SpecIssuer, holding: WalletState, http: httpx.Client
) -> None:
    from passport.wallet.flows import refresh_status
    from passport.wallet.presentation import plan_presentation

    fresh = refresh_status(
        holding, resolver=_resolver(http), status_fetcher=None,
        token_status=_token_status(http), now=datetime.now(UTC),
    )  # fmt: skip
    assert [c.status for c in fresh.credentials] == ["valid"]
    idx = issuer.next_index - 1  # the index of the one credential issued
    issuer.revoked.add(idx)
    revoked = refresh_status(
        fresh, resolver=_resolver(http), status_fetcher=None,
        token_status=_token_status(http), now=datetime.now(UTC),
    )  # fmt: skip
    assert [c.status for c in revoked.credentials] == ["revoked"]
    from passport.exchange.dcql import parse_dcql

    assert plan_presentation(parse_dcql(QUERY), revoked) is None
    assert plan_presentation(parse_dcql(QUERY), fresh) is not None


def test_standing_text_from_trust_events() -> None:
    from types import SimpleNamespace as E

    from passport.wallet.trust import describe_standing

    until = datetime(2027, 12, 31, tzinfo=UTC)
    acc = E(kind="accredited", types=("KYCCredential",), jurisdiction="TW", valid_until=until)
    assert describe_standing([]) is None
    assert describe_standing([acc]) == "accredited (KYCCredential; TW) until 2027-12-31"
    assert describe_standing([acc, E(kind="suspended")]) == "suspended"
    assert describe_standing([acc, E(kind="suspended"), E(kind="reinstated")]).startswith(
        "accredited"
    )
