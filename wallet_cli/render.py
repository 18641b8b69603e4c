"""Everything the wallet prints: rich tables for people, JSON for scripts, errors on stderr.
Every text comes from the i18n catalog."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

from wallet_cli.i18n import t

if TYPE_CHECKING:
    from rich.console import Console

    from passport.errors import PassportError
    from passport.wallet.model import HeldCredential, HistoryEntry
    from passport.wallet.presentation import ConsentPlan


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True, emoji=False)


@contextmanager
def progress(key: str) -> Iterator[None]:
    """A spinner on stderr while something slow runs (only on a terminal)."""
    console = _console(stderr=True)
    if not console.is_terminal:
        yield
        return
    with console.status(t(key)):
        yield


def out(text: str) -> None:
    _console().print(text, markup=False)


def say(key: str, **values: Any) -> None:
    _console().print(t(key, **values), markup=False)


def warn(key: str, **values: Any) -> None:
    """A warning on stderr (stdout stays clean for --json)."""
    _console(stderr=True).print(t(key, **values), markup=False)


def json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def fail(err: PassportError, exit_code: int) -> NoReturn:
    """One line on stderr: the code and the message (translated when the catalog has it)."""
    from wallet_cli.i18n import translated

    message = translated(f"code.{err.code}", **_safe(err.details)) or err.message
    _console(stderr=True).print(f"{t('label.error')} [{err.code}]: {message}", markup=False)
    raise SystemExit(exit_code)


def fail_text(code: str, text: str, exit_code: int) -> NoReturn:
    _console(stderr=True).print(f"{t('label.error')} [{code}]: {text}", markup=False)
    raise SystemExit(exit_code)


def _safe(details: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in details.items() if isinstance(v, (str, int, float))}


def _short(value: Any, width: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def status_label(status: str) -> str:
    return t(f"status.{status}", _default=status)


def copies_text(held: HeldCredential, unused: int | None) -> str:
    """ "N of M copies unused" for a batch credential, "-" for one issued once."""
    if not held.is_batch or unused is None:
        return "-"
    return t("value.copies", unused=unused, total=len(held.copies))


def credential_summary(
    held: HeldCredential, accreditation: str | None, unused: int | None = None
) -> dict[str, Any]:
    copies = {"copies": len(held.copies), "copies_unused": unused} if held.is_batch else {}
    return {
        **copies,
        "id": held.id,
        "type": held.display_type,
        "format": held.format,
        "issuer": held.issuer,
        "issuer_accreditation": accreditation,
        "valid_from": held.valid_from,
        "valid_until": held.valid_until,
        "status": held.status,
        "status_checked_at": held.status_checked_at,
    }


def credentials_table(
    rows: Sequence[tuple[HeldCredential, str | None]], unused: Mapping[str, int] | None = None
) -> None:
    from rich.table import Table

    if not rows:
        say("list.empty")
        return
    table = Table(title=t("list.title"))
    for key in (
        "col.id",
        "col.type",
        "col.issuer",
        "col.accredited",
        "col.valid_until",
        "col.status",
        "col.copies",
    ):
        table.add_column(t(key))
    for held, accreditation in rows:
        table.add_row(
            held.id,
            held.display_type,
            _short(held.issuer, 40),
            accreditation or t("value.unknown"),
            (held.valid_until or "-")[:10],
            status_label(held.status),
            copies_text(held, (unused or {}).get(held.id)),
        )
    _console().print(table)


def warn_low_copies(low: Sequence[HeldCredential], unused: Mapping[str, int]) -> None:
    """On stderr: the batch credentials running out of unused copies."""
    for held in low:
        _console(stderr=True).print(
            t("warn.low_copies", type=held.display_type, id=held.id, unused=unused[held.id]),
            markup=False,
        )


def credential_detail(
    held: HeldCredential,
    accreditation: str | None,
    claims: Mapping[str, Any],
    unused: int | None = None,
) -> None:
    from rich.table import Table

    table = Table(title=t("show.title", id=held.id), show_header=False)
    table.add_column()
    table.add_column()
    for key, value in (
        ("col.type", held.display_type),
        ("col.format", held.format),
        ("col.issuer", held.issuer),
        ("col.accredited", accreditation or t("value.unknown")),
        ("col.valid_from", held.valid_from or "-"),
        ("col.valid_until", held.valid_until or "-"),
        ("col.status", f"{status_label(held.status)} ({held.status_checked_at or '-'})"),
        ("col.received", held.received_at),
        ("col.copies", copies_text(held, unused)),
    ):
        table.add_row(t(key), value)
    _console().print(table)
    claim_table = Table(title=t("show.claims"))
    claim_table.add_column(t("col.claim"))
    claim_table.add_column(t("col.value"))
    for name, value in _flatten(claims):
        claim_table.add_row(name, _short(value, 70))
    _console().print(claim_table)


def _flatten(value: Any, prefix: str = "") -> Iterable[tuple[str, Any]]:
    if isinstance(value, Mapping) and value:
        for k, v in value.items():
            yield from _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    else:
        yield prefix, value


def consent_screen(
    verifier: str, accreditation: str | None, signed: bool, plan: ConsentPlan
) -> None:
    from rich.table import Table

    from passport.wallet.presentation import format_claim_path

    say("consent.who", verifier=verifier)
    say(
        "consent.trust",
        how=t("consent.signed") if signed else t("consent.unsigned"),
        accreditation=accreditation or t("consent.no_accreditation"),
    )
    table = Table(title=t("consent.title"))
    for key in ("col.query", "col.credential", "col.claim", "col.value"):
        table.add_column(t(key))
    for item in plan.items:
        label = f"{item.credential.display_type} ({item.credential.id})"
        if not item.claims:
            extra = t("consent.fido") if item.is_fido_binding else t("consent.no_claims")
            table.add_row(item.query_id, label, extra, "")
        for path, values in item.claims:
            shown = ", ".join(_short(v, 50) for v in values)
            table.add_row(item.query_id, label, format_claim_path(path), shown)
    _console().print(table)


def history_table(entries: Sequence[HistoryEntry]) -> None:
    from rich.table import Table

    if not entries:
        say("history.empty")
        return
    table = Table(title=t("history.title"))
    for key in ("col.when", "col.verifier", "col.outcome", "col.disclosed", "col.answer"):
        table.add_column(t(key))
    for e in entries:
        disclosed = "; ".join(
            f"{d.credential_type}: {', '.join(d.claims) or '-'}" for d in e.disclosed
        )
        answer = json.dumps(e.verifier_answer, ensure_ascii=False) if e.verifier_answer else "-"
        table.add_row(
            e.at,
            _short(e.verifier, 50),
            t(f"outcome.{e.outcome}", _default=e.outcome),
            disclosed or "-",
            _short(answer, 50),
        )
    _console().print(table)
