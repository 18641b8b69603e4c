"""``wallet history [--export FILE]``: every disclosure, to whom, which claims, the answer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wallet_cli import context, render
from wallet_cli.i18n import t

app = typer.Typer(rich_markup_mode=None)


@app.command("history", help=t("help.history"))
def history(
    export: Annotated[Path | None, typer.Option("--export", help=t("help.history_export"))] = None,
    fmt: Annotated[str | None, typer.Option("--format", help=t("help.history_format"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=t("help.json"))] = False,
) -> None:
    from passport.keystore import write_atomic
    from passport.wallet.history import export_history

    state = context.read_only_state()
    if export is not None:
        kind = fmt or ("csv" if export.suffix.lower() == ".csv" else "json")
        text = export_history(state.history, kind)
        write_atomic(export, text.encode("utf-8"))
        render.say("history.exported", file=export, count=len(state.history), format=kind)
        return
    if as_json:
        render.print_json([e.to_dict() for e in state.history])
        return
    render.history_table(state.history)
