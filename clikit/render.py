"""Output helpers shared by the commands: JSON for scripts, rich for people."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

from rich.console import Console

err_console = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
out_console = Console(highlight=False, soft_wrap=True, emoji=False)


def fail(message: str, code: int = 1) -> NoReturn:
    from rich.text import Text

    err_console.print(Text.assemble(("error", "bold red"), ": ", message))
    sys.exit(code)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def print_text(text: str) -> None:
    sys.stdout.write(text + "\n")


def render_report(report: Any, console: Console) -> None:
    """Print a VerificationReport for people: a verdict line and a table of checks."""
    from rich.table import Table

    from passport.report import Outcome, ReportStatus

    colour = {
        ReportStatus.VERIFIED: "green",
        ReportStatus.INVALID: "red",
        ReportStatus.INDETERMINATE: "yellow",
    }[report.status]
    console.print(f"[bold {colour}]{report.status.value.upper()}[/]  ({report.format})")
    marks = {
        Outcome.PASSED: "[green]ok[/]",
        Outcome.FAILED: "[red]FAIL[/]",
        Outcome.COULD_NOT_CHECK: "[yellow]??[/]",
    }

    def table_of(rep: Any, title: str | None) -> Table:
        table = Table(title=title, show_header=True, header_style="bold")
        table.add_column("check")
        table.add_column("outcome")
        table.add_column("code")
        table.add_column("message", overflow="fold")
        for check in rep.checks:
            table.add_row(check.name, marks[check.outcome], check.code or "", check.message)
        return table

    console.print(table_of(report, None))
    for i, sub in enumerate(report.credentials, 1):
        console.print(table_of(sub, f"credential {i} ({sub.format})"))
    subject = report.subject or {}
    if subject:
        console.print_json(data=subject)
