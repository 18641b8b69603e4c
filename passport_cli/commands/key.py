"""``passport key``: generate keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from passport_cli.render import print_json, print_text

app = typer.Typer(help="Generate keys (private JWK files, mode 0600).", no_args_is_help=True)

KEY_TYPES = ("ed25519", "p256", "secp256k1")


@app.command("generate")
def generate(
    out: Annotated[Path, typer.Option("--out", help="Where to write the private JWK.")],
    key_type: Annotated[
        str, typer.Option("--type", help="ed25519 | p256 | secp256k1", case_sensitive=False)
    ] = "ed25519",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Generate a private key and write it as a JWK to OUT (readable by you only)."""
    from passport.did.key import did_key_from_public_key
    from passport.keys import KeyType, PrivateKey
    from passport_cli.io import write_secret

    if key_type.lower() not in KEY_TYPES:
        raise typer.BadParameter(f"must be one of {', '.join(KEY_TYPES)}", param_hint="--type")
    key = PrivateKey.generate(KeyType(key_type.lower()))
    write_secret(out, json.dumps(key.to_jwk(), indent=2) + "\n", force=force)
    did = did_key_from_public_key(key.public_key)
    if as_json:
        print_json(
            {
                "path": str(out),
                "type": key.type.value,
                "did": did,
                "publicJwk": key.public_key.to_jwk(),
            }
        )
    else:
        print_text(f"wrote {key.type.value} key to {out} (mode 0600)\n{did}")
