"""The ``wallet`` command: the citizen's wallet.

Exit codes: 0 success, 1 a refusal or a failed check (the verifier or issuer said no, a
credential was rejected, something could not be reached), 2 bad input or usage. Errors go
to stderr as one line with their code; tracebacks never show. Texts are English or
Traditional Chinese (``--lang en|zh-TW``, else ``$WALLET_LANG``, else the locale).

Start-up: this module imports neither typer nor the commands. ``run`` answers a plain
``wallet list`` (global options, ``--json``, ``--refresh``) through ``wallet_cli.fastpath``,
the same function the typer command calls; everything else builds the typer tree of
``wallet_cli.app`` (``wallet_cli.main.app`` still names it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from wallet_cli import i18n

# The language must be known before the commands' help texts are built.
i18n.set_language(i18n.detect(sys.argv[1:], os.environ))


def __getattr__(name: str) -> Any:
    if name == "app":  # the typer application, built on first use
        from wallet_cli.app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: library errors become one line and an exit code."""
    from passport.errors import ConfigurationError, MalformedError, PassportError
    from wallet_cli import fastpath
    from wallet_cli.i18n import t
    from wallet_cli.render import fail, fail_text

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if not fastpath.dispatch(args):
            from wallet_cli.app import app

            app(args=args, prog_name="wallet")
    except PassportError as err:
        fail(err, 2 if isinstance(err, MalformedError | ConfigurationError) else 1)
    except KeyboardInterrupt:
        fail_text("interrupted", t("error.interrupted"), 130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        fail_text("internal_error", f"{type(exc).__name__}: {exc}", 1)


if __name__ == "__main__":
    run()
