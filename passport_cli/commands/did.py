"""``passport did``: create and resolve DIDs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from passport_cli.render import print_json, print_text

app = typer.Typer(help="Create and resolve DIDs.", no_args_is_help=True)


def _add_ethr() -> None:
    from passport_cli.commands import ethr

    app.add_typer(ethr.app, name="ethr")


_add_ethr()


@app.command("create")
def create(
    key: Annotated[
        Path, typer.Option("--key", help="Private JWK file (from `passport key generate`).")
    ],
    method: Annotated[str, typer.Option("--method", help="key | jwk")] = "key",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Print the DID of a key (did:key by default)."""
    from passport.did.jwk import did_jwk_from_public_key
    from passport.did.key import did_key_from_public_key
    from passport_cli.io import read_private_key

    makers = {"key": did_key_from_public_key, "jwk": did_jwk_from_public_key}
    if method not in makers:
        raise typer.BadParameter("must be key or jwk", param_hint="--method")
    public = read_private_key(key).public_key
    did = makers[method](public)
    if as_json:
        print_json({"did": did, "method": method, "keyType": public.type.value})
    else:
        print_text(did)


@app.command("resolve")
def resolve(
    did: Annotated[str, typer.Argument(help="The DID (or DID URL with ?versionId=N) to resolve.")],
    deployment: Annotated[
        Path | None,
        typer.Option(
            "--deployment", help="Deployment file for did:ethr (default .passport/deployment.json)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Resolve a DID and print its DID document (JSON)."""
    from passport_cli.wiring import build_resolver

    doc = build_resolver(deployment, did=did).resolve(did)
    if as_json:
        print_json({"didDocument": dict(doc.data), "didDocumentMetadata": dict(doc.metadata)})
    else:
        print_json(dict(doc.data))
