"""A measured linkability test (docs/unlinkability.md): the real wallet (passport.wallet.flows)
receives batches from the real issuer service (in process, on the embedded chain) and onboards
the same citizen at two verifier instances with separate databases; then everything both
verifiers stored (sessions, decisions, reports, audit entries, and the raw presentations, kept
with ``keep_raw_presentation``) is read back from their SQLite files and every value that could
link two visits is extracted: signatures, digests, salts, holder keys (JWK thumbprints and
DIDs), status list entries, credential ids. The two sets must not meet. The second test makes
the wallet reuse a copy (``allow_reuse``) and finds what links, so the check can fail.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "support"))

from linkability import json_of as _json_of  # noqa: E402
from linkability import kinds as _kinds  # noqa: E402
from linkability import stored_values  # noqa: E402
from verifier_world import World, catch_up, make_world, new_request  # noqa: E402

from issuer_service.domain import create_offer  # noqa: E402
from passport.keys import PublicKey  # noqa: E402
from passport.wallet.fido import SoftwareHolder  # noqa: E402
from passport.wallet.flows import answer_presentation, prepare_presentation, receive  # noqa: E402
from passport.wallet.model import WalletState, new_wallet  # noqa: E402

POLICY = """
name = "linkability"
formats = ["vc+sd-jwt"]
accepted_jurisdictions = ["TW"]

[kyc]
claims = ["legalName", "nationality"]

[bank_statement]
claims = ["bankName"]
min_balance = { amount = "1000", currency = "USD" }

[fido]
required = false
"""


class Router(httpx.BaseTransport):
    """One httpx transport in front of several in-process apps, chosen by the URL's host."""

    def __init__(self) -> None:
        self.routes: dict[str, Any] = {}

    def add(self, base_url: str, client: Any) -> None:
        self.routes[httpx.URL(base_url).host] = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response: httpx.Response = self.routes[request.url.host]._transport.handle_request(request)
        return response


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    built = make_world(tmp_path_factory.mktemp("world"))
    yield built
    built.close()


@pytest.fixture
def verifiers(world: World, tmp_path: Path) -> Callable[[int], list[tuple[Any, Any]]]:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")

    def make(n: int) -> list[tuple[Any, Any]]:
        out = []
        for i in range(n):
            directory = tmp_path / f"verifier-{i}"
            directory.mkdir()
            runtime = world.verifier_runtime(
                directory,
                policy=policy,
                keep_raw_presentation=True,
                base_url=f"https://verifier-{i}.example",
            )
            out.append((runtime, world.verifier_client(runtime)))
        return out

    return make


def _wallet_with_batches(world: World, http: httpx.Client, copies: int) -> WalletState:
    state = new_wallet(world.clock.now())
    bank = world.bank
    for config in ("KYCCredential", "BankStatementCredential"):
        offer = create_offer(
            bank.runtime.db, bank.runtime.ctx, customer_id="TW-0001", configuration_id=config
        )
        state, (held,) = receive(
            offer.uri,
            tx_code=offer.tx_code,
            state=state,
            http=http,
            resolver=world.resolver,
            status_fetcher=world.status_fetcher(),
            clock=world.clock,
            copies=copies,
        )
        assert held.is_batch and len(held.copies) == copies
    bank.anchor()
    catch_up(world.chain, world.clock)
    return state


def _onboard(
    world: World, http: httpx.Client, client: Any, state: WalletState, **kw: Any
) -> tuple[WalletState, dict[str, Any]]:
    created = new_request(client, response_mode="direct_post")  # raw vp_token kept in clear
    now = world.clock.now()
    pending = prepare_presentation(
        created["uri"], state=state, http=http, resolver=world.resolver, now=now
    )
    outcome = answer_presentation(
        pending,
        consent=True,
        state=state,
        http=http,
        now=now,
        authenticate=lambda r, o, origin: SoftwareHolder().authenticate(r, o, origin=origin),
        **kw,
    )
    assert outcome.error is None, outcome.error
    assert outcome.answer is not None
    return outcome.state, created


def _database(runtime: Any) -> Path:
    return Path(runtime.settings.database_url.removeprefix("sqlite:///"))


# --- the tests ---------------------------------------------------------------------------------


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    router = Router()
    with httpx.Client(transport=router, timeout=10) as client:
        client.router = router  # type: ignore[attr-defined]
        yield client


def _route(world: World, http: httpx.Client, pairs: list[tuple[Any, Any]]) -> None:
    router: Router = http.router  # type: ignore[attr-defined]
    router.add(world.bank.settings.base_url, world.bank.client)
    for runtime, client in pairs:
        router.add(runtime.settings.base_url, client)


def test_two_verifiers_share_nothing_but_the_disclosed_claims(
    world: World, http: httpx.Client, verifiers: Callable[[int], list[tuple[Any, Any]]]
) -> None:
    pairs = verifiers(2)
    _route(world, http, pairs)
    state = _wallet_with_batches(world, http, copies=3)
    seen = []
    for _runtime, client in pairs:
        state, created = _onboard(world, http, client, state)
        stored = client.get(
            f"/api/sessions/{created['session_id']}",
            headers={"Authorization": "Bearer test-api-key"},
        ).json()
        assert stored["status"] == "approved", json.dumps(stored["report"])[:3000]
        seen.append(stored)
    # both retained the same disclosed claims: that much the citizen chose to share
    assert seen[0]["claims"] == seen[1]["claims"] and seen[0]["claims"]
    a, b = (stored_values(_database(runtime)) for runtime, _ in pairs)
    # the extraction finds every kind of value in each database (so the check can fail) ...
    assert {"signature", "digest", "salt", "key", "status", "credential_id"} <= _kinds(a)
    assert _kinds(a) == _kinds(b)
    # ... and nothing in common between the two
    assert a & b == set(), sorted(a & b)[:10]
    # two slots used, one holder key each
    assert sum(1 for s in state.slots if s.used) == 2


def test_a_reused_copy_links_the_two_visits(
    world: World, http: httpx.Client, verifiers: Callable[[int], list[tuple[Any, Any]]]
) -> None:
    pairs = verifiers(2)
    _route(world, http, pairs)
    state = _wallet_with_batches(world, http, copies=2)
    runtime_a, client_a = pairs[0]
    state, _ = _onboard(world, http, client_a, state)
    # use up the second copy elsewhere, so that verifier B can only get a used copy
    unused = next(s for s in state.slots if not s.used)
    state = state.with_slot(replace(unused, used_by=("decentralized_identifier:did:example:x",)))
    runtime_b, client_b = pairs[1]
    state, _ = _onboard(world, http, client_b, state, allow_reuse=True)
    a, b = stored_values(_database(runtime_a)), stored_values(_database(runtime_b))
    common = a & b
    assert {"signature", "digest", "salt", "key", "status", "credential_id"} <= _kinds(common)


def test_copies_are_bound_to_one_time_keys_not_the_did_key(
    world: World, http: httpx.Client
) -> None:
    router: Router = http.router  # type: ignore[attr-defined]
    router.add(world.bank.settings.base_url, world.bank.client)
    state = _wallet_with_batches(world, http, copies=2)
    kyc, statement = state.credentials
    for held in (kyc, statement):
        for copy in held.copies:
            slot = state.slot(copy.slot)
            assert slot is not None and isinstance(copy.credential, str)
            payload = _json_of(copy.credential.split("~")[0].split(".")[1])
            assert PublicKey.from_jwk(payload["cnf"]["jwk"]) == slot.key.public_key
            assert payload["cnf"]["jwk"] != state.holder_key.public_key.to_jwk()
    # copy i of every credential is bound to slot key i: one presentation, one key
    assert [c.slot for c in kyc.copies] == [c.slot for c in statement.copies]


def _retail(world: World, tmp_path: Path, http: httpx.Client) -> tuple[Any, Any]:
    directory = tmp_path / "retail"
    directory.mkdir()
    runtime = world.verifier_runtime(
        directory, policy="retail.toml", base_url="https://retail.example"
    )
    client = world.verifier_client(runtime)
    _route(world, http, [(runtime, client)])
    return runtime, client


def _with_fido(world: World, http: httpx.Client, state: WalletState) -> WalletState:
    from passport.wallet.flows import enroll_authenticator

    bank = world.bank
    offer = create_offer(
        bank.runtime.db,
        bank.runtime.ctx,
        customer_id="TW-0001",
        configuration_id="FidoKeyBindingCredential",
    )
    state, _ = enroll_authenticator(
        offer.uri,
        tx_code=offer.tx_code,
        state=state,
        authenticator=SoftwareHolder(),
        http=http,
        resolver=world.resolver,
        status_fetcher=world.status_fetcher(),
        clock=world.clock,
    )
    bank.anchor()
    catch_up(world.chain, world.clock)
    return state


def test_a_fido_request_is_approved_with_slot_copies(
    world: World, http: httpx.Client, tmp_path: Path
) -> None:
    runtime, client = _retail(world, tmp_path, http)
    state = _with_fido(world, http, _wallet_with_batches(world, http, copies=2))
    state, created = _onboard(world, http, client, state)
    stored = client.get(
        f"/api/sessions/{created['session_id']}", headers={"Authorization": "Bearer test-api-key"}
    ).json()
    assert stored["status"] == "approved", stored
    # the FIDO presentation proved the slot key beside the did:key: the holder is the slot key
    slot = next(s for s in state.slots if s.used)
    assert stored["holder"] == _did_key(slot.key.public_key)
    checks = {c["check"] for r in stored["report"]["credentials"] for c in r["checks"]}
    assert "holder_key_proof" in checks


def _did_key(key: PublicKey) -> str:
    from passport.did.key import did_key_from_public_key

    return did_key_from_public_key(key)


def test_copies_of_two_different_slot_keys_are_two_holders(
    world: World, http: httpx.Client, verifiers: Callable[[int], list[tuple[Any, Any]]]
) -> None:
    from passport.exchange.vp_wallet import send_response
    from passport.wallet.presentation import build_vp_token

    ((runtime, client),) = verifiers(1)
    _route(world, http, [(runtime, client)])
    state = _wallet_with_batches(world, http, copies=2)
    created = new_request(client, response_mode="direct_post")
    now = world.clock.now()
    pending = prepare_presentation(
        created["uri"], state=state, http=http, resolver=world.resolver, now=now
    )
    assert pending.plan is not None
    first, second = state.slots[:2]
    request = pending.request
    tokens = [
        build_vp_token(
            pending.plan,
            state,
            nonce=request.nonce,
            client_id=request.client_id.raw,
            now=now,
            authenticate=lambda r, o, origin: SoftwareHolder().authenticate(r, o, origin=origin),
            slot=slot,
        )[0]
        for slot in (first, second)
    ]
    mixed = {"kyc": tokens[0]["kyc"], "bank_statement": tokens[1]["bank_statement"]}
    answer = send_response(request, mixed, http=http)
    stored = client.get(
        f"/api/sessions/{created['session_id']}", headers={"Authorization": "Bearer test-api-key"}
    ).json()
    assert stored["status"] == "rejected" and "holder_mismatch" in stored["codes"], answer


def test_the_eudi_policy_takes_dc_sd_jwt_copies_asked_by_vct(
    world: World, http: httpx.Client, tmp_path: Path
) -> None:
    """verifier_service/policies/eudi.toml with the bank's vct: DCQL ``vct_values``, dc+sd-jwt
    copies of both credentials, one slot key, approved; two verifiers share nothing."""
    from passport.verifier.policy import load_policy
    from passport.verifier.query import build_dcql

    text = (Path(__file__).resolve().parents[3] / "verifier_service/policies/eudi.toml").read_text()
    policy_file = tmp_path / "eudi.toml"
    policy_file.write_text(
        text.replace("http://127.0.0.1:8000", world.bank.settings.base_url), encoding="utf-8"
    )
    dcql = build_dcql(load_policy(policy_file))
    assert {q["format"] for q in dcql["credentials"]} == {"dc+sd-jwt"}
    assert dcql["credentials"][0]["meta"] == {
        "vct_values": [f"{world.bank.settings.base_url}/vct/KYCCredential"]
    }
    pairs = []
    for i in range(2):
        directory = tmp_path / f"eudi-{i}"
        directory.mkdir()
        runtime = world.verifier_runtime(
            directory,
            policy=policy_file,
            keep_raw_presentation=True,
            base_url=f"https://eudi-{i}.example",
        )
        pairs.append((runtime, world.verifier_client(runtime)))
    _route(world, http, pairs)
    state = new_wallet(world.clock.now())
    bank = world.bank
    for config in ("KYCCredential-dc", "BankStatementCredential-dc"):
        offer = create_offer(
            bank.runtime.db, bank.runtime.ctx, customer_id="TW-0001", configuration_id=config
        )
        state, (held,) = receive(
            offer.uri,
            tx_code=offer.tx_code,
            state=state,
            http=http,
            resolver=world.resolver,
            status_fetcher=world.status_fetcher(),
            clock=world.clock,
            copies=2,
        )
        assert held.format == "dc+sd-jwt" and len(held.copies) == 2
    bank.anchor()
    catch_up(world.chain, world.clock)
    for _runtime, client in pairs:
        state, created = _onboard(world, http, client, state)
        stored = client.get(
            f"/api/sessions/{created['session_id']}",
            headers={"Authorization": "Bearer test-api-key"},
        ).json()
        assert stored["status"] == "approved", json.dumps(stored["report"])[:3000]
    a, b = (stored_values(_database(runtime)) for runtime, _ in pairs)
    assert {"signature", "digest", "salt", "key", "status"} <= _kinds(a)
    assert a & b == set(), sorted(a & b)[:10]


def test_a_slot_key_proof_for_another_request_is_refused(
    world: World, http: httpx.Client, tmp_path: Path
) -> None:
    """The FIDO presentation's second proof (by the slot key) must answer this request too."""
    from passport.exchange.vp_wallet import send_response
    from passport.fido.presentation import add_holder_key_proof, holder_proofs_only
    from passport.wallet.flows import choose_slot
    from passport.wallet.presentation import build_vp_token

    runtime, client = _retail(world, tmp_path, http)
    state = _with_fido(world, http, _wallet_with_batches(world, http, copies=2))
    created = new_request(client, response_mode="direct_post")
    now = world.clock.now()
    pending = prepare_presentation(
        created["uri"], state=state, http=http, resolver=world.resolver, now=now
    )
    assert pending.plan is not None
    request = pending.request
    slot, _ = choose_slot(pending.plan, state, request.client_id.raw)
    assert slot is not None
    token, _ = build_vp_token(
        pending.plan,
        state,
        nonce=request.nonce,
        client_id=request.client_id.raw,
        now=now,
        authenticate=lambda r, o, origin: SoftwareHolder().authenticate(r, o, origin=origin),
        slot=slot,
    )
    vp = token["fido"][0]
    assert isinstance(vp, dict) and len(vp["proof"]) == 2
    own, extra = holder_proofs_only(vp)
    # the one pipeline takes the proof set (one proof is the holder's) ...
    from passport.verify import VerifyOptions, verify

    options = VerifyOptions(
        resolver=world.resolver,
        now=now,
        nonce=request.nonce,
        audience=request.client_id.raw,
        status_fetcher=world.status_fetcher(),
    )
    checks = verify(vp, options).checks
    assert any(c.name == "holder_proof" and c.outcome == "passed" for c in checks)
    # ... but not the slot key's proof alone: it is not the holder's
    alone = verify({**own, "proof": extra[0]}, options)
    assert "holder_binding_failed" in alone.codes
    token["fido"] = [
        add_holder_key_proof(own, slot.key, slot.kid, nonce="another-nonce", client_id="x")
    ]
    send_response(request, token, http=http)
    stored = client.get(
        f"/api/sessions/{created['session_id']}", headers={"Authorization": "Bearer test-api-key"}
    ).json()
    assert stored["status"] == "rejected"
    assert "domain_mismatch" in stored["codes"] or "challenge_mismatch" in stored["codes"]


def test_an_independent_openid4vp_verifier_takes_the_banks_sd_jwt_vc(
    world: World, tmp_path: Path
) -> None:
    """tests/counterparts/spec_verifier.py (OpenID4VP 1.0 from the spec) asks for dc+sd-jwt
    with the bank's vct; the real wallet answers with a copy of the bank's SD-JWT VC; the
    verifier checks it with the bank's key (RFC 9901 + SD-JWT VC) and the KB-JWT."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "counterparts"))
    from spec_verifier import Session, SpecVerifier

    from passport.sdjwt.verifier import verify as verify_sd_jwt

    vct = f"{world.bank.settings.base_url}/vct/KYCCredential"
    issuer_key = world.bank.keys.signing.public_key

    def check(query_id: str, presentation: Any, session: Session) -> dict[str, Any]:
        verified = verify_sd_jwt(
            presentation,
            issuer_key=issuer_key,
            now=world.clock.now(),
            nonce=session.nonce,
            aud=session.client_id,
            require_kb=True,
            expected_typ="dc+sd-jwt",
        )
        assert verified.payload["vct"] == vct and verified.payload["iss"] == world.bank.did
        return {k: verified.payload[k] for k in ("legalName", "nationality")}

    class Mixed(Router):
        def __init__(self) -> None:
            super().__init__()
            self.network = httpx.HTTPTransport()

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.host == "127.0.0.1":
                return self.network.handle_request(request)
            return super().handle_request(request)

    router = Mixed()
    router.add(world.bank.settings.base_url, world.bank.client)
    with httpx.Client(transport=router, timeout=10) as http:
        state = new_wallet(world.clock.now())
        offer = create_offer(
            world.bank.runtime.db,
            world.bank.runtime.ctx,
            customer_id="TW-0001",
            configuration_id="KYCCredential-dc",
        )
        state, (held,) = receive(
            offer.uri,
            tx_code=offer.tx_code,
            state=state,
            http=http,
            resolver=world.resolver,
            status_fetcher=world.status_fetcher(),
            clock=world.clock,
            copies=2,
        )
        assert held.format == "dc+sd-jwt" and held.vct == vct
        query = {
            "credentials": [
                {
                    "id": "pid",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": [vct]},
                    "claims": [{"path": ["legalName"]}, {"path": ["nationality"]}],
                }
            ]
        }
        with SpecVerifier(check) as verifier:
            for mode in ("direct_post", "direct_post.jwt"):
                session, link = verifier.new_session(query, response_mode=mode)
                now = world.clock.now()
                pending = prepare_presentation(
                    link, state=state, http=http, resolver=world.resolver, now=now
                )
                outcome = answer_presentation(
                    pending,
                    consent=True,
                    state=state,
                    http=http,
                    now=now,
                    authenticate=lambda r, o, origin: SoftwareHolder().authenticate(
                        r, o, origin=origin
                    ),
                )
                assert outcome.error is None and not session.problems, session.problems
                (checked,) = session.checked
                assert checked["query_id"] == "pid" and checked["claims"]["nationality"] == "TW"
                state = outcome.state
        assert sum(1 for s in state.slots if s.used) == 2


def test_refresh_with_the_banks_refresh_token_or_a_new_offer(
    world: World, http: httpx.Client
) -> None:
    """`wallet refresh`: the bank's Token Response carried a refresh token (RFC 6749 section 6),
    traded for a new batch bound to unused slots only; a used refresh token, or one of a revoked
    credential, is refused; a new offer of the same credential works too, one of another does
    not."""
    from issuer_service.domain import revoke
    from issuer_service.domain.refresh import redeem_refresh_token
    from passport.errors import PassportError
    from passport.wallet.flows import refresh_batch

    router: Router = http.router  # type: ignore[attr-defined]
    router.add(world.bank.settings.base_url, world.bank.client)
    state = _wallet_with_batches(world, http, copies=2)
    kyc = state.credentials[0]
    assert kyc.refresh is not None and kyc.refresh["refresh_token"]
    first_token = str(kyc.refresh["refresh_token"])
    state = state.with_slot(replace(state.slots[0], used_by=("decentralized_identifier:did:x",)))
    world_args: dict[str, Any] = {
        "http": http,
        "resolver": world.resolver,
        "status_fetcher": world.status_fetcher(),
        "clock": world.clock,
    }
    state, renewed = refresh_batch(kyc.id, state=state, copies=3, **world_args)
    assert renewed.id == kyc.id and len(renewed.copies) == 3
    assert state.slots[0].index not in {c.slot for c in renewed.copies}
    assert state.unused_copies(renewed) == 3
    assert renewed.refresh is not None and renewed.refresh["refresh_token"] != first_token
    bank = world.bank
    # a refresh token works once (each use issues the next one)
    with pytest.raises(PassportError) as err:
        redeem_refresh_token(bank.runtime.db, bank.runtime.ctx, first_token)
    assert err.value.code == "refresh_token_invalid"
    # an offer of another credential is refused before its token request
    wrong = create_offer(
        bank.runtime.db,
        bank.runtime.ctx,
        customer_id="TW-0001",
        configuration_id="BankStatementCredential",
    )
    with pytest.raises(PassportError) as err:
        refresh_batch(kyc.id, state=state, offer=wrong.uri, tx_code=wrong.tx_code, **world_args)
    assert err.value.code == "refresh_not_batch"
    offer = create_offer(
        bank.runtime.db, bank.runtime.ctx, customer_id="TW-0001", configuration_id="KYCCredential"
    )
    state, by_offer = refresh_batch(
        kyc.id, state=state, offer=offer.uri, tx_code=offer.tx_code, copies=2, **world_args
    )
    assert len(by_offer.copies) == 2
    # once the credential is revoked, its refresh token renews nothing
    copy = by_offer.copies[0].credential
    assert isinstance(copy, str)
    revoke(bank.runtime.db, bank.runtime.ctx, _json_of(copy.split("~")[0].split(".")[1])["id"])
    assert by_offer.refresh is not None
    with pytest.raises(PassportError) as err:
        redeem_refresh_token(bank.runtime.db, bank.runtime.ctx, by_offer.refresh["refresh_token"])
    assert err.value.code == "refresh_credential_revoked"
