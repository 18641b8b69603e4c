"""``passport status``: publish Bitstring Status Lists and revoke or suspend entries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

if TYPE_CHECKING:
    from passport.keys import PrivateKey
    from passport.status.bitstring import Purpose

from passport_cli.render import print_json, print_text

app = typer.Typer(
    help="Bitstring Status Lists: create, revoke/suspend, reinstate.", no_args_is_help=True
)
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
KeyOpt = Annotated[Path, typer.Option("--key", help="The issuer's private JWK file.")]


def _signer(key_path: Path, issuer: str | None) -> tuple[PrivateKey, str, str]:
    from passport.did.key import did_key_from_public_key
    from passport.securing import find_own_method
    from passport_cli.io import read_private_key
    from passport_cli.wiring import build_resolver

    key = read_private_key(key_path)
    did = issuer or did_key_from_public_key(key.public_key)
    vm = find_own_method(build_resolver(), did, key.public_key, "assertionMethod")
    return key, did, vm.id


@app.command("create")
def create(
    out: Annotated[Path, typer.Option("--out", help="Where to write the signed list credential.")],
    key: KeyOpt,
    url: Annotated[str, typer.Option("--url", help="The URL the list is published at (its id).")],
    purpose: Annotated[
        str, typer.Option("--purpose", help="revocation | suspension")
    ] = "revocation",
    issuer: Annotated[
        str | None, typer.Option("--issuer", help="Issuer DID (default: did:key).")
    ] = None,
    valid_days: Annotated[
        int, typer.Option("--valid-days", min=1, help="Validity of the list.")
    ] = 30,
    as_json: JsonOpt = False,
) -> None:
    """Create an empty status list (131,072 entries), sign it and write it to OUT."""
    from datetime import timedelta

    from passport.status import StatusList
    from passport.status.signed import sign_status_list
    from passport_cli.io import write_atomic
    from passport_cli.wiring import now

    if purpose not in ("revocation", "suspension"):
        raise typer.BadParameter("must be revocation or suspension", param_hint="--purpose")
    if out.exists():
        raise typer.BadParameter(
            f"{out} exists; a status list is never replaced by a new one", param_hint="--out"
        )
    signing_key, did, vm = _signer(key, issuer)
    status_list = StatusList()
    index = status_list.allocate()
    cred = sign_status_list(
        status_list,
        issuer=did,
        url=url,
        purpose=cast("Purpose", purpose),
        key=signing_key,
        verification_method=vm,
        now=now(),
        valid_for=timedelta(days=valid_days),
    )
    write_atomic(out, json.dumps(cred, indent=2) + "\n")
    entry = {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }
    if as_json:
        print_json({"path": str(out), "url": url, "size": status_list.size, "exampleEntry": entry})
    else:
        print_text(f"wrote a {status_list.size}-entry {purpose} list for {url} to {out}")
        print_text("a credentialStatus entry at a random index:\n" + json.dumps(entry, indent=2))


def _change(file: Path, key: Path, index: int, value: int, as_json: bool) -> None:
    from passport.status.signed import update_status_list
    from passport_cli.io import read_json, write_atomic
    from passport_cli.wiring import now

    current = read_json(file)
    issuer = current.get("issuer") if isinstance(current, dict) else None
    signing_key, _, vm = _signer(key, issuer if isinstance(issuer, str) else None)
    if not isinstance(current, dict):
        from passport.errors import MalformedError

        raise MalformedError("status_list_malformed", f"{file} is not a status list credential.")
    updated = update_status_list(
        current, {index: value}, key=signing_key, verification_method=vm, now=now()
    )
    write_atomic(file, json.dumps(updated, indent=2) + "\n")
    if as_json:
        print_json({"path": str(file), "index": index, "status": value})
    else:
        print_text(f"entry {index} of {file} is now {value} ({'set' if value else 'clear'})")


@app.command("set")
def set_entry(
    file: Annotated[Path, typer.Argument(help="The signed status list credential to change.")],
    key: KeyOpt,
    index: Annotated[int, typer.Option("--index", min=0, help="The credential's statusListIndex.")],
    as_json: JsonOpt = False,
) -> None:
    """Set an entry (revoke or suspend the credential at INDEX) and re-sign the list."""
    _change(file, key, index, 1, as_json)


@app.command("clear")
def clear_entry(
    file: Annotated[Path, typer.Argument(help="The signed status list credential to change.")],
    key: KeyOpt,
    index: Annotated[int, typer.Option("--index", min=0, help="The credential's statusListIndex.")],
    as_json: JsonOpt = False,
) -> None:
    """Clear an entry (reinstate a suspended credential) and re-sign the list."""
    _change(file, key, index, 0, as_json)
