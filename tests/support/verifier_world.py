"""A whole onboarding world in one process, from the real components: the embedded chain with
the three registries, the regulator, a Taiwanese bank (the real issuer service on a did:ethr,
its status lists anchored), a holder with KYC, bank-statement and FIDO key-binding
credentials issued by that bank, and the foreign bank's verifier service (in process, a
did:key or did:ethr identity). Used by the verifier's unit tests and bench/bench_verifier.py.

``World.verifier_app(policy=..., **settings)`` returns a Starlette TestClient over the
verifier; ``World.wallet(...)`` a ``SpecWallet`` holding the credentials.
"""

from __future__ import annotations

import secrets
import warnings
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from spec_wallet import FidoDevice, Held, SpecWallet

from issuer_service.app import Anchorer, create_app
from issuer_service.deps import build_runtime as build_issuer_runtime
from issuer_service.domain import issue_to_holder
from issuer_service.importer import import_customers, load_customer_file
from issuer_service.settings import IssuerKeys, IssuerSettings
from passport.chain.client import Chain
from passport.chain.deployment import Deployment, deploy
from passport.chain.ethr_controller import EthrDidController
from passport.chain.registries import StatusRegistryClient, TrustRegistryClient
from passport.did import default_resolver
from passport.did.ethr import EthrDidResolver
from passport.did.key import did_key_from_public_key
from passport.keys import KeyType, PrivateKey
from passport.ports import FixedClock
from passport.securing import find_own_method

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "issuer_service" / "sample_data" / "customers.json"
POLICIES = ROOT / "verifier_service" / "policies"
ISSUER_URL = "https://bank.example"
VERIFIER_URL = "https://onboarding.leman.example"
TYPES = ["KYCCredential", "BankStatementCredential", "FidoKeyBindingCredential"]


def test_client(app: Any, base_url: str, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    return TestClient(app, base_url=base_url, **kwargs)


test_client.__test__ = False  # type: ignore[attr-defined]


@dataclass
class Bank:
    """An issuer on the chain: its keys, did:ethr, runtime and HTTP client."""

    keys: IssuerKeys
    did: str
    settings: IssuerSettings
    client: Any
    runtime: Any
    anchorer: Anchorer

    def issue(self, holder_key: PrivateKey, config: str, customer: str = "TW-0001") -> Any:
        holder_did = did_key_from_public_key(holder_key.public_key)
        return issue_to_holder(
            self.runtime.db,
            self.runtime.ctx,
            customer_id=customer,
            configuration_id=config,
            holder_did=holder_did,
            holder_jwk=holder_key.public_key.to_jwk(),
        )

    def anchor(self) -> None:
        report = self.anchorer.run_once(retry_now=True)
        assert not report.deferred, report

    def enroll_fido(
        self, holder_key: PrivateKey, customer: str = "TW-0001"
    ) -> tuple[dict[str, Any], FidoDevice]:
        from issuer_service.domain import create_offer
        from passport.fido import SoftwareAuthenticator, create_did_binding_jwt
        from passport.keys import b64url_decode

        offer = create_offer(
            self.runtime.db,
            self.runtime.ctx,
            customer_id=customer,
            configuration_id="FidoKeyBindingCredential",
        )
        token = self.client.post(
            "/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
                "pre-authorized_code": offer.pre_authorized_code,
                "tx_code": offer.tx_code,
            },
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        begun = self.client.post("/fido/registration/options", headers=auth).json()
        authenticator = SoftwareAuthenticator()
        credential, attestation = authenticator.make_credential(
            begun["publicKey"], origin=self.settings.base_url
        )
        binding = create_did_binding_jwt(
            holder_key,
            challenge=b64url_decode(begun["publicKey"]["challenge"]),
            audience=self.settings.base_url,
            iat=self.runtime.ctx.now(),
            credential_id=attestation.credential_id,
        )
        response = self.client.post(
            "/fido/registration",
            json={
                "ceremony_id": begun["ceremony_id"],
                "credential": attestation.to_json(),
                "did_binding": binding,
            },
            headers=auth,
        )
        assert response.status_code == 200, response.text
        vc = response.json()["credentials"][0]["credential"]
        return vc, FidoDevice(authenticator, credential)

    def close(self) -> None:
        self.client.__exit__(None, None, None)


@dataclass
class _Closing:
    bank: Bank

    def __exit__(self, *args: Any) -> None:
        self.bank.close()


@dataclass
class Holder:
    key: PrivateKey
    did: str
    kyc: str
    statement: str
    fido_vc: dict[str, Any]
    device: FidoDevice
    issuer_key: Any


@dataclass
class World:
    tmp: Path
    chain: Chain
    deployment: Deployment
    clock: FixedClock
    bank: Bank
    trust: TrustRegistryClient
    resolver: Any
    closers: list[Any] = field(default_factory=list)
    banks: list[Bank] = field(default_factory=list)

    def status_fetcher(self) -> Any:
        """Status lists fetched from whichever in-process bank serves the URL's host."""
        return _BankRouter(self)

    # -- parties --

    def new_bank(
        self,
        name: str = "Bank of Formosa",
        *,
        accredit: bool = True,
        jurisdiction: str = "TW",
        types: list[str] | None = None,
        **context: Any,
    ) -> Bank:
        """Another bank on the chain, with its own URL (so its status lists are its own)."""
        bank = make_bank(
            self,
            name,
            accredit=accredit,
            jurisdiction=jurisdiction,
            types=types or TYPES,
            **context,
        )
        self.banks.append(bank)
        return bank

    def holder(self, bank: Bank | None = None, customer: str = "TW-0001") -> Holder:
        bank = bank or self.bank
        key = PrivateKey.generate(KeyType.ED25519)
        kyc = bank.issue(key, "KYCCredential", customer).credential
        statement = bank.issue(key, "BankStatementCredential", customer).credential
        fido_vc, device = bank.enroll_fido(key, customer)
        bank.anchor()
        catch_up(self.chain, self.clock)
        return Holder(
            key,
            did_key_from_public_key(key.public_key),
            kyc,
            statement,
            fido_vc,
            device,
            bank.keys.signing.public_key,
        )

    def wallet(
        self, http: Any, holder: Holder, *, fido: bool = True, extra: list[Held] | None = None
    ) -> SpecWallet:
        def view(sd_jwt: str) -> dict[str, Any]:
            return _disclosed_view(sd_jwt, holder.issuer_key)

        held = [
            Held(
                "vc+sd-jwt",
                holder.kyc,
                view(holder.kyc),
                types=["VerifiableCredential", "KYCCredential"],
            ),
            Held(
                "vc+sd-jwt",
                holder.statement,
                view(holder.statement),
                types=["VerifiableCredential", "BankStatementCredential"],
            ),
            *(extra or []),
        ]
        if fido:
            held.append(
                Held("ldp_vc", holder.fido_vc, holder.fido_vc, types=holder.fido_vc["type"])
            )

        def did_key_of(kid: str) -> dict[str, Any]:
            from passport.did.resolver import resolve_method

            return resolve_method(self.resolver, kid, "assertionMethod").public_key.to_jwk()

        return SpecWallet(
            http=http,
            holder_key=holder.key,
            holder_did=holder.did,
            credentials=held,
            did_key_of=did_key_of,
            now=lambda: int(self.clock.now().timestamp()),
            fido=holder.device if fido else None,
            fido_vc=holder.fido_vc if fido else None,
        )

    # -- the verifier --

    def verifier_runtime(
        self,
        directory: Path,
        *,
        policy: str | Path = "retail.toml",
        did_ethr: bool = False,
        chain: bool = True,
        status_fetcher: Any = None,
        webhook: Any = None,
        resolver: Any = ...,
        **settings: Any,
    ) -> Any:
        from passport.verifier.policy import load_policy
        from verifier_service.deps import build_runtime
        from verifier_service.settings import VerifierKeys, VerifierSettings, api_key_hash

        keys = VerifierKeys.generate()
        if did_ethr:
            self.chain.fund(self.chain.address_of(keys.owner), 10**18)
            controller = EthrDidController(self.chain, self.deployment, keys.owner)
            controller.publish_ed25519_assertion_key(keys.signing.public_key)
            did = controller.did
            vm = find_own_method(self.resolver, did, keys.signing.public_key, "assertionMethod").id
        else:
            did = did_key_from_public_key(keys.signing.public_key)
            vm = f"{did}#{did.split(':')[2]}"
        path = policy if isinstance(policy, Path) else POLICIES / policy
        args: dict[str, Any] = {
            "config_dir": directory,
            "name": "Banque du Léman",
            "base_url": VERIFIER_URL,
            "did": did,
            "verification_method": vm,
            "policy": path,
            "api_key_sha256": api_key_hash("test-api-key"),
        }
        args.update(settings)
        verifier_settings = VerifierSettings(**args)
        return build_runtime(
            verifier_settings,
            keys=keys,
            clock=self.clock,
            chain=(self.deployment, self.chain) if chain else None,
            resolver=self.resolver if resolver is ... else resolver,
            status_fetcher=status_fetcher or self.status_fetcher(),
            webhook=webhook,
            policy=load_policy(path),
        )

    def verifier_client(self, runtime: Any) -> Any:
        from verifier_service.app import create_app as create_verifier

        app = create_verifier(runtime.settings, runtime_factory=lambda s: runtime)
        client = test_client(app, VERIFIER_URL)
        client.__enter__()
        self.closers.append(client)
        return client

    def close(self) -> None:
        for c in self.closers:
            c.__exit__(None, None, None)
        for bank in self.banks:
            bank.close()


class _BankRouter:
    def __init__(self, world: World) -> None:
        self.world = world

    def fetch(self, url: str) -> Any:
        from urllib.parse import urlsplit

        from passport.status.fetch import LocalFirstFetcher

        host = urlsplit(url).netloc
        for bank in self.world.banks:
            if urlsplit(bank.settings.base_url).netloc == host:
                return LocalFirstFetcher(client=bank.client).fetch(url)
        from passport.errors import CouldNotCheckError

        raise CouldNotCheckError("status_list_unavailable", f"No bank serves {url}.")


def _disclosed_view(sd_jwt: str, issuer_key: Any) -> dict[str, Any]:
    """The fully disclosed credential (what the holder sees after receiving it)."""
    from passport.sdjwt.verifier import verify

    result = verify(sd_jwt, issuer_key=issuer_key, now=datetime.now(UTC), require_kb=False)
    return dict(result.payload)


def make_bank(
    world: World | None,
    name: str,
    *,
    accredit: bool,
    jurisdiction: str,
    types: list[str],
    chain: Chain | None = None,
    deployment: Deployment | None = None,
    clock: FixedClock | None = None,
    tmp: Path | None = None,
    resolver: Any = None,
    **context: Any,
) -> Bank:
    chain = chain or world.chain  # type: ignore[union-attr]
    deployment = deployment or world.deployment  # type: ignore[union-attr]
    clock = clock or world.clock  # type: ignore[union-attr]
    tmp = tmp or world.tmp  # type: ignore[union-attr]
    resolver = resolver or world.resolver  # type: ignore[union-attr]
    keys = IssuerKeys.generate()
    chain.fund(chain.address_of(keys.owner), 10**18)
    controller = EthrDidController(chain, deployment, keys.owner)
    controller.publish_ed25519_assertion_key(keys.signing.public_key)
    did = controller.did
    vm = find_own_method(resolver, did, keys.signing.public_key, "assertionMethod").id
    tag = secrets.token_hex(4)
    directory = tmp / f"bank-{tag}"
    directory.mkdir()
    base_url = ISSUER_URL if world is None else f"https://bank-{tag}.example"
    settings = IssuerSettings(
        config_dir=directory,
        name=name,
        did=did,
        verification_method=vm,
        base_url=base_url,
        anchor_interval_seconds=0,
    )
    app = create_app(
        settings,
        runtime_factory=lambda s: build_issuer_runtime(
            s, keys=keys, clock=clock, resolver=resolver, **context
        ),
    )
    client = test_client(app, base_url)
    client.__enter__()
    runtime = app.state.runtime
    import_customers(runtime.db, runtime.ctx, load_customer_file(SAMPLE))
    anchorer = Anchorer(
        runtime, registry_factory=lambda: StatusRegistryClient(chain, deployment, sender=keys.owner)
    )
    bank = Bank(keys, did, settings, client, runtime, anchorer)
    if accredit:
        now = clock.now()
        TrustRegistryClient(chain, deployment).accredit(
            did, types, jurisdiction, now - timedelta(days=30), now + timedelta(days=365)
        )
    bank.anchor()
    catch_up(chain, clock)
    return bank


def catch_up(chain: Chain, clock: FixedClock) -> None:
    """Move the fixed clock past the latest block: what the chain recorded is in the past."""
    latest = datetime.fromtimestamp(chain.block_timestamp(chain.block_number()) + 1, UTC)
    if clock.current < latest:
        clock.current = latest


def make_world(tmp: Path) -> World:
    chain = Chain.embedded()
    deployment = deploy(chain, chain.accounts[0])
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    ethr = EthrDidResolver.for_chain(
        chain, deployment.addresses["DIDRegistry"], chain_id=deployment.chain_id
    )
    resolver = default_resolver(clock=clock, extra_methods={"ethr": ethr})
    bank = make_bank(
        None,
        "Bank of Formosa",
        accredit=True,
        jurisdiction="TW",
        types=TYPES,
        chain=chain,
        deployment=deployment,
        clock=clock,
        tmp=tmp,
        resolver=resolver,
    )
    world = World(
        tmp, chain, deployment, clock, bank, TrustRegistryClient(chain, deployment), resolver
    )
    world.banks.append(bank)
    return world


API = {"Authorization": "Bearer test-api-key"}


def new_request(client: Any, **body: Any) -> dict[str, Any]:
    """``POST /api/requests`` with the test API key; returns the created request."""
    response = client.post("/api/requests", json=body, headers=API)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def decision(client: Any, session_id: str) -> dict[str, Any]:
    """``GET /api/sessions/{id}``: the stored decision and report."""
    response = client.get(f"/api/sessions/{session_id}", headers=API)
    assert response.status_code == 200, response.text
    view: dict[str, Any] = response.json()
    return view


__all__ = [
    "API",
    "decision",
    "new_request",
    "Bank",
    "Holder",
    "World",
    "catch_up",
    "make_world",
    "replace",
]
