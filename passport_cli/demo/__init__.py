"""The demo: the whole cross-border onboarding story, narrated (``./run demo``, ``passport demo``).

A regulator accredits a Taiwanese bank on chain; a citizen's wallet enrolls a FIDO
authenticator with the bank and receives KYC and bank-statement credentials over OpenID4VCI;
a bank in Singapore shows its OpenID4VP onboarding QR; the wallet shows what it will disclose,
presents, and the verifier approves with its report. Then a citizen with too little money,
a revoked statement and a suspended bank are each refused with their reason.

By default everything runs in one process on the embedded chain (``embedded``). With
``--processes`` the same story runs with anvil, ``issuer serve`` and ``verifier serve`` as
separate processes on 127.0.0.1 and the citizens' ``wallet`` CLI as subprocesses
(``processes``). ``--lang zh-TW`` narrates in Traditional Chinese; ``--out DIR`` keeps the QR
PNGs (default: a temporary folder, removed at the end).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

__all__ = ["LANGUAGES", "main", "run"]

LANGUAGES = ("en", "zh-TW")


def run(*, lang: str = "en", out: Path | None = None, processes: bool = False) -> int:
    """Tell the story; 0 when every decision came out as the story says it should."""
    from passport_cli.demo.narration import Narrator, summary

    with tempfile.TemporaryDirectory(prefix="passport-demo-") as tmp:
        target = out or Path(tmp) / "out"
        target.mkdir(parents=True, exist_ok=True)
        narrator = Narrator(lang, target)
        if processes:
            from passport_cli.demo.processes import story as process_story

            decisions = process_story(narrator, Path(tmp))
        else:
            from passport_cli.demo.embedded import story

            decisions = story(narrator, Path(tmp))
    summary(narrator, decisions)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="demo", description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=LANGUAGES, default="en")
    parser.add_argument("--out", type=Path, help="where to write the QR PNGs")
    parser.add_argument(
        "--processes",
        action="store_true",
        help="anvil, the issuer and the verifier as processes on 127.0.0.1; the wallet CLI",
    )
    args = parser.parse_args(argv)
    return run(lang=args.lang, out=args.out, processes=args.processes)
