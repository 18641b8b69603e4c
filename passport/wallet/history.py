"""The disclosure history as a citizen's record: JSON (every field) or CSV (one row per
credential disclosed, or one row for an answer that disclosed nothing).

Error code: ``history_format_unsupported`` (ConfigurationError).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Final

from passport.errors import ConfigurationError
from passport.wallet.model import HistoryEntry

__all__ = ["CSV_COLUMNS", "export_history"]

CSV_COLUMNS: Final = (
    "at",
    "verifier",
    "verifier_accreditation",
    "outcome",
    "response_mode",
    "query_id",
    "credential_id",
    "credential_type",
    "claims",
    "verifier_answer",
    "redirect_uri",
)


def export_history(entries: Sequence[HistoryEntry], fmt: str) -> str:
    """``entries`` as ``json`` or ``csv`` text. Raises ``history_format_unsupported``."""
    if fmt == "json":
        return json.dumps([e.to_dict() for e in entries], indent=2, ensure_ascii=False) + "\n"
    if fmt != "csv":
        raise ConfigurationError(
            "history_format_unsupported",
            f"History exports are json or csv, not {fmt!r}; name the file .json or .csv.",
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        common = [
            e.at,
            e.verifier,
            e.verifier_accreditation or "",
            e.outcome,
            e.response_mode or "",
        ]
        tail = [
            json.dumps(e.verifier_answer, ensure_ascii=False) if e.verifier_answer else "",
            e.redirect_uri or "",
        ]
        if not e.disclosed:
            writer.writerow([*common, "", "", "", "", *tail])
        for d in e.disclosed:
            writer.writerow(
                [*common, d.query_id, d.credential_id, d.credential_type, " ".join(d.claims), *tail]
            )
    return out.getvalue()
