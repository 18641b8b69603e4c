"""The ``passport`` toolbox CLI: keys, DIDs and credentials, a developer's knife.

Exit codes: 0 success (for ``vc verify``: verified), 1 not verified or a failed operation,
2 usage errors and bad input. Errors go to stderr as one line; tracebacks never show.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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


@app.command("demo")
def demo(
    lang: Annotated[str, typer.Option("--lang", help="Narration language: en or zh-TW.")] = "en",
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write the QR PNGs (default: a temp dir).")
    ] = None,
    processes: Annotated[
        bool,
        typer.Option(
            "--processes",
            help="Run anvil, the issuer and the verifier as processes on 127.0.0.1 and the "
            "wallet CLI as subprocesses (default: everything in one process, embedded chain).",
        ),
    ] = False,
) -> None:
    """The cross-border onboarding story, narrated: a Taiwanese bank's credentials in a
    citizen's wallet, verified by a bank in Singapore (also `./run demo`)."""
    from passport_cli.demo import LANGUAGES, run

    if lang not in LANGUAGES:
        raise typer.BadParameter(f"one of {', '.join(LANGUAGES)}", param_hint="--lang")
    raise typer.Exit(run(lang=lang, out=out, processes=processes))


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
