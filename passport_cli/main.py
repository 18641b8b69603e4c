"""The ``passport`` toolbox CLI: keys, DIDs and credentials, a developer's knife.

Exit codes: 0 success (for ``vc verify``: verified), 1 not verified or a failed operation,
2 usage errors and bad input. Errors go to stderr as one line; tracebacks never show.
"""

from __future__ import annotations

import typer

from passport_cli.commands import chain, did, key, registry, status, vc
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
app.add_typer(status.app, name="status")
app.add_typer(chain.app, name="chain")
app.add_typer(registry.app, name="registry")


def run() -> None:
    """Console-script entry point: one place that turns library errors into exit codes.

    Click handles usage errors itself (exit 2); library errors become one line on stderr.
    """
    from passport.errors import ConfigurationError, MalformedError, PassportError

    try:
        app()
    except PassportError as err:
        bad_input = isinstance(err, MalformedError | ConfigurationError)
        fail(f"{err.code}: {err.message}", 2 if bad_input else 1)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        fail(f"internal_error: {type(exc).__name__}: {exc}", 1)


if __name__ == "__main__":
    run()
