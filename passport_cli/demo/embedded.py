"""The demo in one process on the embedded chain (``./run demo``, ``passport demo``).

A regulator accredits a Taiwanese bank on chain; a citizen's wallet enrolls a FIDO
authenticator with the bank and receives KYC and bank-statement credentials over OpenID4VCI;
a bank in Singapore shows its OpenID4VP onboarding QR; the wallet shows what it will disclose,
presents, and the verifier approves with its report. Then a citizen with too little money,
a revoked statement and a suspended bank are each refused with their reason.

The logic is the library's and the services' (the issuer and the verifier run in process
behind httpx); this module only narrates (``passport_cli.demo.narration``).
"""

from __future__ import annotations

import secrets
import warnings
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.table import Table
from rich.text import Text

from issuer_service.app import Anchorer
from issuer_service.app import create_app as create_issuer_app
from issuer_service.deps import build_runtime as build_issuer_runtime
from issuer_service.domain import change_status, create_offer
from issuer_service.importer import import_customers, load_customer_file
from issuer_service.settings import IssuerKeys, IssuerSettings
from passport.chain.client import Chain
from passport.chain.deployment import Deployment, deploy
from passport.chain.ethr_controller import EthrDidController
from passport.chain.registries import StatusRegistryClient, TrustRegistryClient
from passport.did import default_resolver
from passport.did.ethr import EthrDidResolver
from passport.did.key import did_key_from_public_key
from passport.ports import FixedClock, Resolver
from passport.securing import find_own_method
from passport.status.fetch import LocalFirstFetcher
from passport.verifier.policy import load_policy
from passport.wallet import flows
from passport.wallet.fido import SoftwareHolder
from passport.wallet.model import WalletState, new_wallet
from passport.wallet.presentation import format_claim_path
from passport.wallet.qr import read_qr
from passport.wallet.store import WalletStore
from passport.wallet.trust import describe_standing
from passport_cli.demo.narration import (
    CUSTOMERS,
    POLICY,
    POOR_CITIZEN,
    RICH_CITIZEN,
    THIRD_CITIZEN,
    TYPES,
    Narrator,
    console,
    kept_table,
    report_table,
)
from verifier_service.app import create_app as create_verifier_app
from verifier_service.deps import build_runtime as build_verifier_runtime
from verifier_service.settings import VerifierKeys, VerifierSettings, api_key_hash

BANK_URL = "https://bank-of-formosa.tw.example"
VERIFIER_URL = "https://onboarding.merlion-bank.sg.example"
API_KEY = secrets.token_urlsafe(24)
PASSPHRASE = "demo passphrase"  # the citizen's wallet passphrase (typed by the citizen)


# --- the world: chain, bank, verifier, wallets -----------------------------------------------


def _test_client(app: Any, base_url: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's TestClient warns about plain httpx
        from starlette.testclient import TestClient
    return TestClient(app, base_url=base_url)


class Network:
    """The internet of the demo: each service's host served by its app in process."""

    def __init__(self) -> None:
        self.hosts: dict[str, Any] = {}

    def serve(self, base_url: str, client: Any) -> None:
        self.hosts[httpx.URL(base_url).host] = client

    def _route(self, request: httpx.Request) -> httpx.Response:
        client = self.hosts.get(request.url.host)
        if client is None:
            raise httpx.ConnectError(f"no route to {request.url.host}", request=request)
        answer = client.send(request)
        headers = [
            (k, v)
            for k, v in answer.headers.multi_items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx.Response(answer.status_code, headers=headers, content=answer.content)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self._route))


@dataclass
class World:
    chain: Chain
    deployment: Deployment
    clock: FixedClock
    resolver: Resolver
    trust: TrustRegistryClient
    net: Network

    def catch_up(self) -> None:
        """What the chain recorded is in the past for every party."""
        latest = datetime.fromtimestamp(self.chain.block_timestamp() + 1, UTC)
        if self.clock.current < latest:
            self.clock.current = latest


@dataclass
class Bank:
    did: str
    runtime: Any
    anchorer: Anchorer

    def offer(self, customer: str, configuration: str) -> Any:
        return create_offer(
            self.runtime.db, self.runtime.ctx, customer_id=customer, configuration_id=configuration
        )

    def anchor(self, world: World) -> None:
        self.anchorer.run_once(retry_now=True)
        world.catch_up()


def open_bank(world: World, stack: ExitStack, directory: Path) -> Bank:
    keys = IssuerKeys.generate()
    world.chain.fund(world.chain.address_of(keys.owner), 10**18)
    controller = EthrDidController(world.chain, world.deployment, keys.owner)
    controller.publish_ed25519_assertion_key(keys.signing.public_key)
    did = controller.did
    vm = find_own_method(world.resolver, did, keys.signing.public_key, "assertionMethod").id
    settings = IssuerSettings(
        config_dir=directory, name="Bank of Formosa", did=did, verification_method=vm,
        base_url=BANK_URL, anchor_interval_seconds=0,
    )  # fmt: skip
    app = create_issuer_app(
        settings,
        runtime_factory=lambda s: build_issuer_runtime(
            s, keys=keys, clock=world.clock, resolver=world.resolver
        ),
    )
    client = stack.enter_context(_test_client(app, BANK_URL))
    world.net.serve(BANK_URL, client)
    runtime = app.state.runtime
    import_customers(runtime.db, runtime.ctx, load_customer_file(CUSTOMERS))
    anchorer = Anchorer(
        runtime,
        registry_factory=lambda: StatusRegistryClient(
            world.chain, world.deployment, sender=keys.owner
        ),
    )
    return Bank(did, runtime, anchorer)


def open_verifier(world: World, stack: ExitStack, directory: Path) -> tuple[Any, Any]:
    policy = directory / "policy.toml"
    policy.write_text(POLICY)
    keys = VerifierKeys.generate()
    did = did_key_from_public_key(keys.signing.public_key)
    settings = VerifierSettings(
        config_dir=directory, name="Merlion Bank", base_url=VERIFIER_URL, did=did,
        verification_method=f"{did}#{did.split(':')[2]}", policy=policy,
        api_key_sha256=api_key_hash(API_KEY), status_cache_seconds=0, chain_cache_seconds=0,
    )  # fmt: skip
    runtime = build_verifier_runtime(
        settings,
        keys=keys,
        clock=world.clock,
        chain=(world.deployment, world.chain),
        resolver=world.resolver,
        status_fetcher=LocalFirstFetcher(client=world.net.client()),
        policy=load_policy(policy),
    )
    app = create_verifier_app(settings, runtime_factory=lambda s: runtime)
    client = stack.enter_context(_test_client(app, VERIFIER_URL))
    world.net.serve(VERIFIER_URL, client)
    return runtime, client


@dataclass
class Citizen:
    """A wallet on disk (the encrypted store) and the state it holds."""

    store: WalletStore
    state: WalletState

    def save(self) -> None:
        self.store.save(self.state, PASSPHRASE)


def new_citizen(world: World, directory: Path) -> Citizen:
    from passport import keystore

    store = WalletStore(directory, keystore.INTERACTIVE_PARAMS)
    state = new_wallet(world.clock.now())
    store.create(state, PASSPHRASE)
    return Citizen(store, state)


def onboard_with_bank(
    world: World, bank: Bank, citizen: Citizen, customer: str, narrator: Narrator
) -> None:
    """Enroll the FIDO authenticator, then receive KYC and the bank statement from offers."""
    with world.net.client() as http:
        fido = bank.offer(customer, "FidoKeyBindingCredential")
        # Any: SoftwareHolder.kind is a frozen field, HolderAuthenticator.kind a settable one
        authenticator: Any = SoftwareHolder()
        citizen.state, held = flows.enroll_authenticator(
            fido.uri, tx_code=fido.tx_code, state=citizen.state, authenticator=authenticator,
            http=http, resolver=world.resolver, status_fetcher=LocalFirstFetcher(client=http),
            clock=world.clock,
        )  # fmt: skip
        console.print(narrator.word("enrolled", type=held.display_type))
        for configuration in ("KYCCredential", "BankStatementCredential"):
            offer = bank.offer(customer, configuration)
            console.print(f"[dim]offer {offer.uri[:70]}...  tx_code {offer.tx_code}[/]")
            citizen.state, received = flows.receive(
                offer.uri, tx_code=offer.tx_code, state=citizen.state, http=http,
                resolver=world.resolver, status_fetcher=LocalFirstFetcher(client=http),
                clock=world.clock,
            )  # fmt: skip
            for item in received:
                console.print(
                    narrator.word(
                        "received", type=item.display_type, fmt=item.format, issuer=item.issuer
                    )
                )
    citizen.save()
    bank.anchor(world)


def new_request(verifier: Any) -> dict[str, Any]:
    response = verifier.post("/api/requests", json={}, headers={"X-API-Key": API_KEY})
    response.raise_for_status()
    created: dict[str, Any] = response.json()
    return created


def session(verifier: Any, session_id: str) -> dict[str, Any]:
    response = verifier.get(f"/api/sessions/{session_id}", headers={"X-API-Key": API_KEY})
    response.raise_for_status()
    view: dict[str, Any] = response.json()
    return view


def present(
    world: World, citizen: Citizen, link: str, narrator: Narrator, *, show_plan: bool
) -> dict[str, Any]:
    """The wallet fetches the request, plans what it would disclose, and answers it."""
    with world.net.client() as http:
        now = world.clock.now()
        pending = flows.prepare_presentation(
            link, state=citizen.state, http=http, resolver=world.resolver, now=now,
            accreditation=lambda did: describe_standing(world.trust.history(did))
            if did.startswith("did:ethr:") else None,
        )  # fmt: skip
        if pending.plan is None:
            raise SystemExit("the wallet cannot answer the request")
        if show_plan:
            table = Table(title=f"{pending.request.client_id.raw[:60]}...")
            table.add_column(narrator.word("credential"))
            table.add_column(narrator.word("claims"))
            table.add_column(narrator.word("value"))
            for item in pending.plan.items:
                for path, values in item.claims:
                    shown = ", ".join(str(v) for v in values)
                    table.add_row(
                        item.credential.display_type,
                        format_claim_path(path).removeprefix("credentialSubject."),
                        shown if len(shown) <= 40 else shown[:37] + "...",
                    )
            console.print(table)
            console.print(narrator.word("consent"))
        outcome = flows.answer_presentation(
            pending, consent=True, state=citizen.state, http=http, now=now,
            authenticate=lambda record, options, origin: SoftwareHolder().authenticate(
                record, options, origin=origin
            ),
        )  # fmt: skip
    citizen.state = outcome.state
    citizen.save()
    if outcome.answer is not None:
        return dict(outcome.answer.body)
    body = (outcome.error.details or {}).get("body") if outcome.error is not None else None
    if isinstance(body, dict):
        return body
    raise SystemExit(f"the presentation failed: {outcome.error}")


def onboarding_attempt(
    world: World, verifier: Any, citizen: Citizen, narrator: Narrator, name: str, *,
    show: bool = False,
) -> tuple[str, dict[str, Any]]:  # fmt: skip
    created = new_request(verifier)
    if show:
        narrator.qr(name, created["uri"])
    answer = present(world, citizen, created["uri"], narrator, show_plan=show)
    view = session(verifier, created["session_id"])
    return narrator.decision(answer, view), view


# --- the story ------------------------------------------------------------------------------


def story(narrator: Narrator, work: Path) -> list[str]:
    decisions: list[str] = []
    with ExitStack() as stack:
        narrator.step()
        chain = Chain.embedded()
        deployment = deploy(chain, chain.accounts[0])  # dev account 0 is the regulator
        clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
        ethr = EthrDidResolver.for_chain(
            chain, deployment.addresses["DIDRegistry"], chain_id=deployment.chain_id
        )
        world = World(
            chain, deployment, clock, default_resolver(clock=clock, extra_methods={"ethr": ethr}),
            TrustRegistryClient(chain, deployment), Network(),
        )  # fmt: skip
        (work / "bank").mkdir()
        bank = open_bank(world, stack, work / "bank")
        now = clock.now()
        world.trust.accredit(
            bank.did, TYPES, "TW", now - timedelta(days=1), now + timedelta(days=365)
        )
        bank.anchor(world)
        table = Table(show_header=False)
        for contract, address in deployment.addresses.items():
            table.add_row(contract, address)
        table.add_row("bank did:ethr", bank.did)
        table.add_row("accredited", f"{', '.join(TYPES)} · TW")
        table.add_row("standing", describe_standing(world.trust.history(bank.did)) or "-")
        console.print(table)

        narrator.step()
        (work / "alice").mkdir()
        first = new_citizen(world, work / "alice")
        console.print(narrator.word("wallet", path=first.store.path, did=first.state.did))
        narrator.step()
        onboard_with_bank(world, bank, first, RICH_CITIZEN, narrator)

        narrator.step()
        (work / "verifier").mkdir()
        _, verifier = open_verifier(world, stack, work / "verifier")
        console.print(Text(POLICY, style="dim"))
        created = new_request(verifier)
        png = narrator.qr("onboarding-request", created["uri"])

        narrator.step()
        scanned = read_qr(png)  # the citizen's wallet scans the QR code
        console.print(f"{narrator.word('scanned')} {png.name}: {scanned[:60]}...")
        answer = present(world, first, scanned, narrator, show_plan=True)

        narrator.step()
        view = session(verifier, created["session_id"])
        decisions.append(narrator.decision(answer, view))
        report_table(narrator, view)
        kept_table(narrator, view)

        narrator.step()
        (work / "bob").mkdir()
        second = new_citizen(world, work / "bob")
        onboard_with_bank(world, bank, second, POOR_CITIZEN, narrator)
        decisions.append(onboarding_attempt(world, verifier, second, narrator, "second")[0])

        narrator.step()
        statement = next(c for c in first.state.credentials if "BankStatementCredential" in c.types)
        credential_id = _issuer_credential_id(statement.credential)
        change_status(bank.runtime.db, bank.runtime.ctx, credential_id, "revoke")
        bank.anchor(world)
        console.print(narrator.word("revoked", id=credential_id))
        decisions.append(onboarding_attempt(world, verifier, first, narrator, "revoked")[0])

        narrator.step()
        (work / "carol").mkdir()
        third = new_citizen(world, work / "carol")
        onboard_with_bank(world, bank, third, THIRD_CITIZEN, narrator)
        world.trust.suspend(bank.did, "supervisory review")
        world.catch_up()
        standing = describe_standing(world.trust.history(bank.did))
        console.print(narrator.word("standing", standing=standing))
        decisions.append(onboarding_attempt(world, verifier, third, narrator, "suspended")[0])
    return decisions


def _issuer_credential_id(credential: Any) -> str:
    from passport.sdjwt.holder import full_payload

    return str(full_payload(credential)["id"])
