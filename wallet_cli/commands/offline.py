"""``wallet proof-qr``: an offline proof QR (issue 11) for a verifier with no network.

The QR discloses the chosen claims of the wallet's offline credential and the holder's
signature over the verifier's code (``--challenge``) or the current 5-minute slot; it is
drawn in the terminal and written as a PNG, and the disclosure goes into the history.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wallet_cli import context, render
from wallet_cli.i18n import t

app = typer.Typer(rich_markup_mode=None)


def _claims(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


@app.command("proof-qr", help=t("help.proof_qr"))
def proof_qr(
    kind: Annotated[str, typer.Option("--type", help=t("help.proof_type"))],
    out: Annotated[Path, typer.Option("--out", help=t("help.proof_out"))],
    claims: Annotated[str, typer.Option("--claims", help=t("help.proof_claims"))] = "",
    challenge: Annotated[str | None, typer.Option("--challenge", help=t("help.challenge"))] = None,
    no_terminal: Annotated[bool, typer.Option("--no-terminal", help=t("help.no_terminal"))] = False,
    as_json: Annotated[bool, typer.Option("--json", help=t("help.json"))] = False,
) -> None:
    from passport.errors import MalformedError
    from passport.offline import qr_image, qr_terminal, qr_version
    from passport.wallet.offline import OFFLINE_KINDS, make_proof_qr

    if kind not in OFFLINE_KINDS:
        raise MalformedError("option_invalid", f"--type {kind!r}: bank-statement or kyc.")
    now = context.clock().now()
    with context.open_wallet() as (st, state, secret):
        new_state, qr = make_proof_qr(
            state, kind=kind, claims=_claims(claims), now=now, challenge=challenge
        )
        try:
            qr_image(qr.text).save(out, format="PNG")
        except OSError as exc:
            raise MalformedError(
                "option_invalid", f"--out {out}: cannot write the PNG ({exc.strerror})."
            ) from None
        st.save(new_state, secret)
    version = qr_version(qr.text)
    if as_json:
        render.print_json(
            {
                "file": str(out),
                "credential_id": qr.credential.id,
                "claims": list(qr.claims),
                "binding": qr.binding,
                "version": version,
                "characters": len(qr.text),
                "text": qr.text,
            }
        )
        return
    if not no_terminal:
        render.out(qr_terminal(qr.text))
    binding = (
        t("proof_qr.challenge", code=qr.binding)
        if isinstance(qr.binding, str)
        else t("proof_qr.slot", time=now.isoformat(timespec="minutes"))
    )
    render.say(
        "proof_qr.done",
        type=qr.credential.display_type,
        file=out,
        claims=", ".join(qr.claims) or t("proof_qr.nothing"),
        binding=binding,
        version=version,
        chars=len(qr.text),
    )
