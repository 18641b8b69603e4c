"""The ``wallet`` command tree: one ``Typer()`` per command group (``wallet_cli/commands``),
the global options in the callback. ``wallet_cli.main.run`` is the entry point; it answers
plain ``wallet list`` without building this tree (``wallet_cli/fastpath.py``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

from wallet_cli import i18n

# The language must be known before the commands' help texts are built.
i18n.set_language(i18n.detect(sys.argv[1:], os.environ))

import typer  # noqa: E402

from wallet_cli import context  # noqa: E402
from wallet_cli.commands import credentials, fido, history, offline, present, store  # noqa: E402
from wallet_cli.i18n import t  # noqa: E402

app = typer.Typer(
    name="wallet",
    help=t("help.app"),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    # plain click help: rich's help renderer (markdown-it and all) costs ~0.2 s per start-up
    rich_markup_mode=None,
)


@app.callback()
def main(
    wallet: Annotated[
        Path | None, typer.Option("--wallet", help=t("help.wallet"), show_default=False)
    ] = None,
    passphrase_file: Annotated[
        Path | None, typer.Option("--passphrase-file", help=t("help.passphrase_file"))
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help=t("help.lang"))] = i18n.language(),
    deployment: Annotated[
        Path | None, typer.Option("--deployment", help=t("help.deployment"))
    ] = None,
) -> None:
    i18n.set_language(i18n.normalise(lang))
    context.set_options(context.Options.resolve(wallet, passphrase_file, lang, deployment))


@app.command("version", help=t("help.version"))
def version() -> None:
    from importlib.metadata import version as dist_version

    typer.echo(dist_version("digital-financial-passport"))


app.add_typer(store.app)
app.add_typer(credentials.app)
app.add_typer(present.app)
app.add_typer(history.app)
app.add_typer(offline.app)
app.add_typer(fido.app, name="fido")
