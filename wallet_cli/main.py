"""The ``wallet``: the citizen's wallet.

Thin for now; its commands arrive with the wallet issue.

Until then ``passport vc present`` / ``passport vc verify`` cover the same ground by hand.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="wallet",
    help="The citizen's wallet (commands arrive with the wallet issue).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """Keep ``version`` a subcommand while it is the only one."""


@app.command("version")
def version() -> None:
    """Print the version of the passport software."""
    from importlib.metadata import version as dist_version

    typer.echo(dist_version("digital-financial-passport"))


def run() -> None:
    app()


if __name__ == "__main__":
    run()
