"""The ``issuer``: the bank's issuer service.

Thin for now; its commands arrive with the issuer service issue.

Until then ``passport vc present`` / ``passport vc verify`` cover the same ground by hand.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="issuer",
    help="The bank's issuer service (commands arrive with the issuer service issue).",
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
