"""The ``passport`` toolbox CLI: keys, DIDs and credentials, a developer's knife.

Exit codes: 0 success (for ``vc verify``: verified), 1 not verified or a failed operation,
2 usage errors and bad input. Errors go to stderr as one line; tracebacks never show.
"""

from __future__ import annotations

import sys

import typer

from passport_cli.commands import did, key, vc
from passport_cli.render import fail

app = typer.Typer(
    name="passport",
    help="Digital Financial Passport toolbox: keys, DIDs, verifiable credentials.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
app.add_typer(key.app, name="key")
app.add_typer(did.app, name="did")
app.add_typer(vc.app, name="vc")


def run() -> None:
    """Console-script entry point: one place that turns library errors into exit codes."""
    from passport.errors import ConfigurationError, MalformedError, PassportError

    try:
        app(standalone_mode=False)
    except PassportError as err:
        bad_input = isinstance(err, MalformedError | ConfigurationError)
        fail(f"{err.code}: {err.message}", 2 if bad_input else 1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        fail("aborted", 1)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        fail(f"internal_error: {type(exc).__name__}: {exc}", 1)
    sys.exit(0)


if __name__ == "__main__":
    run()
