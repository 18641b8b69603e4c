"""``wallet init``, ``wallet did``, ``wallet export FILE``, ``wallet import FILE``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wallet_cli import context, render
from wallet_cli.i18n import t

app = typer.Typer(rich_markup_mode=None)

JsonOpt = Annotated[bool, typer.Option("--json", help=t("help.json"))]


@app.command("init", help=t("help.init"))
def init(
    kdf: Annotated[str | None, typer.Option("--kdf", help=t("help.kdf"))] = None,
    as_json: JsonOpt = False,
) -> None:
    from passport.wallet.model import new_wallet

    st = context.store(kdf)
    with st.locked():
        st.check_absent()
        secret = context.passphrase(confirm=True, prompt_key="prompt.new_passphrase")
        state = new_wallet(context.clock().now())
        st.create(state, secret)
    if as_json:
        render.print_json({"did": state.did, "wallet": str(st.directory)})
        return
    render.say("init.done", did=state.did, wallet=st.directory)


@app.command("did", help=t("help.did"))
def did(as_json: JsonOpt = False) -> None:
    state = context.read_only_state()
    if as_json:
        render.print_json({"did": state.did, "kid": state.kid})
        return
    render.out(state.did)


@app.command("export", help=t("help.export"))
def export(
    file: Annotated[Path, typer.Argument(help=t("help.export_file"))],
    as_json: JsonOpt = False,
) -> None:
    from passport.errors import MalformedError
    from passport.keystore import write_atomic
    from passport.wallet.store import export_backup

    if file.exists():
        raise MalformedError("file_exists", t("error.file_exists", path=file))
    with context.open_wallet() as (st, state, secret):
        write_atomic(file, export_backup(state, secret, st.params))
    counts = {
        "credentials": len(state.credentials),
        "authenticators": len(state.authenticators),
        "history": len(state.history),
    }
    if as_json:
        render.print_json({"file": str(file), **counts})
        return
    render.say("export.done", file=file, **counts)


@app.command("import", help=t("help.import"))
def import_(
    file: Annotated[Path, typer.Argument(help=t("help.import_file"))],
    as_json: JsonOpt = False,
) -> None:
    from passport.errors import ConfigurationError, MalformedError
    from passport.wallet.store import read_backup

    try:
        blob = file.read_bytes()
    except OSError as exc:
        raise MalformedError(
            "file_unreadable", t("error.file_unreadable", path=file, reason=exc)
        ) from None
    st = context.store()
    with st.locked():
        if st.exists():
            raise ConfigurationError(
                "wallet_exists", t("code.wallet_exists_import", wallet=st.directory)
            )
        secret = context.passphrase()
        state = read_backup(blob, secret)
        st.create(state, secret)
    if as_json:
        render.print_json({"did": state.did, "credentials": len(state.credentials)})
        return
    render.say(
        "import.done",
        did=state.did,
        credentials=len(state.credentials),
        authenticators=len(state.authenticators),
        history=len(state.history),
    )
