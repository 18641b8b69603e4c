"""``wallet fido enroll OFFER``: the bank's WebAuthn registration; the authenticator and the
FidoKeyBindingCredential go into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from wallet_cli import context, render
from wallet_cli.commands.credentials import (
    _check_offer_scheme,
    _offer_host,
    _offer_text,
    tx_code_for,
)
from wallet_cli.i18n import t

app = typer.Typer(help=t("help.fido"), no_args_is_help=True, rich_markup_mode=None)


def authenticator(kind: str) -> Any:
    from passport.errors import MalformedError
    from passport.wallet.fido import SoftwareHolder, UsbHolder

    if kind == "software":
        return SoftwareHolder()
    if kind == "usb":
        return UsbHolder()
    raise MalformedError("option_invalid", t("error.authenticator", value=kind))


@app.command("enroll", help=t("help.fido_enroll"))
def enroll(
    offer: Annotated[str | None, typer.Argument(help=t("help.offer"))] = None,
    qr: Annotated[Path | None, typer.Option("--qr", help=t("help.qr_offer"))] = None,
    pin: Annotated[str | None, typer.Option("--pin", help=t("help.pin"))] = None,
    kind: Annotated[
        str, typer.Option("--authenticator", help=t("help.authenticator"))
    ] = "software",
    as_json: Annotated[bool, typer.Option("--json", help=t("help.json"))] = False,
) -> None:
    from passport.wallet.flows import enroll_authenticator

    text = _offer_text(offer, qr)
    _check_offer_scheme(text)
    tx_code = tx_code_for(text, pin)
    device = authenticator(kind)
    with (
        context.open_wallet() as (st, state, secret),
        context.http_client() as http,
        render.progress("progress.enroll"),
    ):
        new_state, held = enroll_authenticator(
            text,
            tx_code=tx_code,
            state=state,
            authenticator=device,
            http=http,
            resolver=context.resolver(http),
            status_fetcher=context.status_fetcher(http),
            clock=context.clock(),
            allow_http=context.allow_http(_offer_host(text)),
        )
        st.save(new_state, secret)
    if as_json:
        render.print_json(render.credential_summary(held, None))
        return
    render.say("fido.done", id=held.id, kind=kind, issuer=held.issuer)
