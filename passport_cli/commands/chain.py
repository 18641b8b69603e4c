"""``passport chain``: a local anvil node and the contracts' deployment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from passport_cli.render import out_console, print_json, print_text

app = typer.Typer(help="Local chain (anvil) and contract deployment.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
StateOpt = Annotated[
    Path, typer.Option("--state", help="Where anvil keeps its state, pid and log.")
]
DEFAULT_STATE = Path(".passport/anvil")


def _status_dict(status: Any) -> dict[str, Any]:
    return dict(status.as_dict())


@app.command("up")
def up(
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port on 127.0.0.1.")
    ] = 8545,
    state: StateOpt = DEFAULT_STATE,
    as_json: JsonOpt = False,
) -> None:
    """Start anvil in the background on 127.0.0.1; its state survives restarts."""
    from passport.chain import node

    status = node.up(port=port, state_dir=state)
    if as_json:
        print_json(_status_dict(status))
    else:
        print_text(f"anvil is up at {status.url} (chain id {status.chain_id}); state in {state}")


@app.command("status")
def status(state: StateOpt = DEFAULT_STATE, as_json: JsonOpt = False) -> None:
    """Say whether the local anvil runs and answers. Exit 1 when it does not."""
    from passport.chain import node

    current = node.status(state)
    if as_json:
        print_json(_status_dict(current))
    elif current.running:
        print_text(
            f"running: pid {current.pid}, {current.url}, chain id {current.chain_id}, "
            f"block {current.block_number}"
        )
    else:
        print_text(f"not running (state dir {state})")
    raise typer.Exit(0 if current.running and current.answering else 1)


@app.command("down")
def down(state: StateOpt = DEFAULT_STATE, as_json: JsonOpt = False) -> None:
    """Stop the local anvil (it writes its state first)."""
    from passport.chain import node

    stopped = node.down(state)
    if as_json:
        print_json({"stopped": stopped, "state": str(state)})
    else:
        print_text("anvil stopped" if stopped else "anvil was not running")


@app.command("deploy")
def deploy(
    rpc: Annotated[str, typer.Option("--rpc", help="JSON-RPC URL of the chain.")] = (
        "http://127.0.0.1:8545"
    ),
    out: Annotated[Path, typer.Option("--out", help="Where to write the deployment file.")] = Path(
        ".passport/deployment.json"
    ),
    key: Annotated[
        Path | None,
        typer.Option("--key", help="Deployer (regulator) secp256k1 JWK; default: dev account 0."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Deploy the DID, trust and status registries and write the deployment file."""
    from passport.chain.client import Chain
    from passport.chain.deployment import deploy as deploy_contracts
    from passport_cli.io import read_private_key

    chain = Chain.connect(rpc)
    sender: Any = read_private_key(key) if key is not None else chain.accounts[0]
    deployment = deploy_contracts(chain, sender)
    deployment.save(out)
    gas = [g.as_dict() for g in chain.gas_table()]
    if as_json:
        print_json({"deployment": deployment.to_dict(), "path": str(out), "gas": gas})
        return
    from rich.table import Table

    table = Table(
        title=f"deployed on chain {deployment.chain_id} at block {deployment.deploy_block}"
    )
    table.add_column("contract")
    table.add_column("address")
    for name, address in deployment.addresses.items():
        table.add_row(name, address)
    out_console.print(table)
    print_text(f"deployment file: {out}")
