"""The shape shared by the console scripts whose commands have not landed yet."""

from __future__ import annotations

import typer


def thin_app(name: str, help_text: str) -> typer.Typer:
    """A Typer app with only ``version``, kept a group so later commands slot in."""
    app = typer.Typer(
        name=name,
        help=help_text,
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

    return app
