"""``passport registry``: the regulator accredits, suspends, reinstates and revokes issuers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from passport_cli.render import out_console, print_json, print_text
from passport_cli.wiring import DEFAULT_DEPLOYMENT

app = typer.Typer(help="The on-chain trust registry (regulator).", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
DeploymentOpt = Annotated[
    Path, typer.Option("--deployment", help="The deployment file (from `passport chain deploy`).")
]
KeyOpt = Annotated[
    Path | None,
    typer.Option(
        "--key", help="Regulator/accreditor secp256k1 JWK; default: the deployer account."
    ),
]
IssuerArg = Annotated[str, typer.Argument(help="The issuer's did:ethr (or 0x address).")]


def _day(text: str, option: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
    except ValueError:
        raise typer.BadParameter("use a date like 2027-12-31", param_hint=option) from None


def _client(deployment_path: Path, key: Path | None) -> Any:
    from passport.chain.registries import TrustRegistryClient
    from passport_cli.wiring import chain_sender, open_chain

    deployment, chain = open_chain(deployment_path)
    return TrustRegistryClient(chain, deployment, sender=chain_sender(key, chain, deployment))


def _done(result: Any, what: str, as_json: bool) -> None:
    if as_json:
        print_json(result.as_dict())
    else:
        print_text(
            f"{what} (tx {result.tx_hash}, block {result.block_number}, gas {result.gas_used})"
        )


@app.command("accredit")
def accredit(
    issuer: IssuerArg,
    types: Annotated[str, typer.Option("--types", help="Credential types, comma-separated.")],
    jurisdiction: Annotated[
        str, typer.Option("--jurisdiction", help="ISO 3166-1 alpha-2, e.g. TW.")
    ],
    valid_from: Annotated[
        str | None, typer.Option("--from", help="Start date (default: now).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="End date (default: in a year).")
    ] = None,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Accredit ISSUER for credential types in a jurisdiction over a validity window."""
    from passport_cli.wiring import now

    start = _day(valid_from, "--from") if valid_from else now()
    end = _day(until, "--until") if until else start + timedelta(days=365)
    names = [t.strip() for t in types.split(",") if t.strip()]
    result = _client(deployment, key).accredit(issuer, names, jurisdiction.upper(), start, end)
    _done(result, f"accredited {issuer} for {', '.join(names)} in {jurisdiction.upper()}", as_json)


@app.command("suspend")
def suspend(
    issuer: IssuerArg,
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded on chain).")] = "",
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Suspend every accreditation of ISSUER from now on."""
    _done(_client(deployment, key).suspend(issuer, reason), f"suspended {issuer}", as_json)


@app.command("reinstate")
def reinstate(
    issuer: IssuerArg,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """End the suspension of ISSUER."""
    _done(_client(deployment, key).reinstate(issuer), f"reinstated {issuer}", as_json)


@app.command("revoke")
def revoke(
    issuer: IssuerArg,
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded on chain).")] = "",
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Revoke every accreditation of ISSUER for good."""
    _done(_client(deployment, key).revoke(issuer, reason), f"revoked {issuer}", as_json)


@app.command("show")
def show(
    issuer: IssuerArg,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    as_json: JsonOpt = False,
) -> None:
    """Show ISSUER's trust history and its status today for the project's credential types."""
    from passport.credentials import CREDENTIAL_TYPES
    from passport_cli.wiring import now

    client = _client(deployment, None)
    events = client.history(issuer)
    at = now()
    current = {t: client.status(issuer, t, at) for t in CREDENTIAL_TYPES}
    if as_json:
        print_json({"issuer": issuer, "status": current, "history": [e.as_dict() for e in events]})
        return
    from rich.table import Table

    table = Table(title=f"trust history of {issuer}")
    for column in (
        "block",
        "time (UTC)",
        "event",
        "types",
        "jurisdiction",
        "window",
        "by",
        "reason",
    ):
        table.add_column(column, overflow="fold")
    for e in events:
        window = (
            f"{e.valid_from:%Y-%m-%d} .. {e.valid_until:%Y-%m-%d}"
            if e.valid_from and e.valid_until
            else ""
        )
        table.add_row(
            str(e.block),
            f"{e.timestamp:%Y-%m-%d %H:%M:%S}",
            e.kind,
            ", ".join(e.types),
            e.jurisdiction or "",
            window,
            e.by,
            e.reason or "",
        )
    out_console.print(table)
    for name, state in current.items():
        print_text(f"{name}: {state}")
