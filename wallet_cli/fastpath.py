"""``wallet list`` without typer: the command a citizen runs most, answered in the start-up
budget (issue 9 item 7: ``wallet list`` <= 0.25 s).

Building the typer tree costs more than the listing itself: importing typer and every command
group, and for each option pydantic ``TypeAdapter`` work (typer coerces every non-flag value
through pydantic, importing it). Only the plain form is taken here, parsed exactly as click
parses it::

    wallet [--wallet DIR] [--passphrase-file FILE] [--lang L] [--deployment FILE] \\
        list [--json] [--refresh]

(``--opt VALUE`` or ``--opt=VALUE``, each global option at most once, a value that is not
empty and does not start with ``-``). Anything else (``--help``, another command, an unknown
or misplaced option) returns None and goes to typer, which owns usage errors and help. Both
paths run ``wallet_cli.listing.list_credentials`` with the same ``context.Options``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

GLOBAL_OPTIONS = ("--wallet", "--passphrase-file", "--lang", "--deployment")
LIST_FLAGS = ("--json", "--refresh")


@dataclass(frozen=True)
class ListCall:
    """A parsed plain ``wallet list``: the global options' values (None: not given)."""

    globals: dict[str, str]
    as_json: bool
    refresh: bool


def parse_list(argv: Sequence[str]) -> ListCall | None:
    """The ``ListCall`` of ``argv`` when it is a plain ``wallet list``, else None."""
    values: dict[str, str] = {}
    i = 0
    while i < len(argv) and argv[i].startswith("--"):
        name, eq, value = argv[i].partition("=")
        if name not in GLOBAL_OPTIONS or name in values:
            return None
        if not eq:
            if i + 1 >= len(argv):
                return None
            i += 1
            value = argv[i]
        if not value or value.startswith("-"):
            return None
        values[name] = value
        i += 1
    if i >= len(argv) or argv[i] != "list":
        return None
    flags = argv[i + 1 :]
    if any(f not in LIST_FLAGS for f in flags):
        return None
    return ListCall(values, as_json="--json" in flags, refresh="--refresh" in flags)


def dispatch(argv: Sequence[str]) -> bool:
    """Run ``argv`` when it is a plain ``wallet list`` and return True; else False (typer's
    turn). Does what the typer callback and command do, in the same order."""
    call = parse_list(argv)
    if call is None:
        return False
    from wallet_cli import context, i18n, listing

    def path(name: str) -> Path | None:
        value = call.globals.get(name)
        return Path(value) if value is not None else None

    lang = call.globals.get("--lang", i18n.language())
    i18n.set_language(i18n.normalise(lang))
    context.set_options(
        context.Options.resolve(
            path("--wallet"), path("--passphrase-file"), lang, path("--deployment")
        )
    )
    listing.list_credentials(refresh=call.refresh, as_json=call.as_json)
    return True
