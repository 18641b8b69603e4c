"""``passport did ethr``: control a did:ethr in the chain's ERC-1056 registry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from passport_cli.render import print_json, print_text
from passport_cli.wiring import DEFAULT_DEPLOYMENT

app = typer.Typer(help="did:ethr controller operations (ERC-1056 registry).", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
DeploymentOpt = Annotated[
    Path, typer.Option("--deployment", help="The deployment file (from `passport chain deploy`).")
]
OwnerOpt = Annotated[
    Path, typer.Option("--owner-key", help="The identity owner's secp256k1 JWK (pays the gas).")
]
IdentityOpt = Annotated[
    str | None,
    typer.Option("--identity", help="The did:ethr to change (default: the owner key's own)."),
]
ValidOpt = Annotated[int, typer.Option("--valid-days", min=1, help="How long the entry is valid.")]


def _controller(
    deployment_path: Path, owner_key: Path, identity: str | None
) -> tuple[Any, list[str]]:
    from passport.did.ethr import parse_ethr_did
    from passport.did.ethr.controller import EthrDidController
    from passport_cli.io import read_private_key
    from passport_cli.wiring import fund_on_dev_chain, open_chain

    deployment, chain = open_chain(deployment_path)
    owner = read_private_key(owner_key)
    address = parse_ethr_did(identity).address if identity else None
    notes = []
    if fund_on_dev_chain(chain, chain.address_of(owner)):
        notes.append(f"funded {chain.address_of(owner)} for gas (dev chain)")
    return EthrDidController(chain, deployment, owner, identity=address), notes


def _report(
    controller: Any, results: list[Any], notes: list[str], what: str, as_json: bool
) -> None:
    if as_json:
        print_json(
            {"did": controller.did, "operations": [r.as_dict() for r in results], "notes": notes}
        )
        return
    for note in notes:
        print_text(note)
    gas = sum(r.gas_used for r in results)
    print_text(f"{what}: {controller.did} ({len(results)} tx, {gas} gas)")


@app.command("create")
def create(
    key: Annotated[
        Path,
        typer.Option("--key", help="A secp256k1 JWK (`passport key generate --type secp256k1`)."),
    ],
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    as_json: JsonOpt = False,
) -> None:
    """Print the did:ethr of a secp256k1 key on the deployment's chain (no transaction)."""
    from passport.chain.deployment import Deployment
    from passport.did.ethr import ethr_did
    from passport_cli.io import read_private_key

    chain_id = Deployment.load(deployment).chain_id
    did = ethr_did(read_private_key(key).eth_address(), chain_id)
    if as_json:
        print_json({"did": did, "chainId": chain_id})
    else:
        print_text(did)


@app.command("publish-key")
def publish_key(
    owner_key: OwnerOpt,
    ed25519_key: Annotated[Path, typer.Option("--ed25519-key", help="The Ed25519 JWK to publish.")],
    identity: IdentityOpt = None,
    valid_days: ValidOpt = 365,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    as_json: JsonOpt = False,
) -> None:
    """Publish an Ed25519 assertion key (it signs the DID's credentials)."""
    from passport_cli.io import read_private_key

    controller, notes = _controller(deployment, owner_key, identity)
    public = read_private_key(ed25519_key).public_key
    result = controller.publish_ed25519_assertion_key(public, valid_for=valid_days * 86400)
    _report(controller, [result], notes, "published an Ed25519 assertion key on", as_json)


@app.command("rotate-key")
def rotate_key(
    owner_key: OwnerOpt,
    old_key: Annotated[Path, typer.Option("--old-key", help="The Ed25519 key (JWK) to retire.")],
    new_key: Annotated[Path, typer.Option("--new-key", help="The Ed25519 key (JWK) to publish.")],
    identity: IdentityOpt = None,
    valid_days: ValidOpt = 365,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    as_json: JsonOpt = False,
) -> None:
    """Rotate the assertion key: revoke the old one, publish the new one."""
    from passport_cli.io import read_private_key

    controller, notes = _controller(deployment, owner_key, identity)
    old = read_private_key(old_key).public_key
    new = read_private_key(new_key).public_key
    results = list(controller.rotate_ed25519_assertion_key(old, new, valid_for=valid_days * 86400))
    _report(controller, results, notes, "rotated the assertion key of", as_json)


@app.command("add-service")
def add_service(
    owner_key: OwnerOpt,
    service_type: Annotated[str, typer.Option("--type", help="Service type, e.g. OID4VCI.")],
    endpoint: Annotated[str, typer.Option("--endpoint", help="Service endpoint URL.")],
    identity: IdentityOpt = None,
    valid_days: ValidOpt = 365,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    as_json: JsonOpt = False,
) -> None:
    """Add a service endpoint to the DID document."""
    controller, notes = _controller(deployment, owner_key, identity)
    result = controller.add_service(service_type, endpoint, valid_for=valid_days * 86400)
    _report(controller, [result], notes, f"added service {service_type} to", as_json)


@app.command("change-owner")
def change_owner(
    owner_key: OwnerOpt,
    new_owner: Annotated[str, typer.Option("--new-owner", help="The new owner's 0x address.")],
    identity: IdentityOpt = None,
    deployment: DeploymentOpt = DEFAULT_DEPLOYMENT,
    as_json: JsonOpt = False,
) -> None:
    """Hand the DID to another owner (the current owner key loses control)."""
    controller, notes = _controller(deployment, owner_key, identity)
    result = controller.change_owner(new_owner)
    _report(controller, [result], notes, f"changed the owner to {new_owner} of", as_json)
