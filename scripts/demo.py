"""The demo: a Taiwanese bank issues credentials, a citizen presents them abroad, the foreign
bank verifies them, and a revocation is seen, all through the ``passport`` toolbox CLI.

Run with ``./run demo``. Everything happens in a temporary folder; nothing is started that
outlives the script. (The chain, the services and the wallet join as their issues land.)
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel

from passport.credentials import (
    build_bank_statement_credential,
    build_kyc_credential,
    credential_status_entry,
    hash_id_document_number,
)

console = Console(emoji=False, highlight=False)
BIN = Path(sys.executable).parent
STATUS_URL = "https://bank.example/status/1"
VERIFIER = "https://onboarding.foreign-bank.example"


def step(title: str) -> None:
    console.rule(f"[bold cyan]{title}")


def passport(*args: str, cwd: Path, expect: int = 0, show: bool = True) -> str:
    cmd = [str(BIN / "passport"), *args]
    console.print(f"[dim]$ passport {' '.join(shlex.quote(a) for a in args)}[/]")
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != expect:
        console.print(proc.stdout, proc.stderr)
        console.print(f"[bold red]demo failed: exit {proc.returncode}, expected {expect}[/]")
        sys.exit(1)
    if show and proc.stdout.strip():
        console.print(proc.stdout.rstrip())
    if proc.stderr.strip():
        console.print(proc.stderr.rstrip())
    return proc.stdout


def verdict(report_json: str) -> str:
    report = json.loads(report_json)
    codes = [c["code"] for c in report["checks"] if c.get("code")]
    for sub in report.get("credentials", []):
        codes += [c["code"] for c in sub["checks"] if c.get("code")]
    return f"{report['status'].upper()} {' '.join(codes)}".strip()


def trust_on_chain(now: datetime) -> None:
    """The same checks with the bank's identity and accreditation on the embedded chain."""
    from passport import securing
    from passport.chain.client import Chain
    from passport.chain.deployment import deploy
    from passport.chain.registries import TrustRegistryClient, accreditation_check
    from passport.did import default_resolver
    from passport.did.ethr import EthrDidResolver
    from passport.did.ethr.controller import EthrDidController
    from passport.did.key import did_key_from_public_key
    from passport.keys import KeyType, PrivateKey
    from passport.status import StatusList
    from passport.status.fetch import LocalFirstFetcher
    from passport.status.signed import sign_status_list
    from passport.verify import VerifyOptions, verify

    step("9. Trust on chain (embedded py-evm): the regulator accredits the bank's did:ethr")
    chain = Chain.embedded()
    deployment = deploy(chain, chain.accounts[0])  # dev account 0 is the regulator
    owner = PrivateKey.generate(KeyType.SECP256K1)
    chain.fund(owner.eth_address(), 10**18)
    signing, rotated = PrivateKey.generate(), PrivateKey.generate()
    bank = EthrDidController(chain, deployment, owner)
    bank.publish_ed25519_assertion_key(signing.public_key)
    trust = TrustRegistryClient(chain, deployment)
    chain_now = datetime.fromtimestamp(chain.block_timestamp(), UTC)
    trust.accredit(
        bank.did,
        ["KYCCredential", "BankStatementCredential"],
        "TW",
        chain_now,
        chain_now + timedelta(days=365),
    )
    console.print(f"bank did:ethr {bank.did} (Ed25519 key published in the ERC-1056 registry)")
    console.print("regulator accredited it for KYCCredential and BankStatementCredential in TW")

    def verify_as_foreign_bank(credential: Any) -> str:
        at = datetime.fromtimestamp(chain.block_timestamp() + 1, UTC)
        ethr = EthrDidResolver.from_deployment(chain, deployment)
        options = VerifyOptions(
            resolver=default_resolver(extra_methods={"ethr": ethr}),
            now=at,
            credential_checks=(accreditation_check(TrustRegistryClient(chain, deployment), at),),
            status_fetcher=LocalFirstFetcher(local=lists),
        )
        report = verify(credential, options)
        codes = " ".join(report.codes)
        return f"{report.status.value.upper()} {codes}".strip()

    holder = did_key_from_public_key(PrivateKey.generate().public_key)
    list_url = "https://bank.example/status/2"
    lists: list[dict[str, Any]] = []

    def publish_list(key: PrivateKey) -> None:
        """The bank signs its status list with its current key (and re-signs after rotation)."""
        resolver = default_resolver(
            extra_methods={"ethr": EthrDidResolver.from_deployment(chain, deployment)}
        )
        vm = securing.find_own_method(resolver, bank.did, key.public_key, "assertionMethod").id
        lists[:] = [
            sign_status_list(
                StatusList(),
                issuer=bank.did,
                url=list_url,
                purpose="revocation",
                key=key,
                verification_method=vm,
                now=chain_now,
            )
        ]

    def issue_with(key: PrivateKey) -> Any:
        unsigned = build_kyc_credential(
            issuer=bank.did,
            holder=holder,
            legal_name="CHEN Mei-Ling",
            given_name="Mei-Ling",
            family_name="Chen",
            birth_date=date(1990, 3, 14),
            nationality="TW",
            id_document_type="national_id",
            id_document_number_hash=hash_id_document_number("A123456789", salt=b"demo-salt-16byte"),
            kyc_level="standard",
            verification_date=chain_now.date(),
            status=credential_status_entry(list_url, 77),
            valid_from=chain_now,
            valid_until=chain_now + timedelta(days=365),
        )
        resolver = default_resolver(
            extra_methods={"ethr": EthrDidResolver.from_deployment(chain, deployment)}
        )
        return securing.issue(
            unsigned, key, securing.IssueFormat.DI_JCS, resolver=resolver, now=chain_now
        )

    publish_list(signing)
    issued = issue_with(signing)
    console.print(
        f"signed by the bank's did:ethr key: [bold green]{verify_as_foreign_bank(issued)}[/]"
    )
    bank.rotate_ed25519_assertion_key(signing.public_key, rotated.public_key)
    publish_list(rotated)
    console.print(
        f"after the bank rotates its key, the old signature: "
        f"[bold red]{verify_as_foreign_bank(issued)}[/]"
    )
    reissued = issue_with(rotated)
    console.print(f"re-signed with the new key: [bold green]{verify_as_foreign_bank(reissued)}[/]")
    issuance_over_openid4vci(chain, deployment, bank, owner, rotated, trust)
    trust.suspend(bank.did, "supervisory review")
    console.print(
        f"after the regulator suspends the bank: [bold red]{verify_as_foreign_bank(reissued)}[/]"
    )


def issuance_over_openid4vci(
    chain: Any, deployment: Any, bank: Any, owner: Any, signing: Any, trust: Any
) -> None:
    """The bank's issuer service (in process, same embedded chain): an OpenID4VCI offer with a
    tx_code, redeemed by the citizen's wallet; the credential is status-listed and anchored."""
    import warnings

    from sqlalchemy import select

    from issuer_service.anchoring import anchor_pending
    from issuer_service.app import create_app
    from issuer_service.db import IssuedCredential
    from issuer_service.deps import build_runtime
    from issuer_service.domain import create_offer, revoke
    from issuer_service.importer import import_customers, load_customer_file
    from issuer_service.settings import IssuerKeys, IssuerSettings
    from passport import securing
    from passport.chain.registries import StatusRegistryClient, accreditation_check
    from passport.did import default_resolver
    from passport.did.ethr import EthrDidResolver
    from passport.exchange import redeem_offer
    from passport.keys import PrivateKey
    from passport.status.fetch import LocalFirstFetcher
    from passport.verify import VerifyOptions, verify

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's TestClient warns about plain httpx
        from starlette.testclient import TestClient

    step("10. The bank's issuer service: an OpenID4VCI offer redeemed by the citizen's wallet")
    resolver = default_resolver(
        extra_methods={"ethr": EthrDidResolver.from_deployment(chain, deployment)}
    )
    vm = securing.find_own_method(resolver, bank.did, signing.public_key, "assertionMethod").id
    with tempfile.TemporaryDirectory(prefix="passport-issuer-") as tmp:
        settings = IssuerSettings(
            config_dir=Path(tmp), name="Bank of Taiwan", did=bank.did, verification_method=vm,
            base_url="https://bank.example", anchor_interval_seconds=0,
            database_url=f"sqlite:///{tmp}/issuer.db",
        )  # fmt: skip
        keys = IssuerKeys(owner=owner, signing=signing, data_key=bytes(32))
        runtime = build_runtime(settings, keys=keys, resolver=resolver)
        app = create_app(settings, runtime_factory=lambda _s: runtime)
        sample = Path(__file__).resolve().parents[1] / "issuer_service/sample_data/customers.json"
        imported = import_customers(runtime.db, runtime.ctx, load_customer_file(sample))
        console.print(f"imported {imported.customers} customers with their accounts")
        offer = create_offer(
            runtime.db,
            runtime.ctx,
            customer_id="TW-0001",
            configuration_id="BankStatementCredential",
        )
        console.print(f"offer: {offer.uri[:72]}...  tx_code (sent by SMS): {offer.tx_code}")
        holder = PrivateKey.generate()
        with TestClient(app, base_url="https://bank.example") as http:
            redeemed = redeem_offer(offer.uri, tx_code=offer.tx_code, http=http, holder_key=holder)
            sd_jwt = redeemed.credentials[0]
            console.print(f"wallet received a {redeemed.format} credential ({len(sd_jwt)} chars)")
            registry = StatusRegistryClient(chain, deployment, sender=owner)
            report = anchor_pending(runtime.db, runtime.ctx, registry)
            console.print(
                f"anchored {report.leaves_anchored} credential(s) in {report.batches_anchored} "
                "Merkle root(s) on chain"
            )

            def verifier_says() -> str:
                at = datetime.fromtimestamp(chain.block_timestamp() + 1, UTC)
                options = VerifyOptions(
                    resolver=resolver,
                    now=at,
                    status_fetcher=LocalFirstFetcher(client=http),
                    credential_checks=(accreditation_check(trust, at),),
                )
                result = verify(sd_jwt, options)
                return f"{result.status.value.upper()} {' '.join(result.codes)}".strip()

            console.print(f"the foreign bank checks it: [bold green]{verifier_says()}[/]")
            with runtime.db.transaction() as session:
                credential_id = session.scalars(select(IssuedCredential.credential_id)).one()
            revoke(runtime.db, runtime.ctx, credential_id, reason="customer request")
            console.print(f"after the bank revokes {credential_id}: [bold red]{verifier_says()}[/]")
        runtime.db.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="passport-demo-") as tmp:
        d = Path(tmp)
        step("1. Keys and DIDs: the bank and the citizen")
        passport("key", "generate", "--type", "ed25519", "--out", "bank.jwk", cwd=d)
        passport("key", "generate", "--type", "ed25519", "--out", "citizen.jwk", cwd=d)
        bank = passport("did", "create", "--key", "bank.jwk", cwd=d, show=False).strip()
        citizen = passport("did", "create", "--key", "citizen.jwk", cwd=d, show=False).strip()
        console.print(f"bank    {bank}\ncitizen {citizen}")

        step("2. The bank publishes a revocation list (131,072 entries, signed)")
        out = passport(
            "status",
            "create",
            "--key",
            "bank.jwk",
            "--url",
            STATUS_URL,
            "--out",
            "status.json",
            "--json",
            cwd=d,
            show=False,
        )
        index = int(json.loads(out)["exampleEntry"]["statusListIndex"])
        console.print(f"status list written; this customer's credentials use random index {index}")

        step("3. The bank prepares KYC and proof-of-funds credentials from its records")
        now = datetime.now(UTC).replace(microsecond=0)
        status = credential_status_entry(STATUS_URL, index)
        kyc = build_kyc_credential(
            issuer=bank,
            holder=citizen,
            legal_name="CHEN Mei-Ling",
            given_name="Mei-Ling",
            family_name="Chen",
            birth_date=date(1990, 3, 14),
            nationality="TW",
            id_document_type="national_id",
            id_document_country="TW",
            id_document_number_hash=hash_id_document_number("A123456789", salt=b"demo-salt-16byte"),
            kyc_level="standard",
            verification_date=now.date(),
            status=status,
            valid_from=now,
            valid_until=now + timedelta(days=365),
        )
        statement = build_bank_statement_credential(
            issuer=bank,
            holder=citizen,
            account_holder_name="CHEN MEI-LING",
            bank_name="Bank of Taiwan",
            account_number="0123-4567-8901",
            currency="TWD",
            current_balance=Decimal("1250000.00"),
            average_balance=Decimal("980000.50"),
            averaging_period_months=6,
            as_of_date=now.date(),
            units_per_usd={"TWD": Decimal("32.5")},
            status=status,
            valid_from=now,
            valid_until=now + timedelta(days=90),
        )
        (d / "kyc.json").write_text(json.dumps(kyc, indent=2))
        (d / "statement.json").write_text(json.dumps(statement, indent=2))
        console.print(
            Panel(json.dumps(statement["credentialSubject"], indent=2), title="statement subject")
        )

        step("4. Issue: KYC as vc+sd-jwt, the statement as vc+sd-jwt, KYC also as Data Integrity")
        (d / "kyc.sdjwt").write_text(
            passport(
                "vc",
                "issue",
                "--key",
                "bank.jwk",
                "--format",
                "sd-jwt",
                "kyc.json",
                cwd=d,
                show=False,
            )
        )
        (d / "statement.sdjwt").write_text(
            passport(
                "vc",
                "issue",
                "--key",
                "bank.jwk",
                "--format",
                "sd-jwt",
                "statement.json",
                cwd=d,
                show=False,
            )
        )
        (d / "kyc.di.json").write_text(
            passport(
                "vc",
                "issue",
                "--key",
                "bank.jwk",
                "--format",
                "di-rdfc",
                "kyc.json",
                cwd=d,
                show=False,
            )
        )
        console.print("kyc.sdjwt, statement.sdjwt, kyc.di.json written")

        step("5. The foreign bank asks; the citizen discloses only what it needs")
        nonce = "n-" + now.strftime("%H%M%S")

        def present(credential: str, out: str, *disclose: str) -> None:
            args = ["--disclose", ",".join(disclose)] if disclose else []
            presentation = passport(
                "vc", "present", "--holder-key", "citizen.jwk", "--nonce", nonce,
                "--aud", VERIFIER, *args, credential, cwd=d, show=False,
            )  # fmt: skip
            (d / out).write_text(presentation)

        def check(file: str, *, nonce: str = nonce, aud: str = VERIFIER, expect: int = 0) -> str:
            report = passport(
                "vc", "verify", "--json", "--nonce", nonce, "--aud", aud,
                "--status-list", "status.json", file, cwd=d, expect=expect, show=False,
            )  # fmt: skip
            return verdict(report)

        present("kyc.sdjwt", "kyc.vp", "nationality", "kycLevel")
        present("statement.sdjwt", "funds.vp", "balanceAtLeast/USD_10000", "asOfDate")
        present("kyc.di.json", "kyc.di.vp")
        console.print("disclosed: nationality, kycLevel; balanceAtLeast USD_10000 and asOfDate")

        step(
            "6. The foreign bank verifies: signature, DID, disclosures, key binding, schema, status"
        )
        passport(
            "vc", "verify", "--nonce", nonce, "--aud", VERIFIER, "--status-list", "status.json",
            "funds.vp", cwd=d,
        )  # fmt: skip
        console.print(f"kyc.vp: [bold green]{check('kyc.vp')}[/]")
        console.print(
            f"kyc.di.vp (eddsa-rdfc-2022 presentation): [bold green]{check('kyc.di.vp')}[/]"
        )

        step("7. A replay to another verifier fails; so does a stale nonce")
        other = check("kyc.vp", aud="https://evil.example", expect=1)
        console.print(f"other audience: [bold red]{other}[/]")
        console.print(f"other nonce:    [bold red]{check('kyc.vp', nonce='n-old', expect=1)}[/]")

        step("8. The bank revokes; the same presentation is now refused")
        passport("status", "set", "status.json", "--key", "bank.jwk", "--index", str(index), cwd=d)
        console.print(f"after revocation: [bold red]{check('kyc.vp', expect=1)}[/]")
        trust_on_chain(now)
        console.rule("[bold green]demo complete")


if __name__ == "__main__":
    main()
